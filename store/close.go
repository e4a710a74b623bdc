package store

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"kassa/mapi/money"
)

// openEntry decodes an open-day index value "kind|currency|amount".
func openEntry(v []byte) (kind Kind, currency string, amount int64, ok bool) {
	parts := strings.Split(string(v), "|")
	if len(parts) != 3 {
		return "", "", 0, false
	}
	n, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return "", "", 0, false
	}
	return Kind(parts[0]), parts[1], n, true
}

func addTo(t *Totals, kind Kind, amount int64) {
	switch kind {
	case KindSale:
		t.SaleCount++
		t.SaleSum += amount
	case KindPreauth:
		t.PreauthCount++
		t.PreauthSum += amount
	case Kind(OpCapture): // an approved capture is a sale at the captured amount (MAPI.md §9)
		t.SaleCount++
		t.SaleSum += amount
		t.CaptureCount++
		t.CaptureSum += amount
	case Kind(OpRelease): // listed on the Z report, counted nowhere
		t.ReleaseCount++
		t.ReleaseSum += amount
	case Kind(OpRefund): // an approved refund is a reversal, each partial one counted
		t.ReversalCount++
		t.ReversalSum += amount
	}
}

// openDay scans the open-day index: approved payments not yet covered by a
// finished close-day, and those of the index backlog (backlog.go). Its cost
// grows with the open day, not the journal.
func openDay(tx *bolt.Tx, currency string) (map[string]Totals, []string, error) {
	totals := map[string]Totals{}
	var ids []string
	add := func(id string, v []byte) error {
		kind, cur, amount, ok := openEntry(v)
		if !ok {
			return fmt.Errorf("%w: open-day entry %s is malformed", ErrChain, id)
		}
		if currency != "" && cur != currency {
			return nil
		}
		t := totals[cur]
		t.Currency = cur
		addTo(&t, kind, amount)
		totals[cur] = t
		ids = append(ids, id)
		return nil
	}
	if err := tx.Bucket(bOpen).ForEach(func(k, v []byte) error { return add(idString(k), v) }); err != nil {
		return nil, nil, err
	}
	later, err := backlogIDs(tx)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range later {
		p, err := getPayment(tx, id, false)
		if err != nil {
			return nil, nil, err
		}
		if p.Status == StatusApproved && p.CloseBatch == "" {
			if err := add(id, openValue(&p)); err != nil {
				return nil, nil, err
			}
		}
	}
	return totals, ids, nil
}

// OpenDayTotals returns, per currency, the count and sum of approved sales
// (and, apart, preauths) not yet covered by a finished close-day: what the
// gateway counts for its close-day: approved captures count as sales at the
// captured amount, approved refunds as reversals (MAPI.md §9).
// It reads the open-day index, so its cost grows with the day's payments, not
// with the journal's size.
func (j *Journal) OpenDayTotals() (map[string]Totals, error) {
	var out map[string]Totals
	err := j.view(func(tx *bolt.Tx) error {
		var err error
		out, _, err = openDay(tx, "")
		return err
	})
	return out, err
}

func getBatch(tx *bolt.Tx, id string) (Batch, error) {
	var b Batch
	v := tx.Bucket(bBatches).Get([]byte(id))
	if v == nil {
		return b, fmt.Errorf("close-day %s: %w", id, ErrNotFound)
	}
	err := json.Unmarshal(v, &b)
	return b, err
}

func putBatch(tx *bolt.Tx, b *Batch) error {
	v, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return tx.Bucket(bBatches).Put([]byte(b.RequestID), v)
}

func totalsFields(t Totals) map[string]string {
	return map[string]string{
		"sale_count": strconv.FormatInt(t.SaleCount, 10), "sale_sum": strconv.FormatInt(t.SaleSum, 10),
		"reversal_count": strconv.FormatInt(t.ReversalCount, 10), "reversal_sum": strconv.FormatInt(t.ReversalSum, 10),
		"preauth_count": strconv.FormatInt(t.PreauthCount, 10), "preauth_sum": strconv.FormatInt(t.PreauthSum, 10),
		"capture_count": strconv.FormatInt(t.CaptureCount, 10), "capture_sum": strconv.FormatInt(t.CaptureSum, 10),
		"release_count": strconv.FormatInt(t.ReleaseCount, 10), "release_sum": strconv.FormatInt(t.ReleaseSum, 10),
	}
}

// BeginClose journals (fsynced) a close-day request before it is sent: its
// request id, the currency, the open-day totals and the payments they cover.
// Calling it again with the same request id returns the journaled batch.
func (j *Journal) BeginClose(requestID, currency string) (Batch, error) {
	return j.BeginCloseBy(requestID, currency, "")
}

// BeginCloseBy is BeginClose journaled as caused by the person by (a
// cashier id, FieldCashier; issue 13), who is also kept on the batch.
func (j *Journal) BeginCloseBy(requestID, currency, by string) (Batch, error) {
	if requestID == "" || strings.ContainsRune(requestID, 0) {
		return Batch{}, fmt.Errorf("%w: empty close-day request id", ErrInvalid)
	}
	if _, err := money.Exponent(currency); err != nil {
		return Batch{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	now := j.now()
	var b Batch
	err := j.update(func(tx *bolt.Tx) error {
		var err error
		b, err = beginCloseTx(tx, requestID, currency, by, now)
		return err
	})
	return b, err
}

func beginCloseTx(tx *bolt.Tx, requestID, currency, by string, now time.Time) (Batch, error) {
	if old, err := getBatch(tx, requestID); err == nil {
		if old.Currency != currency {
			return old, fmt.Errorf("close-day %s is for %s: %w", requestID, old.Currency, ErrExists)
		}
		return old, nil
	}
	// The batch's payments leave the open-day index when it finishes:
	// they must all be in it.
	if err := flushBacklog(tx); err != nil {
		return Batch{}, err
	}
	totals, ids, err := openDay(tx, currency)
	if err != nil {
		return Batch{}, err
	}
	sort.Strings(ids)
	t := totals[currency]
	t.Currency = currency
	b := Batch{RequestID: requestID, Currency: currency, Totals: t, Status: BatchPending,
		CreatedAt: now, UpdatedAt: now, Payments: ids, CashierID: by}
	f := totalsFields(t)
	if by != "" {
		f[FieldCashier] = by
	}
	f[FieldRequestID] = requestID
	f["currency"] = currency
	f["stage"] = BatchPending
	f["payments"] = strconv.Itoa(len(ids))
	if _, err := appendEvent(tx, &rec{Type: EventClose, At: now.UnixNano(), Fields: f}); err != nil {
		return Batch{}, err
	}
	return b, putBatch(tx, &b)
}

// FinishClose journals the gateway's reply to a close-day request. Status
// "finished" closes the day: the batch's payments leave the open-day totals,
// get CloseBatch set and a close event each. "processing" and "error" only
// record the reply. A repeated "finished" is a no-op; changing a finished
// batch returns ErrStale.
func (j *Journal) FinishClose(requestID, status string, reply map[string]string) (Batch, error) {
	switch status {
	case BatchFinished, BatchProcessing, BatchError:
	default:
		return Batch{}, fmt.Errorf("%w: close-day status %q", ErrInvalid, status)
	}
	if err := checkFields(reply); err != nil {
		return Batch{}, err
	}
	now := j.now()
	var b Batch
	err := j.update(func(tx *bolt.Tx) error {
		var err error
		b, err = getBatch(tx, requestID)
		if err != nil {
			return err
		}
		if b.Status == BatchFinished {
			if status == BatchFinished {
				return nil
			}
			return fmt.Errorf("close-day %s is finished: %w", requestID, ErrStale)
		}
		return finishClose(tx, &b, status, reply, now.UnixNano())
	})
	return b, err
}

func finishClose(tx *bolt.Tx, b *Batch, status string, reply map[string]string, at int64) error {
	b.Status = status
	b.Reply = reply
	b.UpdatedAt = timeFromNano(at)
	f := map[string]string{FieldRequestID: b.RequestID, "stage": status}
	for k, v := range reply {
		f["reply_"+k] = v
	}
	if _, err := appendEvent(tx, &rec{Type: EventClose, At: at, Fields: f}); err != nil {
		return err
	}
	if status == BatchFinished {
		open := tx.Bucket(bOpen)
		for _, id := range b.Payments {
			parent, child, isChild := splitChildKey(id)
			if isChild {
				if err := closeChild(tx, open, id, parent, child, b.RequestID, at); err != nil {
					return err
				}
				continue
			}
			p, err := getPayment(tx, id, false)
			if err != nil {
				return err
			}
			if err := open.Delete(idBytes(id)); err != nil {
				return err
			}
			p.CloseBatch = b.RequestID
			if _, err := appendPaymentEvent(tx, &p, &rec{Type: EventClose, At: at, Status: p.Status,
				Fields: map[string]string{FieldRequestID: b.RequestID}}); err != nil {
				return err
			}
			if err := putPayment(tx, &p); err != nil {
				return err
			}
		}
		b.Head = string(tx.Bucket(bMeta).Get(kHead))
	}
	return putBatch(tx, b)
}

// Batch returns a close-day batch by request id, or ErrNotFound.
func (j *Journal) Batch(id string) (Batch, error) {
	var b Batch
	err := j.view(func(tx *bolt.Tx) error {
		var err error
		b, err = getBatch(tx, id)
		return err
	})
	return b, err
}

// Batches returns every close-day batch, oldest first.
func (j *Journal) Batches() ([]Batch, error) {
	var out []Batch
	err := j.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bBatches).ForEach(func(_, v []byte) error {
			var b Batch
			if err := json.Unmarshal(v, &b); err != nil {
				return err
			}
			out = append(out, b)
			return nil
		})
	})
	sort.SliceStable(out, func(a, b int) bool { return out[a].CreatedAt.Before(out[b].CreatedAt) })
	return out, err
}

// ByBatch returns the payments a close-day batch covers (a payment whose
// capture or refund it covers, once).
func (j *Journal) ByBatch(requestID string) ([]Payment, error) {
	return j.collect(func(tx *bolt.Tx) ([]string, error) {
		b, err := getBatch(tx, requestID)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		var ids []string
		for _, k := range b.Payments {
			if parent, _, ok := splitChildKey(k); ok {
				k = parent
			}
			if !seen[k] {
				seen[k] = true
				ids = append(ids, k)
			}
		}
		return ids, nil
	})
}

// closeChild takes a child (key id) out of the open day and journals its
// close event on its payment (with FieldChild: the payment's own
// CloseBatch stays as it is).
func closeChild(tx *bolt.Tx, open *bolt.Bucket, id, parent, child, requestID string, at int64) error {
	p, err := getPayment(tx, parent, false)
	if err != nil {
		return err
	}
	if err := open.Delete([]byte(id)); err != nil {
		return err
	}
	if _, err := appendPaymentEvent(tx, &p, &rec{Type: EventClose, At: at, Status: p.Status,
		Fields: map[string]string{FieldRequestID: requestID, FieldChild: child}}); err != nil {
		return err
	}
	return putPayment(tx, &p)
}
