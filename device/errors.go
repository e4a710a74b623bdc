package device

import (
	"errors"
	"fmt"
)

// Errors returned by the driver; test them with errors.Is.
var (
	// ErrDeviceGone: the link to the reader broke (framing error, EOF, port
	// closed, write error or response timeout). Calls in flight fail with it
	// and a card read in progress is never retried by itself.
	ErrDeviceGone = errors.New("card reader disconnected")
	// ErrNotSREDReady: the reader has no SRED key (P2PE STATUS bit 2 clear) or
	// sent card data in clear. The clear data is wiped, never logged or forwarded.
	ErrNotSREDReady = errors.New("card reader is not SRED-ready (no encryption key): card data refused")
	// ErrReadTimeout: no good swipe before the read's host timeout.
	ErrReadTimeout = errors.New("no card swiped in time")
	// ErrPortBusy: another program holds the serial port.
	ErrPortBusy = errors.New("serial port is busy (another program is using it)")
	// ErrNotFound: the port does not exist, or no Miura reader was found for "auto".
	ErrNotFound = errors.New("card reader not found")
	// ErrNoResponse: the reader did not answer a command in time. It also
	// matches ErrDeviceGone, since a timeout breaks the session.
	ErrNoResponse = errors.New("card reader did not answer")
	// ErrPermission: the user may not open the serial port.
	ErrPermission = errors.New("no permission to open the serial port: add yourself to the dialout group")
	// ErrOtherReader: after a replug, a reader with a different serial answered.
	ErrOtherReader = errors.New("a different card reader is connected")
	// ErrCardRemoved: the card left the slot during a chip transaction (9F23).
	ErrCardRemoved = errors.New("the card was removed from the reader")
	// ErrChipUnreadable: the chip can't be read and the card may not be
	// swiped instead (9F25).
	ErrChipUnreadable = errors.New("the card can't be read")
	// ErrTransactionDone: Continue or End of a chip transaction already ended.
	ErrTransactionDone = errors.New("the chip transaction has already ended")
	// ErrClosed: the Reader was closed.
	ErrClosed = errors.New("card reader closed")
)

// linkError is the error of a broken session: it matches ErrDeviceGone, and
// also ErrNoResponse when the break was a response timeout.
type linkError struct {
	timeout bool
	cause   error
}

func (e *linkError) Error() string {
	if e.timeout {
		return fmt.Sprintf("%v: %v", ErrNoResponse, e.cause)
	}
	return fmt.Sprintf("%v: %v", ErrDeviceGone, e.cause)
}

func (e *linkError) Is(target error) bool {
	return target == ErrDeviceGone || (e.timeout && target == ErrNoResponse)
}

func (e *linkError) Unwrap() error { return e.cause }

// StatusError is a response whose status word is not 9000. Only that command
// failed; the session stays usable.
type StatusError struct {
	Command string
	SW      SW
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("card reader refused %s: status %s", e.Command, e.SW)
}
