package printer_test

import (
	"bytes"
	"testing"

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
