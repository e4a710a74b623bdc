package store

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Operation is what a child does to the payment it belongs to (MAPI.md §9).
type Operation string

// Child operations.
const (
	OpCapture Operation = "capture" // capture of an approved preauth's hold
	OpRelease Operation = "release" // release of an approved preauth's hold
	OpRefund  Operation = "refund"  // refund of an approved sale or capture
)

// Valid reports whether o is one of the three operations.
func (o Operation) Valid() bool { return o == OpCapture || o == OpRelease || o == OpRefund }

// Child event fields (besides FieldReason, FieldSerialNumber and the
// engine's cause/code/message).
const (
	FieldChild     = "child"        // the child's id among its payment's children: "1", "2", …
	FieldOperation = "operation"    // capture | release | refund
	FieldAmount    = "amount_minor" // the child's amount in minor units
	FieldCurrency  = "currency"     // the child's currency (the payment's)
	FieldWhole     = "whole"        // "yes": the request goes without an amount (the whole hold / all that is left)
	FieldWho       = "who"          // who asked for it (the manager's or cashier's name)
)

// Child is a capture, release or refund of a payment, as its events say.
type Child struct {
	ID           string    `json:"child"`          // "1", "2", … in the order begun
	ParentID     string    `json:"client_orderid"` // the payment's client_orderid
	Operation    Operation `json:"operation"`
	AmountMinor  int64     `json:"amount_minor"` // what it moves (release: the held amount)
	Currency     string    `json:"currency"`
	Whole        bool      `json:"whole,omitempty"` // sent without an amount
	Reason       string    `json:"reason,omitempty"`
	Who          string    `json:"who,omitempty"`
	CashierID    string    `json:"cashier_id,omitempty"`    // the person id who caused it (FieldCashier, issue 13)
	Status       Status    `json:"status"`                  // pending, accepted, unknown, approved, declined, error
	SerialNumber string    `json:"serial_number,omitempty"` // the request's serial number, once known
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// Fields are the fields of the child's latest event (cause, code,
	// message, source …).
	Fields map[string]string `json:"fields,omitempty"`
	Events []Event           `json:"events,omitempty"` // its own events, oldest first
}

// Final reports whether the child has a final status.
func (c Child) Final() bool { return isFinal(c.Status) }

// Ledger is what a payment is worth after its approved children, and
// whether a child is still open.
type Ledger struct {
	Captured   int64  // the approved capture's amount (0: none)
	Refunded   int64  // the approved refunds' sum
	Released   bool   // an approved release (or a capture, which releases the rest)
	Refundable int64  // what may still be refunded: the sale's (or captured) amount minus Refunded
	Open       *Child // a child not final yet (pending, accepted or unknown), if any
}

// LedgerOf sums the approved children of p.
func LedgerOf(p Payment, children []Child) Ledger {
	var l Ledger
	for i, c := range children {
		if !c.Final() {
			l.Open = &children[i]
			continue
		}
		if c.Status != StatusApproved {
			continue
		}
		switch c.Operation {
		case OpCapture:
			l.Captured += c.AmountMinor
			l.Released = true
		case OpRelease:
			l.Released = true
		case OpRefund:
			l.Refunded += c.AmountMinor
		}
	}
	base := p.AmountMinor
	if p.Kind == KindPreauth {
		base = l.Captured
	}
	l.Refundable = base - l.Refunded
	return l
}

// ChildrenOf derives a payment's children from its events (p from Get).
func ChildrenOf(p Payment) []Child {
	var out []Child
	idx := map[string]int{}
	for _, ev := range p.Events {
		if !childEvents[ev.Type] {
			continue
		}
		id := ev.Fields[FieldChild]
		if ev.Type == EventChild {
			idx[id] = len(out)
			out = append(out, childBegun(p.ClientOrderID, ev))
			continue
		}
		if i, ok := idx[id]; ok {
			out[i].apply(ev)
		}
	}
	return out
}

// childBegun is the child an EventChild begins.
func childBegun(parent string, ev Event) Child {
	n, _ := strconv.ParseInt(ev.Fields[FieldAmount], 10, 64)
	c := Child{ID: ev.Fields[FieldChild], ParentID: parent, Operation: Operation(ev.Fields[FieldOperation]),
		AmountMinor: n, Currency: ev.Fields[FieldCurrency], Whole: ev.Fields[FieldWhole] == "yes",
		Reason: ev.Fields[FieldReason], Who: ev.Fields[FieldWho], CashierID: ev.Fields[FieldCashier], Status: ev.Status, CreatedAt: ev.At, UpdatedAt: ev.At,
		Fields: ev.Fields}
	c.Events = []Event{ev}
	return c
}

// apply moves the child by one of its stored (already decided) events.
func (c *Child) apply(ev Event) {
	c.Events = append(c.Events, ev)
	if ev.Status != "" {
		c.Status = ev.Status
	}
	if sn := ev.Fields[FieldSerialNumber]; sn != "" {
		c.SerialNumber = sn
	}
	c.Fields = ev.Fields
	c.UpdatedAt = ev.At
}

// childState is what the rules decide a child event against: the child's
// state and serial number, or (for a begin) the payment's state.
func childState(p *Payment, children []Child, ev Event) (Status, string, error) {
	if ev.Type == EventChild {
		return p.Status, "", nil
	}
	for _, c := range children {
		if c.ID == ev.Fields[FieldChild] {
			return c.Status, c.SerialNumber, nil
		}
	}
	return "", "", fmt.Errorf("%w: payment %s has no child %q", ErrNotFound, p.ClientOrderID, ev.Fields[FieldChild])
}

// BeginChild journals a child's write-ahead record on its payment and
// returns only after it is fsynced: the request may leave the machine from
// then on. c names the operation, amount (release: the held amount), whole,
// reason and who; the currency is the payment's. The journal refuses
// (ErrRefused) what it proves wrong: a payment that is not approved, a
// second open child, a capture or release of a sale, of a released or
// captured hold, a refund of a hold not captured, and a refund over what is
// left. The returned child has its id and is pending.
func (j *Journal) BeginChild(parentID string, c Child) (Child, error) {
	if !c.Operation.Valid() {
		return Child{}, fmt.Errorf("%w: operation %q", ErrInvalid, c.Operation)
	}
	if c.AmountMinor <= 0 {
		return Child{}, fmt.Errorf("%w: child amount %d", ErrInvalid, c.AmountMinor)
	}
	f := map[string]string{FieldOperation: string(c.Operation), FieldAmount: strconv.FormatInt(c.AmountMinor, 10),
		FieldReason: c.Reason, FieldWho: c.Who, FieldCashier: c.CashierID}
	if c.Whole {
		f[FieldWhole] = "yes"
	}
	for k, v := range f {
		if v == "" {
			delete(f, k)
		}
	}
	if err := checkFields(f); err != nil {
		return Child{}, err
	}
	at := j.now()
	var out Child
	err := j.update(func(tx *bolt.Tx) error {
		p, err := getPayment(tx, parentID, true)
		if err != nil {
			return err
		}
		if err := allowChild(p, c); err != nil {
			return err
		}
		f[FieldCurrency] = p.Currency
		f[FieldChild] = strconv.Itoa(len(ChildrenOf(p)) + 1)
		if _, err := applyTx(tx, &p, Event{Type: EventChild, Fields: f}, at); err != nil {
			return err
		}
		p.Events, err = paymentEvents(tx, &p)
		kids := ChildrenOf(p)
		out = kids[len(kids)-1]
		return err
	})
	return out, err
}

// ErrRefused is returned by BeginChild for a child the journal proves
// wrong (see BeginChild).
var ErrRefused = errors.New("the journal refuses this operation")

// allowChild checks a new child against its payment and earlier children.
func allowChild(p Payment, c Child) error {
	refuse := func(why string, args ...any) error {
		return fmt.Errorf("%w: %s of %s: %s", ErrRefused, c.Operation, p.ClientOrderID, fmt.Sprintf(why, args...))
	}
	if p.Status != StatusApproved {
		return refuse("the payment is %s", p.Status)
	}
	l := LedgerOf(p, ChildrenOf(p))
	switch {
	case l.Open != nil:
		return refuse("its %s %s is not final", l.Open.Operation, l.Open.ID)
	case c.Operation != OpRefund && p.Kind != KindPreauth:
		return refuse("a sale has no hold")
	case c.Operation != OpRefund && l.Released:
		return refuse("the hold is captured or released")
	case c.Operation == OpCapture && c.AmountMinor > p.AmountMinor:
		return refuse("%d is more than the hold %d", c.AmountMinor, p.AmountMinor)
	case c.Operation == OpRelease && c.AmountMinor != p.AmountMinor:
		return refuse("a hold is released whole")
	case c.Operation == OpRefund && c.AmountMinor > l.Refundable:
		return refuse("%d is more than the %d left", c.AmountMinor, l.Refundable)
	}
	return nil
}

// RecordChild journals an event of child childID of payment parentID
// (EventChildAccepted, EventChildUnknown or EventChildFinal), decided by
// the same rules as Record against the child's state; outcomes and errors
// as Apply. It returns the child after it.
func (j *Journal) RecordChild(parentID, childID string, ev Event) (Child, Outcome, error) {
	if !childEvents[ev.Type] || ev.Type == EventChild {
		return Child{}, "", fmt.Errorf("%w: %q is not a child event", ErrInvalid, ev.Type)
	}
	f := make(map[string]string, len(ev.Fields)+1)
	for k, v := range ev.Fields {
		f[k] = v
	}
	f[FieldChild] = childID
	ev.Fields = f
	p, out, err := j.Apply(parentID, ev)
	if p.ClientOrderID == "" {
		return Child{}, out, err
	}
	for _, c := range ChildrenOf(p) {
		if c.ID == childID {
			return c, out, err
		}
	}
	return Child{}, out, err
}

// Children returns a payment's children, oldest first (ErrNotFound for an
// unknown payment).
func (j *Journal) Children(parentID string) ([]Child, error) {
	p, err := j.Get(parentID)
	if err != nil {
		return nil, err
	}
	return ChildrenOf(p), nil
}

// UnresolvedChildren returns the payments that have a child not final yet
// (pending, accepted or unknown), with their events: what recovery
// resolves by status.
func (j *Journal) UnresolvedChildren() ([]Payment, error) {
	return j.collect(func(tx *bolt.Tx) ([]string, error) {
		return decodeIDList(tx.Bucket(bMeta).Get(kChildUnresolved))
	})
}

// kChildUnresolved (in meta) lists the payments with a child not final yet.
var kChildUnresolved = []byte("child_unresolved")

// setChildUnresolved adds id to (on) or removes it from the list of
// payments with an open child.
func setChildUnresolved(tx *bolt.Tx, id string, on bool) error {
	ids, err := decodeIDList(tx.Bucket(bMeta).Get(kChildUnresolved))
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
	return tx.Bucket(bMeta).Put(kChildUnresolved, encodeIDList(out))
}

// applyChildTx decides and stores one child event of p.
func applyChildTx(tx *bolt.Tx, p *Payment, ev Event, at time.Time) (Outcome, error) {
	evs, err := paymentEvents(tx, p)
	if err != nil {
		return "", err
	}
	kids := ChildrenOf(Payment{ClientOrderID: p.ClientOrderID, Events: evs})
	cur, sn, err := childState(p, kids, ev)
	if err != nil {
		return "", err
	}
	next, outcome := transition(cur, sn, ev)
	switch outcome {
	case OutcomeConflict:
		return outcome, storeAlert(tx, p, ev, at)
	case OutcomeApplied:
	default:
		return outcome, nil
	}
	stored, err := appendPaymentEvent(tx, p, &rec{Type: ev.Type, At: at.UnixNano(), Status: next, Fields: ev.Fields})
	if err != nil {
		return "", err
	}
	if err := putPayment(tx, p); err != nil {
		return "", err
	}
	if err := setChildUnresolved(tx, p.ClientOrderID, !isFinal(next)); err != nil {
		return "", err
	}
	if next == StatusApproved && !isFinal(cur) {
		return outcome, openChild(tx, p, kids, stored)
	}
	return outcome, nil
}

// openChild puts an approved capture (a sale at the captured amount),
// refund (a reversal) or release (listed, counted nowhere) into the open
// day.
func openChild(tx *bolt.Tx, p *Payment, kids []Child, ev Event) error {
	id := ev.Fields[FieldChild]
	for _, c := range kids {
		if c.ID != id {
			continue
		}
		v := fmt.Sprintf("%s|%s|%d", c.Operation, c.Currency, c.AmountMinor)
		return tx.Bucket(bOpen).Put([]byte(childKey(p.ClientOrderID, id)), []byte(v))
	}
	return nil
}

// childKey is a child's key in the open-day index and a batch's list.
func childKey(parent, child string) string { return parent + "/" + child }

// splitChildKey undoes childKey; ok is false for a payment's own key.
func splitChildKey(k string) (parent, child string, ok bool) {
	return strings.Cut(k, "/")
}

// IsChildEvent reports whether t is an event of a payment's child.
func IsChildEvent(t EventType) bool { return childEvents[t] }
