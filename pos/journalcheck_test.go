package pos

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"kassa/mapi/sandbox"
	"kassa/store"
)

// TestJournalDamagedBehindTheTail: a journal whose old event was altered
// while Kassa was stopped opens (the quick check of the newest events
// passes) and the checkout is usable, but the background check of the
// whole chain finds the damage: the snapshot says JournalDamaged, a sale
// is refused with the damaged-journal error, and nothing reaches the
// gateway.
func TestJournalDamagedBehindTheTail(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, pollingOnly)
	path := filepath.Join(cfg.DataDir, "journal.db")
	if err := store.Generate(path, 600); err != nil { // more events than the quick check reads
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("events"))
		k := []byte{0, 0, 0, 0, 0, 0, 0, 5}
		v := append([]byte(nil), b.Get(k)...)
		v[len(v)-1] ^= 0x01
		return b.Put(k, v)
	})
	if err2 := db.Close(); err == nil {
		err = err2
	}
	if err != nil {
		t.Fatal(err)
	}

	e := startEngine(t, cfg)
	if s := e.Snapshot(); s.Stage != StageReady || s.Journal != JournalUnchecked {
		t.Fatalf("after start: stage %s, journal %s; want ready, unchecked", s.Stage, s.Journal)
	}
	if err := e.Demo().SetCard(cardVisa); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = e.Pay(ctx, Sale, Amount{Minor: 1000, Currency: "RUB"}, "")
	var ce *store.CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("Pay on a damaged journal: %v, want the damaged-journal error", err)
	}
	if c := ReasonOf(err).Cause; c != CauseJournalDamaged {
		t.Errorf("cause %s, want %s", c, CauseJournalDamaged)
	}
	waitFor(t, 5*time.Second, "the snapshot to say the journal is damaged", func() bool { return e.Snapshot().Journal == JournalDamaged })
	if n := len(sb.Server.Orders()); n != 0 {
		t.Errorf("the gateway got %d orders from a damaged journal", n)
	}
}

// TestJournalCheckSound: on a sound journal the check ends JournalSound
// and payments go through.
func TestJournalCheckSound(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, pollingOnly)
	if err := store.Generate(filepath.Join(cfg.DataDir, "journal.db"), 600); err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, cfg)
	e.StartJournalCheck()
	waitFor(t, 10*time.Second, "the journal check", func() bool { return e.Snapshot().Journal == JournalSound })
	if v := pay(t, e, cardVisa, 1000); v.Status != StatusApproved {
		t.Errorf("sale after the check: %s", v.Status)
	}
}
