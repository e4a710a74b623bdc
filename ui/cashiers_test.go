package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// findButton finds a button by its text in obj's tree (containers and
// widgets' renderers).
func findButton(obj fyne.CanvasObject, label string) *widget.Button {
	switch o := obj.(type) {
	case *widget.Button:
		if o.Text == label {
			return o
		}
	case *fyne.Container:
		for _, c := range o.Objects {
			if b := findButton(c, label); b != nil {
				return b
			}
		}
		return nil
	}
	if w, ok := obj.(fyne.Widget); ok {
		for _, c := range test.WidgetRenderer(w).Objects() {
			if b := findButton(c, label); b != nil {
				return b
			}
		}
	}
	return nil
}

// tapDialog taps a button of the dialog on top of the window.
func (h *harness) tapDialog(label string) {
	h.t.Helper()
	top := h.canvas().Overlays().Top()
	if top == nil {
		h.t.Fatalf("no dialog open (wanted %q)", label)
	}
	b := findButton(top, label)
	if b == nil {
		h.t.Fatalf("the dialog has no button %q", label)
	}
	test.Tap(b)
}

// signIn locks the till and signs a demo cashier in by name and PIN.
func (h *harness) signIn(name, pin string) {
	h.t.Helper()
	test.Tap(h.u.top.lockBtn)
	h.waitFor(10*time.Second, "the names", func() bool { return h.u.current == h.u.signIn && h.u.signIn.btns[name] != nil })
	test.Tap(h.u.signIn.btns[name])
	if h.u.current != h.u.pin {
		h.t.Fatalf("tapping %s did not ask the PIN", name)
	}
	h.enterPIN(pin)
	h.waitFor(10*time.Second, name+" signed in", func() bool { return h.u.current == h.u.checkout && !h.u.locked })
}

// TestSignInByName: the lock screen lists the cashiers; a name takes only
// that cashier's PIN; a disabled cashier is not listed and cannot sign in.
func TestSignInByName(t *testing.T) {
	h := newHarness(t, tuning{})
	test.Tap(h.u.top.lockBtn)
	h.waitFor(10*time.Second, "the names", func() bool { return h.u.current == h.u.signIn && len(h.u.signIn.btns) == 3 })
	if !h.u.top.historyBtn.Disabled() || !h.u.shiftBtn.Disabled() {
		t.Error("navigation works while locked")
	}
	test.Tap(h.u.signIn.btns["Anna"])
	h.enterPIN("1111") // Boris's PIN, not Anna's
	h.waitFor(10*time.Second, "a wrong PIN refused", func() bool { return h.u.pin.msg.Text == "Wrong PIN" })
	h.press(fyne.KeyEscape) // back to the names, still locked
	if h.u.current != h.u.signIn || !h.u.locked {
		t.Fatalf("Esc on a cashier's PIN: screen %T locked %v", h.u.current, h.u.locked)
	}
	test.Tap(h.u.signIn.btns["Anna"])
	h.enterPIN("0000")
	h.waitFor(10*time.Second, "Anna signed in", func() bool { return h.u.current == h.u.checkout && !h.u.locked })
	h.waitFor(5*time.Second, "her name on the top bar", func() bool { return h.u.shiftBtn.Text == "Anna" })
	if who, shift := h.eng.SignedIn(); who.Name != "Anna" || shift == "" {
		t.Fatalf("signed in: %+v %q", who, shift)
	}

	boris, err := h.eng.CashierNamed("Boris")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.eng.SetCashierDisabled(context.Background(), boris.ID, true); err != nil {
		t.Fatal(err)
	}
	test.Tap(h.u.top.lockBtn)
	h.waitFor(10*time.Second, "the names again", func() bool { return h.u.current == h.u.signIn && len(h.u.signIn.btns) == 2 })
	if h.u.signIn.btns["Boris"] != nil {
		t.Error("a disabled cashier is listed")
	}
	if _, err := h.eng.SignIn(boris.ID, "1111"); pos.ReasonOf(err).Cause != pos.CauseCashierDisabled {
		t.Errorf("disabled Boris signed in: %v", err)
	}
}

// TestShiftOpenClose: signing in opens a shift; its screen shows the
// shift's payments; closing it locks the till and the journal has it closed.
func TestShiftOpenClose(t *testing.T) {
	h := newHarness(t, tuning{})
	h.signIn("Boris", "1111")
	h.useCard("1111")
	h.typeKeys("4200")
	h.press(fyne.KeyReturn)
	h.waitFor(60*time.Second, "approved", func() bool { return h.u.current == h.u.result && h.u.result.view_.Final() })
	h.press(fyne.KeyEscape)
	test.Tap(h.u.shiftBtn)
	h.waitFor(10*time.Second, "the shift's payment", func() bool {
		return h.u.current == h.u.shift && h.u.shift.report != nil && len(h.u.shift.report.Payments) == 1
	})
	rep := *h.u.shift.report
	if rep.Currencies[0].Approved != 1 || rep.Currencies[0].Totals.SaleSum.Minor != 4200 || rep.Shift.Cashier.Name != "Boris" {
		t.Fatalf("shift report %+v", rep)
	}
	test.Tap(h.u.shift.closeBtn)
	h.tapDialog("Yes")
	h.waitFor(10*time.Second, "locked after the close", func() bool { return h.u.current == h.u.signIn && h.u.locked })
	shifts, _ := h.eng.Shifts(0)
	if len(shifts) != 1 || shifts[0].Open() || shifts[0].ClosedBy != "Boris" {
		t.Fatalf("shifts %+v", shifts)
	}
	if who, _ := h.eng.SignedIn(); who.ID != "" {
		t.Error("still signed in")
	}
}

// TestXReportScreen: a manager's PIN opens the X report with the day's
// counts and scheme split; printing saves a PDF.
func TestXReportScreen(t *testing.T) {
	h := newHarness(t, tuning{})
	h.signIn("Anna", "0000")
	for _, c := range []struct{ last4, amount string }{{"4444", "1500"}, {"0002", "700"}} {
		h.useCard(c.last4)
		h.typeKeys(c.amount)
		h.press(fyne.KeyReturn)
		h.waitFor(60*time.Second, "a final result", func() bool { return h.u.current == h.u.result && h.u.result.view_.Final() })
		h.press(fyne.KeyEscape)
	}
	test.Tap(h.u.shiftBtn)
	test.Tap(h.u.shift.xBtn)
	h.enterPIN("0000")
	h.waitFor(10*time.Second, "a cashier's PIN refused", func() bool { return h.u.pin.msg.Text == "Wrong PIN" })
	h.enterPIN("1234")
	h.waitFor(10*time.Second, "the X report", func() bool { return h.u.current == h.u.xReport && h.u.xReport.x != nil })
	x := h.u.xReport.x.Currencies[0]
	if x.Approved != 1 || x.Declined != 1 || x.Schemes[1].Scheme != pos.SchemeMastercard || x.Schemes[1].Count != 1 {
		t.Fatalf("X report %+v", x)
	}
	test.Tap(h.u.xReport.printBtn)
	h.waitFor(10*time.Second, "printed", func() bool { return h.u.xReport.saved.Text != "" && h.u.xReport.saved.Text != "Printing…" })
	if !strings.HasPrefix(h.u.xReport.saved.Text, "Printed.") {
		t.Fatalf("print: %s", h.u.xReport.saved.Text)
	}
}

// TestPastZList: after a close, the past Z list shows it; it opens in full
// and reprints as a copy; an empty day asks before closing.
func TestPastZList(t *testing.T) {
	h := newHarness(t, tuning{})
	h.useCard("1111")
	h.typeKeys("990")
	h.press(fyne.KeyReturn)
	h.waitFor(60*time.Second, "approved", func() bool { return h.u.current == h.u.result && h.u.result.view_.Final() })
	h.press(fyne.KeyEscape)
	test.Tap(h.u.top.closeDayBtn)
	h.enterPIN("1234")
	h.waitFor(10*time.Second, "the preview", func() bool { return h.u.current == h.u.closeDay && h.u.closeDay.preview.Tally.Approved == 1 })
	test.Tap(h.u.closeDay.closeBtn)
	h.waitFor(60*time.Second, "closed", func() bool { return h.u.closeDay.report != nil && !h.u.closeDay.running })
	id := h.u.closeDay.report.RequestID

	// The day is empty now: closing asks first.
	h.u.closeDay.shown()
	h.waitFor(10*time.Second, "an empty preview", func() bool { return h.u.closeDay.preview.Empty })
	test.Tap(h.u.closeDay.closeBtn)
	h.tapDialog("No")
	if h.u.closeDay.running || h.u.closeDay.report != nil {
		t.Fatal("an empty day closed without asking")
	}

	test.Tap(h.u.shiftBtn)
	test.Tap(h.u.shift.zBtn)
	h.enterPIN("1234")
	h.waitFor(10*time.Second, "the list", func() bool { return h.u.current == h.u.zList && h.u.zList.rows[id] != nil })
	test.Tap(h.u.zList.rows[id])
	if h.u.zList.shown_ == nil || h.u.zList.shown_.Report.RequestID != id || h.u.zList.printBtn.Hidden {
		t.Fatal("Show did not open the close day")
	}
	h.waitFor(10*time.Second, "the day's scheme split", func() bool {
		return h.u.zList.shown_.Tally != nil && h.u.zList.shown_.Tally.Schemes[0].Count == 1
	})
	test.Tap(h.u.zList.printBtn)
	h.waitFor(10*time.Second, "the copy printed", func() bool { return h.u.zList.saved.Text != "" && h.u.zList.saved.Text != "Printing…" })
	if !strings.HasPrefix(h.u.zList.saved.Text, "Printed.") {
		t.Fatalf("reprint: %s", h.u.zList.saved.Text)
	}
}
