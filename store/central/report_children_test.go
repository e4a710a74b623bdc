package central

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"kassa/store"
)

// hold journals an approved preauth the way the engine does.
func (l *testLane) hold(tb testing.TB, minor int64, cur string) string {
	tb.Helper()
	id := uuid.NewString()
	if err := l.j.Begin(store.Payment{ClientOrderID: id, Kind: store.KindPreauth, AmountMinor: minor, Currency: cur,
		MaskedPAN: "401234****8909", TerminalID: l.lane.TerminalID}); err != nil {
		tb.Fatal(err)
	}
	if _, err := l.j.RecordAll(id, store.Event{Type: store.EventAccepted},
		store.Event{Type: store.EventFinal, Status: store.StatusApproved}); err != nil {
		tb.Fatal(err)
	}
	return id
}

// child journals a capture, release or refund of parent the way the engine
// does: begun, accepted, then final (or unknown, or left accepted for "").
func (l *testLane) child(tb testing.TB, parent string, op store.Operation, minor int64, final store.Status) store.Child {
	tb.Helper()
	c, err := l.j.BeginChild(parent, store.Child{Operation: op, AmountMinor: minor, Who: "manager"})
	if err != nil {
		tb.Fatal(err)
	}
	evs := []store.Event{{Type: store.EventChildAccepted, Fields: map[string]string{store.FieldSerialNumber: "sn" + parent[:6] + c.ID}}}
	switch final {
	case "":
	case store.StatusUnknown:
		evs = append(evs, store.Event{Type: store.EventChildUnknown})
	default:
		evs = append(evs, store.Event{Type: store.EventChildFinal, Status: final})
	}
	for _, ev := range evs {
		if c, _, err = l.j.RecordChild(parent, c.ID, ev); err != nil {
			tb.Fatal(err)
		}
	}
	return c
}

// TestReportCountsChildren: two lanes sell, hold, capture, release and
// refund; the store's totals (close-day sales with captures, reversals,
// captures, releases) equal the sum of each lane's own close-day totals;
// children not final are unresolved across lanes; a child's close leaves
// its payment's close_batch alone.
func TestReportCountsChildren(t *testing.T) {
	_, conn := initDB(t)
	ctx := context.Background()
	dir := t.TempDir()
	a, b := openLane(t, dir, "lane-a", "T1"), openLane(t, dir, "lane-b", "T2")
	// lane-a: a sale refunded in part, a hold captured in part and refunded, a hold released.
	saleA := a.pay(t, 5000, "RUB", store.StatusApproved)
	a.child(t, saleA, store.OpRefund, 1200, store.StatusApproved)
	holdA := a.hold(t, 9000, "RUB")
	a.child(t, holdA, store.OpCapture, 7000, store.StatusApproved)
	a.child(t, holdA, store.OpRefund, 500, store.StatusApproved)
	a.child(t, a.hold(t, 3000, "RUB"), store.OpRelease, 3000, store.StatusApproved)
	a.child(t, a.pay(t, 800, "RUB", store.StatusApproved), store.OpRefund, 800, store.StatusDeclined)
	// lane-b: a sale, a capture, and a refund whose outcome is unknown.
	saleB := b.pay(t, 2500, "RUB", store.StatusApproved)
	b.child(t, b.hold(t, 4000, "RUB"), store.OpCapture, 4000, store.StatusApproved)
	unknown := b.child(t, saleB, store.OpRefund, 2500, store.StatusUnknown)
	ship := func() {
		t.Helper()
		for _, l := range []*testLane{a, b} {
			if _, err := Ship(ctx, FromJournal(l.j), conn, l.lane, ShipOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	ship()
	day := testDay.Format("2006-01-02")
	r, err := MakeReport(ctx, conn, day, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Unresolved) != 1 || r.Unresolved[0].Child != unknown.ID || r.Unresolved[0].Operation != "refund" ||
		r.Unresolved[0].OrderID != saleB || r.Unresolved[0].AmountMinor != 2500 || r.Lanes[1].State != LaneUnresolved {
		t.Fatalf("unresolved %+v, states %v", r.Unresolved, states(r))
	}
	if st := r.Stores[0].Totals[0]; st.Unknown != 1 || st.UnresolvedChildren != 1 || r.Stores[0].Unresolved != 1 {
		t.Fatalf("store unresolved: %+v", st)
	}
	// The unknown refund is resolved (approved) by status; both lanes close.
	if _, _, err := b.j.RecordChild(saleB, unknown.ID, store.Event{Type: store.EventChildFinal, Status: store.StatusApproved}); err != nil {
		t.Fatal(err)
	}
	var want store.Totals
	for _, l := range []*testLane{a, b} {
		bt := l.closeDay(t, "RUB", 0).Totals
		want.SaleCount += bt.SaleCount
		want.SaleSum += bt.SaleSum
		want.ReversalCount += bt.ReversalCount
		want.ReversalSum += bt.ReversalSum
		want.CaptureCount += bt.CaptureCount
		want.CaptureSum += bt.CaptureSum
		want.ReleaseCount += bt.ReleaseCount
		want.ReleaseSum += bt.ReleaseSum
	}
	ship()
	if r, err = MakeReport(ctx, conn, day, "s1"); err != nil {
		t.Fatal(err)
	}
	s, st := r.Stores[0], r.Stores[0].Totals[0]
	got := store.Totals{SaleCount: st.CloseSales.Count, SaleSum: st.CloseSales.Sum,
		ReversalCount: st.CloseReversals.Count, ReversalSum: st.CloseReversals.Sum,
		CaptureCount: st.Captures.Count, CaptureSum: st.Captures.Sum, ReleaseCount: st.Releases.Count, ReleaseSum: st.Releases.Sum}
	want.Currency = ""
	if got != want || want.SaleCount != 5 || want.ReversalCount != 3 || want.CaptureCount != 2 || want.ReleaseCount != 1 {
		t.Fatalf("store totals %+v, lanes' own close-day totals %+v", got, want)
	}
	c := s.Closed["RUB"]
	if c.SaleCount != want.SaleCount || c.SaleSum != want.SaleSum || c.ReversalCount != want.ReversalCount ||
		c.CaptureSum != want.CaptureSum || c.ReleaseSum != want.ReleaseSum {
		t.Fatalf("closed %+v, want %+v", c, want)
	}
	if st.Refunds.Count != 3 || st.Refunds.Sum != 1200+500+2500 || st.OpenChildren != 0 || len(r.Unresolved) != 0 || !r.OK {
		t.Fatalf("refunds %+v, open children %d, unresolved %d, ok %v %v", st.Refunds, st.OpenChildren, len(r.Unresolved), r.OK, states(r))
	}
	// A later refund of lane-a's sale goes into a second close-day: the
	// sale's row keeps the first batch, the refund has the second.
	a.child(t, saleA, store.OpRefund, 300, store.StatusApproved)
	second := a.closeDay(t, "RUB", 0)
	ship()
	if len(second.Payments) != 1 || second.Totals.ReversalSum != 300 {
		t.Fatalf("second close-day: %+v", second)
	}
	checkBatches(t, conn, a)
	checkBatches(t, conn, b)
	if r, err = MakeReport(ctx, conn, day, "s1"); err != nil {
		t.Fatal(err)
	}
	if st := r.Stores[0].Totals[0]; st.CloseReversals.Sum != want.ReversalSum+300 || len(r.Lanes[0].Closes) != 2 || !r.OK {
		t.Fatalf("after the second close-day: %+v, closes %d, ok %v", st.CloseReversals, len(r.Lanes[0].Closes), r.OK)
	}
}

// checkBatches: every payment and child row has the close batch the lane's
// own journal gave it.
func checkBatches(t *testing.T, db DB, l *testLane) {
	t.Helper()
	ctx := context.Background()
	bs, err := l.j.Batches()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, bt := range bs {
		for _, key := range bt.Payments {
			var got string
			q := "SELECT coalesce(close_batch, '') FROM central.payments WHERE journal_id = $1 AND order_id = $2"
			args := []any{l.j.ID(), key}
			if parent, child, ok := strings.Cut(key, "/"); ok {
				q = "SELECT coalesce(close_batch, '') FROM central.children WHERE journal_id = $1 AND order_id = $2 AND child_id = $3"
				args = []any{l.j.ID(), parent, child}
			}
			if err := db.QueryRow(ctx, q, args...).Scan(&got); err != nil || got != bt.RequestID {
				t.Fatalf("%s %s: close batch %q, want %s (%v)", l.name, key, got, bt.RequestID, err)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatalf("%s: no batch covers anything", l.name)
	}
}
