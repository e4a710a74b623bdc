package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"kassa/pos"
	"kassa/store"
	"kassa/store/central"
	"kassa/store/central/pgtest"
)

// storeDB starts a throw-away PostgreSQL, makes the store database and
// ships another lane's journal to it (store shop-1, lane "lane-2": one
// approved sale and one sale still sent, i.e. unresolved), and points this
// process's engine at it as lane "lane-1". The harness's engine then ships
// its own journal there.
func storeDB(t *testing.T) {
	t.Helper()
	cluster := pgtest.ForTest(t, pgtest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
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
	j, err := store.Open(t.TempDir()+"/lane-2.db", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for i, final := range []bool{true, false} {
		p := store.Payment{ClientOrderID: uuid.NewString(), Kind: store.KindSale, AmountMinor: int64(2500 + i), Currency: "RUB",
			MaskedPAN: "555555******4444", TerminalID: "T-2"}
		if err := j.Begin(p); err != nil {
			t.Fatal(err)
		}
		evs := []store.Event{{Type: store.EventSent}}
		if final {
			evs = append(evs, store.Event{Type: store.EventFinal, Status: store.StatusApproved})
		}
		if _, err := j.RecordAll(p.ClientOrderID, evs...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := central.Ship(ctx, central.FromJournal(j), conn, central.Lane{StoreID: "shop-1", Lane: "lane-2", TerminalID: "T-2"}, central.ShipOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Setenv(central.EnvDB, dsn)
	t.Setenv(central.EnvStore, "shop-1")
	t.Setenv(central.EnvLane, "lane-1")
}

// sellAndShip makes one approved demo sale on the harness's engine and
// waits until the store database has all of this lane's journal.
func (h *harness) sellAndShip() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if v, err := h.eng.Pay(ctx, pos.Sale, pos.Amount{Minor: 4200, Currency: "RUB"}, ""); err != nil || v.Status != pos.StatusApproved {
		h.t.Fatalf("sale: %v %v", v.Status, err)
	}
	h.waitFor(30*time.Second, "the journal at the store database", func() bool { return h.eng.StoreLink().Backlog == 0 })
}

// openStore opens the Store view from the top bar (manager PIN) and waits
// until it has read the store database.
func (h *harness) openStore() *storeScreen {
	h.t.Helper()
	h.waitFor(10*time.Second, "the Store button", func() bool { return h.u.top.storeBtn.Visible() })
	test.Tap(h.u.top.storeBtn)
	h.enterPIN("1234")
	h.waitFor(10*time.Second, "the Store view", func() bool { return h.u.current == h.u.store })
	s := h.u.store
	h.waitFor(20*time.Second, "the store database read", func() bool { return s.loaded && !s.refresh.Disabled() })
	return s
}

// TestStoreView: with a store database, the manager's Store view shows
// both lanes (this one marked), their states and backlog, the store's
// totals for today and the payment left unresolved on the other lane; a
// refresh reads again. Real PostgreSQL, Fyne's test driver.
func TestStoreView(t *testing.T) {
	storeDB(t)
	h := newHarness(t, tuning{})
	h.sellAndShip()
	s := h.openStore()
	v := s.sv
	if len(v.Lanes) != 2 || v.StoreID != "shop-1" || v.Day != time.Now().Format("2006-01-02") {
		t.Fatalf("store view %+v", v)
	}
	this, other := v.Lanes[0], v.Lanes[1]
	if this.Lane != "lane-1" || !this.This || other.Lane != "lane-2" || other.This || other.Unresolved != 1 || this.Backlog != 0 {
		t.Fatalf("lanes %+v", v.Lanes)
	}
	if this.State != pos.LaneOpen || other.State != pos.LaneUnresolved {
		t.Errorf("states %v %v", this.State, other.State)
	}
	if len(v.Unresolved) != 1 || v.Unresolved[0].Lane != "lane-2" || v.Unresolved[0].Amount.Minor != 2501 || v.Unresolved[0].Status != pos.StatusPending {
		t.Fatalf("unresolved %+v", v.Unresolved)
	}
	if len(v.Totals) != 1 || v.Totals[0].SaleCount != 2 || v.Totals[0].SaleSum.Minor != 4200+2500 || v.Totals[0].Unresolved != 1 {
		t.Fatalf("totals %+v", v.Totals)
	}
	var texts []string
	shownTexts(h.u.content, &texts)
	shown := strings.Join(texts, "\n")
	for _, want := range []string{"lane-1 (this lane)", "lane-2", "Payments not resolved", "Day not closed yet", "67.00 RUB", "25.01 RUB", "1 payment not resolved in the store"} {
		if !strings.Contains(shown, want) {
			t.Errorf("the Store view does not show %q:\n%s", want, shown)
		}
	}
	test.Tap(s.refresh)
	h.waitFor(20*time.Second, "the refresh", func() bool { return !s.refresh.Disabled() && s.sv.ReadAt.After(v.ReadAt) })
	h.press("Escape")
	if h.u.current != h.u.checkout {
		t.Errorf("Escape leaves the Store view for %T", h.u.current)
	}
}

// TestStoreViewWithoutDatabase: without KASSA_CENTRAL_DB the Store button
// stays hidden and the engine says there is no store database.
func TestStoreViewWithoutDatabase(t *testing.T) {
	h := newHarness(t, tuning{})
	if h.u.top.storeBtn.Visible() {
		t.Error("Store button without a store database")
	}
	if _, err := h.eng.StoreView(context.Background()); pos.ReasonOf(err).Cause != pos.CauseStoreNotConfigured {
		t.Errorf("StoreView: %v", err)
	}
}
