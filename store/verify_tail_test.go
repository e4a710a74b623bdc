package store

import (
	"context"
	"errors"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestVerifyTail: the quick check the engine runs before it opens catches
// damage at the newest end of the chain, and leaves older damage to the
// full Verify (which the engine runs in the background).
func TestVerifyTail(t *testing.T) {
	// flip turns the newest (last: true) or the oldest approval into a
	// decline, in place.
	flip := func(last bool) func(tx *bolt.Tx, n uint64) error {
		return func(tx *bolt.Tx, n uint64) error {
			b := tx.Bucket(bEvents)
			seq := uint64(0)
			for s := uint64(1); s <= n; s++ {
				if r, _, err := decodeEvent(b.Get(k8(s))); err == nil && r.Status == StatusApproved && (last || seq == 0) {
					seq = s
				}
			}
			r, _, err := decodeEvent(b.Get(k8(seq)))
			if err != nil {
				return err
			}
			r.Status = StatusDeclined
			nv, err := encodeEvent(&r)
			if err != nil {
				return err
			}
			return b.Put(k8(seq), nv)
		}
	}
	cases := []struct {
		name     string
		edit     func(tx *bolt.Tx, n uint64) error // n: the journal's event count
		tail     int
		tailOK   bool // VerifyTail(tail) passes
		verifyOK bool // the full Verify passes
	}{
		{"intact", func(*bolt.Tx, uint64) error { return nil }, 3, true, true},
		{"newest event deleted", func(tx *bolt.Tx, n uint64) error { return tx.Bucket(bEvents).Delete(k8(n)) }, 3, false, false},
		{"count rewritten after a delete", func(tx *bolt.Tx, n uint64) error {
			if err := tx.Bucket(bEvents).Delete(k8(n)); err != nil {
				return err
			}
			return tx.Bucket(bMeta).Put(kSeq, k8(n-1))
		}, 3, false, false},
		{"event in the tail changed", flip(true), 3, false, false},
		{"event before the tail changed", flip(false), 3, true, false},
		{"the same, with the whole chain as tail", flip(false), 1000, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j, path, _ := journalWith(t, 4)
			_, n := verifyOK(t, j)
			rawEdit(t, j, path, func(tx *bolt.Tx) error { return c.edit(tx, uint64(n)) })
			j = openT(t, path, nil)
			defer j.Close()
			if err := j.VerifyTail(c.tail); (err == nil) != c.tailOK || (err != nil && !errors.Is(err, ErrChain)) {
				t.Errorf("VerifyTail(%d) = %v, want ok=%v", c.tail, err, c.tailOK)
			}
			if _, _, err := j.Verify(); (err == nil) != c.verifyOK {
				t.Errorf("Verify = %v, want ok=%v", err, c.verifyOK)
			}
		})
	}
}

// TestVerifyContextStops: the background check of a long journal ends at
// once when the engine closes.
func TestVerifyContextStops(t *testing.T) {
	j, _, _ := journalWith(t, 3000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := j.VerifyContext(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("VerifyContext on a cancelled context = %v, want context.Canceled", err)
	}
}
