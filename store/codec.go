package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// rec is an event as stored. The stored value is the hex SHA-256 of the JSON
// body followed by the body itself, so verification never re-encodes.
type rec struct {
	Seq     uint64            `json:"q"`
	Order   string            `json:"o,omitempty"`
	Type    EventType         `json:"t"`
	At      int64             `json:"a"` // unix nanoseconds
	Status  Status            `json:"s,omitempty"`
	Fields  map[string]string `json:"f,omitempty"`
	Payment *Payment          `json:"p,omitempty"` // intent: the payment as begun (chained with it)
	Prev    string            `json:"v"`
}

func k8(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

func u64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func join(parts ...[]byte) []byte { return bytes.Join(parts, []byte{0}) }

func decodeEvent(v []byte) (rec, string, error) {
	body, h, err := splitStored(v)
	if err != nil {
		return rec{}, "", err
	}
	r, err := decodeBody(body)
	return r, h, err
}

// splitStored splits a stored event value into the bytes its hash covers
// and its hash (hex).
func splitStored(v []byte) (body []byte, hash string, err error) {
	if len(v) < 64 {
		return nil, "", fmt.Errorf("event too short")
	}
	return v[64:], string(v[:64]), nil
}

// decodeBody decodes the hashed bytes of an event.
func decodeBody(body []byte) (rec, error) {
	var r rec
	err := json.Unmarshal(body, &r)
	return r, err
}

func (r rec) event(hash string) Event {
	return Event{Seq: r.Seq, OrderID: r.Order, Type: r.Type, At: time.Unix(0, r.At), Status: r.Status,
		Fields: r.Fields, Prev: r.Prev, Hash: hash}
}

// stored is a payment record as stored: the payment (without Events) and
// the sequence numbers of its events.
type stored struct {
	Payment
	Seqs []uint64 `json:"seqs"`
}

func putPayment(tx *bolt.Tx, p *Payment) error {
	s := stored{Payment: *p, Seqs: p.seqs}
	s.Events = nil
	b, err := json.Marshal(&s)
	if err != nil {
		return err
	}
	return tx.Bucket(bPayments).Put([]byte(p.ClientOrderID), b)
}

func decodePayment(v []byte) (Payment, error) {
	var s stored
	if err := json.Unmarshal(v, &s); err != nil {
		return Payment{}, err
	}
	s.Payment.seqs = s.Seqs
	return s.Payment, nil
}

func getPayment(tx *bolt.Tx, id string, withEvents bool) (Payment, error) {
	v := tx.Bucket(bPayments).Get([]byte(id))
	if v == nil {
		return Payment{}, fmt.Errorf("payment %s: %w", id, ErrNotFound)
	}
	p, err := decodePayment(v)
	if err != nil {
		return p, fmt.Errorf("payment %s: %w", id, err)
	}
	if withEvents {
		evs, err := paymentEvents(tx, &p)
		if err != nil {
			return p, err
		}
		p.Events = evs
	}
	return p, nil
}

func paymentEvents(tx *bolt.Tx, p *Payment) ([]Event, error) {
	events := tx.Bucket(bEvents)
	out := make([]Event, 0, len(p.seqs))
	for _, seq := range p.seqs {
		v := events.Get(k8(seq))
		if v == nil {
			return nil, fmt.Errorf("%w: event %d of %s is missing", ErrChain, seq, p.ClientOrderID)
		}
		r, h, err := decodeEvent(v)
		if err != nil {
			return nil, err
		}
		out = append(out, r.event(h))
	}
	return out, nil
}
