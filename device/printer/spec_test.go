package printer

import (
	"errors"
	"testing"
)

func TestParseSpec(t *testing.T) {
	tests := []struct {
		in   string
		want Spec
		str  string
	}{
		{"", Spec{Kind: KindPDF}, "pdf"},
		{"pdf", Spec{Kind: KindPDF}, "pdf"},
		{" PDF ", Spec{Kind: KindPDF}, "pdf"},
		{"tcp:192.168.1.50:9100", Spec{Kind: KindTCP, Addr: "192.168.1.50:9100"}, "tcp:192.168.1.50:9100"},
		{"tcp:printer.local", Spec{Kind: KindTCP, Addr: "printer.local:9100"}, "tcp:printer.local:9100"},
		{"TCP:10.0.0.7:9101", Spec{Kind: KindTCP, Addr: "10.0.0.7:9101"}, "tcp:10.0.0.7:9101"},
		{"tcp:[fe80::1]:9100", Spec{Kind: KindTCP, Addr: "[fe80::1]:9100"}, "tcp:[fe80::1]:9100"},
		{"tcp:fe80::1", Spec{Kind: KindTCP, Addr: "[fe80::1]:9100"}, "tcp:[fe80::1]:9100"},
		{"usb:/dev/usb/lp0", Spec{Kind: KindUSB, Addr: "/dev/usb/lp0"}, "usb:/dev/usb/lp0"},
		{"serial:/dev/ttyUSB0", Spec{Kind: KindSerial, Addr: "/dev/ttyUSB0", Baud: 9600}, "serial:/dev/ttyUSB0,9600"},
		{"serial:/dev/ttyS0,19200", Spec{Kind: KindSerial, Addr: "/dev/ttyS0", Baud: 19200}, "serial:/dev/ttyS0,19200"},
		{"serial:COM3,38400", Spec{Kind: KindSerial, Addr: "COM3", Baud: 38400}, "serial:COM3,38400"},
	}
	for _, tt := range tests {
		got, err := ParseSpec(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSpec(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			continue
		}
		if got.String() != tt.str {
			t.Errorf("%q: String() = %q, want %q", tt.in, got.String(), tt.str)
		}
		if again, err := ParseSpec(got.String()); err != nil || again != got {
			t.Errorf("%q: String() does not parse back: %+v %v", tt.in, again, err)
		}
		if got.ESCPOS() != (tt.want.Kind != KindPDF) {
			t.Errorf("%q: ESCPOS() = %v", tt.in, got.ESCPOS())
		}
	}
}

func TestParseSpecRejects(t *testing.T) {
	for _, in := range []string{"lp0", "cups:QUEUE", "tcp:", "tcp::9100", "tcp:host:0", "tcp:host:70000", "tcp:host:port",
		"tcp:a:b:c", "usb:", "serial:", "serial:,9600", "serial:/dev/ttyS0,fast", "serial:/dev/ttyS0,10", "tcp:my host"} {
		if got, err := ParseSpec(in); !errors.Is(err, ErrSpec) {
			t.Errorf("ParseSpec(%q) = %+v, %v; want ErrSpec", in, got, err)
		}
	}
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"pdf", "tcp:127.0.0.1:9100", "tcp:[::1]", "usb:/dev/usb/lp0", "serial:COM1,19200", "x:y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := ParseSpec(s)
		if err != nil {
			return
		}
		again, err := ParseSpec(sp.String())
		if err != nil || again != sp {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, sp, sp.String(), again, err)
		}
	})
}
