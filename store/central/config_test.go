package central

import (
	"context"
	"errors"
	"testing"
	"time"
)

// Without KASSA_CENTRAL_DB nothing runs: Run returns at once, Notify never
// blocks, Flush says it is not configured.
func TestNotConfigured(t *testing.T) {
	t.Setenv(EnvDB, "")
	t.Setenv(EnvStore, "s9")
	cfg := ConfigFromEnv("T1")
	if cfg.Enabled() || cfg.StoreID != "" {
		t.Fatalf("%+v", cfg)
	}
	sh := NewShipper(cfg, newMem(uuidN(9)), ShipperOptions{})
	for i := 0; i < 100; i++ {
		sh.Notify()
	}
	done := make(chan struct{})
	go func() { sh.Run(context.Background()); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return without a store database")
	}
	if err := sh.Flush(context.Background()); !errors.Is(err, ErrNotConfigured) || sh.Status().Enabled {
		t.Fatalf("flush: %v %+v", err, sh.Status())
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv(EnvDB, "host=/tmp user=kassa password=x dbname=store")
	t.Setenv(EnvStore, "")
	t.Setenv(EnvLane, "")
	cfg := ConfigFromEnv("T1")
	if !cfg.Enabled() || cfg.StoreID != DefaultStoreID || cfg.Lane != "T1" || cfg.Password != "" {
		t.Fatalf("%+v", cfg)
	}
	t.Setenv(EnvStore, " s2 ")
	t.Setenv(EnvLane, "front")
	if cfg = ConfigFromEnv("T1"); cfg.StoreID != "s2" || cfg.Lane != "front" || cfg.LaneInfo().TerminalID != "T1" {
		t.Fatalf("%+v", cfg)
	}
}

// TestOverview: the Store view's one call, against the real cluster.
func TestOverview(t *testing.T) {
	dsn, conn := initDB(t)
	l := openLane(t, t.TempDir(), "lane-1", "T1")
	l.pay(t, 1500, "RUB", "")
	if _, err := Ship(context.Background(), FromJournal(l.j), conn, l.lane, ShipOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := Overview(ctx, Config{DSN: dsn, StoreID: "s1"}, testDay.Format("2006-01-02"))
	if err != nil || len(r.Lanes) != 1 || r.OK || len(r.Unresolved) != 1 || r.Unresolved[0].Status != "accepted" {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := Overview(ctx, Config{}, "2026-12-03"); !errors.Is(err, ErrNotConfigured) {
		t.Fatal(err)
	}
}

// TestStart: the engine's one call. Without KASSA_CENTRAL_DB it is nil and
// every method is harmless; with it, it ships in the background and its
// goroutine ends with ctx.
func TestStart(t *testing.T) {
	l := openLane(t, t.TempDir(), "lane-1", "T1")
	l.fill(t, 2)
	t.Setenv(EnvDB, "")
	none := Start(context.Background(), l.j, "T1", nil)
	none.Notify()
	none.Close()
	if none != nil || none.Status().Enabled || !errors.Is(none.Flush(context.Background()), ErrNotConfigured) {
		t.Fatal("a shipper without a store database")
	}
	<-none.Done()
	dsn, conn := initDB(t)
	t.Setenv(EnvDB, dsn)
	t.Setenv(EnvStore, "s1")
	ctx, cancel := context.WithCancel(context.Background())
	sh := Start(ctx, l.j, "T1", nil)
	waitFor(t, "the background round", 20*time.Second, func() bool { st := sh.Status(); return st.DBSeq == 6 && st.Backlog == 0 })
	l.fill(t, 1)
	sh.Notify()
	waitFor(t, "the notified round", 20*time.Second, func() bool { return sh.Status().DBSeq == 9 })
	cancel()
	select {
	case <-sh.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the shipper's goroutine did not end")
	}
	checkExactlyOnce(t, conn, l)
	sts, _ := Status(context.Background(), conn, "s1")
	if len(sts) != 1 || sts[0].Lane != "T1" {
		t.Fatalf("%+v", sts)
	}
}
