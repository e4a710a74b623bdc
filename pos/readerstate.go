package pos

import (
	"fmt"

	"kassa/device"
)

// ReaderState is the card reader's state as the checkout shows it.
type ReaderState uint8

// The reader states.
const (
	ReaderStateNotFound     ReaderState = iota // no reader open (not found, unplugged, or not opened yet)
	ReaderStateConnected                       // a reader is connected
	ReaderStateReconnecting                    // the reader dropped; the driver is reconnecting
	ReaderStateSimulated                       // the simulated reader (demo mode or KASSA_READER=sim)
)

// readerStates is THE table of reader states: the name, and the driver's
// state kind each comes from.
var readerStates = [...]struct {
	name string
	kind device.StateKind
}{
	ReaderStateNotFound:     {"not-found", device.StateGone},
	ReaderStateConnected:    {"connected", device.StateConnected},
	ReaderStateReconnecting: {"reconnecting", device.StateReconnecting},
	ReaderStateSimulated:    {"simulated", ""},
}

// String is the state's stable name (connected, reconnecting, not-found,
// simulated).
func (s ReaderState) String() string {
	if int(s) < len(readerStates) {
		return readerStates[s].name
	}
	return fmt.Sprintf("reader-state(%d)", uint8(s))
}

// MarshalText encodes the state as its name.
func (s ReaderState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Usable reports whether a payment can use the reader now.
func (s ReaderState) Usable() bool { return s == ReaderStateConnected || s == ReaderStateSimulated }

// readerStateOf maps the driver's state kind; a connected simulated reader
// is ReaderStateSimulated.
func readerStateOf(kind device.StateKind, simulated bool) ReaderState {
	for i, row := range readerStates {
		if row.kind != "" && row.kind == kind {
			if ReaderState(i) == ReaderStateConnected && simulated {
				return ReaderStateSimulated
			}
			return ReaderState(i)
		}
	}
	return ReaderStateNotFound
}
