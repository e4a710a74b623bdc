package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"kassa/pos"
	"kassa/store"
	"kassa/ui/words"
)

// TestBackupWarningText: the status bar says nothing while backups are off
// or current, and what is wrong otherwise, in both languages.
func TestBackupWarningText(t *testing.T) {
	for _, c := range []struct {
		st   pos.BackupStatus
		want string
	}{
		{pos.BackupStatus{State: pos.BackupOff}, ""},
		{pos.BackupStatus{State: pos.BackupCurrent, Dir: "/b"}, ""},
		{pos.BackupStatus{State: pos.BackupOld, Reason: pos.Reason{Cause: pos.CauseBackupOld, Code: "3"}}, "⚠ Last backup 3 days ago"},
		{pos.BackupStatus{State: pos.BackupOld, Reason: pos.Reason{Cause: pos.CauseBackupNone}}, "⚠ No backup for 2 days"},
		{pos.BackupStatus{State: pos.BackupFailed, Reason: pos.Reason{Cause: pos.CauseBackupDiskFull}}, "disk full"},
	} {
		if got := backupWarning(c.st); c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%v %v: %q", c.st.State, c.st.Reason.Cause, got)
		}
	}
}

// TestSettingsBackUpNow: Settings → a backup folder → "Back up now" writes
// a verified backup there through the engine, and says so.
func TestSettingsBackUpNow(t *testing.T) {
	h := newHarness(t, tuning{})
	test.Tap(h.u.top.settingsBtn)
	h.enterPIN("1234")
	h.waitFor(10*time.Second, "settings", func() bool { return h.u.current == h.u.settings })
	b := h.u.settings.backup
	if !strings.Contains(b.last.Text, "off") {
		t.Errorf("without a folder: %q", b.last.Text)
	}
	dir := t.TempDir()
	b.folder.SetText(dir)
	b.keep.SetText("x")
	test.Tap(b.now)
	if !strings.HasPrefix(b.msg.Text, "✗") {
		t.Errorf("a bad count: %q", b.msg.Text)
	}
	b.keep.SetText("5")
	test.Tap(b.now)
	h.waitFor(30*time.Second, "the backup", func() bool { return !b.now.Disabled() && strings.HasPrefix(b.msg.Text, "✓") })
	names, err := store.Backups(dir)
	if err != nil || len(names) != 1 || !strings.Contains(b.msg.Text, names[0]) {
		t.Fatalf("backups %v %v; message %q", names, err, b.msg.Text)
	}
	if cfg := h.eng.Config(); cfg.BackupDir != dir || cfg.BackupKeep != 5 {
		t.Errorf("folder not kept: %q %d", cfg.BackupDir, cfg.BackupKeep)
	}
	if !strings.Contains(b.last.Text, "Last backup:") || h.eng.Backups().State != pos.BackupCurrent {
		t.Errorf("after the backup: %q %v", b.last.Text, h.eng.Backups().State)
	}
	if strings.Contains(h.u.top.gatewayText.Text, "backup") {
		t.Errorf("status bar warns after a backup: %q", h.u.top.gatewayText.Text)
	}
}

// TestBackupShortWordsTranslated: the status bar's short backup words have
// Russian.
func TestBackupShortWordsTranslated(t *testing.T) {
	for c, k := range backupShort {
		if !words.Has(k, words.Russian) {
			t.Errorf("%v: no Russian for %q", c, k)
		}
	}
}
