package escpos

import (
	"errors"
	"fmt"
	"strings"
)

// StatusKind is n of a real-time status request DLE EOT n.
type StatusKind byte

// Status requests, each answered by one byte.
const (
	StatusPrinter StatusKind = 1 // online or offline, drawer sensor
	StatusOffline StatusKind = 2 // why offline: cover open, paper end, error
	StatusError   StatusKind = 3 // which error: cutter, unrecoverable, auto-recoverable
	StatusPaper   StatusKind = 4 // roll paper sensor: near end, end
)

// StatusKinds are the requests StatusRequest sends, in order; ParseStatus
// reads their replies in the same order.
var StatusKinds = []StatusKind{StatusPrinter, StatusOffline, StatusError, StatusPaper}

// Status is what a printer reported of itself.
type Status struct {
	Offline      bool // not printing (see the other fields for why)
	CoverOpen    bool
	PaperOut     bool // roll paper end, or printing stopped at paper end
	PaperNearEnd bool
	CutterError  bool
	Error        bool // an unrecoverable or auto-recoverable error
	Feeding      bool // paper fed by the FEED button
}

// Ready reports whether the printer can print: online, cover closed, paper
// in, no error (paper near its end still prints).
func (s Status) Ready() bool {
	return !s.Offline && !s.CoverOpen && !s.PaperOut && !s.CutterError && !s.Error
}

// String lists the set conditions, "ready" when none is set.
func (s Status) String() string {
	var out []string
	for _, c := range []struct {
		on   bool
		name string
	}{
		{s.Offline, "offline"}, {s.CoverOpen, "cover open"}, {s.PaperOut, "paper out"},
		{s.PaperNearEnd, "paper near end"}, {s.CutterError, "cutter error"}, {s.Error, "error"},
		{s.Feeding, "feeding"},
	} {
		if c.on {
			out = append(out, c.name)
		}
	}
	if len(out) == 0 {
		return "ready"
	}
	return strings.Join(out, ", ")
}

// StatusRequest returns the real-time requests for every StatusKinds, in
// order (DLE EOT 1, 2, 3, 4). Printers answer them at once, even while
// busy or offline.
func StatusRequest() []byte {
	out := make([]byte, 0, 3*len(StatusKinds))
	for _, k := range StatusKinds {
		out = append(out, dle, eot, byte(k))
	}
	return out
}

// ErrStatus is returned for a status reply that is not one.
var ErrStatus = errors.New("escpos: malformed status reply")

// ErrStatusShort is returned when fewer replies came than were requested.
var ErrStatusShort = errors.New("escpos: status reply too short")

// XON and XOFF of software flow control, which a serial printer may send
// between replies.
const (
	xon  = 0x11
	xoff = 0x13
)

// ParseStatus reads the replies to StatusRequest: one byte per StatusKinds,
// each with bits 0 and 7 clear and bits 1 and 4 set (XON/XOFF bytes between
// them are skipped). Bytes after the last reply are ignored.
func ParseStatus(reply []byte) (Status, error) {
	var s Status
	i := 0
	for _, k := range StatusKinds {
		for i < len(reply) && (reply[i] == xon || reply[i] == xoff) {
			i++
		}
		if i >= len(reply) {
			return Status{}, fmt.Errorf("%w: %d of %d bytes", ErrStatusShort, i, len(StatusKinds))
		}
		b := reply[i]
		i++
		if b&0x93 != 0x12 {
			return Status{}, fmt.Errorf("%w: byte %#02x for request %d", ErrStatus, b, k)
		}
		s.apply(k, b)
	}
	return s, nil
}

// apply sets the fields one reply byte reports.
func (s *Status) apply(k StatusKind, b byte) {
	switch k {
	case StatusPrinter:
		s.Offline = s.Offline || b&0x08 != 0
	case StatusOffline:
		s.CoverOpen = b&0x04 != 0
		s.Feeding = b&0x08 != 0
		s.PaperOut = s.PaperOut || b&0x20 != 0
		s.Error = s.Error || b&0x40 != 0
	case StatusError:
		s.CutterError = b&0x08 != 0
		s.Error = s.Error || b&0x60 != 0
	case StatusPaper:
		s.PaperNearEnd = b&0x0C != 0
		s.PaperOut = s.PaperOut || b&0x60 != 0
	}
}

// StatusReply encodes s as the replies of a printer to StatusRequest (for
// fake printers in tests).
func StatusReply(s Status) []byte {
	bit := func(on bool, v byte) byte {
		if on {
			return v
		}
		return 0
	}
	notReady := !s.Ready()
	return []byte{
		0x12 | bit(notReady, 0x08),
		0x12 | bit(s.CoverOpen, 0x04) | bit(s.Feeding, 0x08) | bit(s.PaperOut, 0x20) | bit(s.Error || s.CutterError, 0x40),
		0x12 | bit(s.CutterError, 0x08) | bit(s.Error, 0x20),
		0x12 | bit(s.PaperNearEnd || s.PaperOut, 0x0C) | bit(s.PaperOut, 0x60),
	}
}
