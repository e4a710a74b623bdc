package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// VerifyTail checks the newest n events of the hash chain in time that does
// not grow with the journal: their keys run without a gap up to the stored
// count, each carries its own sequence number, each links to the one
// before it, and the stored head is the last one's hash (a binary event's
// hash covers its exact bytes, so only its head is decoded). It catches
// a truncated file, removed newest events and damage near the end at once;
// Verify (which the engine runs in the background at start) checks the rest.
// The error wraps ErrChain.
func (j *Journal) VerifyTail(n int) error {
	return j.view(func(tx *bolt.Tx) error { return verifyTail(tx, n) })
}

func verifyTail(tx *bolt.Tx, n int) error {
	meta := tx.Bucket(bMeta)
	want := u64(meta.Get(kSeq))
	c := tx.Bucket(bEvents).Cursor()
	k, v := c.Last()
	if k == nil {
		if want != 0 {
			return fmt.Errorf("%w: the journal says it holds %d events, found none (events were removed)", ErrChain, want)
		}
		return nil
	}
	if got := u64(k); got != want {
		return fmt.Errorf("%w: the journal says it holds %d events, the newest is %d (events were removed)", ErrChain, want, got)
	}
	next := string(meta.Get(kHead)) // what the newer event (or the head) links to
	// nextRaw is next as bytes while binary events link to each other: the
	// comparison is on the raw hashes, hex only for the older text format.
	nextRaw, rawOK := hexHash(next)
	for seq := want; k != nil && n > 0; k, v = c.Prev() {
		if u64(k) != seq {
			return fmt.Errorf("%w: event %d is missing", ErrChain, seq)
		}
		if len(v) > 0 && v[0] == formatBinary {
			// The hash covers the exact stored bytes, so a link that holds
			// proves the event is as written: only its head is read.
			prev, own, ok := binaryHead(v)
			if !ok {
				return fmt.Errorf("%w: event %d is truncated", ErrChain, seq)
			}
			if own != seq {
				return fmt.Errorf("%w: event %d carries sequence %d", ErrChain, seq, own)
			}
			if sum := sha256.Sum256(v); !rawOK || sum != nextRaw {
				return fmt.Errorf("%w: event %d was changed or replaced (the chain after it does not link to it)", ErrChain, seq)
			}
			copy(nextRaw[:], prev)
			next, rawOK = "", true
			seq--
			n--
			continue
		}
		if next == "" && rawOK { // a text event before binary ones
			next = hex.EncodeToString(nextRaw[:])
		}
		body, h, err := splitStored(v)
		if err != nil {
			return fmt.Errorf("%w: event %d is truncated", ErrChain, seq)
		}
		if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != h {
			return fmt.Errorf("%w: event %d was changed (its hash does not match its content)", ErrChain, seq)
		}
		r, err := decodeBody(body)
		if err != nil {
			return fmt.Errorf("%w: event %d: %v", ErrChain, seq, err)
		}
		if r.Seq != seq {
			return fmt.Errorf("%w: event %d carries sequence %d", ErrChain, seq, r.Seq)
		}
		if h != next {
			return fmt.Errorf("%w: event %d was changed or replaced (the chain after it does not link to it)", ErrChain, seq)
		}
		next = r.Prev
		nextRaw, rawOK = hexHash(next)
		seq--
		n--
	}
	return nil
}

// hexHash is a hash written as 64 hex digits as its bytes (ok false for
// anything else, e.g. the genesis head, which no event's hash matches).
func hexHash(s string) (h [sha256.Size]byte, ok bool) {
	if len(s) != 2*sha256.Size {
		return h, false
	}
	_, err := hex.Decode(h[:], []byte(s))
	return h, err == nil
}
