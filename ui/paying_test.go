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
