package printer

import "strconv"

// Fault is what went wrong with a printer; ui turns it into words.
type Fault uint8

// Faults. A Fault is an error too, so errors.Is(err, printer.PaperOut)
// tells an *Error's fault.
const (
	FaultNone    Fault = iota // not a printer error
	Refused                   // the printer refused the connection (nothing listens on the port)
	Unreachable               // the printer's host did not answer or does not resolve
	NotFound                  // the device does not exist (unplugged, wrong path)
	NoAccess                  // no permission to open the device (the lp or dialout group)
	Busy                      // the device is in use by another program
	Closed                    // the printer closed the connection before taking the whole receipt
	WriteTimeout              // the printer stopped taking bytes (silent, jammed, flow control)
	NoReply                   // the printer did not answer the status request
	BadReply                  // the status reply is not an ESC/POS status
	PaperOut                  // the printer reports its paper has run out
	CoverOpen                 // the printer reports its cover open
	Offline                   // the printer reports itself offline or in error
	Cancelled                 // the caller cancelled (context done)
	IOFailed                  // another input/output error (detail in the log)
	NotESCPOS                 // the setting is "pdf": no ESC/POS printer to talk to
)

// faultNames is the one table of fault names (short, lower case).
var faultNames = [...]string{
	FaultNone:    "no fault",
	Refused:      "connection refused",
	Unreachable:  "printer unreachable",
	NotFound:     "printer not found",
	NoAccess:     "no access to the printer",
	Busy:         "printer busy",
	Closed:       "printer closed the connection",
	WriteTimeout: "write timeout",
	NoReply:      "no status reply",
	BadReply:     "bad status reply",
	PaperOut:     "paper out",
	CoverOpen:    "cover open",
	Offline:      "printer offline",
	Cancelled:    "cancelled",
	IOFailed:     "i/o error",
	NotESCPOS:    "not an esc/pos printer",
}

// String names the fault ("paper out").
func (f Fault) String() string {
	if int(f) < len(faultNames) {
		return faultNames[f]
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// Error makes a Fault a target for errors.Is.
func (f Fault) Error() string { return "printer: " + f.String() }

// Faults lists every fault but FaultNone (for the test that ui has words
// for each).
func Faults() []Fault {
	out := make([]Fault, 0, len(faultNames)-1)
	for f := Refused; int(f) < len(faultNames); f++ {
		out = append(out, f)
	}
	return out
}
