package central

import (
	"context"
	"encoding/json"
	"testing"

	"kassa/store"
)

// TestMigration2Backfills: events shipped to a schema-1 database (where a
// child's close overwrote its payment's close_batch and children were not
// kept) are read again by migration 2: the children, their batches and the
// payments' own batches come out as the lanes' journals have them; a third
// Init changes nothing.
func TestMigration2Backfills(t *testing.T) {
	ctx := context.Background()
	conn := dial(t, newDB(t))
	all := migrations
	migrations = all[:1]
	_, to, err := Init(ctx, conn)
	if err != nil || to != 1 {
		migrations = all
		t.Fatalf("init to 1: %d %v", to, err)
	}
	dir := t.TempDir()
	a, b := openLane(t, dir, "lane-a", "T1"), openLane(t, dir, "lane-b", "T2")
	sale := a.pay(t, 5000, "RUB", store.StatusApproved)
	a.child(t, sale, store.OpRefund, 1000, store.StatusApproved)
	a.child(t, a.hold(t, 4000, "RUB"), store.OpCapture, 3000, store.StatusApproved)
	a.closeDay(t, "RUB", 0)
	a.child(t, sale, store.OpRefund, 700, store.StatusApproved)
	second := a.closeDay(t, "RUB", 0)
	unknown := b.child(t, b.pay(t, 900, "RUB", store.StatusApproved), store.OpRefund, 900, store.StatusUnknown)
	for _, l := range []*testLane{a, b} {
		if _, err := Ship(ctx, FromJournal(l.j), conn, l.lane, ShipOptions{}); err != nil {
			migrations = all
			t.Fatal(err)
		}
	}
	var got string
	if err := conn.QueryRow(ctx, "SELECT close_batch FROM central.payments WHERE order_id = $1", sale).Scan(&got); err != nil || got != second.RequestID {
		migrations = all
		t.Fatalf("schema 1: the sale's close_batch %q %v (the bug: want the refund's %s)", got, err, second.RequestID)
	}
	migrations = all
	for i, want := range []int{1, 2} {
		if from, to, err := Init(ctx, conn); err != nil || to != 2 || from != want {
			t.Fatalf("init %d: %d→%d %v", i+2, from, to, err)
		}
	}
	checkBatches(t, conn, a)
	if n := count(t, conn, "SELECT count(*) FROM central.children"); n != 4 {
		t.Fatalf("%d children, want 4", n)
	}
	r, err := MakeReport(ctx, conn, testDay.Format("2006-01-02"), "s1")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Unresolved) != 1 || r.Unresolved[0].Child != unknown.ID || r.Unresolved[0].Status != "unknown" {
		t.Fatalf("unresolved: %+v", r.Unresolved)
	}
	if la := r.Lanes[0].Totals[0]; la.CloseReversals.Sum != 1700 || la.Captures.Sum != 3000 || la.CloseSales.Sum != 8000 ||
		len(r.Lanes[0].Closes) != 2 || r.Lanes[0].Closes[0].Ours.CaptureSum != 3000 || r.Lanes[0].State != LaneClosed {
		t.Fatalf("lane-a after the backfill: %+v %+v %s", la, r.Lanes[0].Closes, r.Lanes[0].State)
	}
}

// FuzzReplayFacts: any stored body gives nil or the facts of a child's or
// close event as JSON, never a panic. Seeds: a journal with a sale, a
// refund, a capture, a release and a close-day, in both event formats.
func FuzzReplayFacts(f *testing.F) {
	l := openLane(f, f.TempDir(), "lane-f", "TF")
	sale := l.pay(f, 500, "RUB", store.StatusApproved)
	l.child(f, sale, store.OpRefund, 100, store.StatusApproved)
	l.child(f, l.hold(f, 900, "RUB"), store.OpCapture, 800, store.StatusApproved)
	l.child(f, l.hold(f, 300, "RUB"), store.OpRelease, 300, store.StatusUnknown)
	l.closeDay(f, "RUB", 0)
	evs, _ := FromJournal(l.j).EventsSince(0, 1000)
	for _, e := range evs {
		f.Add(e.Body)
		if facts := replayFacts(e.Body); facts != nil {
			f.Add(facts)
		}
	}
	f.Add([]byte(`{"q":1,"t":"child","f":{"child":"1"}}`))
	f.Add([]byte{formatBinary})
	f.Fuzz(func(t *testing.T, b []byte) {
		out := replayFacts(b)
		if out == nil {
			return
		}
		var e eventFacts
		if err := json.Unmarshal(out, &e); err != nil {
			t.Fatalf("facts are not JSON: %v", err)
		}
		switch e.Type {
		case "close", "child", "child-accepted", "child-unknown", "child-final":
		default:
			t.Fatalf("facts of a %q event", e.Type)
		}
	})
}
