package ui

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"kassa/pos"
)

// TestScreenshotsChip renders the chip and contactless screens (issue 12)
// to docs/screenshots/: the tap prompt, PIN on the reader, remove the card
// and a chip receipt, in English and Russian:
//
//	KASSA_SCREENSHOTS=1 go test -run TestScreenshotsChip ./ui/
func TestScreenshotsChip(t *testing.T) {
	if os.Getenv("KASSA_SCREENSHOTS") == "" {
		t.Skip("set KASSA_SCREENSHOTS=1 to render docs/screenshots/*.png")
	}
	for _, l := range []string{"en", "ru"} {
		t.Run(l, func(t *testing.T) { chipScreenshots(t, l) })
	}
}

func chipScreenshots(t *testing.T, l string) {
	suffix := ""
	if l != "en" {
		suffix = "-" + l
	}
	setupLanguage(l)
	t.Cleanup(func() { setupLanguage("en") })
	out := filepath.Join("..", "docs", "screenshots")
	h := newHarness(t, tuning{})
	h.u.win.Resize(fyne.NewSize(1024, 768))
	shot := func(name string) {
		t.Helper()
		h.shoot(t, filepath.Join(out, name+suffix+".png"))
	}

	// The tap prompt: a real read; the simulated card is never tapped.
	h.u.demo.selectPresentation("tap")
	h.u.demo.selectFault("no-tap")
	h.typeKeys("1050")
	h.press(fyne.KeyReturn)
	h.waitFor(20*time.Second, "the tap prompt", func() bool { return h.u.snap.Reason.Cause == pos.CausePresentCard })
	shot("paying-tap")
	// The PIN and the removal stages last as long as the cardholder takes:
	// shown here as the engine publishes them.
	// The test canvas keeps the rows of a longer note before (Russian): each
	// of these is shown on a paying screen of its own, as the engine
	// publishes the stage.
	real := h.u.pay
	fresh := func() {
		p := newPayingScreen(h.u)
		p.start(pos.Sale, pos.Amount{Minor: 1050, Currency: "RUB"})
		p.stop()
		h.u.pay = p
		h.u.show(p)
	}
	fresh()
	h.u.pay.update(pos.Snapshot{Stage: pos.StagePINOnReader, Reason: pos.Reason{Cause: pos.CausePINOnReader}, CanCancel: true})
	shot("paying-pin")
	fresh()
	h.u.pay.update(pos.Snapshot{Stage: pos.StageRemoveCard, Reason: pos.Reason{Cause: pos.CauseRemoveCard},
		Payment: &pos.PaymentView{MaskedPAN: "401234***8909", CardScheme: "VISA"}})
	shot("paying-remove-card")
	h.u.pay = real
	h.u.show(real)
	real.update(h.u.snap) // back to the real read, which can be cancelled
	h.press(fyne.KeyEscape)
	h.waitFor(20*time.Second, "cancelled", func() bool { return h.u.current == h.u.checkout && !h.u.paying })

	// A chip sale with the PIN on the reader, its result and receipt.
	h.u.demo.selectPresentation("insert")
	h.useCard("0705")
	h.press(fyne.KeyReturn) // the cancelled amount is kept
	h.waitFor(60*time.Second, "a final result", func() bool { return h.u.current == h.u.result && h.u.result.view_.Final() })
	shot("result-chip")
	test.Tap(h.u.result.receiptBtn)
	shot("receipt-chip")
}
