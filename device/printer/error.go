package printer

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"syscall"

	"go.bug.st/serial"

	"kassa/device/escpos"
)

// Error is a failed print or status request.
type Error struct {
	Fault  Fault
	Op     string        // "connect", "print" or "status"
	Sent   int           // bytes of the job the printer took (Print)
	Total  int           // bytes of the job (Print)
	Status escpos.Status // what the printer reported (PaperOut, CoverOpen, Offline)
	Err    error         // the underlying error, for the log; may be nil
}

// Error is short and lower case: "printer: paper out".
func (e *Error) Error() string { return e.Fault.Error() }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the error's Fault.
func (e *Error) Is(target error) bool {
	f, ok := target.(Fault)
	return ok && f == e.Fault
}

// FaultOf returns the Fault of err, FaultNone when err is not a printer
// error.
func FaultOf(err error) Fault {
	var e *Error
	if errors.As(err, &e) {
		return e.Fault
	}
	var f Fault
	if errors.As(err, &f) {
		return f
	}
	return FaultNone
}

// StatusFault is the fault a printer's own status reports (PaperOut,
// CoverOpen, Offline), FaultNone when it can print.
func StatusFault(s escpos.Status) Fault { return statusFault(s) }

func statusFault(s escpos.Status) Fault {
	switch {
	case s.PaperOut:
		return PaperOut
	case s.CoverOpen:
		return CoverOpen
	case !s.Ready():
		return Offline
	}
	return FaultNone
}

// dialFault classifies an error opening the connection.
func dialFault(ctx context.Context, err error) Fault {
	var pe *serial.PortError
	if errors.As(err, &pe) {
		switch pe.Code() {
		case serial.PortNotFound:
			return NotFound
		case serial.PermissionDenied:
			return NoAccess
		case serial.PortBusy:
			return Busy
		}
	}
	var dns *net.DNSError
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return Cancelled
	case errors.Is(err, syscall.ECONNREFUSED):
		return Refused
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.ENXIO):
		return NotFound
	case errors.Is(err, fs.ErrPermission):
		return NoAccess
	case errors.Is(err, syscall.EBUSY):
		return Busy
	case errors.As(err, &dns), isTimeout(err), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return Unreachable
	}
	return IOFailed
}

// ioFault classifies an error writing to or reading from the printer.
func ioFault(ctx context.Context, err error, timeout Fault) Fault {
	var pe *serial.PortError
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return Cancelled
	case isTimeout(err), ctx.Err() != nil:
		return timeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EIO),
		errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.ENXIO), errors.Is(err, os.ErrClosed), errors.Is(err, net.ErrClosed),
		errors.As(err, &pe) && pe.Code() == serial.PortClosed:
		return Closed
	}
	return IOFailed
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &ne) && ne.Timeout()
}
