package store

import (
	"bytes"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Get returns a payment with its events, or ErrNotFound.
func (j *Journal) Get(id string) (Payment, error) {
	var p Payment
	err := j.view(func(tx *bolt.Tx) error {
		var err error
		p, err = getPayment(tx, id, true)
		return err
	})
	return p, err
}

// loadAll returns the payments named by ids, with their events.
func loadAll(tx *bolt.Tx, ids []string) ([]Payment, error) {
	out := make([]Payment, 0, len(ids))
	for _, id := range ids {
		p, err := getPayment(tx, id, true)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (j *Journal) collect(fn func(tx *bolt.Tx) ([]string, error)) ([]Payment, error) {
	var out []Payment
	err := j.view(func(tx *bolt.Tx) error {
		ids, err := fn(tx)
		if err != nil {
			return err
		}
		out, err = loadAll(tx, ids)
		return err
	})
	return out, err
}

// prefixIDs lists the payment ids in an index under prefix, oldest first.
func prefixIDs(tx *bolt.Tx, bucket, prefix []byte) []string {
	var ids []string
	c := tx.Bucket(bucket).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		ids = append(ids, idAfter(k, len(prefix)))
	}
	return ids
}

// newestIDs lists up to limit payment ids under prefix, newest first, for
// which keep holds (all when limit is 0). It reads only from the newest end.
func newestIDs(tx *bolt.Tx, bucket, prefix []byte, limit int, keep func(id string) (bool, error)) ([]string, error) {
	var ids []string
	c := tx.Bucket(bucket).Cursor()
	end := append(append([]byte{}, prefix...), bytes.Repeat([]byte{0xff}, 8)...)
	k, _ := c.Seek(end)
	if k == nil {
		k, _ = c.Last()
	} else if !bytes.HasPrefix(k, prefix) || bytes.Compare(k, end) > 0 {
		k, _ = c.Prev()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Prev() {
		id := idAfter(k, len(prefix))
		ok, err := keep(id)
		if err != nil {
			return nil, err
		}
		if ok {
			ids = append(ids, id)
			if limit > 0 && len(ids) >= limit {
				break
			}
		}
	}
	return ids, nil
}

func sortByCreated(ps []Payment) {
	sort.SliceStable(ps, func(a, b int) bool { return ps[a].CreatedAt.Before(ps[b].CreatedAt) })
}

// Unresolved returns every payment that is not final (pending, sent,
// accepted, unknown), oldest first: what recovery must settle.
func (j *Journal) Unresolved() ([]Payment, error) {
	ps, err := j.collect(unresolvedIDs)
	sortByCreated(ps)
	return ps, err
}

// withUnresolved returns ids (from an index of final payments) plus the
// payments no index has yet that match keep: the unresolved ones and the
// index backlog (backlog.go).
func withUnresolved(tx *bolt.Tx, ids []string, keep func(p Payment) bool) ([]string, error) {
	un, err := unresolvedIDs(tx)
	if err != nil {
		return nil, err
	}
	later, err := backlogIDs(tx)
	if err != nil {
		return nil, err
	}
	for _, id := range append(un, later...) {
		p, err := getPayment(tx, id, false)
		if err != nil {
			return nil, err
		}
		if keep(p) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// ByDay returns the payments of a business day (YYYY-MM-DD), oldest first.
func (j *Journal) ByDay(day string) ([]Payment, error) {
	if _, err := time.Parse(dateLayout, day); err != nil {
		return nil, fmt.Errorf("%w: day %q is not YYYY-MM-DD", ErrInvalid, day)
	}
	ps, err := j.collect(func(tx *bolt.Tx) ([]string, error) {
		ids := prefixIDs(tx, bDays, dayPrefix(day))
		return withUnresolved(tx, ids, func(p Payment) bool { return p.Day == day })
	})
	sortByCreated(ps)
	return ps, err
}

// Walk calls fn for each payment (with events) whose business day is within
// from..to inclusive (YYYY-MM-DD; empty means unbounded), by day and time.
func (j *Journal) Walk(from, to string, fn func(Payment) error) error {
	for _, d := range []string{from, to} {
		if d != "" {
			if _, err := time.Parse(dateLayout, d); err != nil {
				return fmt.Errorf("%w: day %q is not YYYY-MM-DD", ErrInvalid, d)
			}
		}
	}
	inRange := func(day string) bool { return (from == "" || day >= from) && (to == "" || day <= to) }
	return j.view(func(tx *bolt.Tx) error {
		type ref struct{ day, id string }
		var refs []ref
		c := tx.Bucket(bDays).Cursor()
		k, _ := c.First()
		if from != "" {
			k, _ = c.Seek([]byte(from))
		}
		for ; k != nil; k, _ = c.Next() {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				continue
			}
			if !inRange(string(k[:i])) {
				break
			}
			refs = append(refs, ref{string(k[:i]), idAfter(k, i+1)})
		}
		un, err := withUnresolved(tx, nil, func(p Payment) bool { return inRange(p.Day) })
		if err != nil {
			return err
		}
		ps := make([]Payment, 0, len(refs)+len(un))
		flush := func() error {
			sortByCreated(ps)
			for _, p := range ps {
				if err := fn(p); err != nil {
					return err
				}
			}
			ps = ps[:0]
			return nil
		}
		pending, err := loadAll(tx, un)
		if err != nil {
			return err
		}
		// One day at a time, oldest first, unresolved ones merged in.
		for i := 0; i < len(refs); {
			day := refs[i].day
			for ; i < len(refs) && refs[i].day == day; i++ {
				p, err := getPayment(tx, refs[i].id, true)
				if err != nil {
					return err
				}
				ps = append(ps, p)
			}
			rest := pending[:0]
			for _, p := range pending {
				if p.Day <= day {
					ps = append(ps, p)
				} else {
					rest = append(rest, p)
				}
			}
			pending = rest
			if err := flush(); err != nil {
				return err
			}
		}
		ps = append(ps, pending...)
		return flush()
	})
}

// Latest returns the n most recently begun payments, newest first.
func (j *Journal) Latest(n int) ([]Payment, error) {
	return j.collect(func(tx *bolt.Tx) ([]string, error) {
		var ids []string
		c := tx.Bucket(bEvents).Cursor()
		for k, v := c.Last(); k != nil && len(ids) < n; k, v = c.Prev() {
			// Only intents: cheap test before decoding the older JSON events.
			if len(v) > 64 && v[0] != formatBinary && !bytes.Contains(v[64:], []byte(`"t":"intent"`)) {
				continue
			}
			r, _, err := decodeEvent(v)
			if err != nil {
				return nil, err
			}
			if r.Type == EventIntent {
				ids = append(ids, r.Order)
			}
		}
		return ids, nil
	})
}

// Search returns the payments matching every set field of q, newest first.
// OrderID matches the client_orderid or the gateway's order id.
func (j *Journal) Search(q Query) ([]Payment, error) {
	if q.Last4 == "" && q.AmountMinor == 0 && q.OrderID == "" && q.Day == "" {
		return nil, fmt.Errorf("%w: empty search", ErrInvalid)
	}
	match := func(p Payment) bool {
		return (q.OrderID == "" || p.ClientOrderID == q.OrderID || p.PaynetOrderID == q.OrderID) &&
			(q.Last4 == "" || last4(p.MaskedPAN) == q.Last4) &&
			(q.AmountMinor == 0 || p.AmountMinor == q.AmountMinor) &&
			(q.Day == "" || p.Day == q.Day)
	}
	ps, err := j.collect(func(tx *bolt.Tx) ([]string, error) {
		var ids []string
		keep := func(id string) (bool, error) {
			p, err := getPayment(tx, id, false)
			return err == nil && match(p), err
		}
		var err error
		switch {
		case q.OrderID != "":
			if tx.Bucket(bPayments).Get(idBytes(q.OrderID)) != nil {
				return []string{q.OrderID}, nil
			}
			if v := tx.Bucket(bGwID).Get([]byte(q.OrderID)); v != nil {
				ids = []string{idString(v)}
			}
		case q.Last4 != "":
			ids, err = newestIDs(tx, bLast4, last4Prefix(q.Last4), q.Limit, keep)
		case q.AmountMinor > 0:
			ids, err = newestIDs(tx, bAmount, amountPrefix(q.AmountMinor), q.Limit, keep)
		default:
			ids, err = newestIDs(tx, bDays, dayPrefix(q.Day), q.Limit, keep)
		}
		if err != nil {
			return nil, err
		}
		return withUnresolved(tx, ids, match)
	})
	if err != nil {
		return nil, err
	}
	out := ps[:0]
	seen := map[string]bool{}
	for _, p := range ps {
		if match(p) && !seen[p.ClientOrderID] {
			seen[p.ClientOrderID] = true
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].CreatedAt.After(out[b].CreatedAt) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// Alerts returns every alert event (contradicting reports), oldest first.
func (j *Journal) Alerts() ([]Event, error) {
	var out []Event
	err := j.view(func(tx *bolt.Tx) error {
		events := tx.Bucket(bEvents)
		return tx.Bucket(bAlerts).ForEach(func(k, _ []byte) error {
			v := events.Get(k)
			if v == nil {
				return fmt.Errorf("%w: alert event %d is missing", ErrChain, u64(k))
			}
			r, h, err := decodeEvent(v)
			if err != nil {
				return err
			}
			out = append(out, r.event(h))
			return nil
		})
	})
	return out, err
}
