package printer

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Kind is how Kassa reaches a printer.
type Kind uint8

// Kinds of printer connection.
const (
	KindPDF    Kind = iota // no ESC/POS printer: a PDF opened by the OS (today's behaviour, the default)
	KindTCP                // raw TCP, port 9100 by default
	KindUSB                // a USB printer-class device file, e.g. /dev/usb/lp0
	KindSerial             // a serial port (RS-232 or USB-serial) through go.bug.st/serial
)

// kindNames is the one table of Kind names, as written in a spec.
var kindNames = [...]string{
	KindPDF:    "pdf",
	KindTCP:    "tcp",
	KindUSB:    "usb",
	KindSerial: "serial",
}

// String is the kind's name in a spec ("tcp").
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Defaults of a spec.
const (
	DefaultPort = 9100 // raw printing port of network printers
	DefaultBaud = 9600 // factory setting of most serial receipt printers
)

// Spec is a parsed KASSA_PRINTER setting.
type Spec struct {
	Kind Kind
	Addr string // KindTCP: host:port; KindUSB, KindSerial: the device path
	Baud int    // KindSerial only
}

// ErrSpec is returned for a printer setting that does not parse.
var ErrSpec = errors.New("printer: bad printer setting")

// ParseSpec parses a printer setting: "tcp:HOST:PORT", "tcp:HOST" (port
// 9100), "usb:/dev/usb/lp0", "serial:PORT[,BAUD]" (9600 baud) or "pdf".
// An empty setting is "pdf". The kind is case-insensitive; an IPv6 host is
// written in brackets when a port follows ("tcp:[fe80::1]:9100").
func ParseSpec(s string) (Spec, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "pdf") {
		return Spec{Kind: KindPDF}, nil
	}
	kind, rest, ok := strings.Cut(s, ":")
	if !ok {
		return Spec{}, fmt.Errorf("%w %q: want tcp:HOST[:PORT], usb:PATH, serial:PORT[,BAUD] or pdf", ErrSpec, s)
	}
	switch strings.ToLower(kind) {
	case "tcp":
		return parseTCP(rest)
	case "usb":
		if strings.TrimSpace(rest) == "" {
			return Spec{}, fmt.Errorf("%w: usb needs a device path", ErrSpec)
		}
		return Spec{Kind: KindUSB, Addr: rest}, nil
	case "serial":
		return parseSerial(rest)
	}
	return Spec{}, fmt.Errorf("%w: unknown printer kind %q", ErrSpec, kind)
}

func parseTCP(rest string) (Spec, error) {
	host, port, err := net.SplitHostPort(rest)
	if err != nil {
		// No port: a host name, an IPv4 address or a bare IPv6 address.
		host, port = strings.Trim(rest, "[]"), strconv.Itoa(DefaultPort)
		if strings.Contains(host, ":") && net.ParseIP(host) == nil {
			return Spec{}, fmt.Errorf("%w: tcp address %q", ErrSpec, rest)
		}
	}
	if host == "" || strings.ContainsAny(host, " /") {
		return Spec{}, fmt.Errorf("%w: tcp needs a host", ErrSpec)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return Spec{}, fmt.Errorf("%w: tcp port %q", ErrSpec, port)
	}
	return Spec{Kind: KindTCP, Addr: net.JoinHostPort(host, strconv.Itoa(n))}, nil
}

func parseSerial(rest string) (Spec, error) {
	path, baud, hasBaud := strings.Cut(rest, ",")
	if strings.TrimSpace(path) == "" {
		return Spec{}, fmt.Errorf("%w: serial needs a port", ErrSpec)
	}
	sp := Spec{Kind: KindSerial, Addr: path, Baud: DefaultBaud}
	if hasBaud {
		n, err := strconv.Atoi(strings.TrimSpace(baud))
		if err != nil || n < 300 || n > 4000000 {
			return Spec{}, fmt.Errorf("%w: serial baud rate %q", ErrSpec, baud)
		}
		sp.Baud = n
	}
	return sp, nil
}

// ESCPOS reports whether the spec is an ESC/POS printer (not the PDF).
func (s Spec) ESCPOS() bool { return s.Kind != KindPDF }

// String writes the spec back as a setting ParseSpec reads.
func (s Spec) String() string {
	switch s.Kind {
	case KindPDF:
		return "pdf"
	case KindSerial:
		return "serial:" + s.Addr + "," + strconv.Itoa(s.Baud)
	}
	return s.Kind.String() + ":" + s.Addr
}
