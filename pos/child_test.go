package pos

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"kassa/mapi/sandbox"
	"kassa/store"
)

// Test cards of MAPI.md §9.
const (
	cardRefundDeclined = "4000000000000531"
	cardChildHeld      = "4000000000000580"
	cardNoPartial      = "4000000000000614"
)

func rub(minor int64) Amount { return Amount{Minor: minor, Currency: "RUB"} }

// childEnv is an engine against its own sandbox over loopback.
func childEnv(t *testing.T, edit func(*Config)) (*Engine, *sandbox.Running) {
	t.Helper()
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, pollingOnly)
	if edit != nil {
		edit(&cfg)
	}
	return startEngine(t, cfg), sb
}

func payKind(t *testing.T, e *Engine, kind Kind, card string, minor int64) PaymentView {
	t.Helper()
	if err := e.Demo().SetCard(card); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := e.Pay(ctx, kind, rub(minor), "")
	if err != nil || v.Status != StatusApproved {
		t.Fatalf("Pay %s %s: %v %s", kind, card, err, v.Status)
	}
	return v
}

func doChild(t *testing.T, e *Engine, op Operation, id string, minor int64) (ChildView, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	switch op {
	case Capture:
		return e.Capture(ctx, id, rub(minor), "test")
	case Release:
		return e.Release(ctx, id, rub(minor), "test")
	}
	return e.Refund(ctx, id, rub(minor), "test")
}

func mustChild(t *testing.T, e *Engine, op Operation, id string, minor int64, want Status) ChildView {
	t.Helper()
	v, err := doChild(t, e, op, id, minor)
	if err != nil || v.Status != want {
		t.Fatalf("%s %s %d: %v, status %s (%s), want %s", op, id, minor, err, v.Status, v.Reason.Error(), want)
	}
	return v
}

func verifyJournal(t *testing.T, e *Engine) {
	t.Helper()
	if _, _, err := e.Journal().Verify(); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

// TestCaptureAndRefunds: a partial capture, then refunds of it in parts up
// to the captured amount; a full refund of a sale; a release. Each child is
// sent once, the figures stay exact, and the close day counts captures as
// sales and refunds as reversals.
func TestCaptureAndRefunds(t *testing.T) {
	e, sb := childEnv(t, nil)
	hold := payKind(t, e, Preauth, cardVisa, 10000)
	c := mustChild(t, e, Capture, hold.ClientOrderID, 7550, StatusApproved)
	if c.Ledger.Captured != rub(7550) || c.Ledger.Remaining != rub(7550) || c.Ledger.HoldOpen {
		t.Fatalf("after capture: %+v", c.Ledger)
	}
	mustChild(t, e, Refund, hold.ClientOrderID, 2000, StatusApproved)
	r := mustChild(t, e, Refund, hold.ClientOrderID, 0, StatusApproved) // all that is left
	if r.Amount != rub(5550) || r.Ledger.Refunded != rub(7550) || r.Ledger.Remaining.Minor != 0 || r.Whole {
		t.Fatalf("second refund: %+v", r)
	}
	sale := payKind(t, e, Sale, cardMC, 4200)
	full := mustChild(t, e, Refund, sale.ClientOrderID, 0, StatusApproved)
	if !full.Whole || full.Amount != rub(4200) {
		t.Fatalf("full refund: %+v", full)
	}
	other := payKind(t, e, Preauth, cardMir, 3000)
	rel := mustChild(t, e, Release, other.ClientOrderID, 0, StatusApproved)
	if rel.Ledger.HoldOpen || !rel.Ledger.Released {
		t.Fatalf("release: %+v", rel.Ledger)
	}
	for _, id := range []string{hold.ClientOrderID, sale.ClientOrderID, other.ClientOrderID} {
		kids, _ := e.Children(id)
		if got := len(sb.Server.ChildRequests(id)); got != len(kids) {
			t.Errorf("%s: %d child requests for %d children", id, got, len(kids))
		}
	}
	if holds, _ := e.OpenHolds(); len(holds) != 0 {
		t.Errorf("open holds left: %d", len(holds))
	}
	rep, err := e.CloseDay(context.Background(), false, nil)
	if err != nil || !rep.Agree {
		t.Fatalf("close day: %v agree=%v %+v", err, rep.Agree, rep.Differences)
	}
	// Sales: the sale and the capture; reversals: three refunds.
	if rep.Ours.SaleCount != 2 || rep.Ours.SaleSum != rub(4200+7550) || rep.Ours.ReversalCount != 3 || rep.Ours.ReversalSum != rub(7550+4200) {
		t.Fatalf("close-day totals: %+v", rep.Ours)
	}
	if rep.Ours.CaptureCount != 1 || rep.Ours.ReleaseCount != 1 || rep.Ours.ReleaseSum != rub(3000) {
		t.Fatalf("captures and releases: %+v", rep.Ours)
	}
	z := e.ZReport(rep).Text()
	for _, want := range []string{"Captures (in sales)", "Releases (not counted)", "Reversals"} {
		if !strings.Contains(z, want) {
			t.Errorf("Z report lacks %q:\n%s", want, z)
		}
	}
	verifyJournal(t, e)
}

// TestLocalRefusals: each refusal Kassa makes itself, with its cause, and
// no capture or return request at all.
func TestLocalRefusals(t *testing.T) {
	e, sb := childEnv(t, nil)
	sale := payKind(t, e, Sale, cardVisa, 1000)
	hold := payKind(t, e, Preauth, cardVisa, 1000)
	noPart := payKind(t, e, Sale, cardNoPartial, 1000)
	noPartHold := payKind(t, e, Preauth, cardNoPartial, 1000)
	if err := e.Demo().SetCard(cardDeclined); err != nil {
		t.Fatal(err)
	}
	declined, _ := e.Pay(context.Background(), Sale, rub(500), "")
	cases := []struct {
		op     Operation
		id     string
		amount int64
		cause  Cause
	}{
		{Refund, sale.ClientOrderID, 1001, CauseChildOverRemaining},
		{Capture, sale.ClientOrderID, 0, CauseChildNotAHold},
		{Release, sale.ClientOrderID, 0, CauseChildNotAHold},
		{Refund, hold.ClientOrderID, 0, CauseChildNotCaptured},
		{Capture, hold.ClientOrderID, 1001, CauseChildOverHold},
		{Release, hold.ClientOrderID, 500, CauseChildNoPartial},
		{Refund, declined.ClientOrderID, 0, CauseChildPaymentNotApproved},
		{Refund, noPart.ClientOrderID, 300, CauseChildNoPartial},
		{Capture, noPartHold.ClientOrderID, 300, CauseChildNoPartial},
	}
	before := len(sb.Server.RequestLog())
	for _, tc := range cases {
		v, err := doChild(t, e, tc.op, tc.id, tc.amount)
		if !errors.Is(err, ErrChildRefused) || ReasonOf(err).Cause != tc.cause || v.ID != "" {
			t.Errorf("%s %d: %v (%s), want %s", tc.op, tc.amount, err, ReasonOf(err).Cause, tc.cause)
		}
	}
	mustChild(t, e, Capture, hold.ClientOrderID, 0, StatusApproved)
	mustChild(t, e, Refund, sale.ClientOrderID, 0, StatusApproved)
	mid := len(sb.Server.RequestLog())
	later := []struct {
		op    Operation
		id    string
		cause Cause
	}{
		{Capture, hold.ClientOrderID, CauseChildAlreadyCaptured},
		{Release, hold.ClientOrderID, CauseChildAlreadyCaptured},
		{Refund, sale.ClientOrderID, CauseChildNothingLeft},
	}
	for _, tc := range later {
		if _, err := doChild(t, e, tc.op, tc.id, 0); ReasonOf(err).Cause != tc.cause {
			t.Errorf("%s again: %v, want %s", tc.op, err, tc.cause)
		}
	}
	if n := mid - before; n != 2 {
		t.Errorf("%d requests for 2 children", n)
	}
	if got := len(sb.Server.RequestLog()); got != mid {
		t.Errorf("refusals sent %d requests", got-mid)
	}
	if _, err := doChild(t, e, Refund, "00000000-0000-4000-8000-000000000000", 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown payment: %v", err)
	}
	verifyJournal(t, e)
}

// TestChildTestCards: …0531's refunds are declined (the sale stays
// approved), …0580's first child reply is held (unknown, then resolved by
// status without a second request), …0614 allows whole operations only.
func TestChildTestCards(t *testing.T) {
	e, sb := childEnv(t, nil)
	d := payKind(t, e, Sale, cardRefundDeclined, 1000)
	r := mustChild(t, e, Refund, d.ClientOrderID, 400, StatusDeclined)
	if r.Reason.Cause != CauseChildDeclined || r.Ledger.Refunded.Minor != 0 || r.Ledger.Remaining != rub(1000) {
		t.Fatalf("declined refund: %+v", r)
	}
	if v, _ := e.Payment(d.ClientOrderID); v.Status != StatusApproved {
		t.Fatalf("sale after a declined refund: %s", v.Status)
	}
	h := payKind(t, e, Preauth, cardChildHeld, 2000)
	c, err := doChild(t, e, Capture, h.ClientOrderID, 0)
	if err != nil || c.Status.Final() && c.Status != StatusApproved {
		t.Fatalf("held capture: %v %+v", err, c)
	}
	waitFor(t, 20*time.Second, "the held capture resolves", func() bool {
		kids, _ := e.Children(h.ClientOrderID)
		return len(kids) == 1 && kids[0].Status == StatusApproved
	})
	if n := len(sb.Server.ChildRequests(h.ClientOrderID)); n != 1 {
		t.Fatalf("held capture sent %d times", n)
	}
	n := payKind(t, e, Sale, cardNoPartial, 1500)
	mustChild(t, e, Refund, n.ClientOrderID, 0, StatusApproved)
	verifyJournal(t, e)
}

// TestHoldExpiry: with a short hold period the board shows a hold
// expiring, then expired, and a capture after the end is refused locally.
func TestHoldExpiry(t *testing.T) {
	e, sb := childEnv(t, func(c *Config) { c.HoldPeriod = 3 * time.Second })
	h := payKind(t, e, Preauth, cardVisa, 900)
	holds, err := e.OpenHolds()
	if err != nil || len(holds) != 1 || holds[0].Payment.ClientOrderID != h.ClientOrderID || !holds[0].Expiring || holds[0].Expired {
		t.Fatalf("open holds: %v %+v", err, holds)
	}
	waitFor(t, 10*time.Second, "the hold expires", func() bool {
		hs, _ := e.OpenHolds()
		return len(hs) == 1 && hs[0].Expired
	})
	before := len(sb.Server.RequestLog())
	for _, op := range []Operation{Capture, Release} {
		if _, err := doChild(t, e, op, h.ClientOrderID, 0); ReasonOf(err).Cause != CauseChildHoldExpired {
			t.Errorf("%s after expiry: %v", op, err)
		}
	}
	if got := len(sb.Server.RequestLog()); got != before {
		t.Errorf("expired-hold refusals sent %d requests", got-before)
	}
}

// TestUnknownChildResolvedAtStart: a refund whose reply is lost stays
// unknown when the engine stops; the next start resolves it by status and
// never sends it again.
func TestUnknownChildResolvedAtStart(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{Speed: 2}) // a child is processing 0.5 s: longer than the wait

	cfg := testConfig(t, sb.URL, pollingOnly)
	e := startEngine(t, cfg)
	s := payKind(t, e, Sale, cardVisa, 1000)
	e.Close()
	slow := cfg // one status call (processing) within the wait: the refund stays unknown
	slow.ResultWait, slow.PollInterval = 300*time.Millisecond, time.Hour
	e = startEngine(t, slow)
	sb.Server.FailNext(sandbox.CmdReturn, sandbox.FaultDrop)
	v, _ := doChild(t, e, Refund, s.ClientOrderID, 300)
	if v.Status != StatusUnknown || v.ID == "" {
		t.Fatalf("refund with a dropped reply: %+v", v)
	}
	e.Close()
	e = startEngine(t, cfg)
	waitFor(t, 10*time.Second, "the refund resolves after the restart", func() bool {
		kids, _ := e.Children(s.ClientOrderID)
		return len(kids) == 1 && kids[0].Status == StatusApproved
	})
	if n := len(sb.Server.ChildRequests(s.ClientOrderID)); n != 1 {
		t.Fatalf("refund sent %d times", n)
	}
	if l, _ := e.Ledger(s.ClientOrderID); l.Remaining != rub(700) {
		t.Fatalf("remaining %v", l.Remaining)
	}
	if un, _ := e.Journal().UnresolvedChildren(); len(un) != 0 {
		t.Fatalf("open children: %d", len(un))
	}
	verifyJournal(t, e)
}

// TestRetryOnlyAfterDecision: a child whose result was unknown and which
// the bank never created may be done again only after a manager's
// journaled decision.
func TestRetryOnlyAfterDecision(t *testing.T) {
	e, sb := childEnv(t, func(c *Config) { c.NotFoundGrace = time.Nanosecond })
	s := payKind(t, e, Sale, cardVisa, 1000)
	p, _ := e.Journal().Get(s.ClientOrderID)
	c, err := e.Journal().BeginChild(s.ClientOrderID, store.Child{Operation: store.OpRefund, AmountMinor: 1000, Whole: true})
	if err != nil {
		t.Fatal(err)
	}
	// As if Kassa died after the begin, before the request left.
	cr := e.registerChild(p, c)
	cr.markUnknown(Reason{Cause: CauseChildStopped})
	if !cr.check(context.Background()) {
		t.Fatal("never-created child not resolved")
	}
	kids, _ := e.Children(s.ClientOrderID)
	if kids[0].Status != StatusFailed || kids[0].Reason.Cause != CauseChildNotCreated {
		t.Fatalf("child: %+v", kids[0])
	}
	if _, err := doChild(t, e, Refund, s.ClientOrderID, 0); ReasonOf(err).Cause != CauseChildNeedsManager {
		t.Fatalf("refund without a decision: %v", err)
	}
	v, err := e.RetryChild(context.Background(), s.ClientOrderID, "1", "anna", "the bank has no record")
	if err != nil || v.Status != StatusApproved || v.ID != "2" {
		t.Fatalf("retry: %v %+v", err, v)
	}
	if n := len(sb.Server.ChildRequests(s.ClientOrderID)); n != 1 {
		t.Fatalf("%d refunds at the bank", n)
	}
	if _, err := e.RetryChild(context.Background(), s.ClientOrderID, "2", "anna", "again"); ReasonOf(err).Cause != CauseChildNotRetryable {
		t.Fatalf("retry of an approved child: %v", err)
	}
	verifyJournal(t, e)
}

// TestChildReceipt: a refund's receipt says REFUND with the refund's
// amount; its reprint is a DUPLICATE, numbered apart from the sale's.
func TestChildReceipt(t *testing.T) {
	e, _ := childEnv(t, nil)
	s := payKind(t, e, Sale, cardVisa, 1000)
	if _, err := e.PrintReceipt(context.Background(), s.ClientOrderID, CustomerCopy, nil); err != nil {
		t.Fatal(err)
	}
	r := mustChild(t, e, Refund, s.ClientOrderID, 250, StatusApproved)
	printed, err := e.PrintChildReceipt(context.Background(), s.ClientOrderID, r.ID, CustomerCopy, nil)
	first := printed.Receipt
	if err != nil || first.Duplicate || first.Kind != "refund" || first.Amount != "2.50" {
		t.Fatalf("first refund receipt: %v %+v", err, first)
	}
	if !strings.Contains(first.Text(), "REFUND") {
		t.Fatalf("receipt text:\n%s", first.Text())
	}
	again, _ := e.PrintChildReceipt(context.Background(), s.ClientOrderID, r.ID, CustomerCopy, nil)
	if !again.Duplicate || !again.Receipt.Duplicate {
		t.Fatal("reprint not a duplicate")
	}
	if v, _ := e.Payment(s.ClientOrderID); v.Reprints != 0 || v.Refunded != rub(250) || v.Children != 1 {
		t.Fatalf("payment view: reprints %d refunded %v children %d", v.Reprints, v.Refunded, v.Children)
	}
	verifyJournal(t, e)
}

// TestUnknownChildInSnapshot: a refund left unknown shows in the snapshot
// until it resolves.
func TestUnknownChildInSnapshot(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{Speed: 2}) // a child is processing 0.5 s: longer than the wait
	cfg := testConfig(t, sb.URL, pollingOnly)
	e := startEngine(t, cfg)
	s := payKind(t, e, Sale, cardVisa, 1000)
	e.Close()
	cfg.ResultWait, cfg.PollInterval = 300*time.Millisecond, time.Hour // one status call (processing) within the wait
	e = startEngine(t, cfg)
	sb.Server.FailNext(sandbox.CmdReturn, sandbox.FaultDrop)
	if v, _ := doChild(t, e, Refund, s.ClientOrderID, 100); v.Status != StatusUnknown {
		t.Fatalf("refund: %+v", v)
	}
	if n := e.Snapshot().UnknownChildren; n != 1 {
		t.Fatalf("snapshot: %d unknown children", n)
	}
	// Recover asks about it now (its own poll is an hour away).
	waitFor(t, 10*time.Second, "resolved", func() bool {
		if err := e.Recover(context.Background()); err != nil {
			t.Fatal(err)
		}
		return e.Snapshot().UnknownChildren == 0
	})
}
