package store

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// clock is an injectable, settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 3, 14, 9, 0, 0, 0, time.Local)}
}

func openT(t *testing.T, path string, c *clock) *Journal {
	t.Helper()
	opts := Options{LockTimeout: 200 * time.Millisecond}
	if c != nil {
		opts.Now = c.Now
	}
	j, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = j.Close() })
	return j
}

func newJ(t *testing.T) (*Journal, *clock, string) {
	t.Helper()
	c := newClock()
	path := filepath.Join(t.TempDir(), "journal.db")
	return openT(t, path, c), c, path
}

func pay(kind Kind, amount int64, cur, masked string) Payment {
	return Payment{ClientOrderID: uuid.NewString(), Kind: kind, AmountMinor: amount, Currency: cur,
		MaskedPAN: masked, ReaderSerial: "RDR-1", KSN: "FFFF9876543210E00001", TerminalID: "T1", CashierID: "c1"}
}

func mustBegin(t *testing.T, j *Journal, p Payment) Payment {
	t.Helper()
	if err := j.Begin(p); err != nil {
		t.Fatalf("Begin: %v", err)
	}
	return p
}

func mustRecord(t *testing.T, j *Journal, id string, ev Event) Payment {
	t.Helper()
	p, err := j.Record(id, ev)
	if err != nil {
		t.Fatalf("Record %s %s: %v", ev.Type, ev.Status, err)
	}
	return p
}

// approve walks a payment through sent, accepted and approved.
func approve(t *testing.T, j *Journal, id, gw string) Payment {
	t.Helper()
	mustRecord(t, j, id, Event{Type: EventSent})
	mustRecord(t, j, id, Event{Type: EventAccepted, Fields: map[string]string{FieldPaynetOrderID: gw}})
	return mustRecord(t, j, id, Event{Type: EventFinal, Status: StatusApproved,
		Fields: map[string]string{FieldApprovalCode: "AB12", FieldRRN: "123456789012", FieldSource: "callback"}})
}

func verifyOK(t *testing.T, j *Journal) (string, int) {
	t.Helper()
	head, n, err := j.Verify()
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if head != j.Head() {
		t.Fatalf("Verify head %s != Head %s", head, j.Head())
	}
	return head, n
}

func TestLifecycle(t *testing.T) {
	j, _, path := newJ(t)
	if j.Head() != Genesis {
		t.Fatalf("empty head %q", j.Head())
	}
	p := mustBegin(t, j, pay(KindSale, 1042, "RUB", "401234****8909"))
	got, err := j.Get(p.ClientOrderID)
	if err != nil || got.Status != StatusPending || len(got.Events) != 1 || got.Events[0].Type != EventIntent {
		t.Fatalf("after Begin: %+v %v", got, err)
	}
	if got.Day != "2026-03-14" || got.Events[0].Prev != Genesis || got.Events[0].Hash != j.Head() {
		t.Fatalf("day %s / chain %+v", got.Day, got.Events[0])
	}
	if u, _ := j.Unresolved(); len(u) != 1 {
		t.Fatalf("unresolved %d", len(u))
	}
	got = approve(t, j, p.ClientOrderID, "9001")
	if got.Status != StatusApproved || got.PaynetOrderID != "9001" || got.ApprovalCode != "AB12" || got.RRN != "123456789012" {
		t.Fatalf("after approve: %+v", got)
	}
	types := []EventType{}
	for i, e := range got.Events {
		types = append(types, e.Type)
		if i > 0 && e.Prev != got.Events[i-1].Hash {
			t.Fatalf("event %d not chained", i)
		}
	}
	if len(types) != 4 || types[3] != EventFinal {
		t.Fatalf("events %v", types)
	}
	if u, _ := j.Unresolved(); len(u) != 0 {
		t.Fatalf("unresolved after final %d", len(u))
	}
	tot, err := j.OpenDayTotals()
	if err != nil || tot["RUB"].SaleCount != 1 || tot["RUB"].SaleSum != 1042 {
		t.Fatalf("totals %+v %v", tot, err)
	}
	head, n := verifyOK(t, j)
	if n != 4 {
		t.Fatalf("events %d", n)
	}
	// The head survives a reopen.
	_ = j.Close()
	j2 := openT(t, path, nil)
	if j2.Head() != head {
		t.Fatalf("head after reopen %s != %s", j2.Head(), head)
	}
}

func TestBeginValidation(t *testing.T) {
	j, _, _ := newJ(t)
	good := pay(KindSale, 100, "RUB", "401234****8909")
	cases := map[string]func(p *Payment){
		"bad id":       func(p *Payment) { p.ClientOrderID = "order-1" },
		"upper id":     func(p *Payment) { p.ClientOrderID = strings.ToUpper(p.ClientOrderID) },
		"zero amount":  func(p *Payment) { p.AmountMinor = 0 },
		"kind":         func(p *Payment) { p.Kind = "refund" },
		"currency":     func(p *Payment) { p.Currency = "XYZ" },
		"status":       func(p *Payment) { p.Status = StatusApproved },
		"unmasked pan": func(p *Payment) { p.MaskedPAN = "4012345678908909" },
	}
	for name, mut := range cases {
		p := good
		mut(&p)
		if err := j.Begin(p); err == nil {
			t.Errorf("%s: Begin accepted %+v", name, p)
		}
	}
	mustBegin(t, j, good)
	if err := j.Begin(good); !errors.Is(err, ErrExists) {
		t.Fatalf("reused id: %v", err)
	}
	if _, err := j.Record(uuid.NewString(), Event{Type: EventSent}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	if _, err := j.Record(good.ClientOrderID, Event{Type: EventIntent}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("intent via Record: %v", err)
	}
	if _, err := j.Record(good.ClientOrderID, Event{Type: EventFinal, Status: StatusUnknown}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("final without final status: %v", err)
	}
	verifyOK(t, j)
}

func TestForwardOnly(t *testing.T) {
	j, _, _ := newJ(t)
	p := mustBegin(t, j, pay(KindSale, 500, "RUB", "401234****1111"))
	id := p.ClientOrderID
	mustRecord(t, j, id, Event{Type: EventSent})
	mustRecord(t, j, id, Event{Type: EventAccepted, Fields: map[string]string{FieldPaynetOrderID: "77"}})
	_, n0 := verifyOK(t, j)
	got, out, err := j.Apply(id, Event{Type: EventSent})
	if out != OutcomeStale || !errors.Is(err, ErrStale) || got.Status != StatusAccepted {
		t.Fatalf("sent after accepted: %s %v %s", out, err, got.Status)
	}
	mustRecord(t, j, id, Event{Type: EventFinal, Status: StatusDeclined, Fields: map[string]string{FieldReason: "insufficient funds"}})
	for _, ev := range []Event{{Type: EventUnknown}, {Type: EventSent}} {
		got, out, err = j.Apply(id, ev)
		if out != OutcomeStale || !errors.Is(err, ErrStale) || got.Status != StatusDeclined {
			t.Fatalf("%s after final: %s %v %s", ev.Type, out, err, got.Status)
		}
	}
	if _, n := verifyOK(t, j); n != n0+1 {
		t.Fatalf("stale events were stored: %d events, want %d", n, n0+1)
	}
}

func TestRepeatIsNoop(t *testing.T) {
	j, _, _ := newJ(t)
	p := mustBegin(t, j, pay(KindSale, 500, "RUB", "401234****1111"))
	approve(t, j, p.ClientOrderID, "9")
	_, n0 := verifyOK(t, j)
	for i := 0; i < 3; i++ {
		got, out, err := j.Apply(p.ClientOrderID, Event{Type: EventFinal, Status: StatusApproved,
			Fields: map[string]string{FieldPaynetOrderID: "9", FieldSource: "callback"}})
		if err != nil || out != OutcomeRepeat || got.Status != StatusApproved {
			t.Fatalf("repeat %d: %s %v", i, out, err)
		}
	}
	if _, out, err := j.Apply(p.ClientOrderID, Event{Type: EventSent}); err == nil || out != OutcomeStale {
		t.Fatalf("sent after approved: %s %v", out, err)
	}
	if _, out, err := j.Apply(p.ClientOrderID, Event{Type: EventAccepted, Fields: map[string]string{FieldPaynetOrderID: "9"}}); err != nil || out != OutcomeRepeat {
		t.Fatalf("late accepted: %s %v", out, err)
	}
	if _, n := verifyOK(t, j); n != n0 {
		t.Fatalf("repeats were stored: %d events, want %d", n, n0)
	}
	if a, _ := j.Alerts(); len(a) != 0 {
		t.Fatalf("repeat made alerts: %+v", a)
	}
	if tot, _ := j.OpenDayTotals(); tot["RUB"].SaleCount != 1 {
		t.Fatalf("repeat counted twice: %+v", tot)
	}
}

func TestConflictBecomesAlert(t *testing.T) {
	j, _, _ := newJ(t)
	p := mustBegin(t, j, pay(KindSale, 500, "RUB", "401234****1111"))
	id := p.ClientOrderID
	mustRecord(t, j, id, Event{Type: EventSent})
	mustRecord(t, j, id, Event{Type: EventAccepted, Fields: map[string]string{FieldPaynetOrderID: "41"}})
	mustRecord(t, j, id, Event{Type: EventFinal, Status: StatusDeclined})
	got, out, err := j.Apply(id, Event{Type: EventFinal, Status: StatusApproved, Fields: map[string]string{FieldSource: "callback"}})
	if out != OutcomeConflict || !errors.Is(err, ErrConflict) || got.Status != StatusDeclined {
		t.Fatalf("approved after declined: %s %v %s", out, err, got.Status)
	}
	alerts, err := j.Alerts()
	if err != nil || len(alerts) != 1 {
		t.Fatalf("alerts %+v %v", alerts, err)
	}
	a := alerts[0]
	if a.OrderID != id || a.Type != EventAlert || a.Status != StatusApproved || a.Fields["journaled_status"] != "declined" || a.Fields[FieldSource] != "callback" {
		t.Fatalf("alert %+v", a)
	}
	// Another gateway order id for the same payment is a contradiction too.
	q := mustBegin(t, j, pay(KindSale, 700, "RUB", "401234****2222"))
	mustRecord(t, j, q.ClientOrderID, Event{Type: EventAccepted, Fields: map[string]string{FieldPaynetOrderID: "50"}})
	if _, out, err := j.Apply(q.ClientOrderID, Event{Type: EventFinal, Status: StatusApproved,
		Fields: map[string]string{FieldPaynetOrderID: "51"}}); out != OutcomeConflict || !errors.Is(err, ErrConflict) {
		t.Fatalf("other gateway id: %s %v", out, err)
	}
	if got, _ := j.Get(q.ClientOrderID); got.Status != StatusAccepted || got.PaynetOrderID != "50" {
		t.Fatalf("conflict applied: %+v", got)
	}
	if alerts, _ := j.Alerts(); len(alerts) != 2 {
		t.Fatalf("alerts %d", len(alerts))
	}
	if tot, _ := j.OpenDayTotals(); len(tot) != 0 {
		t.Fatalf("declined/conflicting counted: %+v", tot)
	}
	verifyOK(t, j)
}

func TestUnknownThenResolved(t *testing.T) {
	j, _, _ := newJ(t)
	p := mustBegin(t, j, pay(KindPreauth, 900, "RUB", "401234****3333"))
	id := p.ClientOrderID
	mustRecord(t, j, id, Event{Type: EventSent})
	mustRecord(t, j, id, Event{Type: EventUnknown, Fields: map[string]string{FieldReason: "timeout"}})
	if _, out, _ := j.Apply(id, Event{Type: EventUnknown}); out != OutcomeRepeat {
		t.Fatalf("second unknown: %s", out)
	}
	// A lookup finds the gateway id: information, the status stays unknown.
	got := mustRecord(t, j, id, Event{Type: EventAccepted, Fields: map[string]string{FieldPaynetOrderID: "88"}})
	if got.Status != StatusUnknown || got.PaynetOrderID != "88" {
		t.Fatalf("accepted while unknown: %+v", got)
	}
	if u, _ := j.Unresolved(); len(u) != 1 || u[0].ClientOrderID != id {
		t.Fatalf("unresolved %+v", u)
	}
	mustRecord(t, j, id, Event{Type: EventOverride, Fields: map[string]string{FieldManager: "anna", FieldReason: "customer left"}})
	got = mustRecord(t, j, id, Event{Type: EventResolved, Status: StatusApproved, Fields: map[string]string{FieldSource: "status"}})
	if got.Status != StatusApproved {
		t.Fatalf("resolved: %s", got.Status)
	}
	if u, _ := j.Unresolved(); len(u) != 0 {
		t.Fatalf("still unresolved %+v", u)
	}
	tot, _ := j.OpenDayTotals()
	if tot["RUB"].PreauthCount != 1 || tot["RUB"].PreauthSum != 900 || tot["RUB"].SaleCount != 0 {
		t.Fatalf("preauth totals %+v", tot)
	}
	verifyOK(t, j)
}

func TestNoCardDataInFields(t *testing.T) {
	j, _, _ := newJ(t)
	p := mustBegin(t, j, pay(KindSale, 100, "RUB", "401234****1111"))
	for _, f := range []map[string]string{
		{"pan": "4012345678908909"}, {"track2": "x"}, {"control_key": "k"}, {"note": ";4012345678908909=2512101?"},
		{"card_number": "1"}, {"encrypted_data": "AB"}, {"cvv": "123"},
	} {
		if _, err := j.Record(p.ClientOrderID, Event{Type: EventSent, Fields: f}); !errors.Is(err, ErrCardData) {
			t.Errorf("fields %v: %v", f, err)
		}
	}
	if _, err := j.Record(p.ClientOrderID, Event{Type: EventSent, Fields: map[string]string{"ip_address": "1", "spinner": "x"}}); err != nil {
		t.Fatalf("harmless fields refused: %v", err)
	}
}

func TestQueries(t *testing.T) {
	j, c, _ := newJ(t)
	var ids []string
	for i, day := range []int{14, 14, 15, 15, 15, 16} {
		c.Set(time.Date(2026, 3, day, 8+i, 0, 0, 0, time.Local))
		masked := "401234****1111"
		if i%2 == 1 {
			masked = "555555****4444"
		}
		p := mustBegin(t, j, pay(KindSale, int64(100*(i%3+1)), "RUB", masked))
		ids = append(ids, p.ClientOrderID)
		if i == 2 {
			approve(t, j, p.ClientOrderID, "GW-2")
		}
	}
	d15, err := j.ByDay("2026-03-15")
	if err != nil || len(d15) != 3 || d15[0].ClientOrderID != ids[2] {
		t.Fatalf("ByDay: %d %v", len(d15), err)
	}
	if _, err := j.ByDay("15.03.2026"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad day: %v", err)
	}
	latest, _ := j.Latest(2)
	if len(latest) != 2 || latest[0].ClientOrderID != ids[5] || latest[1].ClientOrderID != ids[4] {
		t.Fatalf("Latest: %+v", latest)
	}
	if all, _ := j.Latest(100); len(all) != 6 {
		t.Fatalf("Latest(100): %d", len(all))
	}
	check := func(q Query, want ...string) {
		t.Helper()
		got, err := j.Search(q)
		if err != nil {
			t.Fatalf("Search %+v: %v", q, err)
		}
		var g []string
		for _, p := range got {
			g = append(g, p.ClientOrderID)
		}
		if strings.Join(g, ",") != strings.Join(want, ",") {
			t.Fatalf("Search %+v = %v, want %v", q, g, want)
		}
	}
	check(Query{Last4: "4444"}, ids[5], ids[3], ids[1])
	check(Query{AmountMinor: 300}, ids[5], ids[2])
	check(Query{Last4: "1111", AmountMinor: 300}, ids[2])
	check(Query{OrderID: ids[4]}, ids[4])
	check(Query{OrderID: "GW-2"}, ids[2])
	check(Query{Day: "2026-03-16"}, ids[5])
	check(Query{Day: "2026-03-14", Last4: "1111"}, ids[0])
	if _, err := j.Search(Query{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty search: %v", err)
	}
	var walked []string
	if err := j.Walk("2026-03-15", "2026-03-16", func(p Payment) error {
		walked = append(walked, p.Day)
		return nil
	}); err != nil || strings.Join(walked, ",") != "2026-03-15,2026-03-15,2026-03-15,2026-03-16" {
		t.Fatalf("Walk: %v %v", walked, err)
	}
	if p, _ := j.Get(ids[2]); len(p.Events) != 4 {
		t.Fatalf("events %d", len(p.Events))
	}
}

func TestCloseDay(t *testing.T) {
	j, _, _ := newJ(t)
	var rub []string
	for i := 0; i < 3; i++ {
		p := mustBegin(t, j, pay(KindSale, 1000+int64(i), "RUB", "401234****1111"))
		approve(t, j, p.ClientOrderID, "R"+string(rune('0'+i)))
		rub = append(rub, p.ClientOrderID)
	}
	pre := mustBegin(t, j, pay(KindPreauth, 5000, "RUB", "401234****1111"))
	approve(t, j, pre.ClientOrderID, "P1")
	dec := mustBegin(t, j, pay(KindSale, 7000, "RUB", "401234****1111"))
	mustRecord(t, j, dec.ClientOrderID, Event{Type: EventFinal, Status: StatusDeclined})
	usd := mustBegin(t, j, pay(KindSale, 250, "USD", "401234****1111"))
	approve(t, j, usd.ClientOrderID, "U1")

	tot, _ := j.OpenDayTotals()
	if r := tot["RUB"]; r.SaleCount != 3 || r.SaleSum != 3003 || r.PreauthCount != 1 || r.PreauthSum != 5000 || r.ReversalCount != 0 {
		t.Fatalf("RUB totals %+v", r)
	}
	if u := tot["USD"]; u.SaleCount != 1 || u.SaleSum != 250 {
		t.Fatalf("USD totals %+v", u)
	}
	b, err := j.BeginClose("close-1", "RUB")
	if err != nil || b.Status != BatchPending || len(b.Payments) != 4 || b.Totals.SaleSum != 3003 {
		t.Fatalf("BeginClose: %+v %v", b, err)
	}
	if again, err := j.BeginClose("close-1", "RUB"); err != nil || len(again.Payments) != 4 {
		t.Fatalf("BeginClose repeat: %+v %v", again, err)
	}
	// Approved after the request was journaled: not in this batch.
	late := mustBegin(t, j, pay(KindSale, 10, "RUB", "401234****1111"))
	approve(t, j, late.ClientOrderID, "L1")
	if _, err := j.FinishClose("close-1", BatchProcessing, map[string]string{"status": "processing"}); err != nil {
		t.Fatal(err)
	}
	if tot, _ := j.OpenDayTotals(); tot["RUB"].SaleCount != 4 {
		t.Fatalf("processing closed the day: %+v", tot)
	}
	b, err = j.FinishClose("close-1", BatchFinished, map[string]string{"status": "finished", "sale-approved-count": "3"})
	if err != nil || b.Status != BatchFinished || b.Reply["sale-approved-count"] != "3" {
		t.Fatalf("FinishClose: %+v %v", b, err)
	}
	tot, _ = j.OpenDayTotals()
	if r := tot["RUB"]; r.SaleCount != 1 || r.SaleSum != 10 || r.PreauthCount != 0 {
		t.Fatalf("after close RUB %+v", r)
	}
	if u := tot["USD"]; u.SaleCount != 1 {
		t.Fatalf("RUB close touched USD %+v", u)
	}
	covered, err := j.ByBatch("close-1")
	if err != nil || len(covered) != 4 {
		t.Fatalf("ByBatch %d %v", len(covered), err)
	}
	for _, p := range covered {
		if p.CloseBatch != "close-1" || p.Events[len(p.Events)-1].Type != EventClose {
			t.Fatalf("covered payment %+v", p)
		}
	}
	if _, err := j.FinishClose("close-1", BatchFinished, nil); err != nil {
		t.Fatalf("repeat finished: %v", err)
	}
	if _, err := j.FinishClose("close-1", BatchError, nil); !errors.Is(err, ErrStale) {
		t.Fatalf("error after finished: %v", err)
	}
	if _, err := j.FinishClose("nope", BatchFinished, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown batch: %v", err)
	}
	if bs, _ := j.Batches(); len(bs) != 1 || bs[0].RequestID != "close-1" {
		t.Fatalf("Batches %+v", bs)
	}
	// A failed close-day leaves the day open.
	if _, err := j.BeginClose("close-2", "RUB"); err != nil {
		t.Fatal(err)
	}
	if _, err := j.FinishClose("close-2", BatchError, map[string]string{"error-message": "gate busy"}); err != nil {
		t.Fatal(err)
	}
	if tot, _ := j.OpenDayTotals(); tot["RUB"].SaleCount != 1 {
		t.Fatalf("error closed the day: %+v", tot)
	}
	verifyOK(t, j)
}

// rawEdit closes j and runs fn on the journal file with plain bbolt.
func rawEdit(t *testing.T, j *Journal, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	_ = j.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
}

func journalWith(t *testing.T, payments int) (*Journal, string, []string) {
	t.Helper()
	j, _, path := newJ(t)
	if payments > 10 {
		// Many payments: skip the fsyncs (the crash test covers durability).
		_ = j.Close()
		var err error
		j, err = Open(path, Options{Now: newClock().Now, noSync: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = j.Close() })
	}
	var ids []string
	for i := 0; i < payments; i++ {
		p := mustBegin(t, j, pay(KindSale, 100+int64(i), "RUB", "401234****1111"))
		approve(t, j, p.ClientOrderID, "G"+p.ClientOrderID[:8])
		ids = append(ids, p.ClientOrderID)
	}
	return j, path, ids
}

func wantChainError(t *testing.T, path, contains string) {
	t.Helper()
	j := openT(t, path, nil)
	_, _, err := j.Verify()
	_ = j.Close()
	if !errors.Is(err, ErrChain) || !strings.Contains(err.Error(), contains) {
		t.Fatalf("Verify = %v, want ErrChain with %q", err, contains)
	}
}

func TestVerifyCatchesEditedEvent(t *testing.T) {
	j, path, _ := journalWith(t, 3)
	rawEdit(t, j, path, func(tx *bolt.Tx) error {
		b := tx.Bucket(bEvents)
		r, _, err := decodeEvent(b.Get(k8(4))) // the first payment's final event
		if err != nil || r.Status != StatusApproved {
			t.Fatalf("event 4 is not the approved one: %+v %v", r, err)
		}
		r.Status = StatusDeclined
		nv, err := encodeEvent(&r)
		if err != nil {
			return err
		}
		return b.Put(k8(4), nv)
	})
	wantChainError(t, path, "event 4 was changed")
}

func TestVerifyCatchesRehashedEdit(t *testing.T) {
	j, path, _ := journalWith(t, 3)
	rawEdit(t, j, path, func(tx *bolt.Tx) error {
		b := tx.Bucket(bEvents)
		r, _, err := decodeEvent(b.Get(k8(4)))
		if err != nil {
			return err
		}
		r.Status = StatusDeclined
		body := mustJSON(t, r)
		return b.Put(k8(4), append([]byte(hashHex(body)), body...))
	})
	wantChainError(t, path, "event 5 does not follow event 4")
}

func TestVerifyCatchesDeletedEvent(t *testing.T) {
	j, path, _ := journalWith(t, 3)
	rawEdit(t, j, path, func(tx *bolt.Tx) error { return tx.Bucket(bEvents).Delete(k8(6)) })
	wantChainError(t, path, "event 6 is missing")
}

func TestVerifyCatchesDeletedNewestEvent(t *testing.T) {
	j, path, _ := journalWith(t, 2)
	_, n := verifyOK(t, j)
	rawEdit(t, j, path, func(tx *bolt.Tx) error { return tx.Bucket(bEvents).Delete(k8(uint64(n))) })
	wantChainError(t, path, "events were removed")

	// Even with the count rewritten, the stored head gives it away.
	j2, _ := Open(path, Options{})
	rawEdit(t, j2, path, func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(kSeq, k8(uint64(n-1))) })
	wantChainError(t, path, "is not the last event's hash")
}

func TestVerifyCatchesEditedPayment(t *testing.T) {
	j, path, ids := journalWith(t, 2)
	rawEdit(t, j, path, func(tx *bolt.Tx) error {
		b := tx.Bucket(bPayments)
		p, err := decodePayment(b.Get(idBytes(ids[1])))
		if err != nil || p.AmountMinor != 101 {
			t.Fatalf("payment %+v %v", p, err)
		}
		p.AmountMinor = 1
		return b.Put(idBytes(ids[1]), encodePayment(&p))
	})
	wantChainError(t, path, "amount is")
}

func TestLockTimeout(t *testing.T) {
	j, _, path := newJ(t)
	start := time.Now()
	_, err := Open(path, Options{LockTimeout: 300 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v", err)
	}
	if ErrLocked.Error() != "Kassa is already running on this journal" || !strings.Contains(err.Error(), path) {
		t.Fatalf("message %q", err)
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 5*time.Second {
		t.Fatalf("waited %v", d)
	}
	if _, err := Open(path, Options{LockTimeout: 100 * time.Millisecond, ReadOnly: true}); !errors.Is(err, ErrLocked) {
		t.Fatalf("read-only Open while running: %v", err)
	}
	_ = j.Close()
	j2, err := Open(path, Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	_ = j2.Close()
}

func checkCorrupt(t *testing.T, path string) {
	t.Helper()
	before, _ := os.ReadFile(path)
	_, err := Open(path, Options{LockTimeout: 100 * time.Millisecond})
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Path != path {
		t.Fatalf("Open corrupt: %v", err)
	}
	if !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("message %q", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("corrupt file was changed")
	}
	j, moved, err := OpenReplacingCorrupt(path, Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("OpenReplacingCorrupt: %v", err)
	}
	defer j.Close()
	if !strings.HasPrefix(moved, path+".corrupt-") {
		t.Fatalf("moved to %q", moved)
	}
	kept, _ := os.ReadFile(moved)
	if !bytes.Equal(before, kept) {
		t.Fatal("moved file differs from the corrupt one")
	}
	if _, n, err := j.Verify(); err != nil || n != 0 {
		t.Fatalf("fresh journal: %d %v", n, err)
	}
	if err := j.Begin(pay(KindSale, 1, "RUB", "")); err != nil {
		t.Fatalf("fresh journal Begin: %v", err)
	}
}

func TestCorruptRandomFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	junk := make([]byte, 64<<10)
	_, _ = rand.Read(junk)
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	checkCorrupt(t, path)
}

func TestCorruptTruncatedJournal(t *testing.T) {
	j, path, _ := journalWith(t, 300)
	_ = j.Close()
	fi, _ := os.Stat(path)
	if err := os.Truncate(path, fi.Size()/3); err != nil {
		t.Fatal(err)
	}
	checkCorrupt(t, path)
}

func TestCorruptZeroedPages(t *testing.T) {
	j, path, _ := journalWith(t, 300)
	_ = j.Close()
	b, _ := os.ReadFile(path)
	// Wipe everything after the two meta pages: the tree is gone.
	for i := 8192; i < len(b); i++ {
		b[i] = 0xA5
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	checkCorrupt(t, path)
}

func TestMoveAsideNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.db")
	var moved []string
	for i := 0; i < 3; i++ {
		_ = os.WriteFile(path, []byte{byte(i)}, 0o600)
		m, err := MoveAside(path)
		if err != nil {
			t.Fatal(err)
		}
		moved = append(moved, m)
	}
	for i, m := range moved {
		b, err := os.ReadFile(m)
		if err != nil || len(b) != 1 || b[0] != byte(i) {
			t.Fatalf("%s: %v %v", m, b, err)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("original still there: %v", err)
	}
}

func TestMigrationFromSchema1(t *testing.T) {
	j, path, ids := journalWith(t, 5)
	head, _ := verifyOK(t, j)
	// Turn it into a schema-1 journal: no search indexes, text ids as keys.
	rawEdit(t, j, path, func(tx *bolt.Tx) error {
		if err := textKeys(tx); err != nil {
			return err
		}
		for _, b := range bucketsV2 {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bMeta).Delete(kSchemaSeal); err != nil { // schema 1 had no seal
			return err
		}
		return tx.Bucket(bMeta).Put(kSchema, k8(1))
	})
	if _, err := Open(path, Options{ReadOnly: true}); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("read-only open of an old schema: %v", err)
	}
	j2 := openT(t, path, nil)
	if v, _ := j2.SchemaOf(); v != SchemaVersion {
		t.Fatalf("schema after migration %d", v)
	}
	got, err := j2.Search(Query{Last4: "1111", AmountMinor: 102})
	if err != nil || len(got) != 1 || got[0].ClientOrderID != ids[2] {
		t.Fatalf("search after migration: %+v %v", got, err)
	}
	if got, _ := j2.Search(Query{OrderID: "G" + ids[3][:8]}); len(got) != 1 {
		t.Fatalf("gateway id index not rebuilt")
	}
	if h, _ := verifyOK(t, j2); h != head {
		t.Fatalf("migration changed the chain")
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	j, _, path := newJ(t)
	rawEdit(t, j, path, func(tx *bolt.Tx) error { return putSchema(tx.Bucket(bMeta), SchemaVersion+1) })
	if _, err := Open(path, Options{}); !errors.Is(err, ErrSchema) {
		t.Fatalf("newer schema: %v", err)
	}
}

// TestDamagedSchemaField: a flipped schema number reads as a damaged
// journal (move it aside), never as "written by a newer Kassa" (update
// Kassa), sealed or from before seals; and a journal from before seals is
// sealed on its first writable open, not on a read-only one.
func TestDamagedSchemaField(t *testing.T) {
	del := func(m *bolt.Bucket) error { return m.Delete(kSchemaSeal) }
	set := func(v uint64) func(m *bolt.Bucket) error {
		return func(m *bolt.Bucket) error { return m.Put(kSchema, k8(v)) }
	}
	both := func(fs ...func(m *bolt.Bucket) error) func(m *bolt.Bucket) error {
		return func(m *bolt.Bucket) error {
			for _, f := range fs {
				if err := f(m); err != nil {
					return err
				}
			}
			return nil
		}
	}
	for _, c := range []struct {
		name string
		edit func(m *bolt.Bucket) error
	}{
		{"sealed, a high byte flipped (the CI case: 3844)", set(SchemaVersion ^ 0x0f00)},
		{"sealed, reads as the next schema", set(SchemaVersion + 1)},
		{"sealed, reads as an older schema", set(SchemaVersion - 1)},
		{"sealed, the seal flipped", func(m *bolt.Bucket) error { return m.Put(kSchemaSeal, []byte("12345678")) }},
		{"unsealed, reads as the next schema", both(del, set(SchemaVersion+1))},
		{"unsealed, a high byte flipped", both(del, set(SchemaVersion^0x0f00))},
		{"schema zeroed", set(0)},
		{"schema cut short", func(m *bolt.Bucket) error { return m.Put(kSchema, []byte{4}) }},
		{"sealed, its journal id's key flipped", func(m *bolt.Bucket) error { return m.Delete(kJournalID) }},
	} {
		j, _, path := newJ(t)
		rawEdit(t, j, path, func(tx *bolt.Tx) error { return c.edit(tx.Bucket(bMeta)) })
		before, _ := os.ReadFile(path)
		var ce *CorruptError
		if _, err := Open(path, Options{}); !errors.As(err, &ce) || errors.Is(err, ErrSchema) ||
			!strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), "Move it aside") {
			t.Errorf("%s: %v", c.name, err)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Errorf("%s: Open changed the damaged file", c.name)
		}
	}

	j, _, path := newJ(t)
	rawEdit(t, j, path, func(tx *bolt.Tx) error { return del(tx.Bucket(bMeta)) })
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of an unsealed journal: %v", err)
	}
	_ = ro.Close()
	before, _ := os.ReadFile(path)
	j = openT(t, path, nil)
	_ = j.Close()
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("Open and Close with nothing written changed the file (the seal waits for the first write)")
	}
	j = openT(t, path, nil)
	if err := j.Begin(benchPayment(1)); err != nil {
		t.Fatal(err)
	}
	if err := j.view(func(tx *bolt.Tx) error {
		if _, sealed, err := checkSchema(path, tx.Bucket(bMeta)); err != nil || !sealed {
			return fmt.Errorf("after the first write: sealed %v, %v", sealed, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestNotAKassaJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, _ := bolt.Open(path, 0o600, nil)
	_ = db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("x")); return err })
	_ = db.Close()
	var ce *CorruptError
	if _, err := Open(path, Options{}); !errors.As(err, &ce) {
		t.Fatalf("foreign bbolt file: %v", err)
	}
}

func TestReadOnly(t *testing.T) {
	j, path, ids := journalWith(t, 2)
	_ = j.Close()
	r, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Get(ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := r.Begin(pay(KindSale, 1, "RUB", "")); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("write to read-only: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none.db"), Options{ReadOnly: true}); err == nil {
		t.Fatal("read-only open of a missing journal succeeded")
	}
}

func TestBusinessDayIsLocalCreationDate(t *testing.T) {
	j, c, _ := newJ(t)
	c.Set(time.Date(2026, 12, 31, 23, 59, 58, 0, time.Local))
	p := mustBegin(t, j, pay(KindSale, 1, "RUB", ""))
	c.Set(time.Date(2027, 1, 1, 10, 0, 0, 0, time.Local))
	got := approve(t, j, p.ClientOrderID, "x")
	if got.Day != "2026-12-31" {
		t.Fatalf("day %s", got.Day)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hashHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestCorruptInnerPages(t *testing.T) {
	j, path, _ := journalWith(t, 300)
	_ = j.Close()
	b, _ := os.ReadFile(path)
	m, ok := readMeta(b)
	if !ok {
		t.Fatal("meta")
	}
	if m1, ok := readMeta(b[m.pageSize:]); ok && m1.txid > m.txid {
		m = m1
	}
	ps := int(m.pageSize)
	// Damage every data page but the root and the freelist: the precheck
	// passes, bbolt faults or panics inside the tree.
	for id := 2; id < int(m.pgid); id++ {
		if uint64(id) == m.root || uint64(id) == m.freelist {
			continue
		}
		for i := id*ps + 8; i < (id+1)*ps; i++ {
			b[i] = 0xA5
		}
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var ce *CorruptError
	j, err := Open(path, Options{LockTimeout: 100 * time.Millisecond})
	if err == nil {
		_, _, err = j.Verify()
		_ = j.Close()
	}
	if !errors.As(err, &ce) {
		t.Fatalf("damaged tree: %v", err)
	}
	t.Logf("damaged tree: %v", err)
	after, _ := os.ReadFile(path)
	if !bytes.Equal(b, after) {
		t.Fatal("damaged file was changed")
	}
	// The lock was released: it can be moved aside and replaced.
	j, moved, err := OpenReplacingCorrupt(path, Options{LockTimeout: 100 * time.Millisecond})
	if err != nil || moved == "" {
		t.Fatalf("replace: %q %v", moved, err)
	}
	_ = j.Close()
}

// TestVerifyCatchesRecordEventLists: Verify compares each payment with its
// record at the record's last event and holds only payments still open, so
// a record listing one event too few or too many, a record with no intent
// and a record removed are each caught.
func TestVerifyCatchesRecordEventLists(t *testing.T) {
	edit := func(seqs func([]uint64) []uint64) func(t *testing.T, tx *bolt.Tx, ids []string) error {
		return func(t *testing.T, tx *bolt.Tx, ids []string) error {
			b := tx.Bucket(bPayments)
			p, err := decodePayment(b.Get(idBytes(ids[0])))
			if err != nil {
				t.Fatal(err)
			}
			p.seqs = seqs(p.seqs)
			return b.Put(idBytes(ids[0]), encodePayment(&p))
		}
	}
	for _, tc := range []struct {
		name, want string
		edit       func(t *testing.T, tx *bolt.Tx, ids []string) error
	}{
		{"one event too few", "was changed", edit(func(s []uint64) []uint64 { return s[:len(s)-1] })},
		{"one event too many", "lists events", edit(func(s []uint64) []uint64 { return append(s, s[len(s)-1]+100) })},
		{"a record without intent", "is not the intent of", func(t *testing.T, tx *bolt.Tx, ids []string) error {
			b := tx.Bucket(bPayments)
			return b.Put(idBytes("0b5e2a52-9d8f-4e0c-9a56-6a3b8e1f0c11"), b.Get(idBytes(ids[1])))
		}},
		{"a record removed", "has events but no record", func(t *testing.T, tx *bolt.Tx, ids []string) error {
			return tx.Bucket(bPayments).Delete(idBytes(ids[1]))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, path, ids := journalWith(t, 3)
			rawEdit(t, j, path, func(tx *bolt.Tx) error { return tc.edit(t, tx, ids) })
			wantChainError(t, path, tc.want)
		})
	}
}

// TestCardDataKeyMatchesReference checks the allocation-free reading of a
// field name against the plain one (lower-case, split, look up) on the
// names Kassa writes, tricky ones and random ASCII, and that a non-ASCII
// name lower-casing to a forbidden word is still refused.
func TestCardDataKeyMatchesReference(t *testing.T) {
	names := []string{"pan", "PAN", "card_pan", "Track2", "track_2", "x-CVV2", "pin", "spinner", "pinpad_id",
		"ip_address", "paynet_order_id", "approval_code", "control_key", "CONTROL_KEY", "encrypted_data",
		"Card_Number", "cardnumber", "keys", "api.key", "secret_word", "password1", "expiry", "a-very-long-word-password",
		"", "_", "9pan", "pan9", "serial_number", "receipt_printed", "not_charged"}
	rnd := mrand.New(mrand.NewSource(1))
	const alphabet = "panPANkeyKEYcvvtrack12_-. 9"
	for i := 0; i < 20000; i++ {
		b := make([]byte, 1+rnd.Intn(12))
		for j := range b {
			b[j] = alphabet[rnd.Intn(len(alphabet))]
		}
		names = append(names, string(b))
	}
	for _, k := range names {
		if got, want := cardDataKey(k), cardDataKeyUnicode(k); got != want {
			t.Fatalf("%q: %v, the reference says %v", k, got, want)
		}
	}
	if !cardDataKey("api_\u212Aey") { // KELVIN SIGN lower-cases to "k"
		t.Fatal("a name with a Kelvin sign for its k was let through")
	}
	if n := testing.AllocsPerRun(100, func() { cardDataKey("paynet_order_id") }); n != 0 {
		t.Fatalf("%v allocations per name", n)
	}
}
