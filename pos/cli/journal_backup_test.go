package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kassa/store"
)

func TestJournalBackupAndVerifyBackup(t *testing.T) {
	path, _ := testJournal(t, "journal.db")
	t.Setenv("KASSA_TERMINAL_ID", "T-01")
	dir := t.TempDir()
	code, out, errs := journalRun(t, "backup", dir)
	if code != 0 || !strings.Contains(out, "backup written: "+filepath.Join(dir, "kassa-journal-T-01-")) ||
		!strings.Contains(out, "events: 9") {
		t.Fatalf("backup: %d %q %q", code, out, errs)
	}
	names, _ := store.Backups(dir)
	if len(names) != 1 {
		t.Fatalf("backups: %v", names)
	}
	// verify --journal works on the backup.
	code, out, errs = journalRun(t, "verify", "--journal", names[0])
	if code != 0 || !strings.Contains(out, "is intact") || !strings.Contains(out, "events: 9") {
		t.Fatalf("verify backup: %d %q %q", code, out, errs)
	}
	// To a file, then again to the same file: refused, exit 2 with the reason.
	file := filepath.Join(t.TempDir(), "copy.db")
	if code, _, errs := journalRun(t, "backup", "--journal", path, file); code != 0 {
		t.Fatalf("backup to a file: %d %s", code, errs)
	}
	if code, _, errs := journalRun(t, "backup", "--journal", path, file); code != 2 || !strings.Contains(errs, "exists") {
		t.Fatalf("backup over a file: %d %q", code, errs)
	}
	if code, _, errs := journalRun(t, "backup", filepath.Join(dir, "missing", "x.db")); code != 2 || errs == "" {
		t.Fatalf("backup into a missing dir: %d %q", code, errs)
	}
	if code, _, _ := journalRun(t, "backup"); code != 1 {
		t.Fatalf("backup without DEST: %d", code)
	}
	// A damaged backup fails verify with exit 2.
	b, _ := os.ReadFile(names[0])
	if err := os.WriteFile(names[0], b[:len(b)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := journalRun(t, "verify", "--journal", names[0]); code != 2 {
		t.Fatalf("verify truncated backup: %d %q", code, errs)
	}
}

func TestJournalBackupWhileLocked(t *testing.T) {
	path, _ := testJournal(t, "journal.db")
	j, err := store.Open(path, store.Options{}) // Kassa running
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	code, _, errs := journalRun(t, "backup", t.TempDir())
	if code != 2 || !strings.Contains(errs, "already running") {
		t.Fatalf("backup while Kassa runs: %d %q", code, errs)
	}
}

func TestJournalCompact(t *testing.T) {
	path, _ := testJournal(t, "journal.db")
	j, err := store.Open(path, store.Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	head := j.Head()
	code, _, errs := journalRun(t, "compact")
	if code != 2 || !strings.Contains(errs, "Kassa is running") {
		t.Fatalf("compact while running: %d %q", code, errs)
	}
	_ = j.Close()
	code, out, errs := journalRun(t, "compact")
	if code != 0 || !strings.Contains(out, "journal compacted: "+path) || !strings.Contains(out, "old journal kept at: "+path+".pre-compact-") {
		t.Fatalf("compact: %d %q %q", code, out, errs)
	}
	code, out, _ = journalRun(t, "verify")
	if code != 0 || !strings.Contains(out, "chain head: "+head) {
		t.Fatalf("verify after compact: %d %q", code, out)
	}
	if code, _, _ := journalRun(t, "compact", "extra"); code != 1 {
		t.Fatalf("compact with an argument: %d", code)
	}
}
