package store

import (
	"errors"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func mustChild(t *testing.T, j *Journal, parent string, c Child) Child {
	t.Helper()
	got, err := j.BeginChild(parent, c)
	if err != nil {
		t.Fatalf("BeginChild %s %d: %v", c.Operation, c.AmountMinor, err)
	}
	return got
}

func childEv(t *testing.T, j *Journal, parent, id string, ev Event) Child {
	t.Helper()
	c, _, err := j.RecordChild(parent, id, ev)
	if err != nil {
		t.Fatalf("RecordChild %s %s: %v", ev.Type, ev.Status, err)
	}
	return c
}

// settle walks a child through accepted (serial sn) to a final status.
func settle(t *testing.T, j *Journal, parent, id, sn string, st Status) Child {
	t.Helper()
	childEv(t, j, parent, id, Event{Type: EventChildAccepted, Fields: map[string]string{FieldSerialNumber: sn}})
	return childEv(t, j, parent, id, Event{Type: EventChildFinal, Status: st})
}

// TestChildTransitions lists a child's (state, event) pairs: the same rules
// table as the payment's, decided against the child's own state and serial.
func TestChildTransitions(t *testing.T) {
	sn := func(s string) map[string]string { return map[string]string{FieldSerialNumber: s} }
	cases := []struct {
		cur  Status
		sn   string
		ev   Event
		next Status
		out  Outcome
	}{
		{StatusApproved, "", Event{Type: EventChild}, StatusPending, OutcomeApplied},
		{StatusDeclined, "", Event{Type: EventChild}, StatusDeclined, OutcomeStale},
		{StatusUnknown, "", Event{Type: EventChild}, StatusUnknown, OutcomeStale},
		{StatusPending, "", Event{Type: EventChildAccepted, Fields: sn("S1")}, StatusAccepted, OutcomeApplied},
		{StatusAccepted, "S1", Event{Type: EventChildAccepted, Fields: sn("S1")}, StatusAccepted, OutcomeRepeat},
		{StatusAccepted, "S1", Event{Type: EventChildAccepted, Fields: sn("S2")}, StatusAccepted, OutcomeConflict},
		{StatusUnknown, "", Event{Type: EventChildAccepted, Fields: sn("S1")}, StatusUnknown, OutcomeApplied},
		{StatusApproved, "S1", Event{Type: EventChildAccepted, Fields: sn("S1")}, StatusApproved, OutcomeRepeat},
		{StatusPending, "", Event{Type: EventChildUnknown}, StatusUnknown, OutcomeApplied},
		{StatusAccepted, "S1", Event{Type: EventChildUnknown}, StatusUnknown, OutcomeApplied},
		{StatusUnknown, "S1", Event{Type: EventChildUnknown}, StatusUnknown, OutcomeRepeat},
		{StatusApproved, "S1", Event{Type: EventChildUnknown}, StatusApproved, OutcomeStale},
		{StatusPending, "", Event{Type: EventChildFinal, Status: StatusError}, StatusError, OutcomeApplied},
		{StatusAccepted, "S1", Event{Type: EventChildFinal, Status: StatusApproved}, StatusApproved, OutcomeApplied},
		{StatusUnknown, "S1", Event{Type: EventChildFinal, Status: StatusDeclined}, StatusDeclined, OutcomeApplied},
		{StatusApproved, "S1", Event{Type: EventChildFinal, Status: StatusApproved}, StatusApproved, OutcomeRepeat},
		{StatusApproved, "S1", Event{Type: EventChildFinal, Status: StatusDeclined}, StatusApproved, OutcomeConflict},
		{StatusAccepted, "S1", Event{Type: EventChildFinal, Status: StatusApproved, Fields: sn("S9")}, StatusAccepted, OutcomeConflict},
	}
	for _, tc := range cases {
		next, out := transition(tc.cur, tc.sn, tc.ev)
		if next != tc.next || out != tc.out {
			t.Errorf("%s/%s(%s) sn=%q: got %s %s, want %s %s", tc.cur, tc.ev.Type, tc.ev.Status, tc.sn, next, out, tc.next, tc.out)
		}
	}
	for _, typ := range []EventType{EventChild, EventChildAccepted, EventChildUnknown, EventChildFinal} {
		if changesPayment(typ) {
			t.Errorf("%s changes the payment", typ)
		}
	}
}

// TestChildLifecycle: a preauth's capture and two refunds of it, journaled
// on the payment's events in a real bbolt file, survive a reopen, move only
// forward, count in the open day, and Verify replays them.
func TestChildLifecycle(t *testing.T) {
	j, c, path := newJ(t)
	p := mustBegin(t, j, pay(KindPreauth, 10000, "RUB", "411111****1111"))
	approve(t, j, p.ClientOrderID, "G1")
	cap1 := mustChild(t, j, p.ClientOrderID, Child{Operation: OpCapture, AmountMinor: 8000, Who: "anna", Reason: "goods"})
	if cap1.ID != "1" || cap1.Status != StatusPending || cap1.Currency != "RUB" {
		t.Fatalf("begun: %+v", cap1)
	}
	if _, err := j.BeginChild(p.ClientOrderID, Child{Operation: OpRefund, AmountMinor: 1}); !errors.Is(err, ErrRefused) {
		t.Fatalf("second child while one is open: %v", err)
	}
	un, _ := j.UnresolvedChildren()
	if len(un) != 1 || un[0].ClientOrderID != p.ClientOrderID {
		t.Fatalf("open children: %d", len(un))
	}
	verifyOK(t, j)
	got := settle(t, j, p.ClientOrderID, "1", "SN-1", StatusApproved)
	if got.Status != StatusApproved || got.SerialNumber != "SN-1" || got.AmountMinor != 8000 {
		t.Fatalf("capture: %+v", got)
	}
	if _, out, err := j.RecordChild(p.ClientOrderID, "1", Event{Type: EventChildUnknown}); out != OutcomeStale || !errors.Is(err, ErrStale) {
		t.Fatalf("unknown after final: %s %v", out, err)
	}
	c.Set(c.Now().Add(time.Minute))
	r1 := mustChild(t, j, p.ClientOrderID, Child{Operation: OpRefund, AmountMinor: 3000, Reason: "broken"})
	settle(t, j, p.ClientOrderID, r1.ID, "SN-2", StatusApproved)
	r2 := mustChild(t, j, p.ClientOrderID, Child{Operation: OpRefund, AmountMinor: 5000})
	childEv(t, j, p.ClientOrderID, r2.ID, Event{Type: EventChildUnknown})
	settle(t, j, p.ClientOrderID, r2.ID, "SN-3", StatusApproved)
	if _, err := j.BeginChild(p.ClientOrderID, Child{Operation: OpRefund, AmountMinor: 1}); !errors.Is(err, ErrRefused) {
		t.Fatalf("refund over what is left: %v", err)
	}
	pp, _ := j.Get(p.ClientOrderID)
	l := LedgerOf(pp, ChildrenOf(pp))
	if l.Captured != 8000 || l.Refunded != 8000 || l.Refundable != 0 || !l.Released || l.Open != nil {
		t.Fatalf("ledger: %+v", l)
	}
	if pp.Status != StatusApproved || pp.SerialNumber != "" {
		t.Fatalf("children changed the payment: %s serial %q", pp.Status, pp.SerialNumber)
	}
	tot, _ := j.OpenDayTotals()
	want := Totals{Currency: "RUB", SaleCount: 1, SaleSum: 8000, ReversalCount: 2, ReversalSum: 8000, PreauthCount: 1, PreauthSum: 10000,
		CaptureCount: 1, CaptureSum: 8000}
	if tot["RUB"] != want {
		t.Fatalf("open day: %+v, want %+v", tot["RUB"], want)
	}
	verifyOK(t, j)
	j.Close()
	j = openT(t, path, c)
	kids, err := j.Children(p.ClientOrderID)
	if err != nil || len(kids) != 3 || kids[2].Status != StatusApproved || kids[2].Events[1].Type != EventChildUnknown {
		t.Fatalf("after reopen: %v %+v", err, kids)
	}
	if un, _ := j.UnresolvedChildren(); len(un) != 0 {
		t.Fatalf("open children after all final: %d", len(un))
	}
	verifyOK(t, j)
}

// TestChildCloseDay: a finished close-day takes the approved capture and
// refunds out of the open day; the payment's own close batch is its own.
func TestChildCloseDay(t *testing.T) {
	j, _, _ := newJ(t)
	sale := mustBegin(t, j, pay(KindSale, 5000, "RUB", ""))
	approve(t, j, sale.ClientOrderID, "G1")
	b1, _ := j.BeginClose("REQ1", "RUB")
	if _, err := j.FinishClose(b1.RequestID, BatchFinished, nil); err != nil {
		t.Fatal(err)
	}
	r := mustChild(t, j, sale.ClientOrderID, Child{Operation: OpRefund, AmountMinor: 1200})
	settle(t, j, sale.ClientOrderID, r.ID, "SN-1", StatusApproved)
	rel := mustBegin(t, j, pay(KindPreauth, 700, "RUB", ""))
	approve(t, j, rel.ClientOrderID, "G2")
	c := mustChild(t, j, rel.ClientOrderID, Child{Operation: OpRelease, AmountMinor: 700})
	settle(t, j, rel.ClientOrderID, c.ID, "SN-2", StatusApproved)
	b2, err := j.BeginClose("REQ2", "RUB")
	if err != nil {
		t.Fatal(err)
	}
	if b2.Totals.SaleCount != 0 || b2.Totals.ReversalCount != 1 || b2.Totals.ReversalSum != 1200 || b2.Totals.PreauthCount != 1 ||
		b2.Totals.ReleaseCount != 1 || b2.Totals.ReleaseSum != 700 {
		t.Fatalf("second day: %+v", b2.Totals)
	}
	if _, err := j.FinishClose("REQ2", BatchFinished, nil); err != nil {
		t.Fatal(err)
	}
	if tot, _ := j.OpenDayTotals(); tot["RUB"].ReversalCount != 0 {
		t.Fatalf("refund still open: %+v", tot)
	}
	ps, err := j.ByBatch("REQ2")
	if err != nil || len(ps) != 2 { // the sale (its refund) and the preauth (itself, its release)
		t.Fatalf("by batch: %v %d", err, len(ps))
	}
	got, _ := j.Get(sale.ClientOrderID)
	if got.CloseBatch != "REQ1" {
		t.Fatalf("sale's close batch %q", got.CloseBatch)
	}
	verifyOK(t, j)
}

// TestChildRefusals: what the journal proves wrong is refused, one line each.
func TestChildRefusals(t *testing.T) {
	j, _, _ := newJ(t)
	sale := mustBegin(t, j, pay(KindSale, 1000, "RUB", ""))
	declined := mustBegin(t, j, pay(KindSale, 1000, "RUB", ""))
	mustRecord(t, j, declined.ClientOrderID, Event{Type: EventFinal, Status: StatusDeclined})
	pending := mustBegin(t, j, pay(KindSale, 1000, "RUB", ""))
	hold := mustBegin(t, j, pay(KindPreauth, 1000, "RUB", ""))
	approve(t, j, sale.ClientOrderID, "G1")
	approve(t, j, hold.ClientOrderID, "G2")
	cases := []struct {
		parent string
		c      Child
		err    error
	}{
		{sale.ClientOrderID, Child{Operation: OpCapture, AmountMinor: 1000}, ErrRefused},
		{sale.ClientOrderID, Child{Operation: OpRelease, AmountMinor: 1000}, ErrRefused},
		{sale.ClientOrderID, Child{Operation: OpRefund, AmountMinor: 1001}, ErrRefused},
		{sale.ClientOrderID, Child{Operation: OpRefund, AmountMinor: 0}, ErrInvalid},
		{sale.ClientOrderID, Child{Operation: "void", AmountMinor: 10}, ErrInvalid},
		{declined.ClientOrderID, Child{Operation: OpRefund, AmountMinor: 10}, ErrRefused},
		{pending.ClientOrderID, Child{Operation: OpRefund, AmountMinor: 10}, ErrRefused},
		{hold.ClientOrderID, Child{Operation: OpRefund, AmountMinor: 10}, ErrRefused},
		{hold.ClientOrderID, Child{Operation: OpCapture, AmountMinor: 1001}, ErrRefused},
		{hold.ClientOrderID, Child{Operation: OpRelease, AmountMinor: 10}, ErrRefused},
		{"00000000-0000-4000-8000-000000000000", Child{Operation: OpRefund, AmountMinor: 10}, ErrNotFound},
	}
	for i, tc := range cases {
		if _, err := j.BeginChild(tc.parent, tc.c); !errors.Is(err, tc.err) {
			t.Errorf("case %d (%s %d): %v, want %v", i, tc.c.Operation, tc.c.AmountMinor, err, tc.err)
		}
	}
	c := mustChild(t, j, hold.ClientOrderID, Child{Operation: OpRelease, AmountMinor: 1000})
	settle(t, j, hold.ClientOrderID, c.ID, "S1", StatusApproved)
	for _, op := range []Operation{OpCapture, OpRelease} {
		if _, err := j.BeginChild(hold.ClientOrderID, Child{Operation: op, AmountMinor: 1000}); !errors.Is(err, ErrRefused) {
			t.Errorf("%s of a released hold: %v", op, err)
		}
	}
	if _, err := j.Record(sale.ClientOrderID, Event{Type: EventChild}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a child begun by Record: %v", err)
	}
	if _, err := j.Record(sale.ClientOrderID, Event{Type: EventChildFinal, Status: StatusApproved}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a child event without its child: %v", err)
	}
	if _, _, err := j.RecordChild(sale.ClientOrderID, "7", Event{Type: EventChildUnknown}); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown child: %v", err)
	}
	verifyOK(t, j)
}

// TestVerifyCatchesChildTampering: a child event edited into an impossible
// step, or the open-children list edited, breaks Verify.
func TestVerifyCatchesChildTampering(t *testing.T) {
	j, _, _ := newJ(t)
	p := mustBegin(t, j, pay(KindSale, 1000, "RUB", ""))
	approve(t, j, p.ClientOrderID, "G1")
	c := mustChild(t, j, p.ClientOrderID, Child{Operation: OpRefund, AmountMinor: 400})
	verifyOK(t, j)
	putMeta(t, j, kChildUnresolved, nil)
	if _, _, err := j.Verify(); !errors.Is(err, ErrChain) {
		t.Fatalf("emptied open-children list: %v", err)
	}
	putMeta(t, j, kChildUnresolved, encodeIDList([]string{p.ClientOrderID}))
	verifyOK(t, j)
	settle(t, j, p.ClientOrderID, c.ID, "S1", StatusDeclined)
	verifyOK(t, j)
	putMeta(t, j, kChildUnresolved, encodeIDList([]string{p.ClientOrderID}))
	if _, _, err := j.Verify(); !errors.Is(err, ErrChain) {
		t.Fatalf("a settled child still listed open: %v", err)
	}
}

// putMeta overwrites a meta key in the journal file, as tampering would.
func putMeta(t *testing.T, j *Journal, key, v []byte) {
	t.Helper()
	if err := j.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(key, v) }); err != nil {
		t.Fatal(err)
	}
}
