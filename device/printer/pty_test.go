//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package printer_test

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"kassa/device/escpos"
	"kassa/device/printer"
	"kassa/device/printer/printertest"
)

func fakePTY(t *testing.T) *printertest.Printer {
	t.Helper()
	f, err := printertest.ListenPTY(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestPrintSerialAndUSBOnAPTY(t *testing.T) {
	for _, kind := range []string{"serial", "usb"} {
		t.Run(kind, func(t *testing.T) {
			f := fakePTY(t)
			spec := kind + ":" + f.Path
			if kind == "serial" {
				spec += ",19200"
			}
			p := open(t, spec, fast)
			st, err := p.Status(t.Context())
			if err != nil || !st.Ready() {
				t.Fatalf("status %v, %v", st, err)
			}
			f.Reset()
			job := receiptJob(t)
			if err := p.Print(t.Context(), job); err != nil {
				t.Fatal(err)
			}
			lines, tr := printed(t, f, len(job)+2*len(escpos.StatusRequest()))
			if !slices.Contains(lines, `ООО "Ромашка"`) || !slices.Contains(lines, "[qr R-4242]") || !bytes.Contains(f.Received(), job) {
				t.Errorf("paper:\n%s", tr)
			}
			if tr[len(tr)-len("[cut]\n[status 1]\n[status 2]\n[status 3]\n[status 4]\n"):] != "[cut]\n[status 1]\n[status 2]\n[status 3]\n[status 4]\n" {
				t.Errorf("the receipt does not end in a cut:\n%s", tr)
			}
		})
	}
}

func TestSerialPaperOut(t *testing.T) {
	f := fakePTY(t)
	f.Set(printertest.Behavior{Status: escpos.Status{Offline: true, PaperOut: true}})
	p := open(t, f.Spec, fast)
	e := wantFault(t, p.Print(t.Context(), receiptJob(t)), printer.PaperOut)
	if e.Sent != 0 {
		t.Errorf("sent %d", e.Sent)
	}
}

func TestSerialUnpluggedMidReceipt(t *testing.T) {
	for _, kind := range []string{"serial", "usb"} {
		t.Run(kind, func(t *testing.T) {
			f := fakePTY(t)
			f.Set(printertest.Behavior{CloseAfter: 100})
			p := open(t, kind+":"+f.Path, fast)
			wantFault(t, p.Print(t.Context(), receiptJob(t)), printer.Closed)
			// Unplugged: the device is gone.
			wantFault(t, p.Print(t.Context(), receiptJob(t)), printer.NotFound)
		})
	}
}

func TestSerialSilentTimesOut(t *testing.T) {
	for _, kind := range []string{"serial", "usb"} {
		t.Run(kind, func(t *testing.T) {
			f := fakePTY(t)
			f.Set(printertest.Behavior{Silent: true})
			p := open(t, kind+":"+f.Path, fast)
			job := bytes.Repeat(receiptJob(t), 1000)
			start := time.Now()
			e := wantFault(t, p.Print(t.Context(), job), printer.WriteTimeout)
			if e.Sent >= len(job) {
				t.Errorf("sent %d of %d", e.Sent, len(job))
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestDeviceNotFound(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "lp0")
	for _, spec := range []string{"serial:" + missing, "usb:" + missing} {
		p := open(t, spec, fast)
		wantFault(t, p.Print(t.Context(), receiptJob(t)), printer.NotFound)
		_, err := p.Status(t.Context())
		wantFault(t, err, printer.NotFound)
	}
}
