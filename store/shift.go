package store

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// Shift is one cashier's stretch at the terminal, from sign-in to its close
// (by the cashier or a manager). ClosedAt is zero while it is open.
type Shift struct {
	ID        string    `json:"id"`
	CashierID string    `json:"cashier_id"`
	OpenedAt  time.Time `json:"opened_at"`
	ClosedAt  time.Time `json:"closed_at,omitzero"`
	ClosedBy  string    `json:"closed_by,omitempty"`
}

// Open reports whether the shift is still open.
func (s Shift) Open() bool { return s.ClosedAt.IsZero() }

// Shift stages in shift events.
const (
	ShiftOpened = "open"
	ShiftClosed = "close"
)

// OpenShift opens a shift for the cashier (journaled, fsynced) or returns
// the cashier's shift that is open already.
func (j *Journal) OpenShift(cashierID string) (Shift, error) {
	if cashierID == "" {
		return Shift{}, fmt.Errorf("%w: a shift needs a cashier", ErrInvalid)
	}
	now := j.now()
	var s Shift
	err := j.update(func(tx *bolt.Tx) error {
		all, err := shiftsTx(tx)
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.Open() && o.CashierID == cashierID {
				s = o
				return nil
			}
		}
		s = Shift{ID: uuid.NewString(), CashierID: cashierID, OpenedAt: now}
		return putShiftTx(tx, s, cashierID, ShiftOpened, now)
	})
	return s, err
}

// CloseShift closes an open shift; by is who closes it (the cashier or a
// manager). Closing a closed shift returns it unchanged.
func (j *Journal) CloseShift(id, by string) (Shift, error) {
	now := j.now()
	var s Shift
	err := j.update(func(tx *bolt.Tx) error {
		var err error
		if s, err = getShift(tx, id); err != nil || !s.Open() {
			return err
		}
		s.ClosedAt, s.ClosedBy = now, by
		return putShiftTx(tx, s, by, ShiftClosed, now)
	})
	return s, err
}

// Shifts returns every shift, newest first.
func (j *Journal) Shifts() ([]Shift, error) {
	var out []Shift
	err := j.view(func(tx *bolt.Tx) error {
		var err error
		out, err = shiftsTx(tx)
		return err
	})
	return out, err
}

func shiftsTx(tx *bolt.Tx) ([]Shift, error) {
	b := tx.Bucket(bShifts)
	if b == nil {
		return nil, nil
	}
	var out []Shift
	err := b.ForEach(func(_, v []byte) error {
		var s Shift
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("%w: shift record: %v", ErrChain, err)
		}
		out = append(out, s)
		return nil
	})
	sort.Slice(out, func(a, b int) bool { return out[a].OpenedAt.After(out[b].OpenedAt) })
	return out, err
}

func getShift(tx *bolt.Tx, id string) (Shift, error) {
	var s Shift
	b := tx.Bucket(bShifts)
	if b == nil || b.Get([]byte(id)) == nil {
		return s, fmt.Errorf("shift %s: %w", id, ErrNotFound)
	}
	err := json.Unmarshal(b.Get([]byte(id)), &s)
	return s, err
}

func putShiftTx(tx *bolt.Tx, s Shift, by, stage string, now time.Time) error {
	v, err := json.Marshal(s)
	if err != nil {
		return err
	}
	b, err := tx.CreateBucketIfNotExists(bShifts)
	if err != nil {
		return err
	}
	if err := b.Put([]byte(s.ID), v); err != nil {
		return err
	}
	f := map[string]string{FieldCashier: by, FieldSubject: s.CashierID, FieldShiftID: s.ID, FieldStage: stage}
	_, err = appendEvent(tx, &rec{Type: EventShift, At: now.UnixNano(), Fields: f})
	return err
}
