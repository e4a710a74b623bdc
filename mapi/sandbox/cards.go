package sandbox

import (
	"strings"
	"time"

	"kassa/mapi"
)

// scenario is what the sandbox does with one test card of MAPI.md §7. The
// outcome of an order is a pure function of its scenario, its acceptance time,
// its time scale and the current time (statusAt), so a sandbox restarted from
// its data file answers status exactly as before the restart.
type scenario struct {
	// Name identifies the scenario in the data file (never the clear PAN).
	Name string
	// Hold is how long the sale reply is held (…0994).
	Hold time.Duration
	// Pending is the non-final status shown until Final is reached
	// (processing, or unknown for …0127).
	Pending mapi.Status
	// After is when, from acceptance, the order becomes final.
	After time.Duration
	// Final is the final status.
	Final mapi.Status
	// Reason, Code are the decline/error message and auth response code.
	Reason, Code string
	// Callbacks is how many times the final callback is sent (0, 1 or 2);
	// the second one comes Repeat after the first.
	Callbacks int
	Repeat    time.Duration
	// §9 cards: every refund is declined (…0531); the reply to the first
	// capture or return is held (…0580); the gate allows no partial
	// operations (…0614).
	RefundDeclined, HoldChild, NoPartial bool
}

// Test-card timings (MAPI.md §7, §8), at Speed 1.
const (
	approveAfter   = 1 * time.Second  // ordinary cards
	processingFor  = 20 * time.Second // …0077
	unknownFor     = 60 * time.Second // …0127
	holdReplyFor   = 45 * time.Second // …0994
	secondCallback = 10 * time.Second // …0432
)

// scenarios maps the test PANs of MAPI.md §7 to their behaviour.
var scenarios = map[string]scenario{
	"4111111111111111": {Name: "approved", Pending: mapi.StatusProcessing, After: approveAfter, Final: mapi.StatusApproved, Callbacks: 1},
	"5555555555554444": {Name: "approved", Pending: mapi.StatusProcessing, After: approveAfter, Final: mapi.StatusApproved, Callbacks: 1},
	"2200000000000004": {Name: "approved", Pending: mapi.StatusProcessing, After: approveAfter, Final: mapi.StatusApproved, Callbacks: 1},
	"4000000000000002": {Name: "declined", Pending: mapi.StatusProcessing, After: approveAfter, Final: mapi.StatusDeclined, Reason: "Insufficient funds", Code: "51", Callbacks: 1},
	"4000000000000119": {Name: "error", Pending: mapi.StatusProcessing, After: approveAfter, Final: mapi.StatusError, Reason: "Processing error at the acquirer", Code: "96", Callbacks: 1},
	"4000000000000259": {Name: "filtered", Pending: mapi.StatusProcessing, After: approveAfter, Final: mapi.StatusFiltered, Reason: "Declined by fraud control", Code: "59", Callbacks: 1},
	"4000000000000077": {Name: "slow", Pending: mapi.StatusProcessing, After: processingFor, Final: mapi.StatusApproved, Callbacks: 1},
	"4000000000000341": {Name: "no-callback", Pending: mapi.StatusProcessing, After: approveAfter, Final: mapi.StatusApproved, Callbacks: 0},
	"4000000000000432": {Name: "double-callback", Pending: mapi.StatusProcessing, After: approveAfter, Final: mapi.StatusApproved, Callbacks: 2, Repeat: secondCallback},
	"4000000000000994": {Name: "held-reply", Hold: holdReplyFor, Pending: mapi.StatusProcessing, After: approveAfter, Final: mapi.StatusApproved, Callbacks: 1},
	"4000000000000531": {Name: "refund-declined", Pending: mapi.StatusProcessing, After: approveAfter, Final: mapi.StatusApproved, Callbacks: 1, RefundDeclined: true},
	"4000000000000580": {Name: "held-child-reply", Pending: mapi.StatusProcessing, After: approveAfter, Final: mapi.StatusApproved, Callbacks: 1, HoldChild: true},
	"4000000000000614": {Name: "no-partial", Pending: mapi.StatusProcessing, After: approveAfter, Final: mapi.StatusApproved, Callbacks: 1, NoPartial: true},
	// Chip cards (§7, READER-PROTOCOL.md §12.5): approved; …0705 needs the
	// PIN on contact, …0879's chip declines after the approval.
	"4012345678909":    {Name: "golden", Pending: mapi.StatusProcessing, After: approveAfter, Final: mapi.StatusApproved, Callbacks: 1},
	"4000000000000705": {Name: "pin", Pending: mapi.StatusProcessing, After: approveAfter, Final: mapi.StatusApproved, Callbacks: 1},
	"4000000000000945": {Name: "chip-unreadable", Pending: mapi.StatusProcessing, After: approveAfter, Final: mapi.StatusApproved, Callbacks: 1},
	"4000000000000879": {Name: "card-declines", Pending: mapi.StatusProcessing, After: approveAfter, Final: mapi.StatusApproved, Callbacks: 1},
	"4000000000000127": {Name: "unknown", Pending: mapi.StatusUnknown, After: unknownFor, Final: mapi.StatusApproved, Callbacks: 1},
}

// invalidCard is the scenario of every other card number.
var invalidCard = scenario{Name: "invalid", Pending: mapi.StatusProcessing, After: approveAfter, Final: mapi.StatusDeclined, Reason: "Invalid card number", Code: "14", Callbacks: 1}

// scenarioFor returns the scenario of a PAN.
func scenarioFor(pan string) scenario {
	if s, ok := scenarios[pan]; ok {
		return s
	}
	return invalidCard
}

// scenarioNamed returns the scenario stored under name in a data file.
func scenarioNamed(name string) (scenario, bool) {
	if name == invalidCard.Name {
		return invalidCard, true
	}
	for _, s := range scenarios {
		if s.Name == name {
			return s, true
		}
	}
	return scenario{}, false
}

// scaled multiplies a §8 duration by an order's time scale (1/Speed; 0 when
// Instant).
func scaled(d time.Duration, scale float64) time.Duration {
	if scale <= 0 {
		return 0
	}
	return time.Duration(float64(d) * scale)
}

// finalAt is when an order accepted at t becomes final.
func (sc scenario) finalAt(accepted time.Time, scale float64) time.Time {
	return accepted.Add(scaled(sc.After, scale))
}

// statusAt is the order's status at now: the pure function behind status
// replies, callbacks and close-day.
func (sc scenario) statusAt(accepted time.Time, scale float64, now time.Time) mapi.Status {
	if now.Before(sc.finalAt(accepted, scale)) {
		return sc.Pending
	}
	return sc.Final
}

// cardType names the card scheme from the PAN's first digits.
func cardType(first6 string) string {
	switch {
	case strings.HasPrefix(first6, "4"):
		return "VISA"
	case strings.HasPrefix(first6, "220"):
		return "MIR"
	case len(first6) >= 2 && first6[0] == '5' && first6[1] >= '1' && first6[1] <= '5',
		strings.HasPrefix(first6, "2"):
		return "MASTERCARD"
	default:
		return "UNKNOWN"
	}
}
