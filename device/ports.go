package device

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"go.bug.st/serial"
	"go.bug.st/serial/enumerator"
)

// PortAuto asks Open to find the reader by USB VID/PID.
const PortAuto = "auto"

// Miura USB ids (§10): VID 2DDA (Miura Systems) with any PID; the generic
// Linux-gadget ids 0525:A4A7 and 0525:A4A5 only if the manufacturer string
// contains "Miura".
const (
	miuraVID  = "2DDA"
	gadgetVID = "0525"
)

// PortInfo describes one serial port for the settings screen.
type PortInfo struct {
	Name         string // /dev/ttyACM0, COM3
	IsUSB        bool
	VID, PID     string
	SerialNumber string
	Manufacturer string
	Product      string
	Miura        bool // looks like a Miura reader (§10 rules)
}

// Label is a human description, e.g. "/dev/ttyACM0 (Miura Systems M010, 2DDA:0001)".
func (p PortInfo) Label() string {
	if !p.IsUSB {
		return p.Name
	}
	desc := strings.TrimSpace(p.Manufacturer + " " + p.Product)
	if desc != "" {
		desc += ", "
	}
	return fmt.Sprintf("%s (%s%s:%s)", p.Name, desc, p.VID, p.PID)
}

// isMiura applies the §10 rules.
func isMiura(vid, pid, manufacturer string) bool {
	vid, pid = strings.ToUpper(vid), strings.ToUpper(pid)
	if vid == miuraVID {
		return true
	}
	return vid == gadgetVID && (pid == "A4A7" || pid == "A4A5") &&
		strings.Contains(strings.ToLower(manufacturer), "miura")
}

// probeFilter actively probes (reads the manufacturer string of) only the
// gadget ids, where the manufacturer decides.
func probeFilter(vid, pid string) bool { return strings.EqualFold(vid, gadgetVID) }

// listDetailed is the enumerator, replaceable in tests.
var listDetailed = func() ([]*enumerator.PortDetails, error) {
	return enumerator.GetDetailedPortsList(probeFilter)
}

// ListPorts lists the serial ports, Miura readers first.
func ListPorts() ([]PortInfo, error) {
	ds, err := listDetailed()
	if err != nil {
		return nil, fmt.Errorf("list serial ports: %w", err)
	}
	var miura, other []PortInfo
	for _, d := range ds {
		p := PortInfo{Name: d.Name, IsUSB: d.IsUSB, VID: strings.ToUpper(d.VID), PID: strings.ToUpper(d.PID),
			SerialNumber: d.SerialNumber, Manufacturer: d.Manufacturer, Product: d.Product}
		p.Miura = d.IsUSB && isMiura(d.VID, d.PID, d.Manufacturer)
		if p.Miura {
			miura = append(miura, p)
		} else {
			other = append(other, p)
		}
	}
	return append(miura, other...), nil
}

// FindPort returns the first port that looks like a Miura reader, or ErrNotFound.
func FindPort() (string, error) {
	ps, err := ListPorts()
	if err != nil {
		return "", err
	}
	for _, p := range ps {
		if p.Miura {
			return p.Name, nil
		}
	}
	return "", fmt.Errorf("%w: no Miura reader on any USB serial port", ErrNotFound)
}

// serialMode is §1: 115200 8N1, no flow control (go.bug.st/serial disables
// RTS/CTS). DTR and RTS are asserted after opening.
var serialMode = serial.Mode{BaudRate: 115200, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}

// serialConn adapts a serial.Port (Read returns n=0, err=nil on a read
// timeout; none is set here, so Read blocks until data or Close).
type serialConn struct{ serial.Port }

// OpenSerial opens path with the §1 settings and flushes its input. Errors
// match ErrNotFound, ErrPortBusy or ErrPermission where they apply.
func OpenSerial(path string) (io.ReadWriteCloser, error) {
	p, err := serial.Open(path, &serialMode)
	if err != nil {
		return nil, mapOpenError(path, err)
	}
	// A pty refuses DTR/RTS with ENOTTY; a real USB port accepts them.
	if err := p.SetDTR(true); err != nil && !errors.Is(err, syscall.ENOTTY) {
		_ = p.Close()
		return nil, fmt.Errorf("set DTR on %s: %w", path, err)
	}
	if err := p.SetRTS(true); err != nil && !errors.Is(err, syscall.ENOTTY) {
		_ = p.Close()
		return nil, fmt.Errorf("set RTS on %s: %w", path, err)
	}
	if err := p.ResetInputBuffer(); err != nil {
		_ = p.Close()
		return nil, fmt.Errorf("flush %s: %w", path, err)
	}
	return serialConn{p}, nil
}

func mapOpenError(path string, err error) error {
	var pe *serial.PortError
	if errors.As(err, &pe) {
		switch pe.Code() {
		case serial.PortBusy:
			return fmt.Errorf("%s: %w", path, ErrPortBusy)
		case serial.PermissionDenied:
			return fmt.Errorf("%s: %w", path, ErrPermission)
		case serial.PortNotFound:
			return fmt.Errorf("%s: %w", path, ErrNotFound)
		}
	}
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ENXIO), errors.Is(err, syscall.ENODEV):
		return fmt.Errorf("%s: %w", path, ErrNotFound)
	case errors.Is(err, syscall.EBUSY):
		return fmt.Errorf("%s: %w", path, ErrPortBusy)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: %w", path, ErrPermission)
	}
	return fmt.Errorf("open %s: %w", path, err)
}

// dialPort opens port (or finds one for "auto"). For an explicit path that no
// longer exists it falls back to the enumerator (a replugged reader may come
// back under another name).
func dialPort(port string) (io.ReadWriteCloser, string, error) {
	path := port
	if port == PortAuto {
		p, err := FindPort()
		if err != nil {
			return nil, "", err
		}
		path = p
	} else if _, err := os.Stat(port); err != nil {
		if p, ferr := FindPort(); ferr == nil {
			path = p
		}
	}
	c, err := OpenSerial(path)
	return c, path, err
}

// Open opens the reader on opts.Port (a path, or "auto") through
// go.bug.st/serial and runs the open sequence (see OpenConn). With
// opts.Reconnect a broken link is reopened on the §10 schedule, re-finding
// the port through the enumerator.
func Open(ctx context.Context, opts Options) (*Reader, error) {
	if opts.Port == "" {
		opts.Port = PortAuto
	}
	conn, path, err := dialPort(opts.Port)
	if err != nil {
		return nil, err
	}
	want := opts.Port
	opts.Port = path
	if opts.Dial == nil {
		opts.Dial = func(context.Context) (io.ReadWriteCloser, error) {
			c, _, err := dialPort(want)
			return c, err
		}
	}
	r, err := OpenConn(ctx, conn, opts)
	if err != nil {
		if errors.Is(err, ErrNoResponse) {
			return nil, fmt.Errorf("no reader answered on %s: check the cable and that the reader is on: %w", path, err)
		}
		return nil, fmt.Errorf("reader on %s: %w", path, err)
	}
	return r, nil
}
