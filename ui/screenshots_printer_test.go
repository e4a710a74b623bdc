//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package ui

import (
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/test"

	"kassa/device/escpos"
	"kassa/device/printer/printertest"
)

// TestScreenshotsPrinter renders the receipt printer's pictures (issue 16)
// under docs/screenshots/, in English and Russian: Settings → Receipt
// printer after a test print, the result screen when the printer is out
// of paper, and the customer copy as the printer's paper shows it (drawn
// from the ESC/POS bytes the fake printer received, decoded):
//
//	KASSA_SCREENSHOTS=1 go test -run TestScreenshotsPrinter ./ui/
func TestScreenshotsPrinter(t *testing.T) {
	if os.Getenv("KASSA_SCREENSHOTS") == "" {
		t.Skip("set KASSA_SCREENSHOTS=1 to render docs/screenshots/*.png")
	}
	for _, l := range []string{"en", "ru"} {
		t.Run(l, func(t *testing.T) { printerScreenshots(t, l) })
	}
}

func printerScreenshots(t *testing.T, l string) {
	suffix := map[string]string{"en": ""}[l]
	if l != "en" {
		suffix = "-" + l
	}
	setupLanguage(l)
	t.Cleanup(func() { setupLanguage("en") })
	out := filepath.Join("..", "docs", "screenshots")
	f := fakeNetworkPrinter(t)
	h := newHarness(t, tuning{printer: f.Spec})
	h.u.win.Resize(fyne.NewSize(1024, 768))
	save := func(name string, c fyne.Canvas) {
		t.Helper()
		file, err := os.Create(filepath.Join(out, name+suffix+".png"))
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		if err := png.Encode(file, c.Capture()); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s%s.png", name, suffix)
	}
	shot := func(name string) {
		t.Helper()
		h.shoot(t, filepath.Join(out, name+suffix+".png"))
	}

	// A sale: both copies print after the approval; keep the customer's.
	f.Reset()
	h.sale("125000")
	bar := h.u.result.bar
	h.waitFor(10*time.Second, "the receipts print", func() bool { return !bar.printing && bar.msg.Text != "" })
	ops, err := f.Ops()
	if err != nil {
		t.Fatal(err)
	}
	w := test.NewWindow(paperView(lastJob(ops), 42))
	defer w.Close()
	w.Resize(w.Content().MinSize())
	save("receipt-paper", w.Canvas())

	// Out of paper: not printed, Print again; the status bar says so.
	f.Set(printertest.Behavior{Status: escpos.Status{PaperOut: true, Offline: true}})
	h.sale("34990")
	h.waitFor(10*time.Second, "the print fails", func() bool { return !bar.printing && bar.again.Visible() })
	h.waitFor(5*time.Second, "the status bar", func() bool { return h.u.top.printerText.Text == tr("out of paper") })
	shot("result-not-printed")
	f.Set(printertest.Behavior{})

	// Settings → Receipt printer, after a test print.
	test.Tap(h.u.top.settingsBtn)
	h.enterPIN("1234")
	h.waitFor(10*time.Second, "settings", func() bool { return h.u.current == h.u.settings })
	p := h.u.settings.printer
	test.Tap(p.test)
	h.waitFor(10*time.Second, "the test page", func() bool { return strings.HasPrefix(p.msg.Text, "✓") })
	h.settle(100 * time.Millisecond)
	sw := test.NewWindow(container.NewPadded(p.box))
	defer sw.Close()
	sw.Resize(fyne.NewSize(560, 800))
	sw.Content().Refresh() // the message wraps at this width: measure again
	sw.Resize(fyne.NewSize(560, sw.Content().MinSize().Height))
	save("settings-printer", sw.Canvas())
}

// lastJob is the ops of the last receipt in ops: after the cut before it.
func lastJob(ops []escpos.Op) []escpos.Op {
	end := len(ops)
	for end > 0 && ops[end-1].Kind != escpos.OpCut {
		end--
	}
	start := end - 1
	for start > 0 && ops[start-1].Kind != escpos.OpCut {
		start--
	}
	return ops[max(start, 0):end]
}

// paperView draws decoded ESC/POS ops as the paper shows them: a
// monospaced line per line feed with its alignment, bold, size and
// reverse; a QR code as a framed square naming its data; the cut as a
// dashed line.
func paperView(ops []escpos.Op, cols int) fyne.CanvasObject {
	const size = 13
	mono := fyne.TextStyle{Monospace: true}
	cw := fyne.MeasureText("0", size, mono).Width
	width := cw * float32(cols)
	rows := container.New(layout.NewCustomPaddedVBoxLayout(0))
	var bold, reverse bool
	align, w, hgt := escpos.Left, 1, 1
	var cur strings.Builder
	line := func(s string, st fyne.TextStyle, ts float32, a escpos.Align, inv bool) {
		txt := canvas.NewText(s, color.Black)
		txt.TextStyle, txt.TextSize = st, ts
		txt.Alignment = map[escpos.Align]fyne.TextAlign{escpos.Left: fyne.TextAlignLeading,
			escpos.Center: fyne.TextAlignCenter, escpos.Right: fyne.TextAlignTrailing}[a]
		bg := canvas.NewRectangle(color.Transparent)
		if inv {
			bg.FillColor, txt.Color = color.Black, color.White
		}
		h := fyne.MeasureText("Ж", ts, st).Height
		rows.Add(container.NewGridWrap(fyne.NewSize(width, h), container.NewStack(bg, txt)))
	}
	for _, o := range ops {
		switch o.Kind {
		case escpos.OpBold:
			bold = o.Arg != 0
		case escpos.OpReverse:
			reverse = o.Arg != 0
		case escpos.OpAlign:
			align = escpos.Align(o.Arg)
		case escpos.OpSize:
			w, hgt = o.W, o.H
		case escpos.OpText:
			cur.WriteString(o.Text)
			if o.NL {
				ts := float32(size) * float32(max(w, hgt))
				if w < hgt {
					ts = size * 1.5 // double height only: as tall, not as wide
				}
				line(cur.String(), fyne.TextStyle{Monospace: true, Bold: bold}, ts, align, reverse)
				cur.Reset()
			}
		case escpos.OpFeed:
			for range o.Arg {
				line(" ", mono, size, escpos.Left, false)
			}
		case escpos.OpQR:
			rows.Add(qrBox(o.Text, width))
		case escpos.OpCut:
			line(strings.Repeat("- ", cols/2)+"✂", mono, size, escpos.Left, false)
		}
	}
	paper := canvas.NewRectangle(color.White)
	return container.NewStack(paper, container.New(layout.NewCustomPaddedLayout(16, 16, 14, 14), rows))
}

// qrBox stands for the printed QR code: a framed square with its data.
func qrBox(data string, width float32) fyne.CanvasObject {
	frame := canvas.NewRectangle(color.White)
	frame.StrokeColor, frame.StrokeWidth = color.Black, 3
	label := canvas.NewText("QR", color.Black)
	label.TextStyle, label.TextSize, label.Alignment = fyne.TextStyle{Bold: true}, 22, fyne.TextAlignCenter
	sq := container.NewGridWrap(fyne.NewSquareSize(110), container.NewStack(frame, container.NewCenter(label)))
	ref := canvas.NewText(data, color.Black)
	ref.TextStyle, ref.TextSize, ref.Alignment = fyne.TextStyle{Monospace: true}, 10, fyne.TextAlignCenter
	return container.NewGridWrap(fyne.NewSize(width, 140), container.NewVBox(container.NewCenter(sq), ref))
}
