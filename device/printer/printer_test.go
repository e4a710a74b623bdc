package printer_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"kassa/device/escpos"
	"kassa/device/printer"
	"kassa/device/printer/printertest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fast keeps fault tests short.
var fast = printer.Options{DialTimeout: time.Second, WriteTimeout: 300 * time.Millisecond,
	StatusTimeout: 200 * time.Millisecond, Log: quiet}

func open(t *testing.T, spec string, opt printer.Options) *printer.Printer {
	t.Helper()
	sp, err := printer.ParseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	p, err := printer.New(sp, opt)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func fakeTCP(t *testing.T) *printertest.Printer {
	t.Helper()
	f, err := printertest.ListenTCP(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// receiptJob is a short receipt in Russian.
func receiptJob(t *testing.T) []byte {
	t.Helper()
	e, err := escpos.New(42, escpos.CP866(escpos.EpsonPC866))
	if err != nil {
		t.Fatal(err)
	}
	e.Init().Align(escpos.Center).Bold(true).Line(`ООО "Ромашка"`).Bold(false).Align(escpos.Left)
	e.Columns("Карта", "401234****8909").Columns("Код авторизации", "AB12CD")
	if err := e.QR("R-4242", 6); err != nil {
		t.Fatal(err)
	}
	return e.Feed(3).Cut().Bytes()
}

// printed waits for n bytes at the fake and returns its paper: the printed
// lines and the commands.
func printed(t *testing.T, f *printertest.Printer, n int) (lines []string, transcript string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := f.Wait(ctx, n); err != nil {
		t.Fatalf("the fake printer got %d bytes, want %d", len(f.Received()), n)
	}
	ops, err := f.Ops()
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return escpos.Lines(ops), escpos.Transcript(ops)
}

func wantFault(t *testing.T, err error, f printer.Fault) *printer.Error {
	t.Helper()
	var e *printer.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want a *printer.Error with %v", err, err, f)
	}
	if !errors.Is(err, f) || printer.FaultOf(err) != f {
		t.Fatalf("fault %v (%v), want %v", e.Fault, err, f)
	}
	if s := err.Error(); s != strings.ToLower(s) || !strings.HasPrefix(s, "printer: ") || len(s) > 50 {
		t.Errorf("error string %q is not short and lower case", s)
	}
	return e
}

func TestPrintTCP(t *testing.T) {
	f := fakeTCP(t)
	p := open(t, f.Spec, fast)
	job := receiptJob(t)
	if err := p.Print(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	status := len(escpos.StatusRequest())
	lines, tr := printed(t, f, len(job)+2*status)
	if !slices.Contains(lines, `ООО "Ромашка"`) || !slices.Contains(lines, "[qr R-4242]") {
		t.Errorf("paper:\n%s", tr)
	}
	if !strings.Contains(tr, "Карта"+strings.Repeat(" ", 42-5-14)+"401234****8909\n") {
		t.Errorf("card line missing:\n%s", tr)
	}
	// Status asked before and after the job, the job in between, ending in a cut.
	got := f.Received()
	if !bytes.HasPrefix(got, escpos.StatusRequest()) || !bytes.HasSuffix(got, append([]byte{0x1D, 'V', 66, 0}, escpos.StatusRequest()...)) {
		t.Errorf("stream % x", got)
	}
	if !bytes.Equal(got[status:len(got)-status], job) {
		t.Errorf("the job arrived changed")
	}
}

func TestStatusTCP(t *testing.T) {
	f := fakeTCP(t)
	p := open(t, f.Spec, fast)
	st, err := p.Status(t.Context())
	if err != nil || !st.Ready() {
		t.Fatalf("status %v, %v", st, err)
	}
	f.Set(printertest.Behavior{Status: escpos.Status{Offline: true, PaperOut: true, PaperNearEnd: true}})
	st, err = p.Status(t.Context())
	if err != nil || !st.PaperOut || st.Ready() {
		t.Fatalf("status %v, %v", st, err)
	}
	f.Set(printertest.Behavior{NoStatus: true})
	_, err = p.Status(t.Context())
	wantFault(t, err, printer.NoReply)
}

func TestRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	p := open(t, "tcp:"+addr, fast)
	e := wantFault(t, p.Print(t.Context(), receiptJob(t)), printer.Refused)
	if e.Sent != 0 || e.Op != "connect" {
		t.Errorf("sent %d op %q", e.Sent, e.Op)
	}
	_, err = p.Status(t.Context())
	wantFault(t, err, printer.Refused)
}

func TestPaperOutPrintsNothing(t *testing.T) {
	f := fakeTCP(t)
	f.Set(printertest.Behavior{Status: escpos.Status{Offline: true, PaperOut: true}})
	p := open(t, f.Spec, fast)
	e := wantFault(t, p.Print(t.Context(), receiptJob(t)), printer.PaperOut)
	if e.Sent != 0 || !e.Status.PaperOut {
		t.Errorf("sent %d status %v", e.Sent, e.Status)
	}
	time.Sleep(50 * time.Millisecond)
	if got := f.Received(); !bytes.Equal(got, escpos.StatusRequest()) {
		t.Errorf("a paper-out printer got more than the status request: % x", got)
	}
	// Paper loaded: the receipt prints again.
	f.Set(printertest.Behavior{})
	f.Reset()
	job := receiptJob(t)
	if err := p.Print(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	if lines, tr := printed(t, f, len(job)); !slices.Contains(lines, "[qr R-4242]") {
		t.Errorf("paper:\n%s", tr)
	}
}

func TestCoverOpen(t *testing.T) {
	f := fakeTCP(t)
	f.Set(printertest.Behavior{Status: escpos.Status{Offline: true, CoverOpen: true}})
	p := open(t, f.Spec, fast)
	wantFault(t, p.Print(t.Context(), receiptJob(t)), printer.CoverOpen)
	f.Set(printertest.Behavior{Status: escpos.Status{Offline: true, CutterError: true}})
	wantFault(t, p.Print(t.Context(), receiptJob(t)), printer.Offline)
}

func TestClosedMidReceipt(t *testing.T) {
	f := fakeTCP(t)
	f.Set(printertest.Behavior{CloseAfter: 100})
	p := open(t, f.Spec, fast)
	job := receiptJob(t)
	e := wantFault(t, p.Print(t.Context(), job), printer.Closed)
	if e.Total != len(job) {
		t.Errorf("total %d, want %d", e.Total, len(job))
	}
	// A long job fails while it is written.
	f.Set(printertest.Behavior{CloseAfter: 5000})
	long := bytes.Repeat(job, 1000)
	e = wantFault(t, p.Print(t.Context(), long), printer.Closed)
	if e.Sent >= len(long) {
		t.Errorf("sent %d of %d", e.Sent, len(long))
	}
}

func TestSilentPrinterTimesOut(t *testing.T) {
	f := fakeTCP(t)
	f.Set(printertest.Behavior{Silent: true})
	p := open(t, f.Spec, fast)
	job := bytes.Repeat(receiptJob(t), 2000) // more than the kernel buffers
	start := time.Now()
	e := wantFault(t, p.Print(t.Context(), job), printer.WriteTimeout)
	if e.Sent >= len(job) {
		t.Errorf("sent %d of %d", e.Sent, len(job))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestMutePrinterStillPrints(t *testing.T) {
	f := fakeTCP(t)
	f.Set(printertest.Behavior{NoStatus: true})
	p := open(t, f.Spec, fast)
	job := receiptJob(t)
	if err := p.Print(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	lines, _ := printed(t, f, len(job))
	f.Reset()
	// Not asked again (no wait) once it did not answer.
	start := time.Now()
	if err := p.Print(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d >= fast.StatusTimeout {
		t.Errorf("second print waited %v for status", d)
	}
	if again, _ := printed(t, f, len(job)); !slices.Equal(again, lines) {
		t.Errorf("second print %q", again)
	}
	if got := f.Received(); !bytes.Equal(got, job) {
		t.Errorf("the second print asked for status: % x", got[:12])
	}
}

func TestCancelled(t *testing.T) {
	f := fakeTCP(t)
	f.Set(printertest.Behavior{Silent: true})
	p := open(t, f.Spec, printer.Options{Log: quiet})
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	wantFault(t, p.Print(ctx, bytes.Repeat(receiptJob(t), 2000)), printer.Cancelled)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancel took %v", d)
	}
}

func TestNewPDF(t *testing.T) {
	_, err := printer.New(printer.Spec{Kind: printer.KindPDF}, printer.Options{})
	wantFault(t, err, printer.NotESCPOS)
}

func TestFaultNames(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range printer.Faults() {
		s := f.String()
		if s == "" || strings.HasPrefix(s, "fault(") || s != strings.ToLower(s) || seen[s] {
			t.Errorf("fault %d named %q", f, s)
		}
		seen[s] = true
	}
	if printer.FaultOf(errors.New("x")) != printer.FaultNone || printer.FaultOf(nil) != printer.FaultNone {
		t.Errorf("FaultOf of a foreign error")
	}
}
