package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"kassa/pos"
)

// payOnScreen takes a payment on the checkout (Enter: sale, F2: preauth)
// and waits for its final result.
func (h *harness) payOnScreen(last4, amount string, key fyne.KeyName) pos.PaymentView {
	h.t.Helper()
	h.useCard(last4)
	h.typeKeys(amount)
	h.press(key)
	h.waitFor(60*time.Second, "a final result", func() bool { return h.u.current == h.u.result && h.u.result.view_.Final() })
	return h.u.result.view_
}

// runChildOnScreen confirms the child screen's operation with the
// manager's PIN and waits for its result.
func (h *harness) runChildOnScreen() pos.ChildView {
	h.t.Helper()
	test.Tap(h.u.child.confirm)
	h.waitFor(5*time.Second, "the PIN", func() bool { return h.u.current == h.u.pin })
	h.enterPIN("1234")
	h.waitFor(60*time.Second, "the operation's result", func() bool {
		return h.u.current == h.u.child && !h.u.child.running && h.u.child.result.Visible()
	})
	return h.u.child.done
}

// TestRefundFromResultScreen: an approved sale's detail (from its result
// screen) offers Refund; a partial refund typed on the keypad with a
// reason, confirmed with the manager's PIN, shows its result and its
// REFUND receipt, and the history lists it under its payment with what is
// left.
func TestRefundFromResultScreen(t *testing.T) {
	h := newHarness(t, tuning{})
	sale := h.payOnScreen("1111", "5000", fyne.KeyReturn)
	test.Tap(h.u.result.detailsBtn)
	h.waitFor(5*time.Second, "the payment's detail", func() bool { return h.u.current == h.u.history && h.u.history.childBtns[pos.Refund] != nil })
	if h.u.history.childBtns[pos.Capture] != nil {
		t.Fatal("a sale offers Capture")
	}
	test.Tap(h.u.history.childBtns[pos.Refund])
	if h.u.current != h.u.child || h.u.child.chosen().Minor != 5000 {
		t.Fatalf("refund screen: %T, default %v", h.u.current, h.u.child.chosen())
	}
	h.press(fyne.KeyBackspace)
	h.press(fyne.KeyBackspace)
	h.press(fyne.KeyBackspace) // 5000 → 5
	h.typeKeys("00")           // → 500: 5.00
	h.u.child.reason.SetText("broken cup")
	v := h.runChildOnScreen()
	if v.Status != pos.StatusApproved || v.Amount.Minor != 500 || v.Ledger.Remaining.Minor != 4500 {
		t.Fatalf("refund: %+v", v)
	}
	if !h.u.child.receipt.Visible() {
		t.Fatal("no receipt button after an approved refund")
	}
	test.Tap(h.u.child.receipt)
	if h.u.current != h.u.receipt || !strings.Contains(h.u.receipt.customer.Text, "REFUND") {
		t.Fatalf("refund receipt:\n%s", h.u.receipt.customer.Text)
	}
	test.Tap(h.u.receipt.printBtn)
	h.waitFor(10*time.Second, "printed", func() bool {
		return !h.u.receipt.bar.printing && strings.HasPrefix(h.u.receipt.bar.msg.Text, "Printed")
	})
	h.u.receipt.openChild(sale.ClientOrderID, v.ID, h.u.child)
	if !strings.Contains(h.u.receipt.customer.Text, "DUPLICATE") {
		t.Fatalf("reprint preview not stamped DUPLICATE:\n%s", h.u.receipt.customer.Text)
	}
	test.Tap(h.u.receipt.backBtn)
	test.Tap(h.u.child.backBtn)
	h.waitFor(5*time.Second, "history", func() bool { return h.u.current == h.u.history })
	kids, _ := h.eng.Children(sale.ClientOrderID)
	if len(kids) != 1 || kids[0].Comment != "broken cup" || kids[0].Who == "" {
		t.Fatalf("journaled refund: %+v", kids)
	}
	h.waitFor(10*time.Second, "the row says refunded", func() bool {
		for _, r := range h.u.history.rows {
			if r.ClientOrderID == sale.ClientOrderID {
				return r.Refunded.Minor == 500
			}
		}
		return false
	})
}

// TestRefundRefusedShowsWhy: an amount over what is left is refused by
// Kassa itself, in words, and nothing is journaled.
func TestRefundRefusedShowsWhy(t *testing.T) {
	h := newHarness(t, tuning{})
	sale := h.payOnScreen("1111", "1000", fyne.KeyReturn)
	h.u.child.open(pos.Refund, sale.ClientOrderID, h.u.history)
	h.u.show(h.u.child)
	h.typeKeys("0") // 10.00 → 100.00
	h.runChildOnScreen()
	if h.u.child.done.ID != "" || !strings.Contains(h.u.child.resWhat.Text, "more than is left") {
		t.Fatalf("refusal: %q", h.u.child.resWhat.Text)
	}
	if kids, _ := h.eng.Children(sale.ClientOrderID); len(kids) != 0 {
		t.Fatalf("a refused refund was journaled: %+v", kids)
	}
}

// TestHoldsBoardCaptureAndRelease: two preauths on the open-holds board;
// one captured (default: the held amount), the other released, from the
// board's rows with the manager's PIN; the board is then empty.
func TestHoldsBoardCaptureAndRelease(t *testing.T) {
	h := newHarness(t, tuning{})
	a := h.payOnScreen("1111", "3000", fyne.KeyF2)
	h.press(fyne.KeyReturn)
	b := h.payOnScreen("4444", "1500", fyne.KeyF2)
	test.Tap(h.u.top.holdsBtn)
	h.waitFor(5*time.Second, "two holds", func() bool { return h.u.current == h.u.holds && len(h.u.holds.holds) == 2 })
	for _, x := range h.u.holds.holds {
		if x.Expired || x.Expiring || holdColor(x) != colorApproved {
			t.Fatalf("a new hold looks %s: %+v", holdColor(x), x)
		}
	}
	test.Tap(h.u.holds.btns[a.ClientOrderID][pos.Capture])
	if h.u.child.chosen().Minor != 3000 {
		t.Fatalf("capture default %v", h.u.child.chosen())
	}
	if v := h.runChildOnScreen(); v.Status != pos.StatusApproved || v.Ledger.Captured.Minor != 3000 || !h.u.child.receipt.Visible() {
		t.Fatalf("capture: %+v", v)
	}
	test.Tap(h.u.child.backBtn)
	h.waitFor(5*time.Second, "one hold", func() bool { return h.u.current == h.u.holds && len(h.u.holds.holds) == 1 })
	test.Tap(h.u.holds.btns[b.ClientOrderID][pos.Release])
	if h.u.child.keypad.Visible() {
		t.Fatal("release shows a keypad")
	}
	if v := h.runChildOnScreen(); v.Status != pos.StatusApproved || h.u.child.receipt.Visible() {
		t.Fatalf("release: %+v", v)
	}
	test.Tap(h.u.child.backBtn)
	h.waitFor(5*time.Second, "no holds", func() bool { return h.u.current == h.u.holds && len(h.u.holds.holds) == 0 })
	if !h.u.holds.empty.Visible() {
		t.Fatal("empty board says nothing")
	}
}

// TestHoldColours: green while open, amber from two days before the end,
// red once expired.
func TestHoldColours(t *testing.T) {
	cases := []struct {
		h    pos.Hold
		want fyne.ThemeColorName
	}{
		{pos.Hold{Left: 5 * 24 * time.Hour}, colorApproved},
		{pos.Hold{Left: time.Hour, Expiring: true}, colorUnknown},
		{pos.Hold{Left: -time.Hour, Expired: true}, colorDeclined},
	}
	for _, tc := range cases {
		if got := holdColor(tc.h); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.h, got, tc.want)
		}
	}
	if s := span(50*time.Hour + 10*time.Minute); s != "2 d 2 h" {
		t.Errorf("span: %q", s)
	}
}

// TestHoldExpiringOnBoard: with a hold period of two days and a few
// seconds a new hold turns amber on the board.
func TestHoldExpiringOnBoard(t *testing.T) {
	t.Setenv("KASSA_HOLD_PERIOD", (48*time.Hour + 2*time.Second).String())
	h := newHarness(t, tuning{})
	h.payOnScreen("1111", "2000", fyne.KeyF2)
	test.Tap(h.u.top.holdsBtn)
	h.waitFor(5*time.Second, "a hold", func() bool { return len(h.u.holds.holds) == 1 })
	h.waitFor(10*time.Second, "amber", func() bool {
		h.u.holds.load()
		h.p.drain()
		return len(h.u.holds.holds) == 1 && holdColor(h.u.holds.holds[0]) == colorUnknown
	})
}

// TestUnknownRefundResolvesOnScreen: a refund whose reply is held (…0580)
// shows as unknown, then changes by itself once the engine resolves it by
// status; it is sent once.
func TestUnknownRefundResolvesOnScreen(t *testing.T) {
	h := newHarness(t, tuning{saleTimeout: 300 * time.Millisecond, resultWait: 600 * time.Millisecond})
	h.typeCard("4000000000000580")
	h.typeKeys("2000")
	h.press(fyne.KeyReturn)
	h.waitFor(60*time.Second, "a final result", func() bool { return h.u.current == h.u.result && h.u.result.view_.Final() })
	sale := h.u.result.view_
	h.u.child.open(pos.Refund, sale.ClientOrderID, h.u.history)
	h.u.show(h.u.child)
	v := h.runChildOnScreen()
	if v.Status != pos.StatusUnknown || !strings.Contains(h.u.child.resTodo.Text, "Do not do it again") {
		t.Fatalf("held refund: %s, %q", v.Status, h.u.child.resTodo.Text)
	}
	h.waitFor(30*time.Second, "the refund resolves on screen", func() bool { return h.u.child.done.Status == pos.StatusApproved })
	if !h.u.child.receipt.Visible() {
		t.Fatal("no receipt after the refund resolved")
	}
	if kids, _ := h.eng.Children(sale.ClientOrderID); len(kids) != 1 {
		t.Fatalf("%d refunds journaled", len(kids))
	}
}

// TestBannerShowsUnknownChildren: the banner says how many refunds or
// captures have an unknown result, and Show lists their payments.
func TestBannerShowsUnknownChildren(t *testing.T) {
	h := newHarness(t, tuning{})
	h.u.banner.update(pos.Snapshot{Stage: pos.StageReady, UnknownChildren: 2})
	if !h.u.banner.root.Visible() || !strings.Contains(h.u.banner.msg.Text(), "2") || !h.u.banner.showBtn.Visible() {
		t.Fatalf("banner: visible %v, %q", h.u.banner.root.Visible(), h.u.banner.msg.Text())
	}
	test.Tap(h.u.banner.showBtn)
	h.waitFor(5*time.Second, "the unresolved list", func() bool { return h.u.current == h.u.history && h.u.history.pending })
}
