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

func amountKey(minor int64, id string) []byte {
	return append(k8(uint64(minor)), id...)
}

// indexFinal adds a payment that became final to the day index and the
// search indexes, and takes it off the unresolved list.
func indexFinal(tx *bolt.Tx, p *Payment) error {
	if err := tx.Bucket(bDays).Put(join([]byte(p.Day), []byte(p.ClientOrderID)), nil); err != nil {
		return err
	}
	if err := setUnresolved(tx, p.ClientOrderID, false); err != nil {
		return err
	}
	return indexSearch(tx, p)
}

// indexSearch adds p to the v2 search indexes.
func indexSearch(tx *bolt.Tx, p *Payment) error {
	if l4 := last4(p.MaskedPAN); l4 != "" {
		if err := tx.Bucket(bLast4).Put(join([]byte(l4), []byte(p.ClientOrderID)), nil); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bAmount).Put(amountKey(p.AmountMinor, p.ClientOrderID), nil); err != nil {
		return err
	}
	if p.PaynetOrderID != "" {
		return tx.Bucket(bGwID).Put([]byte(p.PaynetOrderID), []byte(p.ClientOrderID))
	}
	return nil
}

// unresolvedIDs returns the meta list of payments that are not final.
func unresolvedIDs(tx *bolt.Tx) ([]string, error) {
	var ids []string
	if v := tx.Bucket(bMeta).Get(kUnresolved); len(v) > 0 {
		if err := json.Unmarshal(v, &ids); err != nil {
			return nil, fmt.Errorf("%w: unresolved list: %v", ErrChain, err)
		}
	}
	return ids, nil
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
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return tx.Bucket(bMeta).Put(kUnresolved, b)
}
