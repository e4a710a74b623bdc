package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kassa/pos"
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

// TestJournalBackupAsksRunningKassa: while a Kassa holds the journal, `kassa
// journal backup DEST` has it make the copy (exit 0, the same output);
// refusals exit 2 with the reason. The backup, restored over the journal
// with Kassa closed, is accepted by `kassa recover` and by verify, and
// selling goes on from it.
func TestJournalBackupAsksRunningKassa(t *testing.T) {
	sb := saleSandbox(t, 30)
	env := saleEnv(t, sb.URL)
	if r := saleRun(t, env, "sale", "--amount", "10.42", "--card", "4111111111111111"); r.code != 0 {
		t.Fatalf("sale: %d %s%s", r.code, r.stdout, r.stderr)
	}
	data := saleEnvGet(env, "KASSA_DATA_DIR")
	e, err := pos.Start(context.Background(), pos.Config{DataDir: data, GatewayURL: sb.URL, EndpointID: "1", Login: "demo",
		ControlKey: "demo-control-key", NoReader: true, TerminalID: "T-09"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	dir := t.TempDir()
	r := saleRun(t, env, "journal", "backup", dir)
	m := saleKV(r.stdout)
	if r.code != 0 || !strings.HasPrefix(m["backup written"], filepath.Join(dir, "kassa-journal-T-09-")) || m["events"] == "" || m["chain head"] != e.Journal().Head() {
		t.Fatalf("backup by the running Kassa: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := saleRun(t, env, "journal", "backup", m["backup written"]); r.code != 2 || !strings.Contains(r.stderr, "exists") {
		t.Fatalf("backup over a file: %d %q", r.code, r.stderr)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	// Restore: Kassa closed, the old journal kept aside, the backup copied in.
	journal := filepath.Join(data, "journal.db")
	if err := os.Rename(journal, journal+".old"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(m["backup written"])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(journal, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := saleRun(t, env, "journal", "verify"); r.code != 0 {
		t.Fatalf("verify the restored journal: %d %s%s", r.code, r.stdout, r.stderr)
	}
	if r := saleRun(t, env, "recover"); r.code != 0 || !strings.Contains(r.stdout, "unresolved: 0") {
		t.Fatalf("recover on the restored journal: %d %s%s", r.code, r.stdout, r.stderr)
	}
	if r := saleRun(t, env, "sale", "--amount", "3", "--card", "4111111111111111"); r.code != 0 {
		t.Fatalf("sale on the restored journal: %d %s%s", r.code, r.stdout, r.stderr)
	}
}
