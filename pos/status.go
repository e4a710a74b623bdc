package pos

import (
	"fmt"

	"kassa/mapi"
	"kassa/store"
)

// Status is a payment's outcome as the engine reports it.
type Status uint8

// The statuses a payment can have.
const (
	StatusPending  Status = iota // in flight: no final answer yet (journal: pending, sent, accepted)
	StatusApproved               // "approved"
	StatusDeclined               // "declined"
	StatusFiltered               // "filtered" (bank's fraud control)
	StatusFailed                 // "error": not charged
	StatusUnknown                // "unknown": may have been charged; resolving by status
)

// statusTable is THE table of statuses: the word (wire, CLI, JSON), the
// journal's and the gateway's status, finality and whether the card was
// charged.
var statusTable = [...]struct {
	word    string
	journal store.Status
	gateway mapi.Status
	final   bool
	charged bool
}{
	StatusPending:  {"pending", store.StatusPending, mapi.StatusProcessing, false, false},
	StatusApproved: {"approved", store.StatusApproved, mapi.StatusApproved, true, true},
	StatusDeclined: {"declined", store.StatusDeclined, mapi.StatusDeclined, true, false},
	StatusFiltered: {"filtered", store.StatusFiltered, mapi.StatusFiltered, true, false},
	StatusFailed:   {"error", store.StatusError, mapi.StatusError, true, false},
	StatusUnknown:  {"unknown", store.StatusUnknown, mapi.StatusUnknown, false, false},
}

// String is the status word: pending, approved, declined, filtered, error
// or unknown.
func (s Status) String() string {
	if int(s) < len(statusTable) {
		return statusTable[s].word
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Final reports whether s is a final status (approved, declined, filtered,
// failed).
func (s Status) Final() bool { return int(s) < len(statusTable) && statusTable[s].final }

// Charged reports whether the card was charged (approved).
func (s Status) Charged() bool { return int(s) < len(statusTable) && statusTable[s].charged }

// Journal is the journal's status word for a final or unknown status.
func (s Status) Journal() store.Status {
	if int(s) < len(statusTable) {
		return statusTable[s].journal
	}
	return store.StatusUnknown
}

// MarshalText encodes the status as its word.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a status word.
func (s *Status) UnmarshalText(b []byte) error {
	v, ok := ParseStatus(string(b))
	if !ok {
		return fmt.Errorf("unknown status %q", b)
	}
	*s = v
	return nil
}

// ParseStatus parses a status word (the output of String).
func ParseStatus(word string) (Status, bool) {
	for i, row := range statusTable {
		if row.word == word {
			return Status(i), true
		}
	}
	return StatusPending, false
}

// StatusOf maps the journal's status to the engine's: final statuses and
// unknown as they are; pending, sent and accepted (no answer yet, payment in
// flight) are StatusPending.
func StatusOf(journal store.Status) Status {
	for i, row := range statusTable {
		if row.journal == journal {
			return Status(i)
		}
	}
	return StatusPending
}

// statusOfGateway maps the gateway's status to the engine's (processing
// and anything unexpected are StatusPending).
func statusOfGateway(g mapi.Status) Status {
	for i, row := range statusTable {
		if row.gateway == g {
			return Status(i)
		}
	}
	return StatusPending
}
