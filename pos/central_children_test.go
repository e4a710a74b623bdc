package pos

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"kassa/mapi/sandbox"
	"kassa/store/central"
	"kassa/store/central/pgtest"
)

// TestChildrenReachStoreReport: two lanes, each against its own sandbox
// endpoint over loopback, sell, hold, capture, release and refund, close
// their day and ship to a real PostgreSQL; the store database's report
// (issue 15) counts the captures and refunds (issue 11) as the lanes' own
// close-days do: its store totals equal the sum of the lanes' close-day
// totals.
func TestChildrenReachStoreReport(t *testing.T) {
	cluster := pgtest.ForTest(t, pgtest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := cluster.CreateDB(ctx, "store"); err != nil {
		t.Fatal(err)
	}
	dsn := cluster.DSN("store")
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, _, err := central.Init(ctx, conn); err != nil {
		t.Fatal(err)
	}
	t.Setenv(central.EnvDB, dsn)
	t.Setenv(central.EnvStore, "shop-1")
	var want Totals
	for i, term := range []string{"lane-1", "lane-2"} {
		sb := startSandbox(t, sandbox.Options{})
		cfg := testConfig(t, sb.URL, pollingOnly)
		cfg.TerminalID = term
		e := startEngine(t, cfg)
		sale := payKind(t, e, Sale, cardVisa, 5000+int64(i))
		mustChild(t, e, Refund, sale.ClientOrderID, 1200, StatusApproved)
		hold := payKind(t, e, Preauth, cardMC, 9000)
		mustChild(t, e, Capture, hold.ClientOrderID, 7000+int64(i), StatusApproved)
		mustChild(t, e, Refund, hold.ClientOrderID, 500, StatusApproved)
		mustChild(t, e, Release, payKind(t, e, Preauth, cardMir, 3000).ClientOrderID, 0, StatusApproved)
		rep, err := e.CloseDay(context.Background(), false, nil)
		if err != nil || !rep.Agree {
			t.Fatalf("%s close day: %v agree=%v %+v", term, err, rep.Agree, rep.Differences)
		}
		want = addTotals(want, rep.Ours)
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
	r, err := central.MakeReport(ctx, conn, time.Now().Format("2006-01-02"), "shop-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Stores) != 1 || len(r.Lanes) != 2 || !r.OK {
		t.Fatalf("report: %d stores, %d lanes, ok %v", len(r.Stores), len(r.Lanes), r.OK)
	}
	st := r.Stores[0].Totals[0]
	got := Totals{Currency: "RUB", SaleCount: st.CloseSales.Count, SaleSum: rub(st.CloseSales.Sum),
		ReversalCount: st.CloseReversals.Count, ReversalSum: rub(st.CloseReversals.Sum),
		PreauthCount: want.PreauthCount, PreauthSum: want.PreauthSum,
		CaptureCount: st.Captures.Count, CaptureSum: rub(st.Captures.Sum),
		ReleaseCount: st.Releases.Count, ReleaseSum: rub(st.Releases.Sum)}
	if got != want || want.SaleCount != 4 || want.ReversalCount != 4 || want.CaptureCount != 2 || want.ReleaseCount != 2 {
		t.Fatalf("store report %+v, lanes' own close-day totals %+v", got, want)
	}
	if st.Refunds.Count != want.ReversalCount || st.Refunds.Sum != want.ReversalSum.Minor || st.Unresolved != 0 {
		t.Fatalf("refunds %+v, unresolved %d", st.Refunds, st.Unresolved)
	}
}

// addTotals adds b's figures to a's (one currency, RUB).
func addTotals(a, b Totals) Totals {
	add := func(x, y Amount) Amount { return rub(x.Minor + y.Minor) }
	return Totals{Currency: "RUB", SaleCount: a.SaleCount + b.SaleCount, SaleSum: add(a.SaleSum, b.SaleSum),
		ReversalCount: a.ReversalCount + b.ReversalCount, ReversalSum: add(a.ReversalSum, b.ReversalSum),
		PreauthCount: a.PreauthCount + b.PreauthCount, PreauthSum: add(a.PreauthSum, b.PreauthSum),
		CaptureCount: a.CaptureCount + b.CaptureCount, CaptureSum: add(a.CaptureSum, b.CaptureSum),
		ReleaseCount: a.ReleaseCount + b.ReleaseCount, ReleaseSum: add(a.ReleaseSum, b.ReleaseSum)}
}
