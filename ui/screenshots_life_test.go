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

// TestScreenshotsLife renders the screens of issue 11 (refund, capture,
// release, the open-holds board, children in History) to
// docs/screenshots/*.png, in English and Russian, driving a demo engine:
//
//	KASSA_SCREENSHOTS=1 go test -run TestScreenshotsLife ./ui/
func TestScreenshotsLife(t *testing.T) {
	if os.Getenv("KASSA_SCREENSHOTS") == "" {
		t.Skip("set KASSA_SCREENSHOTS=1 to render docs/screenshots/*.png")
	}
	for _, l := range []string{"en", "ru"} {
		t.Run(l, func(t *testing.T) { lifeShots(t, l) })
	}
}

// lifeShooter writes the harness's window as name(-lang).png.
func lifeShooter(t *testing.T, h *harness, suffix string) func(name string) {
	out := filepath.Join("..", "docs", "screenshots")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return func(name string) {
		t.Helper()
		h.shoot(t, filepath.Join(out, name+suffix+".png"))
	}
}

func lifeShots(t *testing.T, l string) {
	suffix := ""
	if l != "en" {
		suffix = "-" + l
	}
	setupLanguage(l)
	t.Cleanup(func() { setupLanguage("en") })
	h := newHarness(t, tuning{})
	h.u.win.Resize(fyne.NewSize(1024, 768))
	shot := lifeShooter(t, h, suffix)

	sale := h.payOnScreen("1111", "125000", fyne.KeyReturn)
	test.Tap(h.u.result.detailsBtn)
	test.Tap(h.u.history.childBtns[pos.Refund])
	h.press(fyne.KeyBackspace)
	h.press(fyne.KeyBackspace)
	h.press(fyne.KeyBackspace)
	h.typeKeys("50") // 125000 → 12550: 125.50
	h.u.child.reason.SetText("returned goods")
	shot("refund")
	h.runChildOnScreen()
	shot("refund-result")
	test.Tap(h.u.child.receipt)
	shot("refund-receipt")
	test.Tap(h.u.receipt.backBtn)
	test.Tap(h.u.child.backBtn)
	h.u.history.openPayment(sale.ClientOrderID)
	shot("history-children")

	h.u.home()
	h.payOnScreen("4444", "78000", fyne.KeyF2)
	h.press(fyne.KeyReturn)
	h.payOnScreen("1111", "24900", fyne.KeyF2)
	h.press(fyne.KeyReturn)
	h.payOnScreen("0004", "5600", fyne.KeyF2)
	test.Tap(h.u.top.holdsBtn)
	h.waitFor(10*time.Second, "three holds", func() bool { return len(h.u.holds.holds) == 3 })
	// The board as it looks days later: the holds are new, so their times
	// are moved on to show an expiring (amber) and an expired (red) one.
	hs := append([]pos.Hold(nil), h.u.holds.holds...)
	hs[0].Age, hs[0].Left, hs[0].Expired = 8*24*time.Hour, -24*time.Hour, true
	hs[0].ExpiresAt = time.Now().Add(-24 * time.Hour)
	hs[1].Age, hs[1].Left, hs[1].Expiring = 5*24*time.Hour+3*time.Hour, 45*time.Hour, true
	h.u.holds.set(hs, nil)
	shot("holds")
	h.u.holds.load()
	h.settle(200 * time.Millisecond)
	test.Tap(h.u.holds.btns[hs[2].Payment.ClientOrderID][pos.Capture])
	shot("capture")
	h.runChildOnScreen()
	shot("capture-result")
}
