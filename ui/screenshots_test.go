package ui

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"kassa/pos"
)

// TestScreenshots renders every screen to PNG under docs/screenshots/ (for
// the README), in English (name.png) and Russian (name-ru.png), in a
// 1024×768 window, driving a demo engine through real payments:
//
//	KASSA_SCREENSHOTS=1 go test -run TestScreenshots ./ui/
func TestScreenshots(t *testing.T) {
	if os.Getenv("KASSA_SCREENSHOTS") == "" {
		t.Skip("set KASSA_SCREENSHOTS=1 to render docs/screenshots/*.png")
	}
	for _, l := range []string{"en", "ru"} {
		t.Run(l, func(t *testing.T) { screenshots(t, l) })
	}
}

// screenshots renders every screen in one language.
func screenshots(t *testing.T, l string) {
	suffix := ""
	if l != "en" {
		suffix = "-" + l
	}
	setupLanguage(l)
	t.Cleanup(func() { setupLanguage("en") })
	out := filepath.Join("..", "docs", "screenshots")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, tuning{resultWait: time.Second, pollInterval: time.Second})
	h.u.win.Resize(fyne.NewSize(1024, 768))
	shot := func(name string) {
		t.Helper()
		h.shoot(t, filepath.Join(out, name+suffix+".png"))
	}
	pay := func(last4, amount string, key fyne.KeyName) pos.PaymentView {
		t.Helper()
		h.useCard(last4)
		h.typeKeys(amount)
		h.press(key)
		h.waitFor(90*time.Second, "a result", func() bool { return h.u.current == h.u.result })
		// With the engine's short ResultWait here an ordinary card may come
		// back unknown for a moment: wait until the screen shows its end.
		h.waitFor(90*time.Second, "a final result", func() bool { return h.u.result.view_.Final() })
		return h.u.result.view_
	}

	// Checkout with an amount typed.
	h.typeKeys("125000")
	shot("checkout")

	// A payment let go by a manager's override turned out charged.
	h.u.announce.update(pos.Snapshot{Announcements: []pos.Announcement{{ClientOrderID: "shot",
		Amount: pos.Amount{Minor: 6600, Currency: "RUB"}, MaskedPAN: "411111******1111", Charged: true,
		Status: pos.StatusApproved, ResolvedAt: time.Date(2026, 12, 3, 14, 5, 0, 0, time.Local)}}})
	shot("announcement")
	h.u.announce.update(h.u.snap)

	// Paying: waiting for the card.
	h.press(fyne.KeyEscape)
	h.u.demo.selectFault("no-card")
	h.typeKeys("4990")
	h.press(fyne.KeyReturn)
	h.waitFor(20*time.Second, "waiting for card", func() bool { return h.u.snap.Stage == pos.StageWaitingCard })
	shot("paying")
	h.press(fyne.KeyEscape)
	h.waitFor(20*time.Second, "cancelled", func() bool { return h.u.current == h.u.checkout && !h.u.paying })

	// Results.
	pay("1111", "125000", fyne.KeyReturn)
	shot("result-approved")
	h.press(fyne.KeyReturn)
	pay("0002", "34990", fyne.KeyReturn)
	shot("result-declined")
	h.press(fyne.KeyReturn)
	h.useCard("0077")
	h.typeKeys("78000")
	h.press(fyne.KeyF2)
	h.waitFor(90*time.Second, "a result", func() bool { return h.u.current == h.u.result })
	if v := h.u.result.view_; v.Status != pos.StatusApproved {
		shot("result-unknown")
		h.waitFor(90*time.Second, "resolved", func() bool { return h.u.result.view_.Status == pos.StatusApproved })
	}
	h.press(fyne.KeyReturn)
	pay("4444", "2350", fyne.KeyReturn)

	// Receipt of the last payment.
	test.Tap(h.u.result.receiptBtn)
	shot("receipt")

	// History with a payment opened.
	test.Tap(h.u.top.historyBtn)
	h.waitFor(10*time.Second, "history", func() bool { return len(h.u.history.rows) >= 3 })
	h.u.history.list.Select(1)
	shot("history")

	// PIN, then close day.
	test.Tap(h.u.top.closeDayBtn)
	h.typeKeys("12")
	shot("pin")
	h.typeKeys("34")
	h.press(fyne.KeyReturn)
	h.waitFor(10*time.Second, "close-day preview", func() bool {
		return h.u.current == h.u.closeDay && len(h.u.closeDay.preview.Totals) > 0
	})
	shot("closeday-preview")
	test.Tap(h.u.closeDay.closeBtn)
	h.waitFor(60*time.Second, "close-day result", func() bool { return h.u.closeDay.report != nil && !h.u.closeDay.running })
	shot("closeday-result")

	// Settings.
	h.press(fyne.KeyEscape)
	test.Tap(h.u.top.settingsBtn)
	h.enterPIN("1234")
	h.waitFor(10*time.Second, "settings", func() bool { return h.u.current == h.u.settings })
	shot("settings")
}

// TestScreenshotDark renders the checkout in the dark variant (Kassa follows
// the OS's light or dark preference).
func TestScreenshotDark(t *testing.T) {
	if os.Getenv("KASSA_SCREENSHOTS") == "" {
		t.Skip("set KASSA_SCREENSHOTS=1 to render docs/screenshots/*.png")
	}
	h := newHarness(t, tuning{})
	h.u.win.Resize(fyne.NewSize(1024, 768))
	h.app.Settings().SetTheme(fixedVariant{v: theme.VariantDark})
	h.typeKeys("34990")
	h.shoot(t, filepath.Join("..", "docs", "screenshots", "checkout-dark.png"))
}

// shoot lets the queued updates run, lays the window out (twice: wrapped
// texts learn their width in the first pass and their height shows in the
// second; the test canvas does not re-layout by itself when a minimum size
// grows, the real driver does every frame) and writes it to file as PNG.
func (h *harness) shoot(t *testing.T, file string) {
	t.Helper()
	h.settle(150 * time.Millisecond)
	// A shorter text than before keeps its old lines on the test canvas
	// until the window is resized.
	sz := h.u.win.Canvas().Size()
	h.u.win.Resize(sz.SubtractWidthHeight(0, 1))
	h.u.win.Resize(sz)
	h.u.content.Refresh()
	h.settle(20 * time.Millisecond)
	h.u.content.Refresh()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, h.canvas().Capture()); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", filepath.Base(file))
}
