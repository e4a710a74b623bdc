package pos

import (
	"strings"
	"time"

	"kassa/mapi/money"
)

// Kind is the kind of card payment.
type Kind string

// The kinds of payment Kassa makes.
const (
	Sale    Kind = "sale"    // charge the card now
	Preauth Kind = "preauth" // reserve the amount (pre-authorisation)
)

// Amount is a sum of money in minor units with its currency.
type Amount = money.Amount

// ParseAmount parses a cashier's amount ("10.42", "10,42", "10") in the
// currency; it refuses zero, negative amounts and extra decimals.
func ParseAmount(s, currency string) (Amount, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	a, err := money.Parse(s, strings.ToUpper(currency))
	if err != nil {
		return Amount{}, err
	}
	if a.Minor <= 0 {
		return Amount{}, errAmountNotPositive
	}
	return a, nil
}

// Stage is where the checkout is in a payment's life.
type Stage string

// The checkout's stages.
const (
	StageStarting      Stage = "starting"       // engine opening journal, reader and gateway
	StageRecovering    Stage = "recovering"     // checking earlier payments with the bank
	StageReady         Stage = "ready"          // ready for a new payment
	StageWaitingReader Stage = "waiting-reader" // waiting for the card reader to answer
	StageWaitingCard   Stage = "waiting-card"   // amount shown on the reader; waiting for a swipe
	StageSending       Stage = "sending"        // request to the bank being sent
	StageWaitingBank   Stage = "waiting-bank"   // accepted; waiting for the final answer
	StageApproved      Stage = "approved"       // final: approved
	StageDeclined      Stage = "declined"       // final: declined or filtered
	StageFailed        Stage = "failed"         // final: failed (error, not charged)
	StageUnknown       Stage = "unknown"        // outcome not known yet; resolving in the background
)

// Text gives the stage in words for the cashier.
func (s Stage) Text() string {
	switch s {
	case StageStarting:
		return "Starting"
	case StageRecovering:
		return "Checking earlier payments"
	case StageReady:
		return "Ready"
	case StageWaitingReader:
		return "Waiting for the card reader"
	case StageWaitingCard:
		return "Waiting for card"
	case StageSending:
		return "Sending to the bank"
	case StageWaitingBank:
		return "Waiting for the bank"
	case StageApproved:
		return "Approved"
	case StageDeclined:
		return "Declined"
	case StageFailed:
		return "Failed — not charged"
	case StageUnknown:
		return "Result not known yet"
	}
	return string(s)
}

// Final reports whether the stage is the end of a payment (approved,
// declined, failed or unknown).
func (s Stage) Final() bool {
	switch s {
	case StageApproved, StageDeclined, StageFailed, StageUnknown:
		return true
	}
	return false
}

// Event is one journal event of a payment, for display.
type Event struct {
	At     time.Time
	Type   string // intent sent accepted final unknown resolved alert override reprint ...
	Status string
	Detail string
}

// PaymentView is a payment as the GUI and the commands show it.
type PaymentView struct {
	ClientOrderID string
	Kind          Kind
	Amount        Amount
	// Status is approved, declined, filtered, error, unknown or pending.
	Status        string
	MaskedPAN     string
	CardScheme    string
	ApprovalCode  string
	RRN           string
	ReceiptID     string
	PaynetOrderID string
	TerminalID    string
	Description   string
	// Reason says what happened and Advice what to do next, in cashier words.
	Reason, Advice       string
	CreatedAt, UpdatedAt time.Time
	Events               []Event
	// Reprints counts receipt prints after the first.
	Reprints int
}

// Final reports whether the payment has a final status.
func (p PaymentView) Final() bool {
	switch p.Status {
	case "approved", "declined", "filtered", "error":
		return true
	}
	return false
}

// ReaderStatus describes the card reader.
type ReaderStatus struct {
	State    string // connected reconnecting not-found simulated
	Serial   string
	Battery  int
	Charging string
	Port     string
}

// GatewayStatus describes the payment gateway connection.
type GatewayStatus struct {
	Demo        bool
	URL         string
	LastContact time.Time
	OK          bool
}

// Snapshot is the engine's published state.
type Snapshot struct {
	Stage      Stage
	StageSince time.Time // the UI computes elapsed time from it
	// Payment is the current or last payment of this session, nil if none.
	Payment        *PaymentView
	Reason, Advice string
	CanCancel      bool // only until the request is sent
	Reader         ReaderStatus
	Gateway        GatewayStatus
	Demo           bool
	Blocked        bool // an unknown payment blocks new ones (until resolved or overridden)
	Unresolved     int  // payments whose outcome is not known yet
	Currency       string
}

// Totals are a day's counts and sums for one currency.
type Totals struct {
	Currency      string
	SaleCount     int64
	SaleSum       Amount
	ReversalCount int64
	ReversalSum   Amount
	PreauthCount  int64
	PreauthSum    Amount
}

// Difference is one disagreement between the journal's and the gateway's
// close-day totals.
type Difference struct {
	Field  string // e.g. "sale count", "sale sum"
	Ours   string
	Theirs string
}

// CloseDayPreview is what a manager sees before closing the day.
type CloseDayPreview struct {
	Totals     []Totals
	Unresolved []PaymentView
	Warnings   []string
}

// CloseDayReport is the outcome of a close-day.
type CloseDayReport struct {
	RequestID     string
	Status        string // finished processing error
	Ours          Totals
	Theirs        Totals
	Differences   []Difference
	Agree         bool
	ChainHead     string
	GateCloseDate string
	At            time.Time
	Message       string
	Demo          bool
}

// Role is a PIN holder's role.
type Role string

// The roles.
const (
	Cashier Role = "cashier"
	Manager Role = "manager"
)

// DemoCard is a test card of the simulated reader.
type DemoCard struct {
	PAN   string
	Label string
}

// DemoControls drive the simulated reader in demo mode.
type DemoControls interface {
	Cards() []DemoCard
	SetCard(pan string) error
	Faults() []string
	SetFault(name string) error
}

// ReceiptCopy says which copy of a receipt is printed.
type ReceiptCopy string

// The receipt copies.
const (
	MerchantCopy ReceiptCopy = "MERCHANT COPY"
	CustomerCopy ReceiptCopy = "CUSTOMER COPY"
)
