package ui

import (
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"kassa/pos"
)

// TestSettingsHoldPeriod (issue 11): the manager changes the hold period in
// Settings; the running engine's Config().HoldPeriod and the config file's
// hold_period_days follow, and a value outside 1 to 30 days is refused with
// the cause's words, leaving the hold period as it was.
func TestSettingsHoldPeriod(t *testing.T) {
	h := newHarness(t, tuning{})
	test.Tap(h.u.top.settingsBtn)
	h.enterPIN("1234")
	h.waitFor(10*time.Second, "settings", func() bool { return h.u.current == h.u.settings })
	s := h.u.settings
	if got := s.hold.entry.Text; got != "7" {
		t.Fatalf("hold period shown %q, want the default 7", got)
	}
	save := func(text string) string {
		s.hold.entry.SetText(text)
		test.Tap(s.saveBtn)
		h.waitFor(20*time.Second, "saved", func() bool { return !s.saveBtn.Disabled() && s.saveMsg.Text != "Saving…" })
		return s.saveMsg.Text
	}
	if msg := save("14"); !strings.HasPrefix(msg, "✓") {
		t.Fatalf("save 14 days: %q", msg)
	}
	if got := h.u.eng.Config().HoldPeriod; got != 14*24*time.Hour {
		t.Errorf("Config().HoldPeriod = %v after saving 14 days", got)
	}
	if b, err := os.ReadFile(pos.ConfigPath()); err != nil || !strings.Contains(string(b), `"hold_period_days": 14`) {
		t.Errorf("config file: %s %v", b, err)
	}
	for _, bad := range []string{"45", "0", "a week"} {
		msg := save(bad)
		if !strings.HasPrefix(msg, "✗") || !strings.Contains(msg, "from 1 to 30") {
			t.Errorf("save %q: %q, want the hold period's words", bad, msg)
		}
		if got := h.u.eng.Config().HoldPeriod; got != 14*24*time.Hour {
			t.Errorf("save %q changed the hold period to %v", bad, got)
		}
	}
}
