package pos

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kassa/mapi/sandbox"
	"kassa/store"
)

// TestBackupStateRule: THE rule from the newest backup's age (or the time
// since start) and the last automatic backup's failure to the state.
func TestBackupStateRule(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	failed := Reason{Cause: CauseBackupDiskFull}
	for _, c := range []struct {
		name        string
		last, since time.Time
		failed      Reason
		want        BackupState
		cause       Cause
		code        string
	}{
		{"fresh backup", now.Add(-time.Hour), now.Add(-100 * time.Hour), Reason{}, BackupCurrent, CauseNone, ""},
		{"just two days", now.Add(-BackupMaxAge), now.Add(-100 * time.Hour), Reason{}, BackupCurrent, CauseNone, ""},
		{"three days old", now.Add(-73 * time.Hour), now, Reason{}, BackupOld, CauseBackupOld, "3"},
		{"none, started an hour ago", time.Time{}, now.Add(-time.Hour), Reason{}, BackupCurrent, CauseNone, ""},
		{"none for three days", time.Time{}, now.Add(-72 * time.Hour), Reason{}, BackupOld, CauseBackupNone, ""},
		{"last one failed", now.Add(-time.Hour), now, failed, BackupFailed, CauseBackupDiskFull, ""},
	} {
		st := backupStateAt(BackupStatus{Dir: "/b", Last: c.last}, c.failed, c.since, now)
		if st.State != c.want || st.Reason.Cause != c.cause || st.Reason.Code != c.code || st.State.Warn() != (c.want != BackupCurrent) {
			t.Errorf("%s: %v %+v", c.name, st.State, st.Reason)
		}
	}
}

// TestBackupAfterCloseDay: a finished close-day writes a verified backup
// into the backup folder and keeps only the newest BackupKeep; the status
// bar's state is current; BackUp without a folder says so.
func TestBackupAfterCloseDay(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, pollingOnly)
	e := startEngine(t, cfg)
	if _, err := e.BackUp(context.Background(), ""); ReasonOf(err).Cause != CauseBackupNoFolder {
		t.Fatalf("no folder: %v", err)
	}
	if st := e.Snapshot().Backup; st.State != BackupOff {
		t.Fatalf("off: %+v", st)
	}
	dir := filepath.Join(t.TempDir(), "backups") // made on first use
	if err := e.SetBackupFolder(dir, 2); err != nil {
		t.Fatal(err)
	}
	// Two old backups already there (named as Backup names them): one is
	// pruned after the close-day's.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"kassa-journal-test-terminal-20250101T000000Z.db", "kassa-journal-test-terminal-20250102T000000Z.db"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	e.loadLastBackup(dir)
	if st := e.Backups(); st.State != BackupOld || st.Reason.Cause != CauseBackupOld {
		t.Fatalf("old backups: %+v", st)
	}
	pay(t, e, cardVisa, 1500)
	rep, err := e.CloseDay(context.Background(), false, nil)
	if err != nil || rep.Status != DayFinished {
		t.Fatalf("close day: %+v %v", rep, err)
	}
	waitFor(t, 10*time.Second, "the automatic backup and its pruning", func() bool {
		names, _ := store.Backups(dir) // the prune runs after the state says current
		return e.Backups().State == BackupCurrent && len(names) == 2
	})
	names, err := store.Backups(dir)
	if err != nil || len(names) != 2 || strings.Contains(names[0], "20250101") {
		t.Fatalf("backups after prune: %v %v", names, err)
	}
	newest := names[1]
	j, err := store.Open(newest, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if head, _, err := j.Verify(); err != nil || head != rep.ChainHead {
		t.Fatalf("backup %s: head %s (close-day's %s) %v", newest, head, rep.ChainHead, err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("backup folder mode %v", fi.Mode().Perm())
	}
}

// TestBackupFailureShown: an automatic backup that cannot be written (the
// folder is a file) is shown as failed with its cause, never fails the
// close-day, and a later good backup clears it.
func TestBackupFailureShown(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, pollingOnly)
	bad := filepath.Join(t.TempDir(), "not-a-folder")
	if err := os.WriteFile(bad, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.BackupDir = bad
	e := startEngine(t, cfg)
	pay(t, e, cardVisa, 700)
	if rep, err := e.CloseDay(context.Background(), false, nil); err != nil || rep.Status != DayFinished {
		t.Fatalf("close day: %+v %v", rep, err)
	}
	waitFor(t, 10*time.Second, "the failed backup shown", func() bool { return e.Snapshot().Backup.State == BackupFailed })
	if st := e.Snapshot().Backup; st.Reason.Cause != CauseBackupFailed || st.Reason.Detail == "" {
		t.Fatalf("failed state: %+v", st)
	}
	if err := e.SetBackupFolder(t.TempDir(), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.BackUp(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if st := e.Backups(); st.State != BackupCurrent || st.Keep != store.DefaultBackupKeep {
		t.Fatalf("after a good backup: %+v", st)
	}
}

// TestBackupThroughControlSocket: while the engine holds the journal, a
// headless RequestBackup gets a verified copy from it, under load (sales
// running on the engine), each copy complete; the socket is the user's
// alone and gone when the engine closes.
func TestBackupThroughControlSocket(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{Instant: true})
	cfg := testConfig(t, sb.URL, pollingOnly)
	e := startEngine(t, cfg)
	path := e.Journal().Path()
	sock := ControlSocket(path)
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("control socket: %v %v", fi, err)
	}
	pay(t, e, cardVisa, 100)
	var (
		wg   sync.WaitGroup
		sold atomic.Int64
	)
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // sales in another goroutine
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_, err := e.Pay(ctx, Sale, Amount{Minor: 300, Currency: "RUB"}, "")
			cancel()
			if err != nil {
				t.Errorf("pay: %v", err)
				return
			}
			sold.Add(1)
		}
	}()
	dir := t.TempDir()
	for i := 0; i < 3; i++ {
		before := sold.Load()
		waitFor(t, 10*time.Second, "sales between backups", func() bool { return sold.Load() > before })
		dest := filepath.Join(dir, "copy-"+string(rune('a'+i))+".db")
		res, err := RequestBackup(context.Background(), path, dest)
		if err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		if res.Path != dest || res.Events == 0 || res.Head == "" {
			t.Fatalf("backup %d: %+v", i, res)
		}
		j, err := store.Open(dest, store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if head, n, err := j.Verify(); err != nil || head != res.Head || n != res.Events {
			t.Fatalf("backup %d does not verify: %s %d %v", i, head, n, err)
		}
		_ = j.Close()
	}
	close(stop)
	wg.Wait()
	if _, err := RequestBackup(context.Background(), path, filepath.Join(dir, "copy-a.db")); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("backup over a file: %v", err)
	}
	_ = e.Close()
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("control socket left after Close: %v", err)
	}
	if _, err := RequestBackup(context.Background(), path, filepath.Join(dir, "x.db")); !errors.Is(err, ErrNoInstance) {
		t.Fatalf("no instance: %v", err)
	}
}
