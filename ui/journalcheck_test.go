package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	bolt "go.etcd.io/bbolt"

	"kassa/pos"
	"kassa/store"
)

// TestDamagedJournalBanner: a demo journal with an old event altered while
// Kassa was stopped opens (the quick check of the newest events passes);
// once the checkout is usable the background check finds the damage: the
// banner says payments are stopped and what to do, and a sale ends "not
// started — not charged" with the same advice.
func TestDamagedJournalBanner(t *testing.T) {
	h := newHarness(t, tuning{journal: func(path string) {
		if err := store.Generate(path, 600); err != nil { // more events than the quick check reads
			t.Fatal(err)
		}
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("events"))
			k := []byte{0, 0, 0, 0, 0, 0, 0, 7}
			v := append([]byte(nil), b.Get(k)...)
			v[len(v)-1] ^= 0x20
			return b.Put(k, v)
		}); err != nil {
			t.Fatal(err)
		}
	}})
	h.waitFor(20*time.Second, "the damaged-journal banner", func() bool { return h.u.snap.Journal == pos.JournalDamaged })
	if msg := h.u.banner.msg.Text(); !h.u.banner.root.Visible() || !strings.Contains(msg, "damaged: payments are stopped") {
		t.Fatalf("banner: visible %v, %q", h.u.banner.root.Visible(), msg)
	}
	h.useCard("1111")
	h.typeKeys("250")
	h.press(fyne.KeyReturn)
	h.waitFor(30*time.Second, "the result screen", func() bool { return h.u.current == h.u.result })
	if r := h.u.result; r.view_.ClientOrderID != "" || !strings.Contains(r.reason.Text, "journal on this computer is damaged") ||
		!strings.Contains(r.advice.Text, "restore the last journal backup") {
		t.Fatalf("result: %q / %q / %q", r.view_.ClientOrderID, r.reason.Text, r.advice.Text)
	}
}
