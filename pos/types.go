package pos

import (
	"strings"
	"time"

	"kassa/mapi/money"
	"kassa/store"
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

// Event is one journal event of a payment, for display.
type Event struct {
	At     time.Time
	Type   string       // intent sent accepted final unknown resolved alert override print ...
	Status store.Status // the journal's status after the event ("" for notes)
	// Reason is the event's cause (and its arguments) when the event has one.
	Reason Reason
	// Detail is the event's text for the history: the manager and reason of
	// an override, the copy of a print, or the English reason of a journal
	// written before causes (legacy).
	Detail string
	// Copy is the printed receipt copy of a print event; Duplicate is set
	// from its second print on.
	Copy      ReceiptCopy
	Duplicate bool
	// Manager is an override's manager.
	Manager string
}

// PaymentView is a payment as the GUI and the commands show it.
type PaymentView struct {
	ClientOrderID string
	Kind          Kind
	Amount        Amount
	Status        Status
	MaskedPAN     string
	CardScheme    string
	ApprovalCode  string
	RRN           string
	ReceiptID     string
	PaynetOrderID string
	TerminalID    string
	// CashierID is who took the payment (issue 13): a cashier's id,
	// "cli:<user>", or "" in journals from before named cashiers.
	CashierID   string
	Description string
	// Reason says why the payment is where it is (ui turns it into words).
	Reason Reason
	// LegacyText is the English reason of a journal written before causes;
	// ui shows it as is when Reason.Cause is CauseNone.
	LegacyText           string
	CreatedAt, UpdatedAt time.Time
	Events               []Event
	// Reprints counts receipt prints after the first (of the payment's own
	// receipt; a refund's or capture's are counted apart).
	Reprints int
	// Captured, Refunded: the approved capture and refunds (issue 11);
	// Children counts its captures, releases and refunds (any status).
	Captured, Refunded Amount
	Children           int
	// Card is how the card was read and, for a chip or contactless card,
	// its application and the EMV receipt fields (issue 12).
	Card CardFacts
}

// Final reports whether the payment has a final status.
func (p PaymentView) Final() bool { return p.Status.Final() }

// ReaderStatus describes the card reader.
type ReaderStatus struct {
	State ReaderState
	// Problem is why the reader is not connected (ReaderOK when it is, or
	// when no open was tried yet).
	Problem  ReaderProblem
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
	Payment *PaymentView
	// Reason says why the checkout is at this stage (ui turns it into words).
	Reason    Reason
	CanCancel bool // only until the request is sent
	Reader    ReaderStatus
	Gateway   GatewayStatus
	Demo      bool
	Blocked   bool // an unknown payment blocks new ones (until resolved or overridden)
	// Unresolved counts payments whose outcome really is unknown: journal
	// unknown, or unresolved and not the payment in flight (a normal bank
	// wait does not count).
	Unresolved int
	// UnknownChildren counts the captures, releases and refunds whose result
	// is unknown (issue 11): resolving by status, never sent again; they
	// block nothing.
	UnknownChildren int
	// Announcements are payments resolved after a manager's override, to be
	// told to the cashier until acknowledged (Engine.Acknowledge).
	Announcements []Announcement
	Currency      string
	// Store is the lane's link to the store database (KASSA_CENTRAL_DB).
	Store StoreLink
	// SignedIn is the cashier signed in at the terminal (zero: nobody) and
	// ShiftID their open shift (issue 13).
	SignedIn CashierView
	ShiftID  string
	// Backup is where the lane's journal backups stand (issue 14).
	Backup BackupStatus
	// Printer is the receipt printer's state (issue 16).
	Printer PrinterStatus
	// Journal is where the background check of the whole journal stands;
	// JournalDamaged stops every payment.
	Journal JournalCheck
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
	// Captures (also in SaleCount/SaleSum) and releases (counted nowhere),
	// for the Z report (issue 11).
	CaptureCount int64
	CaptureSum   Amount
	ReleaseCount int64
	ReleaseSum   Amount
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
	// Warnings: payments in another currency (CauseOtherCurrency), payments
	// not resolved yet (CauseDayUnresolved).
	Warnings []Reason
	// Tally is the terminal currency's counts (declined, failed, …) and
	// per-scheme split of the open day (issue 13); Empty says the close has
	// nothing to send (no approved payment, refund or capture).
	Tally Tally
	Empty bool
}

// CloseDayReport is the outcome of a close-day.
type CloseDayReport struct {
	RequestID     string
	Status        DayStatus
	Ours          Totals
	Theirs        Totals
	Differences   []Difference
	Agree         bool
	ChainHead     string
	GateCloseDate string
	At            time.Time
	// Reason is what the result means (CauseDayClosed, CauseDayTotalsDiffer,
	// CauseDayNotClosed, CauseDayStillClosing, CauseDayStopped).
	Reason Reason
	// Warning is set when the day was closed with unresolved payments
	// (CauseDayUnresolvedLeft).
	Warning Reason
	Demo    bool
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
	// Swipe swipes the current card now (when the reader waits for one).
	Swipe() error
	// Entry is how the simulated reader presents the card by itself:
	// "swipe", "insert" or "tap" (issue 12).
	Entry() string
	// SetEntry picks how the simulated reader presents the card by itself.
	SetEntry(entry string) error
	// Present presents the current card now, as Entry says (e.g. the
	// customer inserts the card the reader asked for).
	Present() error
}

// ReceiptCopy says which copy of a receipt is printed.
type ReceiptCopy string

// The receipt copies.
const (
	MerchantCopy ReceiptCopy = "MERCHANT COPY"
	CustomerCopy ReceiptCopy = "CUSTOMER COPY"
)

// Announcement tells the cashier that a payment let go by a manager's
// override has resolved: charged or not, and when.
type Announcement struct {
	ClientOrderID string
	Amount        Amount
	MaskedPAN     string
	Charged       bool
	Status        Status
	ResolvedAt    time.Time
}
