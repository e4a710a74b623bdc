package pos

import (
	"errors"
	"testing"

	"kassa/device/printer"
)

// TestPrinterEnv: KASSA_PRINTER, _WIDTH, _CODEPAGE and KASSA_PRINT_AFTER,
// one case a line; a bad value is a configuration error at start.
func TestPrinterEnv(t *testing.T) {
	for _, tc := range []struct {
		printer, width, codepage, after string
		spec                            string
		cols                            int
		page                            byte
		then                            string
		bad                             bool
	}{
		{"", "", "", "", "pdf", 42, 17, PrintAsk, false},
		{"tcp:10.0.0.5", "", "", "", "tcp:10.0.0.5:9100", 42, 17, PrintBoth, false},
		{"tcp:printer.lan:9101", "32", "59", "customer", "tcp:printer.lan:9101", 32, 59, PrintCustomer, false},
		{"usb:/dev/usb/lp0", "48", "", "ask", "usb:/dev/usb/lp0", 48, 17, PrintAsk, false},
		{"serial:/dev/ttyUSB0,19200", "", "0", "", "serial:/dev/ttyUSB0,19200", 42, 0, PrintBoth, false},
		{"serial:/dev/ttyUSB0", "", "", "", "serial:/dev/ttyUSB0,9600", 42, 17, PrintBoth, false},
		{"PDF", "", "", "both", "pdf", 42, 17, PrintBoth, false},
		{"lpt1", "", "", "", "", 0, 0, "", true},
		{"tcp:", "", "", "", "", 0, 0, "", true},
		{"", "40", "", "", "", 0, 0, "", true},
		{"", "", "300", "", "", 0, 0, "", true},
		{"", "", "", "never", "", 0, 0, "", true},
	} {
		t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // no config file: the environment alone
		t.Setenv("HOME", t.TempDir())
		t.Setenv("KASSA_DATA_DIR", t.TempDir())
		t.Setenv("KASSA_PRINTER", tc.printer)
		t.Setenv("KASSA_PRINTER_WIDTH", tc.width)
		t.Setenv("KASSA_PRINTER_CODEPAGE", tc.codepage)
		t.Setenv("KASSA_PRINT_AFTER", tc.after)
		cfg, err := LoadConfig(true)
		if tc.bad {
			if !errors.Is(err, ErrConfig) {
				t.Errorf("%+v: %v, want a configuration error", tc, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%+v: %v", tc, err)
			continue
		}
		s, err := cfg.PrinterSetup()
		if err != nil || s.Spec.String() != tc.spec || s.Width != tc.cols || s.CodePage.Number != tc.page || s.After != tc.then {
			t.Errorf("%+v: %+v %v", tc, s, err)
		}
	}
}

// FuzzPrinterSetup: any printer settings parse or are refused as a
// configuration error; a parsed spec reads back the same.
func FuzzPrinterSetup(f *testing.F) {
	for _, s := range []string{"", "pdf", "tcp:10.0.0.5", "tcp:[fe80::1]:9100", "usb:/dev/usb/lp0", "serial:COM3,115200"} {
		f.Add(s, 42, "17", "both")
	}
	f.Add("tcp:host:0", 33, "-1", "x")
	f.Fuzz(func(t *testing.T, spec string, width int, codepage, after string) {
		cfg := Config{Printer: spec, PrinterWidth: width, PrinterCodePage: codepage, PrintAfter: after}
		s, err := cfg.PrinterSetup()
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("%v is not a configuration error", err)
			}
			return
		}
		back, err := printer.ParseSpec(s.Spec.String())
		if err != nil || back != s.Spec {
			t.Fatalf("%q → %v → %v %v", spec, s.Spec, back, err)
		}
	})
}
