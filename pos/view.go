package pos

import (
	"strconv"

	"kassa/store"
)

// Journal event field names the engine writes (store refuses card data and
// secrets in fields; only masked values and gateway ids go here).
const (
	fCause       = "cause"       // the event's Cause.String()
	fReason      = "reason"      // an override's reason; legacy: the cashier wording of what happened
	fMessage     = "message"     // gateway error-message / decline reason
	fCode        = "error_code"  // gateway error-code (or the cause's argument)
	fNotCharged  = "not_charged" // "yes" when the card was certainly not charged
	fSource      = "source"      // reply | status | callback+status | recovery | lookup
	fOrderID     = "paynet_order_id"
	fSerial      = "serial_number"
	fApproval    = "approval_code"
	fRRN         = "rrn"
	fReceiptID   = "receipt_id"
	fCardScheme  = store.FieldCardScheme
	fManager     = store.FieldManager
	fMismatch    = "amount_mismatch" // the gateway's amount when it differs from the journal's
	fReprint     = "reprint"         // legacy: receipt prints journaled before store.EventReceipt were
	fReprintCopy = store.FieldCopy   // override events with these two fields; they still show and count
)

// reasonFields are the journal fields of a reason (cause, code, message).
func reasonFields(r Reason) map[string]string {
	return nonEmpty(map[string]string{fCause: r.Cause.String(), fCode: r.Code, fMessage: r.Message})
}

// eventReason reads an event's reason; ok is false when it has no cause
// field (events of journals written before causes).
func eventReason(ev store.Event) (r Reason, ok bool) {
	c, ok := ParseCause(ev.Fields[fCause])
	if !ok || c == CauseNone {
		return Reason{}, false
	}
	return Reason{Cause: c, Code: ev.Fields[fCode], Message: ev.Fields[fMessage]}, true
}

// statusReason is the reason a status has by itself (an event without a
// cause): the bank's code and message go with declines and errors.
func statusReason(s Status, code, message string) Reason {
	switch s {
	case StatusApproved:
		return Reason{Cause: CauseApproved}
	case StatusDeclined:
		return Reason{Cause: CauseDeclined, Code: code, Message: message}
	case StatusFiltered:
		return Reason{Cause: CauseFiltered, Code: code, Message: message}
	case StatusFailed:
		return Reason{Cause: CauseFailed, Code: code, Message: message}
	case StatusUnknown:
		return Reason{Cause: CauseNoReply}
	}
	return Reason{Cause: CauseWaitingBank}
}

// viewOf turns a journal payment into a PaymentView.
func viewOf(p store.Payment) PaymentView {
	v := PaymentView{
		ClientOrderID: p.ClientOrderID,
		Kind:          Kind(p.Kind),
		Amount:        Amount{Minor: p.AmountMinor, Currency: p.Currency},
		Status:        StatusOf(p.Status),
		MaskedPAN:     p.MaskedPAN,
		CardScheme:    p.CardScheme,
		ApprovalCode:  p.ApprovalCode,
		RRN:           p.RRN,
		ReceiptID:     p.ReceiptID,
		PaynetOrderID: p.PaynetOrderID,
		TerminalID:    p.TerminalID,
		CashierID:     p.CashierID,
		Description:   p.Description,
		CreatedAt:     p.CreatedAt,
		UpdatedAt:     p.UpdatedAt,
		Card:          cardFactsOf(p),
	}
	var code, message string
	var reason *Reason
	legacy := ""
	printed := map[string]int{}
	for _, ev := range p.Events {
		e := eventView(ev, printed)
		if e.Duplicate && ev.Fields[store.FieldChild] == "" {
			v.Reprints++
		}
		v.Events = append(v.Events, e)
		if store.IsChildEvent(ev.Type) {
			continue // a child's outcome is its own (ChildView), not the payment's
		}
		if ev.Fields[fMessage] != "" {
			message = ev.Fields[fMessage]
		}
		if ev.Fields[fCode] != "" {
			code = ev.Fields[fCode]
		}
		if !outcomeEvent(ev) {
			continue
		}
		if r, ok := eventReason(ev); ok {
			reason, legacy = &r, ""
		} else {
			reason, legacy = nil, ev.Fields[fReason]
		}
	}
	kids := store.ChildrenOf(p)
	l := store.LedgerOf(p, kids)
	v.Captured, v.Refunded = Amount{Minor: l.Captured, Currency: p.Currency}, Amount{Minor: l.Refunded, Currency: p.Currency}
	v.Children = len(kids)
	switch {
	case reason != nil && reasonFits(reason.Cause, v.Status):
		v.Reason = *reason
	case legacy != "" && v.Status != StatusPending && v.Status != StatusApproved:
		v.LegacyText = legacy
	default:
		v.Reason = statusReason(v.Status, code, message)
	}
	return v
}

// outcomeEvent reports whether ev says where the payment stands (final,
// resolved or unknown).
func outcomeEvent(ev store.Event) bool {
	switch ev.Type {
	case store.EventFinal, store.EventResolved, store.EventUnknown:
		return true
	}
	return false
}

// reasonFits reports whether a journaled cause still explains the status
// (an unknown event's cause does not explain a later approval).
func reasonFits(c Cause, s Status) bool {
	if c.Unknown() {
		return s == StatusUnknown
	}
	return s.Final()
}

// eventView is one journal event for display; printed counts the prints of
// each copy so far.
func eventView(ev store.Event, printed map[string]int) Event {
	e := Event{At: ev.At, Type: string(ev.Type), Status: ev.Status}
	if r, ok := eventReason(ev); ok {
		e.Reason = r
	} else if ev.Fields[fReason] != "" {
		e.Detail = ev.Fields[fReason]
	} else {
		e.Detail = ev.Fields[fMessage]
	}
	if ev.Type == store.EventReceipt || (ev.Type == store.EventOverride && ev.Fields[fReprint] != "") {
		c := ev.Fields[fReprintCopy]
		k := c + "\x00" + ev.Fields[store.FieldChild] // a child's receipt is numbered apart
		printed[k]++
		e.Type, e.Copy, e.Detail = "print", ReceiptCopy(c), ""
		e.Duplicate = printed[k] > 1
	}
	if isOverride(ev) {
		e.Manager, e.Detail = ev.Fields[fManager], ev.Fields[fManager]+": "+ev.Fields[fReason]
	}
	return e
}

// isOverride reports whether ev is a manager's override (not a print note).
func isOverride(ev store.Event) bool {
	return ev.Type == store.EventOverride && ev.Fields[fManager] != "" && ev.Fields[fReprint] == ""
}

// countReason is a reason whose argument is a count.
func countReason(c Cause, n int) Reason { return Reason{Cause: c, Code: strconv.Itoa(n)} }
