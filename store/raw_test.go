package store

import (
	"errors"
	"testing"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

func TestJournalID(t *testing.T) {
	j, _, path := newJ(t)
	id := j.ID()
	if u, err := uuid.Parse(id); err != nil || u.String() != id {
		t.Fatalf("journal id %q is not a UUID", id)
	}
	_ = j.Close()
	if j2 := openT(t, path, nil); j2.ID() != id {
		t.Fatalf("journal id changed on reopen: %q, was %q", j2.ID(), id)
	} else {
		_ = j2.Close()
	}
	r, err := Open(path, Options{ReadOnly: true})
	if err != nil || r.ID() != id {
		t.Fatalf("read-only: %q %v", r.ID(), err)
	}
	_ = r.Close()
	if o, _, _ := newJ(t); o.ID() == id || o.ID() == "" {
		t.Fatalf("two journals, ids %q and %q", id, o.ID())
	}
}

// A journal from before journal ids gets one on its first writable open,
// and keeps it; a read-only open does not write one.
func TestJournalIDForOldJournal(t *testing.T) {
	j, path, _ := journalWith(t, 3)
	head, n := verifyOK(t, j)
	rawEdit(t, j, path, func(tx *bolt.Tx) error {
		if err := tx.Bucket(bMeta).Delete(kSchemaSeal); err != nil { // ids came before seals
			return err
		}
		return tx.Bucket(bMeta).Delete(kJournalID)
	})
	r, err := Open(path, Options{ReadOnly: true})
	if err != nil || r.ID() != "" {
		t.Fatalf("read-only open of an id-less journal: %q %v", r.ID(), err)
	}
	_ = r.Close()
	j2 := openT(t, path, nil)
	id := j2.ID()
	if _, err := uuid.Parse(id); err != nil {
		t.Fatalf("no id after first open: %q", id)
	}
	if h, m := verifyOK(t, j2); h != head || m != n {
		t.Fatalf("assigning the id changed the chain")
	}
	_ = j2.Close()
	if j3 := openT(t, path, nil); j3.ID() != id {
		t.Fatalf("id changed: %q, was %q", j3.ID(), id)
	}
}

func TestEventsSince(t *testing.T) {
	j, _, _ := journalWith(t, 4)
	seq, head := j.HeadSeq()
	if head != j.Head() || seq == 0 {
		t.Fatalf("HeadSeq %d %s, Head %s", seq, head, j.Head())
	}
	_, n := verifyOK(t, j)
	if seq != uint64(n) {
		t.Fatalf("head seq %d, %d events", seq, n)
	}
	// Page through in threes, checking each event as a receiver would.
	var (
		prevSeq  uint64
		prevHash = Genesis
		got      int
	)
	for {
		evs, err := j.EventsSince(prevSeq, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		if len(evs) > 3 {
			t.Fatalf("max 3, got %d", len(evs))
		}
		for _, ev := range evs {
			if err := ev.Check(prevSeq, prevHash); err != nil {
				t.Fatalf("event %d: %v", ev.Seq, err)
			}
			prevSeq, prevHash = ev.Seq, ev.Hash
			got++
		}
	}
	if got != n || prevHash != head || prevSeq != seq {
		t.Fatalf("shipped %d events up to %d %s; journal has %d up to %d %s", got, prevSeq, prevHash, n, seq, head)
	}
	if evs, err := j.EventsSince(seq, 10); err != nil || len(evs) != 0 {
		t.Fatalf("past the head: %d %v", len(evs), err)
	}
	// A receiver catches edits, reordering and gaps.
	evs, _ := j.EventsSince(0, 3)
	edited := evs[1]
	edited.Data = append([]byte{}, edited.Data...)
	edited.Data[len(edited.Data)-2] ^= 1
	for name, tc := range map[string]struct {
		ev       RawEvent
		prevSeq  uint64
		prevHash string
	}{
		"edited bytes":  {edited, 1, evs[0].Hash},
		"wrong link":    {evs[2], 1, evs[0].Hash},
		"gap":           {evs[2], 0, Genesis},
		"forged prev":   {RawEvent{Seq: 2, Prev: Genesis, Hash: evs[1].Hash, Data: evs[1].Data}, 1, Genesis},
		"not the first": {evs[1], 0, Genesis},
	} {
		if err := tc.ev.Check(tc.prevSeq, tc.prevHash); !errors.Is(err, ErrChain) {
			t.Errorf("%s: Check = %v, want ErrChain", name, err)
		}
	}
	// The events returned are copies: they outlive the transaction.
	evs[0].Data[0] ^= 0xff
	if again, _ := j.EventsSince(0, 1); again[0].Check(0, Genesis) != nil {
		t.Fatal("EventsSince returned the journal's own memory")
	}
}
