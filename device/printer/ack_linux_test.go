package printer_test

import (
	"bytes"
	"testing"
	"time"

	"kassa/device/printer"
	"kassa/device/printer/printertest"
)

// TestUnacknowledgedIsNotPrinted: a job that fits in the kernel's send
// buffer but that a stalled network printer never acknowledges is a write
// timeout, not a printed receipt.
func TestUnacknowledgedIsNotPrinted(t *testing.T) {
	f := fakeTCP(t)
	f.Set(printertest.Behavior{Silent: true})
	p := open(t, f.Spec, fast)
	job := bytes.Repeat([]byte("receipt line ....................\n"), 600) // 21 KB
	e := wantFault(t, p.Print(t.Context(), job), printer.WriteTimeout)
	if e.Sent >= len(job) || e.Sent <= 0 {
		t.Errorf("sent %d of %d", e.Sent, len(job))
	}
	t.Logf("acknowledged %d of %d bytes", e.Sent, len(job))
}

// TestSilentAfterAnswering: a printer that answered status before and now
// answers nothing is silent, even for a job the kernel's buffers would
// take whole; one that never answered is printed to without status.
func TestSilentAfterAnswering(t *testing.T) {
	f := fakeTCP(t)
	slow := fast
	slow.StatusTimeout = 1500 * time.Millisecond // a loaded machine running -race must get the first reply
	p := open(t, f.Spec, slow)
	if _, err := p.Status(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.Set(printertest.Behavior{Silent: true})
	wantFault(t, p.Print(t.Context(), receiptJob(t)), printer.NoReply)
	g := fakeTCP(t)
	g.Set(printertest.Behavior{NoStatus: true})
	if err := open(t, g.Spec, slow).Print(t.Context(), receiptJob(t)); err != nil {
		t.Errorf("a printer without status: %v", err)
	}
}
