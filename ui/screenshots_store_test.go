package ui

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
)

// TestScreenshotsStore renders the manager's Store view (issue 15) and the
// status bar's backup warning (issue 14) to docs/screenshots/store.png,
// backup-warning.png and their -ru twins, in a 1024×768 window, against a
// real PostgreSQL store database with a second lane:
//
//	KASSA_SCREENSHOTS=1 go test -run TestScreenshotsStore ./ui/
func TestScreenshotsStore(t *testing.T) {
	if os.Getenv("KASSA_SCREENSHOTS") == "" {
		t.Skip("set KASSA_SCREENSHOTS=1 to render docs/screenshots/*.png")
	}
	for _, l := range []string{"en", "ru"} {
		t.Run(l, func(t *testing.T) { storeScreenshots(t, l) })
	}
}

func storeScreenshots(t *testing.T, l string) {
	suffix := ""
	if l != "en" {
		suffix = "-" + l
	}
	setupLanguage(l)
	t.Cleanup(func() { setupLanguage("en") })
	storeDB(t)
	h := newHarness(t, tuning{})
	h.u.win.Resize(fyne.NewSize(1024, 768))
	shot := func(name string) {
		t.Helper()
		h.shoot(t, filepath.Join("..", "docs", "screenshots", name+suffix+".png"))
	}
	h.sellAndShip()
	h.openStore()
	shot("store")

	// A backup folder whose newest backup is four days old.
	dir := t.TempDir()
	old := time.Now().UTC().Add(-100 * time.Hour).Format("20060102T150405Z")
	if err := os.WriteFile(filepath.Join(dir, "kassa-journal-lane-1-"+old+".db"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.eng.SetBackupFolder(dir, 0); err != nil {
		t.Fatal(err)
	}
	h.u.home()
	h.waitFor(10*time.Second, "the backup warning", func() bool { return backupWarning(h.u.snap.Backup) != "" })
	shot("backup-warning")
}
