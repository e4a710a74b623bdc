package pos

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"kassa/mapi/sandbox"
	"kassa/store"
	"kassa/store/central"
	"kassa/store/central/pgtest"
)

// TestSalesReachStoreDatabase: with KASSA_CENTRAL_DB set, the engine ships
// its journal in the background and, when it closes, the store database
// holds every event of the lane's journal (issue 15); the sale itself is
// unaffected.
func TestSalesReachStoreDatabase(t *testing.T) {
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
	t.Setenv(central.EnvDB, dsn)
	t.Setenv(central.EnvStore, "shop-1")

	sb := startSandbox(t, sandbox.Options{Login: "demo", Key: "demo-control-key", EndpointID: "1", Currency: "RUB"})
	cfg := testConfig(t, sb.URL, pollingOnly)
	e := startEngine(t, cfg)
	if v := pay(t, e, cardVisa, 4200); v.Status != StatusApproved {
		t.Fatalf("sale: %v, want approved", v.Status)
	}
	if !e.StoreLink().Enabled {
		t.Fatal("StoreLink: not enabled with KASSA_CENTRAL_DB set")
	}
	head, _ := e.Journal().HeadSeq()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	lanes, err := central.Status(ctx, conn, "shop-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(lanes) != 1 || lanes[0].LastSeq != head || lanes[0].TerminalID != cfg.TerminalID {
		t.Fatalf("store database lanes %+v, want one lane of %s at seq %d", lanes, cfg.TerminalID, head)
	}
	j, err := store.Open(e.Journal().Path(), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if lanes[0].JournalID != j.ID() {
		t.Fatalf("lane journal id %s, want %s", lanes[0].JournalID, j.ID())
	}
}
