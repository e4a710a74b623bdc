package ui

import (
	"strings"
	"testing"
	"time"

	"kassa/pos"
)

// TestSlowBankSaysSo: after 15 s of waiting for the bank the paying screen
// says that the bank is slow and to keep the customer, and keeps counting.
func TestSlowBankSaysSo(t *testing.T) {
	h := newHarness(t, tuning{})
	p := h.u.pay
	h.u.paying = true
	p.start(pos.Sale, pos.Amount{Minor: 6600, Currency: "RUB"})
	defer func() { p.stop(); h.u.paying = false }()
	p.update(pos.Snapshot{Stage: pos.StageWaitingBank, StageSince: time.Now().Add(-5 * time.Second), Reason: pos.Reason{Cause: pos.CauseWaitingBank}})
	if strings.Contains(p.note.Text(), "slow") {
		t.Fatalf("slow after 5 s: %q", p.note.Text())
	}
	p.began = time.Now().Add(-16 * time.Second)
	p.update(pos.Snapshot{Stage: pos.StageWaitingBank, StageSince: time.Now().Add(-16 * time.Second), Reason: pos.Reason{Cause: pos.CauseWaitingBank}})
	if !strings.Contains(p.note.Text(), "slow") || !strings.Contains(p.note.Text(), "Keep the customer") {
		t.Errorf("no slow-bank note after 16 s: %q", p.note.Text())
	}
	if p.clock.Text != "0:16" {
		t.Errorf("the clock stopped: %q", p.clock.Text)
	}
}

// TestBannerOnlyForReallyUnknown: no yellow banner during a normal bank
// wait (the engine counts only payments really unknown), one when one is.
func TestBannerOnlyForReallyUnknown(t *testing.T) {
	h := newHarness(t, tuning{})
	h.u.banner.update(pos.Snapshot{Stage: pos.StageWaitingBank})
	if h.u.banner.root.Visible() {
		t.Error("banner during a normal bank wait")
	}
	h.u.banner.update(pos.Snapshot{Stage: pos.StageReady, Unresolved: 1})
	if !h.u.banner.root.Visible() {
		t.Error("no banner for an unknown payment")
	}
}

// TestReaderMissingDisablesSale: SALE is off while the reader is known to
// be missing and comes back when the reader does; the status bar follows.
func TestReaderMissingDisablesSale(t *testing.T) {
	h := newHarness(t, tuning{})
	h.typeKeys("100")
	s := h.u.snap
	s.Reader = pos.ReaderStatus{State: pos.ReaderStateNotFound, Problem: pos.ReaderNotFound}
	h.u.applySnapshot(s)
	if !h.u.checkout.saleBtn.Disabled() {
		t.Error("SALE enabled while the reader is missing")
	}
	if h.u.top.readerText.Text != "Reader not found" || h.u.top.readerDot.ColorName != colorDeclined {
		t.Errorf("status bar: %q", h.u.top.readerText.Text)
	}
	s.Reader = pos.ReaderStatus{State: pos.ReaderStateNotFound, Problem: pos.ReaderNoKeys}
	h.u.applySnapshot(s)
	if txt := h.u.top.readerText.Text; !strings.Contains(txt, "encryption keys") {
		t.Errorf("no-keys status bar: %q", txt)
	}
	s.Reader = pos.ReaderStatus{State: pos.ReaderStateConnected, Battery: 80}
	h.u.applySnapshot(s)
	if h.u.checkout.saleBtn.Disabled() || !strings.HasPrefix(h.u.top.readerText.Text, "Reader connected") {
		t.Errorf("after a replug: SALE disabled %v, status %q", h.u.checkout.saleBtn.Disabled(), h.u.top.readerText.Text)
	}
}
