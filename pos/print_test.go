//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package pos

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kassa/device/escpos"
	"kassa/device/printer"
	"kassa/device/printer/printertest"
	"kassa/mapi/sandbox"
	"kassa/store"
)

// quick are printer timeouts that keep a silent printer's test short
// (and still long enough for a loaded machine running -race).
var quick = printer.Options{DialTimeout: 2 * time.Second, WriteTimeout: time.Second, StatusTimeout: 1500 * time.Millisecond}

// printingEngine starts an engine on the sandbox that prints to setting.
func printingEngine(t *testing.T, setting string, extra ...Option) *Engine {
	t.Helper()
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, callbackAndPo)
	cfg.Printer, cfg.PrinterWidth = setting, 32
	opts := append(simReader(t, cfg), WithPrinterOptions(quick))
	e, err := Start(context.Background(), cfg, testLogger(t), append(opts, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if err := e.WaitRecovered(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// fakePrinter starts a fake printer (TCP or pty).
func fakePrinter(t *testing.T, listen func(context.Context) (*printertest.Printer, error)) *printertest.Printer {
	t.Helper()
	f, err := listen(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// paperOf decodes what the fake printer printed into lines, and says
// whether the last receipt ended in a cut (status requests after it aside).
func paperOf(t *testing.T, f *printertest.Printer) (lines []string, cuts int) {
	t.Helper()
	ops, err := f.Ops()
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	for _, o := range ops {
		if o.Kind == escpos.OpCut {
			cuts++
		}
	}
	return escpos.Lines(ops), cuts
}

func hasLine(lines []string, s string) bool {
	return slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, s) })
}

// prints counts the journal's receipt events of a payment.
func prints(t *testing.T, e *Engine, id string) int {
	t.Helper()
	p, err := e.Journal().Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return countEvents(p, store.EventReceipt)
}

// TestPrintReceiptOnFakePrinters: on a network and a serial printer, the
// paper reads like the receipt (masked card, approval code, a cut), the
// second print of a copy says DUPLICATE, and each print is journaled.
func TestPrintReceiptOnFakePrinters(t *testing.T) {
	for _, listen := range []func(context.Context) (*printertest.Printer, error){printertest.ListenTCP, printertest.ListenPTY} {
		f := fakePrinter(t, listen)
		e := printingEngine(t, f.Spec)
		v := pay(t, e, cardVisa, 1050)
		for i, tc := range []struct {
			copy ReceiptCopy
			dup  bool
		}{{CustomerCopy, false}, {MerchantCopy, false}, {CustomerCopy, true}} {
			f.Reset()
			out, err := e.PrintReceipt(t.Context(), v.ClientOrderID, tc.copy, nil)
			if err != nil {
				t.Fatalf("%s print %d: %v", f.Spec, i, err)
			}
			lines, cuts := paperOf(t, f)
			if out.Duplicate != tc.dup || hasLine(lines, "DUPLICATE") != tc.dup || out.Print != map[bool]int{false: 1, true: 2}[tc.dup] {
				t.Errorf("%s print %d: duplicate %v (print %d), paper:\n%s", f.Spec, i, out.Duplicate, out.Print, strings.Join(lines, "\n"))
			}
			if !hasLine(lines, v.MaskedPAN[:6]+"******"+v.MaskedPAN[len(v.MaskedPAN)-4:]) || !hasLine(lines, v.ApprovalCode) || !hasLine(lines, string(tc.copy)) || cuts != 1 {
				t.Errorf("%s print %d: %d cuts, paper:\n%s", f.Spec, i, cuts, strings.Join(lines, "\n"))
			}
			if n := prints(t, e, v.ClientOrderID); n != i+1 {
				t.Errorf("%s print %d: %d prints journaled", f.Spec, i, n)
			}
		}
	}
}

// TestPrintReceiptRussian: the terminal's words reach the paper through
// CP866.
func TestPrintReceiptRussian(t *testing.T) {
	f := fakePrinter(t, printertest.ListenTCP)
	e := printingEngine(t, f.Spec)
	v := pay(t, e, cardVisa, 990)
	if _, err := e.PrintReceipt(t.Context(), v.ClientOrderID, CustomerCopy, ruWords{}); err != nil {
		t.Fatal(err)
	}
	raw := f.Received()
	lines, _ := paperOf(t, f)
	if !hasLine(lines, "КОПИЯ ПОКУПАТЕЛЯ") || !hasLine(lines, "ОДОБРЕНО") || strings.Contains(string(raw), "КОПИЯ") {
		t.Errorf("the Russian words are not printed in CP866:\n%s", strings.Join(lines, "\n"))
	}
}

// ruWords are a few receipt words in Russian (the real ones live in
// ui/words, which pos may not import).
type ruWords struct{}

func (ruWords) Text(s string) string {
	return map[string]string{"CUSTOMER COPY": "КОПИЯ ПОКУПАТЕЛЯ", "APPROVED": "ОДОБРЕНО"}[s]
}
func (ruWords) Number(s string) string { return s }

// TestPrintFaults: a printer that refuses the connection, hangs up in the
// middle of the receipt, stops taking bytes or is out of paper: a clear
// cause, nothing journaled, and the receipt prints (as the original) once
// the printer is back.
func TestPrintFaults(t *testing.T) {
	for _, tc := range []struct {
		name  string
		set   printertest.Behavior
		close bool
		cause Cause
	}{
		{"connection refused", printertest.Behavior{}, true, CausePrinterRefused},
		{"closed mid-receipt", printertest.Behavior{CloseAfter: 300}, false, CausePrinterStopped},
		{"silent", printertest.Behavior{Silent: true}, false, CausePrinterSilent},
		{"paper out", printertest.Behavior{Status: escpos.Status{PaperOut: true, Offline: true}}, false, CausePrinterPaperOut},
		{"cover open", printertest.Behavior{Status: escpos.Status{CoverOpen: true, Offline: true}}, false, CausePrinterCoverOpen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := fakePrinter(t, printertest.ListenTCP)
			setting := f.Spec
			e := printingEngine(t, setting)
			v := pay(t, e, cardVisa, 500)
			if s := e.CheckPrinter(t.Context()); !s.Answers || !s.CanPrint() {
				t.Fatalf("status before: %+v", s)
			}
			f.Set(tc.set)
			if tc.close {
				f.Close()
			}
			out, err := e.PrintReceipt(t.Context(), v.ClientOrderID, CustomerCopy, nil)
			if !errors.Is(err, ErrNotPrinted) || ReasonOf(err).Cause != tc.cause {
				t.Fatalf("print: %v (cause %s), want %s", err, ReasonOf(err).Cause, tc.cause)
			}
			if n := prints(t, e, v.ClientOrderID); n != 0 || out.Duplicate {
				t.Fatalf("a failed print was journaled (%d) or stamped duplicate (%v)", n, out.Duplicate)
			}
			if s := e.Snapshot().Printer; s.Reason.Cause != tc.cause || s.CanPrint() {
				t.Errorf("status bar: %+v", s)
			}
			if tc.close {
				return // the refused port stays refused; the others recover
			}
			f.Set(printertest.Behavior{})
			f.Reset()
			out, err = e.PrintReceipt(t.Context(), v.ClientOrderID, CustomerCopy, nil)
			if err != nil {
				t.Fatalf("print again: %v", err)
			}
			if lines, _ := paperOf(t, f); out.Duplicate || hasLine(lines, "DUPLICATE") || prints(t, e, v.ClientOrderID) != 1 {
				t.Errorf("print again: duplicate %v, %d prints; paper:\n%s", out.Duplicate, prints(t, e, v.ClientOrderID), strings.Join(lines, "\n"))
			}
			if s := e.Snapshot().Printer; !s.CanPrint() {
				t.Errorf("status bar after the print: %+v", s)
			}
		})
	}
}

// TestPrintSimultaneous: prints of one copy at the same moment: exactly
// one is the original, on paper and in the journal.
func TestPrintSimultaneous(t *testing.T) {
	f := fakePrinter(t, printertest.ListenTCP)
	e := printingEngine(t, f.Spec)
	v := pay(t, e, cardMC, 1060)
	var wg sync.WaitGroup
	dups := make(chan bool, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := e.PrintReceipt(t.Context(), v.ClientOrderID, MerchantCopy, nil)
			if err != nil {
				t.Error(err)
			}
			dups <- out.Duplicate
		}()
	}
	wg.Wait()
	close(dups)
	originals := 0
	for d := range dups {
		if !d {
			originals++
		}
	}
	lines, cuts := paperOf(t, f)
	var stamped int
	for _, l := range lines {
		if strings.Contains(l, "*** DUPLICATE ***") {
			stamped++
		}
	}
	if originals != 1 || cuts != 4 || stamped != 3*2 || prints(t, e, v.ClientOrderID) != 4 {
		t.Errorf("%d originals, %d cuts, %d DUPLICATE stamps, %d journaled", originals, cuts, stamped, prints(t, e, v.ClientOrderID))
	}
	if pv, _ := e.Payment(v.ClientOrderID); pv.Reprints != 3 {
		t.Errorf("reprints %d", pv.Reprints)
	}
	if _, err := e.PrintReceipt(t.Context(), "00000000-0000-4000-8000-000000000000", CustomerCopy, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("receipt of an unknown payment: %v", err)
	}
}

// TestPrintPDF: with the PDF, the print is journaled only when the print
// command succeeded; the PDF is saved either way.
func TestPrintPDF(t *testing.T) {
	var fail error
	var got []string
	var mu sync.Mutex
	cmd := func(_ context.Context, path string) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, path)
		return fail
	}
	e := printingEngine(t, "pdf", WithPrintCommand(cmd))
	v := pay(t, e, cardVisa, 700)
	fail = errors.New("lp: no default destination")
	out, err := e.PrintReceipt(t.Context(), v.ClientOrderID, CustomerCopy, nil)
	if ReasonOf(err).Cause != CausePrintCommandFailed || prints(t, e, v.ClientOrderID) != 0 {
		t.Fatalf("failed print command: %v, %d journaled", err, prints(t, e, v.ClientOrderID))
	}
	if b, err := os.ReadFile(out.Path); err != nil || !strings.HasPrefix(string(b), "%PDF") {
		t.Errorf("PDF not saved at %q: %v", out.Path, err)
	}
	fail = nil
	out, err = e.PrintReceipt(t.Context(), v.ClientOrderID, CustomerCopy, nil)
	if err != nil || out.Duplicate || prints(t, e, v.ClientOrderID) != 1 || len(got) != 2 || got[1] != out.Path {
		t.Errorf("print: %v, duplicate %v, %d journaled, command got %v", err, out.Duplicate, prints(t, e, v.ClientOrderID), got)
	}
}

// TestOSPrint runs the real OS print command against stand-ins for lp on
// PATH: one that accepts the job, one that fails, none at all.
func TestOSPrint(t *testing.T) {
	dir := t.TempDir()
	pdf := dir + "/r.pdf"
	os.WriteFile(pdf, []byte("%PDF-1.3"), 0o600)
	for _, tc := range []struct {
		name, script string
		ok           bool
	}{
		{"accepted", "#!/bin/sh\n[ \"$1\" = -- ] && [ -f \"$2\" ] && echo 'request id is P-1 (1 file(s))'\n", true},
		{"no printer", "#!/bin/sh\necho 'lp: Error - no default destination available.' >&2\nexit 1\n", false},
		{"no lp", "", false},
	} {
		bin := t.TempDir()
		if tc.script != "" {
			os.WriteFile(bin+"/lp", []byte(tc.script), 0o755)
		}
		t.Setenv("PATH", bin)
		err := OSPrint(t.Context(), pdf)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
		if tc.name == "no printer" && (err == nil || !strings.Contains(err.Error(), "no default destination")) {
			t.Errorf("%s: the command's words are lost: %v", tc.name, err)
		}
	}
}

// TestTestPrint: Settings' test page goes to the printer as typed (not
// saved yet) and journals nothing; a bad setting is a configuration cause.
func TestTestPrint(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	f := fakePrinter(t, printertest.ListenPTY)
	e := printingEngine(t, "pdf", WithPrintCommand(func(context.Context, string) error { return errors.New("no lp") }))
	cfg := e.Config()
	cfg.Printer, cfg.PrinterWidth = f.Spec, 48
	if _, err := e.TestPrint(t.Context(), cfg, nil); err != nil {
		t.Fatal(err)
	}
	lines, cuts := paperOf(t, f)
	if !hasLine(lines, "PRINTER TEST") || !hasLine(lines, strings.Repeat("1234567890", 4)+"12345678") || !hasLine(lines, "Съешь же ещё") || cuts != 1 {
		t.Errorf("test page:\n%s", strings.Join(lines, "\n"))
	}
	cfg.Printer = "lpt:1"
	if _, err := e.TestPrint(t.Context(), cfg, nil); ReasonOf(err).Cause != CausePrinterConfig {
		t.Errorf("bad setting: %v", err)
	}
	if err := e.ApplyConfig(t.Context(), cfg); !errors.Is(err, ErrConfig) {
		t.Errorf("ApplyConfig took a bad printer setting: %v", err)
	}
	cfg.Printer = "pdf"
	if path, err := e.TestPrint(t.Context(), cfg, nil); ReasonOf(err).Cause != CausePrintCommandFailed || path == "" {
		t.Errorf("PDF test page with a failing print command: %q %v", path, err)
	}
}

// TestPrintFaultsSerial: a serial printer unplugged in the middle of the
// receipt, then gone: each a clear cause, nothing journaled; plugged in
// again (a new port at the same setting) it prints the original.
func TestPrintFaultsSerial(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // ApplyConfig below writes the config file
	f := fakePrinter(t, printertest.ListenPTY)
	e := printingEngine(t, f.Spec)
	v := pay(t, e, cardVisa, 800)
	f.Set(printertest.Behavior{CloseAfter: 300})
	_, err := e.PrintReceipt(t.Context(), v.ClientOrderID, MerchantCopy, nil)
	if c := ReasonOf(err).Cause; c != CausePrinterStopped && c != CausePrinterSilent {
		t.Fatalf("unplugged mid-receipt: %v (%s)", err, c)
	}
	_, err = e.PrintReceipt(t.Context(), v.ClientOrderID, MerchantCopy, nil)
	if ReasonOf(err).Cause != CausePrinterNotFound {
		t.Fatalf("unplugged: %v (%s)", err, ReasonOf(err).Cause)
	}
	if n := prints(t, e, v.ClientOrderID); n != 0 {
		t.Fatalf("%d failed prints journaled", n)
	}
	if s := e.Snapshot().Printer; s.Reason.Cause != CausePrinterNotFound {
		t.Errorf("status bar: %+v", s)
	}
	g := fakePrinter(t, printertest.ListenPTY)
	cfg := e.Config()
	cfg.Printer = g.Spec
	if err := e.ApplyConfig(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	out, err := e.PrintReceipt(t.Context(), v.ClientOrderID, MerchantCopy, nil)
	if lines, _ := paperOf(t, g); err != nil || out.Duplicate || hasLine(lines, "DUPLICATE") || prints(t, e, v.ClientOrderID) != 1 {
		t.Errorf("plugged in again: %v, duplicate %v", err, out.Duplicate)
	}
}

// TestPrintedNotJournaled: the journal fails after the paper came out:
// the error says so (not "not printed"), never a silent success.
func TestPrintedNotJournaled(t *testing.T) {
	var e *Engine
	e = printingEngine(t, "pdf", WithPrintCommand(func(context.Context, string) error { return e.Journal().Close() }))
	v := pay(t, e, cardVisa, 400)
	_, err := e.PrintReceipt(t.Context(), v.ClientOrderID, CustomerCopy, nil)
	if ReasonOf(err).Cause != CausePrintNotJournaled || errors.Is(err, ErrNotPrinted) {
		t.Errorf("printed, journal closed: %v (%s)", err, ReasonOf(err).Cause)
	}
}

// TestPrintXReport: the X report is journaled as printed only once the
// print command succeeded.
func TestPrintXReport(t *testing.T) {
	var fail error
	e := printingEngine(t, "pdf", WithPrintCommand(func(context.Context, string) error { return fail }))
	pay(t, e, cardVisa, 600)
	x, err := e.XReport()
	if err != nil {
		t.Fatal(err)
	}
	reports := func() int {
		evs, err := e.Journal().JournalEvents(time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range evs {
			if ev.Type == store.EventReport {
				n++
			}
		}
		return n
	}
	fail = errors.New("lp: no default destination")
	if _, err := e.PrintXReport(t.Context(), x, nil); !errors.Is(err, ErrNotPrinted) || reports() != 0 {
		t.Fatalf("failed print: %v, %d journaled", err, reports())
	}
	fail = nil
	if out, err := e.PrintXReport(t.Context(), x, nil); err != nil || reports() != 1 || out.Path == "" {
		t.Errorf("print: %v, %d journaled", err, reports())
	}
}
