package store

import (
	"crypto/sha256"
	"encoding/hex"

	bolt "go.etcd.io/bbolt"
)

// appendEvent chains r after the current head and stores it, its per-payment
// index entry and the new head, all in tx.
func appendEvent(tx *bolt.Tx, r *rec) (Event, error) {
	meta := tx.Bucket(bMeta)
	seq := u64(meta.Get(kSeq)) + 1
	r.Seq = seq
	r.Prev = string(meta.Get(kHead))
	if r.Prev == "" {
		r.Prev = Genesis
	}
	val, err := encodeEvent(r)
	if err != nil {
		return Event{}, err
	}
	sum := sha256.Sum256(val)
	h := hex.EncodeToString(sum[:])
	ev := tx.Bucket(bEvents)
	ev.FillPercent = 0.95 // keys only ever grow
	if err := ev.Put(k8(seq), val); err != nil {
		return Event{}, err
	}
	if err := meta.Put(kSeq, k8(seq)); err != nil {
		return Event{}, err
	}
	if err := meta.Put(kHead, []byte(h)); err != nil {
		return Event{}, err
	}
	if r.Type == EventAlert {
		if err := tx.Bucket(bAlerts).Put(k8(seq), []byte(r.Order)); err != nil {
			return Event{}, err
		}
	}
	return r.event(h), nil
}

// appendPaymentEvent chains r (an event of payment p) and adds it to p's
// list; the caller stores p in the same transaction.
func appendPaymentEvent(tx *bolt.Tx, p *Payment, r *rec) (Event, error) {
	r.Order = p.ClientOrderID
	ev, err := appendEvent(tx, r)
	if err != nil {
		return ev, err
	}
	p.seqs = append(p.seqs, ev.Seq)
	return ev, nil
}
