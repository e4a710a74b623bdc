package store

import "time"

// Kind is what a payment does at the gateway.
type Kind string

// Payment kinds.
const (
	KindSale    Kind = "sale"
	KindPreauth Kind = "preauth"
)

// Status is a payment's current state.
type Status string

// Payment states. States only move forward: pending → sent → accepted →
// final (approved, declined, filtered, error) or unknown → final.
const (
	StatusPending  Status = "pending"  // intent journaled: the request may leave the machine from now on
	StatusSent     Status = "sent"     // request may have left the machine (optional step)
	StatusAccepted Status = "accepted" // the gateway took it (has a gateway order id)
	StatusApproved Status = "approved"
	StatusDeclined Status = "declined"
	StatusFiltered Status = "filtered"
	StatusError    Status = "error"
	StatusUnknown  Status = "unknown" // the outcome is not known: must be resolved
)

// Final reports whether s is a final state (approved, declined, filtered, error).
func (s Status) Final() bool { return isFinal(s) }

// EventType names an event in a payment's list.
type EventType string

// Event types.
const (
	EventIntent   EventType = "intent"   // Begin: the write-ahead intent
	EventSent     EventType = "sent"     // about to send / sent to the gateway (optional: an intent already means "may be sent")
	EventAccepted EventType = "accepted" // gateway order id known
	EventFinal    EventType = "final"    // final status (Status field)
	EventUnknown  EventType = "unknown"  // outcome unknown (timeout, lost reply)
	EventResolved EventType = "resolved" // an unknown payment's final status, found later
	EventAlert    EventType = "alert"    // a contradicting report, for a manager; changes nothing
	EventOverride EventType = "override" // a manager's decision (Fields: manager, reason); changes nothing
	EventClose    EventType = "close"    // close-day: batch begun/finished; payment covered by a finished batch
	// EventAdvice (issue 12) records that the card's answer after CONTINUE
	// (TC or AAC) is about to go to the gateway as /mapi/v1/emv-advice:
	// journaled (fsynced) before it is sent, a note on a payment in flight.
	EventAdvice EventType = "advice"
	// EventReceipt records one print of a receipt copy (Fields: FieldCopy
	// given by the caller; FieldPrint and FieldDuplicate set by the
	// journal). It is accepted in any payment state and changes nothing on
	// the payment.
	EventReceipt EventType = "receipt"

	// Children of a payment (capture, release, refund: MAPI.md §9, issue
	// 11), events of the payment they belong to. Each names its child
	// (FieldChild); Status is the child's state after it, never the
	// payment's.
	EventChild         EventType = "child"          // BeginChild: the child's write-ahead record (fsynced before the request)
	EventChildAccepted EventType = "child-accepted" // the gateway took the child's request (FieldSerialNumber)
	EventChildUnknown  EventType = "child-unknown"  // the child's outcome is not known: resolve by status, never resend
	EventChildFinal    EventType = "child-final"    // the child's final status (approved, declined, error)
)

// Well-known Event.Fields keys. Record copies the gateway ids among them onto
// the payment record. Fields never carry card data or secrets.
const (
	FieldPaynetOrderID = "paynet_order_id"
	FieldSerialNumber  = "serial_number"
	FieldApprovalCode  = "approval_code"
	FieldRRN           = "rrn"
	FieldReceiptID     = "receipt_id"
	FieldCardScheme    = "card_scheme"
	FieldReason        = "reason"
	FieldManager       = "manager"
	FieldRequestID     = "request_id"
	FieldSource        = "source" // who reported it: reply, callback, status, recovery

	// Receipt events (EventReceipt).
	FieldCopy      = "copy"      // which copy was printed, e.g. "CUSTOMER COPY"
	FieldPrint     = "print"     // set by the journal: this copy's print number, from 1
	FieldDuplicate = "duplicate" // set by the journal: "yes" from the copy's second print on, else "no"
)

// legacyReprint is the field that marked a receipt print in journals written
// before EventReceipt existed (an override event with "reprint" and "copy");
// such prints still count when numbering a copy's prints.
const legacyReprint = "reprint"

// Event is one entry in the journal's hash chain.
type Event struct {
	Seq     uint64            `json:"seq"`              // position in the whole journal, from 1
	OrderID string            `json:"client_orderid"`   // the payment; empty for journal-level close events
	Type    EventType         `json:"type"`             //
	At      time.Time         `json:"at"`               //
	Status  Status            `json:"status,omitempty"` // the payment's status after the event (alerts: the reported one)
	Fields  map[string]string `json:"fields,omitempty"` // gateway ids, approval code, RRN, reasons, overrides
	Prev    string            `json:"prev"`             // SHA-256 (hex) of the previous event
	Hash    string            `json:"hash"`             // SHA-256 (hex) of this event
}

// Payment is the journal's record of one payment attempt.
type Payment struct {
	ClientOrderID string `json:"client_orderid"` // UUID, chosen by Kassa
	Kind          Kind   `json:"kind"`
	AmountMinor   int64  `json:"amount_minor"`
	Currency      string `json:"currency"`
	MaskedPAN     string `json:"masked_pan,omitempty"` // e.g. 401234****8909; never the full PAN
	CardScheme    string `json:"card_scheme,omitempty"`
	ReaderSerial  string `json:"reader_serial,omitempty"`
	KSN           string `json:"ksn,omitempty"`
	TerminalID    string `json:"terminal_id,omitempty"`
	CashierID     string `json:"cashier_id,omitempty"`
	Description   string `json:"description,omitempty"`

	// How the card was read and its chip application (issue 12), from the
	// reader; journaled with the intent and never changed after it.
	EntryMode string `json:"entry_mode,omitempty"` // swipe, chip, contactless, fallback-swipe ("" before issue 12)
	AID       string `json:"aid,omitempty"`        // 4F as hex (chip and contactless)
	AppLabel  string `json:"app_label,omitempty"`  // 50, the application label
	CVM       string `json:"cvm,omitempty"`        // the cardholder verification: pin, device, signature, none

	PaynetOrderID string `json:"paynet_order_id,omitempty"`
	SerialNumber  string `json:"serial_number,omitempty"`
	ApprovalCode  string `json:"approval_code,omitempty"`
	RRN           string `json:"rrn,omitempty"`
	ReceiptID     string `json:"receipt_id,omitempty"`

	Status     Status    `json:"status"`
	Day        string    `json:"day"` // business day YYYY-MM-DD: local date of CreatedAt
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	CloseBatch string    `json:"close_batch,omitempty"` // request id of the finished close-day that covers it
	Events     []Event   `json:"events,omitempty"`

	seqs []uint64 // the payment's events, as stored
	slim bool     // decoded from a schema-3 record: completePayment adds the intent's fields
}

// Final reports whether the payment has a final status.
func (p Payment) Final() bool { return isFinal(p.Status) }

// Outcome says what Apply did with an event.
type Outcome string

// Outcomes of Apply.
const (
	OutcomeApplied  Outcome = "applied"  // stored and applied
	OutcomeRepeat   Outcome = "repeat"   // an exact repeat (duplicate callback): nothing stored, not an error
	OutcomeConflict Outcome = "conflict" // contradicts a final state: stored as an alert, not applied
	OutcomeStale    Outcome = "stale"    // would move the state backwards: nothing stored
)

// Query selects payments for Search; set fields must all match.
type Query struct {
	Last4       string // last four digits of the card
	AmountMinor int64  // exact amount in minor units
	OrderID     string // client_orderid or the gateway's order id
	Day         string // business day YYYY-MM-DD
	// Limit caps the result at the newest Limit payments; 0 means all.
	// The history screen should set it: with a limit, a search costs the
	// same in a journal of years as in a day's.
	Limit int
}

// Totals are a currency's open-day counters (approved payments not covered by
// a finished close-day). Sums are in minor units. Preauths are counted apart
// from sales; approved captures count as sales (at the captured amount) and
// approved refunds as reversals; releases count nowhere.
type Totals struct {
	Currency      string `json:"currency"`
	SaleCount     int64  `json:"sale_count"`
	SaleSum       int64  `json:"sale_sum"`
	ReversalCount int64  `json:"reversal_count"`
	ReversalSum   int64  `json:"reversal_sum"`
	PreauthCount  int64  `json:"preauth_count"`
	PreauthSum    int64  `json:"preauth_sum"`
	// Captures and releases (issue 11), listed apart: captures are in
	// SaleCount/SaleSum too; releases count nowhere at the gateway.
	CaptureCount int64 `json:"capture_count,omitempty"`
	CaptureSum   int64 `json:"capture_sum,omitempty"`
	ReleaseCount int64 `json:"release_count,omitempty"`
	ReleaseSum   int64 `json:"release_sum,omitempty"`
}

// Close-day batch statuses. Pending is set by BeginClose; the others are the
// gateway's reply statuses given to FinishClose.
const (
	BatchPending    = "pending"
	BatchProcessing = "processing"
	BatchFinished   = "finished"
	BatchError      = "error"
)

// Batch is one close-day request: the payments it covers, its totals and the
// gateway's reply.
type Batch struct {
	RequestID string            `json:"request_id"`
	Currency  string            `json:"currency"`
	Totals    Totals            `json:"totals"`
	Status    string            `json:"status"`
	Reply     map[string]string `json:"reply,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
	Payments  []string          `json:"payments"` // client_orderids
	// CashierID is who closed the day (issue 13; empty in older journals).
	CashierID string `json:"cashier_id,omitempty"`
	// Head is the chain head when the day closed (finished batches; empty
	// in older journals): the Z report's chain head.
	Head string `json:"head,omitempty"`
}
