package ui

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"kassa/pos"
)

// The full flows run against the demo engine (embedded sandbox, simulated
// reader) at the sandbox's real timings, with the engine's own waits
// shortened; each takes a few seconds.

func TestDemoSaleTypedOnKeypadIsApproved(t *testing.T) {
	h := newHarness(t, tuning{})
	h.useCard("1111")
	// Touch keypad: 1 0 4 2 -> 10.42
	h.tapKeys("1", "0", "4", "2")
	if got := h.u.checkout.amount.Text; got != "10.42" {
		t.Fatalf("amount display = %q, want 10.42", got)
	}
	// A slip and its correction on the keyboard: 10.427, Backspace.
	h.typeKeys("7")
	h.press(fyne.KeyBackspace)
	if got := h.u.checkout.amount.Text; got != "10.42" {
		t.Fatalf("after Backspace the amount = %q, want 10.42", got)
	}
	test.Tap(h.u.checkout.saleBtn)
	if h.u.current != h.u.pay {
		t.Fatalf("after Sale the screen is %T, want the paying screen", h.u.current)
	}
	if h.u.pay.amount.Text != "10.42 RUB" {
		t.Errorf("paying screen amount = %q", h.u.pay.amount.Text)
	}
	h.waitFor(30*time.Second, "the result screen", func() bool { return h.u.current == h.u.result })
	v := h.u.result.view_
	if v.Status != pos.StatusApproved {
		t.Fatalf("status %q (%s), want approved", v.Status, v.Reason.Error())
	}
	if h.u.result.title.Text != "APPROVED" {
		t.Errorf("title %q", h.u.result.title.Text)
	}
	if !strings.HasSuffix(v.MaskedPAN, "1111") || v.ApprovalCode == "" {
		t.Errorf("approved view lacks card or approval code: %+v", v)
	}
	if v.Amount.Minor != 1042 {
		t.Errorf("charged %d minor units, want 1042", v.Amount.Minor)
	}

	// Receipt: print both copies to PDF; the second print is a DUPLICATE.
	test.Tap(h.u.result.receiptBtn)
	if h.u.current != h.u.receipt {
		t.Fatalf("Receipt did not open the receipt screen")
	}
	if !strings.Contains(h.u.receipt.merchant.Text, "MERCHANT COPY") || !strings.Contains(h.u.receipt.customer.Text, "CUSTOMER COPY") {
		t.Errorf("receipt preview lacks the copies:\n%s\n%s", h.u.receipt.merchant.Text, h.u.receipt.customer.Text)
	}
	for i := 0; i < 2; i++ {
		test.Tap(h.u.receipt.printBtn)
		h.waitFor(10*time.Second, "the receipt is printed", func() bool { return !h.u.receipt.bar.printing })
		if got := h.u.receipt.bar.msg.Text; got != "Printed: merchant copy, customer copy" {
			t.Fatalf("print %d: %s", i+1, got)
		}
		// The preview is the next print: a DUPLICATE once printed.
		if !strings.Contains(h.u.receipt.merchant.Text, "DUPLICATE") {
			t.Errorf("after print %d the preview is not stamped DUPLICATE:\n%s", i+1, h.u.receipt.merchant.Text)
		}
	}
	if jobs := h.lpJobs(); len(jobs) != 4 || !strings.HasSuffix(jobs[0], ".pdf") {
		t.Errorf("the OS print command got %q, want 4 PDFs", jobs)
	}

	// Enter on the result screen goes back to a fresh checkout.
	h.u.show(h.u.result)
	h.press(fyne.KeyReturn)
	if h.u.current != h.u.checkout || h.u.checkout.digits != "" {
		t.Errorf("Enter did not return to an empty checkout")
	}

	// History shows it; search by last four.
	test.Tap(h.u.top.historyBtn)
	h.waitFor(10*time.Second, "history lists the sale", func() bool { return len(h.u.history.rows) == 1 })
	h.u.history.search.SetText("1111")
	test.Tap(h.u.history.search) // focus does not matter; submit via the button
	h.u.history.searchTapped()
	h.waitFor(10*time.Second, "search finds the sale", func() bool {
		return h.u.history.query == "1111" && len(h.u.history.rows) == 1
	})
	h.u.history.list.Select(0)
	if h.u.history.selected != v.ClientOrderID || len(h.u.history.evRows) == 0 {
		t.Errorf("detail view: selected %q, %d events", h.u.history.selected, len(h.u.history.evRows))
	}
}

func TestDeclinedCardShowsReasonInRed(t *testing.T) {
	h := newHarness(t, tuning{})
	h.useCard("0002") // declined: insufficient funds
	h.typeKeys("500")
	h.press(fyne.KeyReturn) // Enter = Sale
	h.waitFor(30*time.Second, "the result screen", func() bool { return h.u.current == h.u.result })
	v := h.u.result.view_
	if v.Status != pos.StatusDeclined {
		t.Fatalf("status %q, want declined", v.Status)
	}
	if h.u.result.title.Text != "DECLINED" {
		t.Errorf("title %q", h.u.result.title.Text)
	}
	if h.u.result.header.bg.ColorName != colorDeclined {
		t.Errorf("declined header is not red")
	}
	if h.u.result.reason.Text == "" || h.u.result.advice.Text == "" {
		t.Errorf("declined without the reason or what to do: %q / %q", h.u.result.reason.Text, h.u.result.advice.Text)
	}
}

func TestUnknownPaymentResolvesOnScreen(t *testing.T) {
	// …0077: the bank keeps the payment "processing" for 20 s (the demo
	// sandbox's real timing), longer than the engine waits (ResultWait, 1 s
	// here): Pay returns it unknown and the engine resolves it by status in
	// the background. (…0994, a held reply, resolves by status within
	// milliseconds of the timeout, before the screen could show it.)
	h := newHarness(t, tuning{resultWait: time.Second, pollInterval: time.Second})
	h.useCard("0077")
	h.typeKeys("2500")
	h.press(fyne.KeyF2) // F2 = Preauth
	h.waitFor(30*time.Second, "the result screen", func() bool { return h.u.current == h.u.result })
	first := h.u.result.view_
	if first.Kind != pos.Preauth {
		t.Errorf("kind %q, want preauth", first.Kind)
	}
	if first.Status == pos.StatusApproved {
		for _, e := range first.Events {
			t.Logf("event %s %s %s %s", e.At.Format("15:04:05.000"), e.Type, e.Status, e.Detail)
		}
		t.Fatal("the engine resolved the payment before Pay returned; no unknown screen to watch")
	}
	if first.Status != pos.StatusUnknown && first.Status != pos.StatusPending {
		t.Fatalf("status %q, want unknown", first.Status)
	}
	if !strings.Contains(h.u.result.title.Text, "DO NOT CHARGE AGAIN") {
		t.Errorf("unknown title %q", h.u.result.title.Text)
	}
	if h.u.result.header.bg.ColorName != colorUnknown {
		t.Errorf("unknown header is not amber")
	}
	// No touching: the screen changes by itself.
	h.waitFor(60*time.Second, "the unknown payment resolves on screen", func() bool {
		return h.u.current == h.u.result && h.u.result.view_.Status == pos.StatusApproved
	})
	if h.u.result.title.Text != "APPROVED" || h.u.result.header.bg.ColorName != colorApproved {
		t.Errorf("resolved screen: %q", h.u.result.title.Text)
	}
}

func TestCancelWhileWaitingForCard(t *testing.T) {
	h := newHarness(t, tuning{})
	h.u.demo.selectFault("no-card") // nobody swipes
	h.typeKeys("990")
	test.Tap(h.u.checkout.saleBtn)
	h.waitFor(20*time.Second, "waiting for the card", func() bool {
		return h.u.snap.Stage == pos.StageWaitingCard && h.u.pay.cancel.Visible()
	})
	h.press(fyne.KeyEscape) // Esc = Cancel
	h.waitFor(20*time.Second, "back at the checkout", func() bool { return h.u.current == h.u.checkout && !h.u.paying })
	if !h.u.checkout.noticeBx.box.Visible() || !strings.Contains(h.u.checkout.noticeTx.Text, "not charged") {
		t.Errorf("no 'not charged' notice after cancel: %q", h.u.checkout.noticeTx.Text)
	}
	if h.u.checkout.digits != "990" || h.u.checkout.saleBtn.Disabled() {
		t.Errorf("the cancelled amount is not kept for a retry: %q", h.u.checkout.digits)
	}
}

func TestManagerScreensRefuseWrongPIN(t *testing.T) {
	h := newHarness(t, tuning{})
	for _, tc := range []struct {
		name   string
		btn    func() fyne.Tappable
		target func() screen
	}{
		{"close day", func() fyne.Tappable { return h.u.top.closeDayBtn }, func() screen { return h.u.closeDay }},
		{"settings", func() fyne.Tappable { return h.u.top.settingsBtn }, func() screen { return h.u.settings }},
	} {
		test.Tap(tc.btn())
		if h.u.current != h.u.pin {
			t.Fatalf("%s: no PIN asked (screen %T)", tc.name, h.u.current)
		}
		h.enterPIN("9999")
		h.waitFor(10*time.Second, "the PIN is refused", func() bool { return h.u.pin.msg.Text != "" })
		if h.u.current != h.u.pin || h.u.pin.msg.Text != "Wrong PIN" {
			t.Fatalf("%s: wrong PIN not refused: screen %T, message %q", tc.name, h.u.current, h.u.pin.msg.Text)
		}
		h.enterPIN("1234") // the demo manager PIN
		h.waitFor(10*time.Second, tc.name+" opens", func() bool { return h.u.current == tc.target() })
		h.press(fyne.KeyEscape)
		if h.u.current != h.u.checkout {
			t.Fatalf("%s: Esc did not go back", tc.name)
		}
	}
}

func TestCloseDayAfterSale(t *testing.T) {
	h := newHarness(t, tuning{})
	h.useCard("4444")
	h.typeKeys("12345")
	h.press(fyne.KeyReturn)
	h.waitFor(30*time.Second, "approved", func() bool { return h.u.current == h.u.result })
	if h.u.result.view_.Status != pos.StatusApproved {
		t.Fatalf("sale %q", h.u.result.view_.Status)
	}
	test.Tap(h.u.top.closeDayBtn)
	h.enterPIN("1234")
	h.waitFor(10*time.Second, "the close-day preview", func() bool {
		return h.u.current == h.u.closeDay && len(h.u.closeDay.preview.Totals) > 0
	})
	if got := h.u.closeDay.preview.Totals[0].SaleCount; got != 1 {
		t.Errorf("preview sale count %d, want 1", got)
	}
	test.Tap(h.u.closeDay.closeBtn)
	h.waitFor(60*time.Second, "the close-day result", func() bool { return h.u.closeDay.report != nil && !h.u.closeDay.running })
	r := h.u.closeDay.report
	if r.Status != pos.DayFinished || !r.Agree || r.ChainHead == "" {
		t.Errorf("close day: %+v", *r)
	}
	test.Tap(h.u.closeDay.printBtn)
	h.waitFor(10*time.Second, "the Z report is printed", func() bool { return h.u.closeDay.saved.Text == "The Z report was printed." })
	if jobs := h.lpJobs(); len(jobs) != 1 || !strings.Contains(jobs[0], "z-report-") {
		t.Errorf("the OS print command got %q", jobs)
	}
}

func TestRussian(t *testing.T) {
	setupLanguage("ru")
	t.Cleanup(func() { setupLanguage("en") })
	h := newHarness(t, tuning{})
	if got := h.u.checkout.saleBtn.Text; got != "ОПЛАТА" {
		t.Errorf("Sale button in Russian = %q", got)
	}
	if got := countText(3); got != "3 платежа" {
		t.Errorf("plural: %q", got)
	}
	if got := countText(5); got != "5 платежей" {
		t.Errorf("plural: %q", got)
	}
}

// TestNoGoroutineLeak: closing the window (UI, then engine) ends every
// goroutine the UI and the engine started.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	h := newHarness(t, tuning{})
	h.u.demo.selectFault("no-card")
	h.typeKeys("100")
	h.press(fyne.KeyReturn)
	h.waitFor(20*time.Second, "waiting for the card", func() bool { return h.u.snap.Stage == pos.StageWaitingCard })
	// Close mid-payment, as a cashier closing the window would.
	h.u.Close()
	if err := h.eng.Close(); err != nil {
		t.Logf("engine close: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		h.p.drain()
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Errorf("%d goroutines before, %d after closing:\n%s", before, n, buf)
	}
}

// TestTranslationsComplete: every text the UI translates has a Russian
// translation, and both files are valid.
func TestTranslationsComplete(t *testing.T) {
	ru := readKeys(t, "words/translations/ru.json")
	en := readKeys(t, "words/translations/en.json")
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range literalKeys(string(src)) {
			if !ru[k] {
				t.Errorf("%s: %q has no Russian translation", f, k)
			}
			if !en[k] {
				t.Errorf("%s: %q missing from en.json", f, k)
			}
		}
	}
}

// TestSettingsTestReaderAndNewManagerPIN: Test reader works on sim, and a
// manager's new PIN is set in Settings → Cashiers (issue 13: the one place
// for PINs; Settings has no role PIN fields any more).
func TestSettingsTestReaderAndNewManagerPIN(t *testing.T) {
	h := newHarness(t, tuning{})
	test.Tap(h.u.top.settingsBtn)
	h.enterPIN("1234")
	h.waitFor(10*time.Second, "settings", func() bool { return h.u.current == h.u.settings })
	s := h.u.settings
	if s.controlKey.Text != "" || !s.controlKey.Password {
		t.Errorf("the control key field is not write-only")
	}

	s.reader.SetText("sim")
	test.Tap(s.testReader)
	h.waitFor(20*time.Second, "the reader test", func() bool { return !s.testReader.Disabled() && s.readerMsg.Text != "Testing the reader…" })
	if !strings.HasPrefix(s.readerMsg.Text, "✓") {
		t.Errorf("Test reader on sim: %q", s.readerMsg.Text)
	}

	h.setManagerPIN("5678")
	h.press(fyne.KeyEscape)
	test.Tap(h.u.top.closeDayBtn)
	h.enterPIN("1234")
	h.waitFor(10*time.Second, "the old PIN is refused", func() bool { return h.u.pin.msg.Text == "Wrong PIN" })
	h.enterPIN("5678")
	h.waitFor(10*time.Second, "close day opens with the new PIN", func() bool { return h.u.current == h.u.closeDay })

	// Saving the settings form afterwards must not bring the old PIN back.
	h.press(fyne.KeyEscape)
	test.Tap(h.u.top.settingsBtn)
	h.enterPIN("5678")
	h.waitFor(10*time.Second, "settings", func() bool { return h.u.current == h.u.settings })
	test.Tap(s.saveBtn)
	h.waitFor(20*time.Second, "saved", func() bool { return !s.saveBtn.Disabled() && s.saveMsg.Text != "Saving…" })
	if !strings.HasPrefix(s.saveMsg.Text, "✓") {
		t.Fatalf("save: %q", s.saveMsg.Text)
	}
	h.press(fyne.KeyEscape)
	test.Tap(h.u.top.settingsBtn)
	h.enterPIN("1234")
	h.waitFor(10*time.Second, "the replaced PIN is refused", func() bool { return h.u.pin.msg.Text == "Wrong PIN" })
	h.enterPIN("5678")
	h.waitFor(10*time.Second, "the new PIN opens settings", func() bool { return h.u.current == h.u.settings })
}

// setManagerPIN gives the demo manager Maria a new PIN in Settings →
// Cashiers (Settings is open).
func (h *harness) setManagerPIN(pin string) {
	h.t.Helper()
	c := h.u.cashierSettings
	h.waitFor(10*time.Second, "the cashiers list", func() bool { return len(c.pick.Options) > 0 })
	c.pick.SetSelected("Maria")
	c.newPIN.SetText(pin)
	test.Tap(c.saveBtn)
	h.waitFor(20*time.Second, "cashier saved", func() bool { return !c.saveBtn.Disabled() && c.msg.Text != "" })
	if !strings.HasPrefix(c.msg.Text, "✓") {
		h.t.Fatalf("save cashier: %q", c.msg.Text)
	}
}

func TestLockNeedsCashierPIN(t *testing.T) {
	h := newHarness(t, tuning{})
	test.Tap(h.u.top.lockBtn)
	if h.u.current != h.u.signIn || !h.u.locked {
		t.Fatalf("Lock did not lock")
	}
	if !h.u.top.historyBtn.Disabled() {
		t.Errorf("navigation still works while locked")
	}
	h.press(fyne.KeyEscape) // no way out but a cashier's PIN
	if h.u.current != h.u.signIn {
		t.Fatalf("Esc left the lock screen")
	}
	h.signIn("Anna", "0000") // the demo cashier PIN
}
