//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package receipt

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"kassa/device/escpos"
	"kassa/device/printer"
	"kassa/device/printer/printertest"
)

// TestPrintOnFakePrinters sends a Russian DUPLICATE receipt to a fake
// network printer and a fake serial printer and reads the paper back.
func TestPrintOnFakePrinters(t *testing.T) {
	r := sample()
	r.Duplicate = true
	job, err := r.ESCPOS(PrintOptions{Width: 32, Words: words("ru")})
	if err != nil {
		t.Fatal(err)
	}
	for _, listen := range []func(context.Context) (*printertest.Printer, error){printertest.ListenTCP, printertest.ListenPTY} {
		f, err := listen(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sp, err := printer.ParseSpec(f.Spec)
		if err != nil {
			t.Fatal(err)
		}
		p, err := printer.New(sp, printer.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Print(t.Context(), job.Bytes); err != nil {
			t.Fatalf("%s: %v", f.Spec, err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		err = f.Wait(ctx, len(job.Bytes))
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", f.Spec, err)
		}
		ops, err := f.Ops()
		if err != nil {
			t.Fatal(err)
		}
		lines := escpos.Lines(ops)
		lineWith(t, lines, "*** ДУБЛИКАТ ***")
		lineWith(t, lines, "401234****8909")
		lineWith(t, lines, "AB12CD")
		lineWith(t, lines, `ООО "Ромашка"`)
		var cuts int
		for _, o := range ops {
			if o.Kind == escpos.OpCut {
				cuts++
			}
		}
		if cuts != 1 || ops[len(ops)-5].Kind != escpos.OpCut { // the cut, then the status request
			t.Errorf("%s: %d cuts, ops end %s", f.Spec, cuts, escpos.Transcript(ops[len(ops)-6:]))
		}
	}
}
