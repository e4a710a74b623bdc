package ui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// shownTexts collects every text drawn under obj (visible objects only),
// leaving out what the user typed (entries) and the data of lists.
func shownTexts(obj fyne.CanvasObject, out *[]string) {
	if obj == nil || !obj.Visible() {
		return
	}
	switch o := obj.(type) {
	case *widget.Entry, *widget.SelectEntry:
		return
	case *canvas.Text:
		*out = append(*out, o.Text)
		return
	case *fyne.Container:
		for _, c := range o.Objects {
			shownTexts(c, out)
		}
		return
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(o).Objects() {
			shownTexts(c, out)
		}
	}
}

// englishWord finds a Latin word of three letters or more.
var englishWord = regexp.MustCompile(`[A-Za-z_]{3,}`)

// cliFlag is a command-line flag (--demo): a name, not a word.
var cliFlag = regexp.MustCompile(`--[a-z-]+`)

// latinOK are the Latin words a Russian screen may show: names, codes and
// the demo merchant's own data.
var latinOK = map[string]bool{
	"Kassa": true, "RUB": true, "VISA": true, "MASTERCARD": true, "MIR": true, "RRN": true, "PIN": true,
	"Enter": true, "Esc": true, "Endpoint": true, "URL": true, "mail": true, "SHA": true,
	"KASSA_CONTROL_KEY": true, "Coffee": true, "Tverskaya": true, "Moscow": true,
	"TVR": true, "AID": true, "TC": true, "AAC": true, "ARQC": true, // issue 12: EMV terms as printed on receipts
	"Anna": true, "Boris": true, "Maria": true, // the demo's cashiers (issue 13)
	"PDF": true, "USB": true, // issue 16
}

// noEnglish fails for every English word shown on the window.
func noEnglish(t *testing.T, h *harness, screen string) {
	t.Helper()
	h.settle(50 * time.Millisecond)
	h.u.content.Refresh()
	var texts []string
	shownTexts(h.u.content, &texts)
	for _, s := range texts {
		for _, w := range englishWord.FindAllString(cliFlag.ReplaceAllString(s, ""), -1) {
			if !latinOK[w] && !isHex(w) {
				t.Errorf("%s: English %q in %q", screen, w, s)
			}
		}
	}
}

// isHex: ids and hashes are not words.
func isHex(w string) bool {
	return strings.Trim(strings.ToLower(w), "0123456789abcdef") == ""
}

// TestRussianScreensHaveNoEnglish renders the main screens in Russian with
// Fyne's test driver — every cause on the result screen, the paying screen,
// history, close day, settings, the demo panel and an announcement — and
// finds no English on them.
func TestRussianScreensHaveNoEnglish(t *testing.T) {
	setupLanguage("ru")
	t.Cleanup(func() { setupLanguage("en") })
	h := newHarness(t, tuning{})
	noEnglish(t, h, "checkout")
	for _, f := range h.u.demo.ctl.Faults() {
		if l := faultLabel(f); englishWord.MatchString(l) {
			t.Errorf("fault %q: %q", f, l)
		}
	}

	// Paying, waiting for the card.
	h.u.demo.selectFault("no-card")
	h.typeKeys("990")
	h.press(fyne.KeyReturn)
	h.waitFor(20*time.Second, "waiting for the card", func() bool { return h.u.snap.Stage == pos.StageWaitingCard && h.u.pay.note.Text() != "" })
	noEnglish(t, h, "paying")
	h.press(fyne.KeyEscape)
	h.waitFor(20*time.Second, "cancelled", func() bool { return h.u.current == h.u.checkout && !h.u.paying })
	if got := h.u.checkout.digits; got != "990" {
		t.Errorf("the cancelled amount is not kept: %q", got)
	}

	// The result screen, every cause with every reader problem.
	amount := pos.Amount{Minor: 6600, Currency: "RUB"}
	h.u.show(h.u.result)
	for _, c := range pos.Causes() {
		for _, p := range []pos.ReaderProblem{pos.ReaderOK, pos.ReaderGone, pos.ReaderNoKeys} {
			v := pos.PaymentView{ClientOrderID: "0c1d2e3f-4a5b-4c6d-8e7f-000000000001", Kind: pos.Sale, Amount: amount,
				Status: pos.StatusFailed, MaskedPAN: "411111******1111", CardScheme: "VISA",
				Reason: pos.Reason{Cause: c, Reader: p, Code: "51", Message: "Insufficient funds", Detail: "card read: card reader disconnected: Port has been closed"}}
			if c == pos.CauseDaySending {
				v.Reason.Message = "1273.50 RUB" // its Message is a sum
			}
			h.u.result.showPayment(v, nil)
			h.u.result.stopWatching()
			noEnglish(t, h, "result "+c.String()+"/"+p.String())
		}
	}
	h.u.result.showNotStarted(pos.Sale, amount, &pos.Error{Reason: pos.Reason{Cause: pos.CauseReaderUnavailable, Reader: pos.ReaderNotFound, Detail: "/tmp/kassa-sim-1/tty"}, Err: pos.ErrNoReader})
	noEnglish(t, h, "not started")

	// An announcement after an override.
	h.u.announce.update(pos.Snapshot{Announcements: []pos.Announcement{{ClientOrderID: "x", Amount: amount, MaskedPAN: "411111******1111", Charged: true, Status: pos.StatusApproved, ResolvedAt: time.Now()}}})
	noEnglish(t, h, "announcement")
	if txt := h.u.announce.msg.Text(); !strings.Contains(txt, "66,00 RUB") || !strings.Contains(txt, "1111") {
		t.Errorf("announcement: %q", txt)
	}
	h.u.announce.update(pos.Snapshot{})

	// A real sale, then history with its detail, close day and settings.
	h.u.home()
	h.useCard("1111")
	h.press(fyne.KeyReturn)
	h.waitFor(30*time.Second, "approved", func() bool { return h.u.current == h.u.result && h.u.result.view_.Final() })
	noEnglish(t, h, "result approved")
	test.Tap(h.u.result.receiptBtn)
	noEnglish(t, h, "receipt")
	if !strings.Contains(h.u.receipt.merchant.Text, "КОПИЯ ПРОДАВЦА") || !strings.Contains(h.u.receipt.customer.Text, "Спасибо!") {
		t.Errorf("receipt not in Russian:\n%s\n%s", h.u.receipt.merchant.Text, h.u.receipt.customer.Text)
	}
	test.Tap(h.u.top.historyBtn)
	h.waitFor(10*time.Second, "history", func() bool { return len(h.u.history.rows) >= 1 })
	h.u.history.showDetail(h.u.history.rows[0])
	noEnglish(t, h, "history")
	test.Tap(h.u.top.closeDayBtn)
	h.enterPIN("1234")
	h.waitFor(10*time.Second, "close-day preview", func() bool { return h.u.current == h.u.closeDay && len(h.u.closeDay.preview.Totals) > 0 })
	noEnglish(t, h, "close day preview")
	test.Tap(h.u.closeDay.closeBtn)
	h.waitFor(60*time.Second, "close-day result", func() bool { return h.u.closeDay.report != nil && !h.u.closeDay.running })
	noEnglish(t, h, "close day result")
	h.press(fyne.KeyEscape)
	test.Tap(h.u.top.settingsBtn)
	h.enterPIN("1234")
	h.waitFor(10*time.Second, "settings", func() bool { return h.u.current == h.u.settings })
	noEnglish(t, h, "settings")
}
