package pos

import (
	"fmt"

	"kassa/store"
)

// DayStatus is where a close-day stands at the bank.
type DayStatus uint8

// The close-day statuses.
const (
	DayPending    DayStatus = iota // journaled, not answered yet
	DayProcessing                  // the bank is still closing the day
	DayFinished                    // the bank closed the day
	DayError                       // the bank refused or did not close the day
)

// dayStatusWords are the journal's batch words of each status (the words
// the headless commands print).
var dayStatusWords = [...]string{
	DayPending:    store.BatchPending,
	DayProcessing: store.BatchProcessing,
	DayFinished:   store.BatchFinished,
	DayError:      store.BatchError,
}

// String is the status's word: pending, processing, finished or error.
func (s DayStatus) String() string {
	if int(s) < len(dayStatusWords) {
		return dayStatusWords[s]
	}
	return fmt.Sprintf("DayStatus(%d)", uint8(s))
}

// MarshalText gives the status's word (JSON output).
func (s DayStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// dayStatusOf maps a journal batch status to a DayStatus; anything the
// journal does not know is an error.
func dayStatusOf(batch string) DayStatus {
	for s, w := range dayStatusWords {
		if w == batch {
			return DayStatus(s)
		}
	}
	return DayError
}
