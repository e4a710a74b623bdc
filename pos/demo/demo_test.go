package demo_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"kassa/pos"
	"kassa/pos/demo"
)

func TestMain(m *testing.M) {
	// Never touch the user's config or keyring.
	dir, err := os.MkdirTemp("", "kassa-demo-test")
	if err != nil {
		panic(err)
	}
	keyring.MockInit()
	os.Setenv("XDG_CONFIG_HOME", dir)
	os.Setenv("HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const cardDeclined = "4000000000000002"

// TestDemoMode: no gateway configured → the embedded sandbox and the
// simulated reader, with a separate journal.
func TestDemoMode(t *testing.T) {
	dir := t.TempDir()
	cfg := pos.Config{DataDir: dir, Demo: true, SimAutoSwipe: 5 * time.Millisecond}
	e, err := demo.Start(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if err := e.WaitRecovered(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := e.Snapshot()
	if !s.Demo || !s.Gateway.Demo || e.Demo() == nil {
		t.Fatal("not in demo mode")
	}
	if len(e.Demo().Cards()) < 10 || len(e.Demo().Faults()) == 0 {
		t.Errorf("demo cards %v", e.Demo().Cards())
	}
	if err := e.Demo().SetCard(cardDeclined); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := e.Pay(ctx, pos.Sale, pos.Amount{Minor: 1234, Currency: "RUB"}, "")
	if err != nil {
		t.Fatal(err)
	}
	// ui says "Declined by the bank" and "another card" for CauseDeclined.
	if v.Status != pos.StatusDeclined || v.Reason.Cause != pos.CauseDeclined || v.Reason.Message == "" {
		t.Errorf("demo sale: %s %+v", v.Status, v.Reason)
	}
	for _, f := range []string{"demo-journal.db", "demo-sandbox.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "journal.db")); err == nil {
		t.Error("demo mode wrote the live journal")
	}
	r, _ := e.ReceiptPreview(v.ClientOrderID, pos.CustomerCopy)
	if !r.Demo {
		t.Error("demo receipt not marked")
	}
	if s := e.Snapshot(); s.Reader.State != pos.ReaderStateSimulated {
		t.Errorf("reader state %s, want simulated", s.Reader.State)
	}
}
