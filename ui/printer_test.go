//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"kassa/device/escpos"
	"kassa/device/printer/printertest"
	"kassa/pos"
	"kassa/store"
)

// journaledPrints counts a payment's receipt events.
func (h *harness) journaledPrints(id string) int {
	h.t.Helper()
	p, err := h.eng.Journal().Get(id)
	if err != nil {
		h.t.Fatal(err)
	}
	n := 0
	for _, ev := range p.Events {
		if ev.Type == store.EventReceipt {
			n++
		}
	}
	return n
}

// sale takes an approved demo sale and waits for the result screen.
func (h *harness) sale(amount string) pos.PaymentView {
	h.t.Helper()
	h.u.home()
	h.useCard("1111")
	h.typeKeys(amount)
	h.press(fyne.KeyReturn)
	h.waitFor(30*time.Second, "the result screen", func() bool { return h.u.current == h.u.result })
	if v := h.u.result.view_; v.Status != pos.StatusApproved {
		h.t.Fatalf("sale: %s", v.Status)
	}
	return h.u.result.view_
}

// TestPrintAgainPDF: the OS print command fails: the screen says the
// receipt was not printed and offers Print again and Open PDF; nothing is
// journaled; Print again prints both copies as originals.
func TestPrintAgainPDF(t *testing.T) {
	h := newHarness(t, tuning{})
	v := h.sale("250")
	test.Tap(h.u.result.receiptBtn)
	h.lpFails(true)
	test.Tap(h.u.receipt.printBtn)
	bar := h.u.receipt.bar
	h.waitFor(10*time.Second, "the print ends", func() bool { return !bar.printing })
	if !strings.HasPrefix(bar.msg.Text, "Not printed: merchant copy, customer copy. The computer could not print the PDF") ||
		!bar.again.Visible() || !bar.openPDF.Visible() {
		t.Fatalf("failed print: %q again %v open %v", bar.msg.Text, bar.again.Visible(), bar.openPDF.Visible())
	}
	if strings.Contains(bar.msg.Text, "Saved and sent") || h.journaledPrints(v.ClientOrderID) != 0 {
		t.Fatalf("a print that failed was reported or journaled: %q", bar.msg.Text)
	}
	if strings.Contains(h.u.receipt.merchant.Text, "DUPLICATE") {
		t.Error("the preview says DUPLICATE though nothing was printed")
	}
	h.lpFails(false)
	test.Tap(bar.again)
	h.waitFor(10*time.Second, "the print ends", func() bool { return !bar.printing })
	if bar.msg.Text != "Printed: merchant copy, customer copy" || bar.again.Visible() || h.journaledPrints(v.ClientOrderID) != 2 {
		t.Errorf("print again: %q, %d journaled", bar.msg.Text, h.journaledPrints(v.ClientOrderID))
	}
	p, _ := h.eng.Journal().Get(v.ClientOrderID)
	for _, ev := range p.Events {
		if ev.Type == store.EventReceipt && ev.Fields[store.FieldDuplicate] != "no" {
			t.Errorf("print again was journaled as a duplicate: %v", ev.Fields)
		}
	}
}

// fakeNetworkPrinter starts a fake ESC/POS printer on loopback.
func fakeNetworkPrinter(t *testing.T) *printertest.Printer {
	t.Helper()
	f, err := printertest.ListenTCP(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestAutoPrintOnESCPOS: with a network printer both copies print after
// the approval; out of paper the screen says so, the status bar turns
// red, and Print again prints once paper is back.
func TestAutoPrintOnESCPOS(t *testing.T) {
	f := fakeNetworkPrinter(t)
	h := newHarness(t, tuning{printer: f.Spec})
	h.sale("300")
	bar := h.u.result.bar
	h.waitFor(10*time.Second, "the receipts print", func() bool { return !bar.printing && bar.msg.Text != "" })
	if bar.msg.Text != "Printed: merchant copy, customer copy" {
		t.Fatalf("after approval: %q", bar.msg.Text)
	}
	ops, _ := f.Ops()
	lines, cuts := escpos.Lines(ops), 0
	for _, o := range ops {
		if o.Kind == escpos.OpCut {
			cuts++
		}
	}
	paper := strings.Join(lines, "\n")
	if cuts != 2 || !strings.Contains(paper, "MERCHANT COPY") || !strings.Contains(paper, "CUSTOMER COPY") || !strings.Contains(paper, "******1111") {
		t.Errorf("%d cuts; paper:\n%s", cuts, paper)
	}
	h.waitFor(5*time.Second, "the status bar shows the printer", func() bool { return h.u.top.printerText.Text == "ready" })

	f.Set(printertest.Behavior{Status: escpos.Status{PaperOut: true, Offline: true}})
	v := h.sale("310")
	h.waitFor(10*time.Second, "the print fails", func() bool { return !bar.printing && bar.msg.Text != "" })
	if !strings.Contains(bar.msg.Text, "Not printed: merchant copy, customer copy. The receipt printer is out of paper.") || !bar.again.Visible() || bar.openPDF.Visible() {
		t.Fatalf("paper out: %q", bar.msg.Text)
	}
	h.waitFor(5*time.Second, "the status bar says paper out", func() bool { return h.u.top.printerText.Text == "out of paper" })
	if h.journaledPrints(v.ClientOrderID) != 0 {
		t.Fatal("journaled while out of paper")
	}
	f.Set(printertest.Behavior{})
	test.Tap(bar.again)
	h.waitFor(10*time.Second, "printed again", func() bool { return !bar.printing && strings.HasPrefix(bar.msg.Text, "Printed") })
	if h.journaledPrints(v.ClientOrderID) != 2 {
		t.Errorf("%d prints journaled", h.journaledPrints(v.ClientOrderID))
	}
}

// TestCloseDayWarnsPaperOut: close day warns before closing when the
// printer is out of paper (the Z report would not print).
func TestCloseDayWarnsPaperOut(t *testing.T) {
	f := fakeNetworkPrinter(t)
	f.Set(printertest.Behavior{Status: escpos.Status{PaperOut: true, Offline: true}})
	h := newHarness(t, tuning{printer: f.Spec})
	test.Tap(h.u.top.closeDayBtn)
	h.enterPIN("1234")
	h.waitFor(10*time.Second, "the close-day preview", func() bool {
		return h.u.current == h.u.closeDay && len(h.u.closeDay.body.Objects) > 1
	})
	found := false
	for _, w := range h.u.closeDay.preview.Warnings {
		found = found || w.Cause == pos.CausePrinterPaperOut
	}
	if !found {
		t.Errorf("no paper-out warning: %+v", h.u.closeDay.preview.Warnings)
	}
}

// TestSettingsPrinter: Settings → printer: a network printer with its
// address and width, Test print on the values as typed, then Save applies
// them.
func TestSettingsPrinter(t *testing.T) {
	f := fakeNetworkPrinter(t)
	h := newHarness(t, tuning{})
	test.Tap(h.u.top.settingsBtn)
	h.enterPIN("1234")
	h.waitFor(10*time.Second, "settings", func() bool { return h.u.current == h.u.settings })
	p := h.u.settings.printer
	if p.kind.SelectedIndex() != 0 || !p.address.Disabled() {
		t.Fatalf("default printer: kind %d, address enabled %v", p.kind.SelectedIndex(), !p.address.Disabled())
	}
	p.kind.SetSelectedIndex(1)
	p.address.SetText(strings.TrimPrefix(f.Spec, "tcp:"))
	p.width.SetSelectedIndex(0)
	test.Tap(p.test)
	h.waitFor(10*time.Second, "the test page", func() bool { return strings.HasPrefix(p.msg.Text, "✓") || strings.HasPrefix(p.msg.Text, "✗") })
	ops, _ := f.Ops()
	if lines := strings.Join(escpos.Lines(ops), "\n"); !strings.HasPrefix(p.msg.Text, "✓") || !strings.Contains(lines, "12345678901234567890123456789012") || !strings.Contains(lines, "Съешь") {
		t.Fatalf("test print: %q\n%s", p.msg.Text, lines)
	}
	if h.eng.Config().Printer != "" {
		t.Error("Test print applied the setting")
	}
	test.Tap(h.u.settings.saveBtn)
	h.waitFor(10*time.Second, "saved", func() bool { return strings.HasPrefix(h.u.settings.saveMsg.Text, "✓") })
	if c := h.eng.Config(); c.Printer != f.Spec || c.PrinterWidth != 32 {
		t.Errorf("saved printer %q width %d", c.Printer, c.PrinterWidth)
	}
	p.address.SetText("")
	test.Tap(p.test)
	h.waitFor(10*time.Second, "the refused test", func() bool { return strings.HasPrefix(p.msg.Text, "✗") })
	if !strings.Contains(p.msg.Text, "The printer setting is wrong.") {
		t.Errorf("empty address: %q", p.msg.Text)
	}
}

// TestAutoCopies: what prints after an approval, by the setting.
func TestAutoCopies(t *testing.T) {
	both := []pos.ReceiptCopy{pos.MerchantCopy, pos.CustomerCopy}
	for _, tc := range []struct {
		printer, after string
		want           []pos.ReceiptCopy
	}{
		{"", "", nil},
		{"pdf", "both", both},
		{"tcp:10.0.0.5", "", both},
		{"tcp:10.0.0.5", "customer", []pos.ReceiptCopy{pos.CustomerCopy}},
		{"usb:/dev/usb/lp0", "ask", nil},
		{"tcp:10.0.0.5", "never", nil},
	} {
		got := autoCopies(pos.Config{Printer: tc.printer, PrintAfter: tc.after})
		if strings.Join(copyStrings(got), ",") != strings.Join(copyStrings(tc.want), ",") {
			t.Errorf("%q %q: %v, want %v", tc.printer, tc.after, got, tc.want)
		}
	}
}

func copyStrings(cs []pos.ReceiptCopy) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

// TestRefundAutoPrints: an approved refund prints its REFUND copies on the
// ESC/POS printer right away, as a payment does, journaled per child.
func TestRefundAutoPrints(t *testing.T) {
	f := fakeNetworkPrinter(t)
	h := newHarness(t, tuning{printer: f.Spec})
	sale := h.sale("4000")
	h.waitFor(10*time.Second, "the sale's receipts", func() bool { return !h.u.result.bar.printing && h.u.result.bar.msg.Text != "" })
	f.Reset()
	h.u.child.open(pos.Refund, sale.ClientOrderID, h.u.history)
	h.u.show(h.u.child)
	v := h.runChildOnScreen()
	bar := h.u.child.bar
	h.waitFor(10*time.Second, "the refund's receipts", func() bool { return !bar.printing && bar.msg.Text != "" })
	ops, _ := f.Ops()
	paper := strings.Join(escpos.Lines(ops), "\n")
	if v.Status != pos.StatusApproved || bar.msg.Text != "Printed: merchant copy, customer copy" || strings.Count(paper, "REFUND") != 2 || strings.Contains(paper, "DUPLICATE") {
		t.Fatalf("refund %s, %q; paper:\n%s", v.Status, bar.msg.Text, paper)
	}
	p, _ := h.eng.Journal().Get(sale.ClientOrderID)
	n := 0
	for _, ev := range p.Events {
		if ev.Type == store.EventReceipt && ev.Fields[store.FieldChild] == v.ID {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d refund prints journaled", n)
	}
}
