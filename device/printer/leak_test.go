//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package printer_test

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"time"

	"kassa/device/printer/printertest"
)

// TestNoGoroutineLeft: after faults (silent, hung up, cancelled) and the
// fake printers closed, no goroutine of the printer is left.
func TestNoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	job := bytes.Repeat(receiptJob(t), 1000)
	for _, listen := range []func(context.Context) (*printertest.Printer, error){printertest.ListenTCP, printertest.ListenPTY} {
		for _, b := range []printertest.Behavior{{Silent: true}, {CloseAfter: 300}, {NoStatus: true}} {
			f, err := listen(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			f.Set(b)
			p := open(t, f.Spec, fast)
			p.Print(t.Context(), job)
			p.Status(t.Context())
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			p.Print(ctx, job)
			cancel()
			f.Close()
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
