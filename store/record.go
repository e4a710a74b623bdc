package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Record appends an event to a payment and applies it. States only move
// forward and a final state never changes: an exact repeat (a duplicate
// callback with the same final status) is a no-op returning nil; an event
// that contradicts the journaled state is stored as an alert and returns
// ErrConflict; an event that would move the state backwards stores nothing
// and returns ErrStale. Use Apply to get the Outcome without inspecting
// errors. The returned payment includes its events.
func (j *Journal) Record(id string, ev Event) (Payment, error) {
	p, _, err := j.Apply(id, ev)
	return p, err
}

// Apply is Record that also says what happened: OutcomeApplied,
// OutcomeRepeat, OutcomeConflict (err wraps ErrConflict) or OutcomeStale
// (err wraps ErrStale).
func (j *Journal) Apply(id string, ev Event) (Payment, Outcome, error) {
	p, outs, err := j.ApplyAll(id, ev)
	if len(outs) != 1 {
		return p, "", err
	}
	return p, outs[0], err
}

// RecordAll appends several events to one payment in ONE fsynced
// transaction: all of them reach the disk, or (after a crash or an error)
// none. Each event is decided by Record's rules against the state the
// events before it left, in order; the chain links them one after the
// other. An invalid event (bad type, card data in its fields) stores
// nothing at all. Repeats and stale events are skipped and conflicts stored
// as alerts while the others are applied; the error is then the first
// conflict's or stale event's (errors.Is ErrConflict or ErrStale).
//
// The engine uses it to journal what one gateway answer taught it in one
// write (accepted and final together), which saves an fsync per payment.
func (j *Journal) RecordAll(id string, evs ...Event) (Payment, error) {
	p, _, err := j.ApplyAll(id, evs...)
	return p, err
}

// ApplyAll is RecordAll that also returns each event's Outcome, in order.
func (j *Journal) ApplyAll(id string, evs ...Event) (Payment, []Outcome, error) {
	if len(evs) == 0 {
		return Payment{}, nil, fmt.Errorf("%w: no events to record", ErrInvalid)
	}
	for _, ev := range evs {
		if err := validateEvent(ev); err != nil {
			return Payment{}, nil, err
		}
	}
	ats := make([]time.Time, len(evs))
	for i, ev := range evs {
		ats[i] = ev.At
		if ats[i].IsZero() {
			ats[i] = j.now()
		}
	}
	var (
		out      Payment
		outcomes []Outcome
	)
	err := j.update(func(tx *bolt.Tx) error {
		outcomes = outcomes[:0]
		p, err := getPayment(tx, id, false)
		if err != nil {
			return err
		}
		for i, ev := range evs {
			o, err := applyTx(tx, &p, ev, ats[i])
			if err != nil {
				return err
			}
			outcomes = append(outcomes, o)
		}
		out, err = getPayment(tx, id, true)
		return err
	})
	if err != nil {
		return out, nil, err
	}
	for i, o := range outcomes {
		ev := evs[i]
		switch o {
		case OutcomeConflict:
			return out, outcomes, fmt.Errorf("payment %s is %s; %s %s: %w", id, out.Status, ev.Type, ev.Status, ErrConflict)
		case OutcomeStale:
			return out, outcomes, fmt.Errorf("payment %s is %s; %s: %w", id, out.Status, ev.Type, ErrStale)
		}
	}
	return out, outcomes, nil
}

// validateEvent checks an event Record may store.
func validateEvent(ev Event) error {
	if err := checkFields(ev.Fields); err != nil {
		return err
	}
	switch ev.Type {
	case EventIntent:
		return fmt.Errorf("%w: intents are journaled by Begin", ErrInvalid)
	case EventChild:
		return fmt.Errorf("%w: a child is begun by BeginChild", ErrInvalid)
	case EventChildAccepted, EventChildUnknown, EventChildFinal:
		if ev.Fields[FieldChild] == "" {
			return fmt.Errorf("%w: a child event names its child (field %q)", ErrInvalid, FieldChild)
		}
		if ev.Type == EventChildFinal && !isFinal(ev.Status) {
			return fmt.Errorf("%w: %s event needs a final status, not %q", ErrInvalid, ev.Type, ev.Status)
		}
	case EventClose:
		return fmt.Errorf("%w: close events are journaled by FinishClose", ErrInvalid)
	case EventFinal, EventResolved:
		if !isFinal(ev.Status) {
			return fmt.Errorf("%w: %s event needs a final status, not %q", ErrInvalid, ev.Type, ev.Status)
		}
	case EventReceipt:
		if strings.TrimSpace(ev.Fields[FieldCopy]) == "" {
			return fmt.Errorf("%w: a receipt event names its copy (field %q)", ErrInvalid, FieldCopy)
		}
		if _, ok := ev.Fields[FieldPrint]; ok {
			return fmt.Errorf("%w: the journal numbers receipt prints itself (field %q)", ErrInvalid, FieldPrint)
		}
		if _, ok := ev.Fields[FieldDuplicate]; ok {
			return fmt.Errorf("%w: the journal marks duplicates itself (field %q)", ErrInvalid, FieldDuplicate)
		}
	}
	if !recordable(ev.Type) {
		return fmt.Errorf("%w: event type %q", ErrInvalid, ev.Type)
	}
	return nil
}

// applyTx decides and stores one event of p (as stored in tx) and keeps p
// current.
func applyTx(tx *bolt.Tx, p *Payment, ev Event, at time.Time) (Outcome, error) {
	if childEvents[ev.Type] {
		return applyChildTx(tx, p, ev, at)
	}
	next, outcome := transition(p.Status, p.PaynetOrderID, ev)
	switch outcome {
	case OutcomeApplied:
		if ev.Type == EventReceipt {
			var err error
			if ev, err = numberPrint(tx, p, ev); err != nil {
				return "", err
			}
		}
		if err := apply(tx, p, ev, next, at); err != nil {
			return "", err
		}
	case OutcomeConflict:
		if err := storeAlert(tx, p, ev, at); err != nil {
			return "", err
		}
	}
	return outcome, nil
}

// storeAlert stores an event that contradicts the journal as an alert of p
// (the reported type and status, beside the journaled ones); p is unchanged.
func storeAlert(tx *bolt.Tx, p *Payment, ev Event, at time.Time) error {
	f := map[string]string{}
	for k, v := range ev.Fields {
		f[k] = v
	}
	f["reported_type"] = string(ev.Type)
	f["journaled_status"] = string(p.Status)
	if p.PaynetOrderID != "" {
		f["journaled_paynet_order_id"] = p.PaynetOrderID
	}
	if _, err := appendPaymentEvent(tx, p, &rec{Type: EventAlert, At: at.UnixNano(),
		Status: ev.Status, Fields: f}); err != nil {
		return err
	}
	return putPayment(tx, p)
}

// numberPrint returns a receipt event with FieldPrint (this copy's print
// number, from 1; a child's receipt (FieldChild) is numbered apart) and FieldDuplicate ("yes" from the second print of the
// copy on, else "no") set from the payment's earlier prints.
func numberPrint(tx *bolt.Tx, p *Payment, ev Event) (Event, error) {
	evs, err := paymentEvents(tx, p)
	if err != nil {
		return ev, err
	}
	n := nextPrint(evs, ev.Fields[FieldCopy], ev.Fields[FieldChild])
	f := make(map[string]string, len(ev.Fields)+2)
	for k, v := range ev.Fields {
		f[k] = v
	}
	f[FieldPrint] = strconv.Itoa(n)
	f[FieldDuplicate] = duplicateWord(n)
	ev.Fields = f
	return ev, nil
}

// isPrint reports whether an event records a print of the receipt copy:
// a receipt event, or in journals written before EventReceipt existed an
// override event with the fields "reprint" and copy.
func isPrint(t EventType, f map[string]string, copyName string) bool {
	switch t {
	case EventReceipt:
		return f[FieldCopy] == copyName
	case EventOverride:
		return f[legacyReprint] != "" && f[FieldCopy] == copyName
	}
	return false
}

func duplicateWord(print int) string {
	if print > 1 {
		return "yes"
	}
	return "no"
}

// applyFields copies the gateway ids in f onto the payment.
func applyFields(p *Payment, f map[string]string) {
	set := func(dst *string, key string) {
		if v := f[key]; v != "" {
			*dst = v
		}
	}
	set(&p.PaynetOrderID, FieldPaynetOrderID)
	set(&p.SerialNumber, FieldSerialNumber)
	set(&p.ApprovalCode, FieldApprovalCode)
	set(&p.RRN, FieldRRN)
	set(&p.ReceiptID, FieldReceiptID)
	set(&p.CardScheme, FieldCardScheme)
}

// apply stores an event the state machine allowed and moves p to status.
func apply(tx *bolt.Tx, p *Payment, ev Event, status Status, at time.Time) error {
	wasFinal := p.Final()
	evStatus := status
	if ev.Type == EventAlert && ev.Status != "" {
		evStatus = ev.Status // the reported status
	}
	if _, err := appendPaymentEvent(tx, p, &rec{Type: ev.Type, At: at.UnixNano(),
		Status: evStatus, Fields: ev.Fields}); err != nil {
		return err
	}
	if changesPayment(ev.Type) {
		p.Status = status
		applyFields(p, ev.Fields)
		p.UpdatedAt = at
	}
	if err := putPayment(tx, p); err != nil {
		return err
	}
	if p.Final() && !wasFinal {
		// Off the unresolved list; its index entries follow (backlog.go).
		if err := setUnresolved(tx, p.ClientOrderID, false); err != nil {
			return err
		}
		return deferIndex(tx, p)
	}
	return nil
}
