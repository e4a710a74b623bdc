package pos

import "fmt"

// JournalCheck is where the check of the whole journal's hash chain stands
// (Engine.StartJournalCheck): it runs in the background once the checkout
// is usable, and nothing that moves money starts before its verdict.
type JournalCheck uint8

// The journal check's states.
const (
	JournalUnchecked JournalCheck = iota // not started yet
	JournalChecking                      // running
	JournalSound                         // the whole chain checked out
	JournalDamaged                       // the chain is broken: payments are stopped
)

// journalChecks is the table of the states' stable names.
var journalChecks = [...]string{
	JournalUnchecked: "unchecked",
	JournalChecking:  "checking",
	JournalSound:     "sound",
	JournalDamaged:   "damaged",
}

// String is the state's stable name (unchecked, checking, sound, damaged).
func (c JournalCheck) String() string {
	if int(c) < len(journalChecks) {
		return journalChecks[c]
	}
	return fmt.Sprintf("journal-check(%d)", uint8(c))
}

// MarshalText encodes the state as its name.
func (c JournalCheck) MarshalText() ([]byte, error) { return []byte(c.String()), nil }
