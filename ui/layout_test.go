package ui

import (
	"fyne.io/fyne/v2"

	"testing"

	"kassa/pos"
)

// TestRussianFitsSmallScreen: every screen fits a 1024×768 window in
// Russian, the longer of Kassa's languages (and so in English too).
func TestRussianFitsSmallScreen(t *testing.T) {
	setupLanguage("ru")
	t.Cleanup(func() { setupLanguage("en") })
	h := newHarness(t, tuning{})
	h.u.win.Resize(fyne.NewSize(1024, 768))
	h.u.result.showNotStarted(pos.Sale, pos.Amount{Minor: 125000, Currency: "RUB"}, pos.ErrNoReader)
	h.u.banner.update(pos.Snapshot{Blocked: true})
	t.Logf("top %v status %v banner %v", h.u.top.view().MinSize(), h.u.top.statusBar.MinSize(), h.u.banner.view().MinSize())
	v := pos.PaymentView{ClientOrderID: "x", Status: pos.StatusUnknown, Amount: pos.Amount{Minor: 125000, Currency: "RUB"}}
	h.u.result.showPayment(v, nil)
	h.u.result.stopWatching()
	for _, s := range []struct {
		name string
		s    screen
	}{
		{"checkout", h.u.checkout}, {"paying", h.u.pay}, {"result", h.u.result}, {"receipt", h.u.receipt},
		{"history", h.u.history}, {"close day", h.u.closeDay}, {"settings", h.u.settings}, {"pin", h.u.pin},
	} {
		h.u.show(s.s)
		h.settle(100e6)
		h.u.content.Refresh()
		h.u.win.Resize(fyne.NewSize(1024, 768))
		t.Logf("%s: %v", s.name, h.u.content.MinSize())
		if m := h.u.content.MinSize(); m.Width > 1024 || m.Height > 768 {
			t.Errorf("%s in Russian needs %.0f×%.0f, more than 1024×768", s.name, m.Width, m.Height)
		}
	}
}
