package central

import (
	"context"
	"testing"

	"kassa/store"
)

// TestReportMatchesLaneCloses: the store's day totals equal the sum of each
// lane's own close-day totals; the report is OK only when every lane is
// closed and agrees with the bank.
func TestReportMatchesLaneCloses(t *testing.T) {
	_, conn := initDB(t)
	ctx := context.Background()
	dir := t.TempDir()
	var lanes []*testLane
	for i, n := range []int{3, 5, 4} {
		l := openLane(t, dir, []string{"lane-a", "lane-b", "lane-c"}[i], "T"+string(rune('1'+i)))
		for k := 0; k < n; k++ {
			l.pay(t, int64(1000+10*k+i), "RUB", store.StatusApproved)
		}
		l.pay(t, 777, "RUB", store.StatusDeclined)
		lanes = append(lanes, l)
	}
	unknownID := lanes[2].pay(t, 4242, "RUB", store.StatusUnknown)
	shipAll := func() {
		t.Helper()
		for _, l := range lanes {
			if _, err := Ship(ctx, FromJournal(l.j), conn, l.lane, ShipOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	shipAll()
	day := testDay.Format("2006-01-02")
	r, err := MakeReport(ctx, conn, day, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if r.OK || len(r.Lanes) != 3 || r.Lanes[0].State != LaneOpen || r.Lanes[2].State != LaneUnresolved {
		t.Fatalf("before close: ok %v, states %v", r.OK, states(r))
	}
	if len(r.Unresolved) != 1 || r.Unresolved[0].OrderID != unknownID || r.Unresolved[0].Status != "unknown" {
		t.Fatalf("unresolved: %+v", r.Unresolved)
	}
	// Resolve the unknown one, close every lane (lane-b's bank disagrees).
	if _, err := lanes[2].j.Record(unknownID, store.Event{Type: store.EventResolved, Status: store.StatusDeclined}); err != nil {
		t.Fatal(err)
	}
	var want CloseTotals
	for i, l := range lanes {
		delta := int64(0)
		if i == 1 {
			delta = 1
		}
		b := l.closeDay(t, "RUB", delta)
		want.add(CloseTotals{SaleCount: b.Totals.SaleCount, SaleSum: b.Totals.SaleSum})
	}
	shipAll()
	if r, err = MakeReport(ctx, conn, day, "s1"); err != nil {
		t.Fatal(err)
	}
	if r.OK || r.Lanes[1].State != LaneDiffers || r.Lanes[0].State != LaneClosed || r.Lanes[2].State != LaneClosed {
		t.Fatalf("after close: ok %v, states %v %+v", r.OK, states(r), r.Lanes[0].Closes)
	}
	if d := r.Lanes[1].Closes[0].Differences; len(d) != 1 || d[0].Field != "sale count" {
		t.Fatalf("differences: %+v", d)
	}
	s := r.Stores[0]
	sales := s.Totals[0].Kinds["sale"]
	if s.Closed["RUB"] != want || sales.Count != want.SaleCount || sales.Sum != want.SaleSum || want.SaleCount != 12 {
		t.Fatalf("store sales %+v, closed %+v, lanes' own close-day totals %+v", sales, s.Closed["RUB"], want)
	}
	if s.Totals[0].Declined != 4 || s.Totals[0].Open.Count != 0 || len(r.Unresolved) != 0 {
		t.Fatalf("store totals %+v, unresolved %d", s.Totals[0], len(r.Unresolved))
	}
	// Without the disagreeing lane's store... a lane of another store is not in s1's report.
	other := openLane(t, dir, "lane-x", "TX")
	other.lane.StoreID = "s2"
	other.pay(t, 1, "RUB", store.StatusApproved)
	if _, err := Ship(ctx, FromJournal(other.j), conn, other.lane, ShipOptions{}); err != nil {
		t.Fatal(err)
	}
	if r, _ = MakeReport(ctx, conn, day, "s1"); len(r.Lanes) != 3 {
		t.Fatalf("s1 has %d lanes", len(r.Lanes))
	}
	if r, _ = MakeReport(ctx, conn, day, ""); len(r.Lanes) != 4 || len(r.Stores) != 2 {
		t.Fatalf("all stores: %d lanes, %d stores", len(r.Lanes), len(r.Stores))
	}
}

func states(r Report) []string {
	var s []string
	for _, l := range r.Lanes {
		s = append(s, l.Lane+"="+l.State.String())
	}
	return s
}

// TestVerifyFindsDatabaseEdits: the chain check catches a body edited in the
// database (triggers disabled by a superuser) and a removed event.
func TestVerifyFindsDatabaseEdits(t *testing.T) {
	_, conn := initDB(t)
	ctx := context.Background()
	dir := t.TempDir()
	a, b := openLane(t, dir, "lane-a", "T1"), openLane(t, dir, "lane-b", "T2")
	for i := 0; i < 4; i++ {
		a.pay(t, 100, "RUB", store.StatusApproved)
		b.pay(t, 200, "RUB", store.StatusApproved)
	}
	for _, l := range []*testLane{a, b} {
		if _, err := Ship(ctx, FromJournal(l.j), conn, l.lane, ShipOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	checks, err := Verify(ctx, conn)
	if err != nil || len(checks) != 2 || !checks[0].OK || !checks[1].OK || checks[0].HeadSeq != 12 {
		t.Fatalf("%+v %v", checks, err)
	}
	head, _ := a.j.HeadSeq()
	if checks[0].Head != a.j.Head() || checks[0].HeadSeq != head {
		t.Fatalf("head %s/%d, journal %s/%d", checks[0].Head, checks[0].HeadSeq, a.j.Head(), head)
	}
	if _, err := conn.Exec(ctx, `ALTER TABLE central.events DISABLE TRIGGER USER;
UPDATE central.events SET body = overlay(body PLACING '\xff'::bytea FROM length(body) FOR 1)
  WHERE journal_id = '`+a.j.ID()+`' AND seq = 4;
DELETE FROM central.events WHERE journal_id = '`+b.j.ID()+`' AND seq = 6;
ALTER TABLE central.events ENABLE TRIGGER USER`); err != nil {
		t.Fatal(err)
	}
	checks, err = Verify(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if c := checks[0]; c.OK || c.BrokenAt != 4 || c.Problem != RefusedHash {
		t.Fatalf("edited: %+v", c)
	}
	if c := checks[1]; c.OK || c.BrokenAt != 7 || c.Problem != RefusedGap {
		t.Fatalf("removed: %+v", c)
	}
}
