package pos

import (
	"strings"
	"unicode"

	"kassa/store"
)

// Journal event field names the engine writes (store refuses card data and
// secrets in fields; only masked values and gateway ids go here).
const (
	fReason      = "reason"      // cashier wording of what happened
	fMessage     = "message"     // gateway error-message / decline reason
	fCode        = "error_code"  // gateway error-code
	fNotCharged  = "not_charged" // "yes" when the card was certainly not charged
	fSource      = "source"      // reply | status | callback+status | recovery
	fOrderID     = "paynet_order_id"
	fSerial      = "serial_number"
	fApproval    = "approval_code"
	fRRN         = "rrn"
	fReceiptID   = "receipt_id"
	fCardScheme  = store.FieldCardScheme
	fManager     = store.FieldManager
	fReprint     = "reprint"       // legacy: receipt prints journaled before store.EventReceipt were
	fReprintCopy = store.FieldCopy // override events with these two fields; they still show and count
)

// viewOf turns a journal payment into a PaymentView with cashier wording.
func viewOf(p store.Payment) PaymentView {
	v := PaymentView{
		ClientOrderID: p.ClientOrderID,
		Kind:          Kind(p.Kind),
		Amount:        Amount{Minor: p.AmountMinor, Currency: p.Currency},
		Status:        viewStatus(p),
		MaskedPAN:     p.MaskedPAN,
		CardScheme:    p.CardScheme,
		ApprovalCode:  p.ApprovalCode,
		RRN:           p.RRN,
		ReceiptID:     p.ReceiptID,
		PaynetOrderID: p.PaynetOrderID,
		TerminalID:    p.TerminalID,
		Description:   p.Description,
		CreatedAt:     p.CreatedAt,
		UpdatedAt:     p.UpdatedAt,
	}
	var message, notCharged, reason string
	printed := map[string]int{}
	for _, ev := range p.Events {
		d := ev.Fields[fReason]
		if d == "" {
			d = ev.Fields[fMessage]
		}
		typ := string(ev.Type)
		if ev.Type == store.EventReceipt || (ev.Type == store.EventOverride && ev.Fields[fReprint] != "") {
			c := ev.Fields[fReprintCopy]
			printed[c]++
			typ = "print"
			d = strings.ToLower(c) + " printed"
			if printed[c] > 1 {
				v.Reprints++
				d += " again (DUPLICATE)"
			}
		}
		if isOverride(ev) {
			d = "override by " + ev.Fields[fManager] + ": " + ev.Fields[fReason]
		}
		v.Events = append(v.Events, Event{At: ev.At, Type: typ, Status: string(ev.Status), Detail: d})
		if ev.Fields[fMessage] != "" {
			message = ev.Fields[fMessage]
		}
		if ev.Fields[fNotCharged] != "" {
			notCharged = ev.Fields[fNotCharged]
		}
		if ev.Fields[fReason] != "" && isFinalStatus(string(ev.Status)) && (ev.Type == store.EventFinal || ev.Type == store.EventResolved) {
			reason = ev.Fields[fReason]
		}
	}
	v.Reason, v.Advice = wording(v.Status, message, notCharged == "yes", reason)
	return v
}

func isFinalStatus(s string) bool {
	switch s {
	case "approved", "declined", "filtered", "error":
		return true
	}
	return false
}

// viewStatus maps the journal status to the view's: final statuses and
// unknown as they are; pending, sent and accepted (no answer yet, payment in
// flight) are "pending".
func viewStatus(p store.Payment) string {
	switch s := string(p.Status); s {
	case "approved", "declined", "filtered", "error", "unknown":
		return s
	}
	return "pending"
}

// wording gives the cashier's Reason and Advice for a status.
func wording(status, message string, notCharged bool, reason string) (string, string) {
	msg := strings.TrimSpace(message)
	switch status {
	case "approved":
		return "Approved by the bank.", "Hand over the receipt."
	case "declined":
		if msg == "" {
			msg = "no reason given"
		}
		return "Declined by the bank: " + sentenceTail(msg) + ".",
			"Ask for another card or another payment method."
	case "filtered":
		return "Declined by the bank's fraud control.", "Ask for another card or another payment method."
	case "error":
		if reason != "" {
			return reason, "The card was not charged. Try again or use another payment method."
		}
		r := "The payment failed"
		if msg != "" {
			r += ": " + strings.TrimSuffix(msg, ".")
		}
		r += "."
		if notCharged {
			r += " Not charged."
		}
		return r, "The card was not charged. Try again or use another payment method."
	case "pending":
		return "Waiting for the bank's answer.", "Wait; do not charge again."
	}
	return "Result not known yet — DO NOT charge again. Kassa keeps checking with the bank.",
		"Do not take another payment for this purchase until the result is known. A manager can override to continue with other customers."
}

// stageOf maps a view status to the final stage shown.
func stageOf(status string) Stage {
	switch status {
	case "approved":
		return StageApproved
	case "declined", "filtered":
		return StageDeclined
	case "error":
		return StageFailed
	}
	return StageUnknown
}

// isOverride reports whether ev is a manager's override (not a print note).
func isOverride(ev store.Event) bool {
	return ev.Type == store.EventOverride && ev.Fields[fManager] != "" && ev.Fields[fReprint] == ""
}

// sentenceTail makes a gateway message fit after a colon: no final period,
// a lower-case first letter unless it starts an acronym ("Insufficient
// funds" → "insufficient funds", "CVV mismatch" stays).
func sentenceTail(msg string) string {
	msg = strings.TrimSuffix(strings.TrimSpace(msg), ".")
	r := []rune(msg)
	if len(r) > 1 && unicode.IsUpper(r[0]) && !unicode.IsUpper(r[1]) {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}
