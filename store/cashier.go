package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// Issue 13: named cashiers and shifts live in the journal file beside the
// payments. Their records are kept in their own buckets (created on first
// write, so no schema step is needed: a journal without them simply has no
// cashiers yet), and every change is also a journal-level event in the hash
// chain, carrying the id of the person who made it (FieldCashier).

// Journal-level event types of issue 13 (OrderID empty).
const (
	EventCashier  EventType = "cashier"  // a cashier was added or changed (Fields: subject, action, name, role, disabled)
	EventShift    EventType = "shift"    // a shift was opened or closed (Fields: shift_id, stage, subject)
	EventSettings EventType = "settings" // a manager changed the settings (Fields: what)
	EventReport   EventType = "report"   // an X report was printed, or a past Z report reprinted (Fields: report, request_id)
)

// Fields of person-caused events (issue 13).
const (
	// FieldCashier is the id of the person who caused an event: a cashier's
	// id, "cli:<OS user>" for a headless command, or "" in journals from
	// before named cashiers.
	FieldCashier = "cashier_id"
	FieldSubject = "subject_id" // the cashier a cashier or shift event is about
	FieldAction  = "action"     // add, rename, role, disable, enable, credential
	FieldShiftID = "shift_id"
	FieldStage   = "stage"
	FieldWhat    = "what" // settings: the names of the settings changed
)

// Cashier roles as stored.
const (
	RoleCashier = "cashier"
	RoleManager = "manager"
)

// Errors of the cashier records.
var (
	// ErrLastManager is returned for a change that would leave no enabled
	// manager while one exists.
	ErrLastManager = errors.New("the last enabled manager cannot be disabled or demoted")
	// ErrNameTaken is returned when another cashier has the name already.
	ErrNameTaken = errors.New("another cashier has this name")
)

var (
	bCashiers = []byte("cashiers") // cashier id -> Cashier JSON
	bShifts   = []byte("shifts")   // shift id -> Shift JSON
)

// Cashier is a person who signs in at the terminal. PINHash is a salted
// hash (never the PIN); it stays out of the events.
type Cashier struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	PINHash   string    `json:"pin_hash"`
	Role      string    `json:"role"`
	Disabled  bool      `json:"disabled,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Cashiers returns every cashier, by name.
func (j *Journal) Cashiers() ([]Cashier, error) {
	var out []Cashier
	err := j.view(func(tx *bolt.Tx) error {
		var err error
		out, err = cashiersTx(tx)
		return err
	})
	return out, err
}

func cashiersTx(tx *bolt.Tx) ([]Cashier, error) {
	var out []Cashier
	b := tx.Bucket(bCashiers)
	if b == nil {
		return nil, nil
	}
	err := b.ForEach(func(_, v []byte) error {
		var c Cashier
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("%w: cashier record: %v", ErrChain, err)
		}
		out = append(out, c)
		return nil
	})
	sort.Slice(out, func(a, b int) bool { return strings.ToLower(out[a].Name) < strings.ToLower(out[b].Name) })
	return out, err
}

// PutCashier stores a new or changed cashier (a new one gets an id when
// c.ID is empty) and journals the change as a cashier event by the person
// by, in one fsynced transaction. action says what changed (add, rename,
// role, disable, enable, credential). It refuses an empty or taken name, an
// unknown role, and a change that leaves no enabled manager while there was
// one (ErrLastManager).
func (j *Journal) PutCashier(c Cashier, by, action string) (Cashier, error) {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" || c.PINHash == "" || (c.Role != RoleCashier && c.Role != RoleManager) {
		return c, fmt.Errorf("%w: a cashier needs a name, a PIN and a role", ErrInvalid)
	}
	now := j.now()
	if c.ID == "" {
		c.ID, c.CreatedAt = uuid.NewString(), now
	}
	c.UpdatedAt = now
	err := j.update(func(tx *bolt.Tx) error { return putCashierTx(tx, c, by, action, now) })
	return c, err
}

func putCashierTx(tx *bolt.Tx, c Cashier, by, action string, now time.Time) error {
	all, err := cashiersTx(tx)
	if err != nil {
		return err
	}
	if err := checkCashiers(all, c); err != nil {
		return err
	}
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	b, err := tx.CreateBucketIfNotExists(bCashiers)
	if err != nil {
		return err
	}
	if err := b.Put([]byte(c.ID), v); err != nil {
		return err
	}
	f := map[string]string{FieldCashier: by, FieldSubject: c.ID, FieldAction: action, "name": c.Name,
		"role": c.Role, "disabled": strconv.FormatBool(c.Disabled)}
	_, err = appendEvent(tx, &rec{Type: EventCashier, At: now.UnixNano(), Fields: f})
	return err
}

// checkCashiers checks c against the other cashiers: a free name, and an
// enabled manager left when there was one.
func checkCashiers(all []Cashier, c Cashier) error {
	before, after := 0, 0
	for _, o := range all {
		if o.ID != c.ID && strings.EqualFold(o.Name, c.Name) {
			return fmt.Errorf("%q: %w", c.Name, ErrNameTaken)
		}
		if o.Role == RoleManager && !o.Disabled {
			before++
			if o.ID != c.ID {
				after++
			}
		}
	}
	if c.Role == RoleManager && !c.Disabled {
		after++
	}
	if before > 0 && after == 0 {
		return ErrLastManager
	}
	return nil
}

// Note journals a journal-level event of a person (a settings change:
// EventSettings) with its fields; by goes into FieldCashier.
func (j *Journal) Note(t EventType, by string, fields map[string]string) error {
	if t != EventSettings && t != EventReport {
		return fmt.Errorf("%w: journal-level note %q", ErrInvalid, t)
	}
	if err := checkFields(fields); err != nil {
		return err
	}
	f := map[string]string{FieldCashier: by}
	for k, v := range fields {
		f[k] = v
	}
	now := j.now()
	return j.update(func(tx *bolt.Tx) error {
		_, err := appendEvent(tx, &rec{Type: t, At: now.UnixNano(), Fields: f})
		return err
	})
}

// JournalEvents returns the journal-level events (no payment: close,
// cashier, shift, settings) from since on, oldest first.
func (j *Journal) JournalEvents(since time.Time) ([]Event, error) {
	var out []Event
	err := j.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bEvents).ForEach(func(_, v []byte) error {
			r, h, err := decodeEvent(v)
			if err != nil {
				return err
			}
			if r.Order == "" && !timeFromNano(r.At).Before(since) {
				out = append(out, r.event(h))
			}
			return nil
		})
	})
	return out, err
}

// OpenDayPayments returns the payments the open-day totals count (approved,
// not covered by a finished close-day), with their events, and the open
// day's approved children (captures and refunds, issue 11) — for the X
// report of issue 13. Its cost grows with the open day.
func (j *Journal) OpenDayPayments() ([]Payment, []Child, error) {
	var kids []Child
	ps, err := j.collect(func(tx *bolt.Tx) ([]string, error) {
		_, keys, err := openDay(tx, "")
		var own []string
		for _, k := range keys {
			parent, child, ok := splitChildKey(k)
			if !ok {
				own = append(own, k)
				continue
			}
			p, err := getPayment(tx, parent, true)
			if err != nil {
				return nil, err
			}
			for _, c := range ChildrenOf(p) {
				if c.ID == child {
					kids = append(kids, c)
				}
			}
		}
		return own, err
	})
	sortByCreated(ps)
	return ps, kids, err
}

// BatchKey is how a close-day batch lists a payment's child ("parent/child"),
// for reports that match a batch's entries (issue 13).
func BatchKey(parent, child string) string { return childKey(parent, child) }
