package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

func last4(masked string) string {
	d := make([]byte, 0, 4)
	for i := len(masked) - 1; i >= 0 && len(d) < 4; i-- {
		c := masked[i]
		if c >= '0' && c <= '9' {
			d = append(d, c)
		} else if len(d) > 0 || c == '*' {
			break
		}
	}
	if len(d) != 4 {
		return ""
	}
	return string([]byte{d[3], d[2], d[1], d[0]})
}

// Index keys (schema 3). Each ends with the payment's creation time (unix
// nanoseconds, 8 bytes big-endian) and its id (idBytes), so that a prefix
// lists its payments oldest first and a search for the newest few reads
// only those: its cost does not grow with the journal.
//
//	days:   day 0x00 created id
//	last4:  last4 0x00 created id
//	amount: amount (8 bytes) created id
func timeID(p *Payment) []byte {
	return append(k8(uint64(p.CreatedAt.UnixNano())), idBytes(p.ClientOrderID)...)
}

func dayPrefix(day string) []byte     { return append([]byte(day), 0) }
func last4Prefix(l4 string) []byte    { return append([]byte(l4), 0) }
func amountPrefix(minor int64) []byte { return k8(uint64(minor)) }

// idAfter returns the payment id in an index key after its prefix of n bytes
// (the creation time follows the prefix).
func idAfter(k []byte, n int) string {
	if len(k) < n+8 {
		return ""
	}
	return idString(k[n+8:])
}

// indexFinal adds a final payment (from the index backlog, backlog.go) to
// the day index, the search indexes and, approved and not closed yet, the
// open-day index.
func indexFinal(tx *bolt.Tx, p *Payment) error {
	days := tx.Bucket(bDays)
	days.FillPercent = 0.9 // payments become final about in creation order: appends
	if err := days.Put(append(dayPrefix(p.Day), timeID(p)...), nil); err != nil {
		return err
	}
	if err := indexSearch(tx, p); err != nil {
		return err
	}
	if p.Status != StatusApproved || p.CloseBatch != "" {
		return nil
	}
	return tx.Bucket(bOpen).Put(idBytes(p.ClientOrderID), openValue(p))
}

// openValue is a payment's open-day index entry: "kind|currency|amount".
func openValue(p *Payment) []byte {
	return fmt.Appendf(nil, "%s|%s|%d", p.Kind, p.Currency, p.AmountMinor)
}

// indexSearch adds p to the search indexes.
func indexSearch(tx *bolt.Tx, p *Payment) error {
	if l4 := last4(p.MaskedPAN); l4 != "" {
		if err := tx.Bucket(bLast4).Put(append(last4Prefix(l4), timeID(p)...), nil); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bAmount).Put(append(amountPrefix(p.AmountMinor), timeID(p)...), nil); err != nil {
		return err
	}
	if p.PaynetOrderID != "" {
		gw := tx.Bucket(bGwID)
		gw.FillPercent = 0.9 // gateway order ids mostly grow
		return gw.Put([]byte(p.PaynetOrderID), idBytes(p.ClientOrderID))
	}
	return nil
}

// unresolvedIDs returns the meta list of payments that are not final: their
// ids one after the other as wbuf.id writes them (schema 3), or a JSON list
// (before).
func unresolvedIDs(tx *bolt.Tx) ([]string, error) {
	return decodeIDList(tx.Bucket(bMeta).Get(kUnresolved))
}

func decodeIDList(v []byte) ([]string, error) {
	var ids []string
	if len(v) > 0 && v[0] == '[' {
		if err := json.Unmarshal(v, &ids); err != nil {
			return nil, fmt.Errorf("%w: unresolved list: %v", ErrChain, err)
		}
		return ids, nil
	}
	r := &rbuf{b: v}
	for len(r.b) > 0 && r.err == nil {
		ids = append(ids, r.id())
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: unresolved list: %v", ErrChain, r.err)
	}
	return ids, nil
}

func encodeIDList(ids []string) []byte {
	w := make(wbuf, 0, 17*len(ids))
	for _, id := range ids {
		w.id(id)
	}
	return w
}

// setUnresolved adds id to (on) or removes it from the unresolved list.
func setUnresolved(tx *bolt.Tx, id string, on bool) error {
	ids, err := unresolvedIDs(tx)
	if err != nil {
		return err
	}
	out := ids[:0]
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	if on {
		out = append(out, id)
	}
	return tx.Bucket(bMeta).Put(kUnresolved, encodeIDList(out))
}
