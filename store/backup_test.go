package store

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// sell journals sales (Begin, then accepted+final in one RecordAll) until
// stop is closed, and returns how many it made.
func sell(t *testing.T, j *Journal, stop <-chan struct{}, done *sync.WaitGroup, n *atomic.Int64) {
	defer done.Done()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		p := pay(KindSale, int64(100+i), "RUB", "401234****1111")
		if err := j.Begin(p); err != nil {
			t.Errorf("begin during backup: %v", err)
			return
		}
		if _, err := j.RecordAll(p.ClientOrderID, Event{Type: EventAccepted, Fields: map[string]string{FieldPaynetOrderID: "G" + strconv.Itoa(i)}},
			Event{Type: EventFinal, Status: StatusApproved}); err != nil {
			t.Errorf("record during backup: %v", err)
			return
		}
		n.Add(1)
	}
}

func TestBackupWhileSelling(t *testing.T) {
	j, path, _ := journalWith(t, 20)
	_ = j.Close()
	j = openT(t, path, nil) // fsynced, as a lane runs
	dir := t.TempDir()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var sold atomic.Int64
	wg.Add(1)
	go sell(t, j, stop, &wg, &sold)
	at := time.Date(2026, 3, 14, 20, 0, 0, 0, time.UTC)
	var results []BackupResult
	for i := 0; i < 5; i++ {
		for sold.Load() < int64(3*(i+1)) { // let some sales land between backups
			time.Sleep(5 * time.Millisecond)
		}
		now := at.Add(time.Duration(i) * time.Minute)
		res, err := Backup(j, dir, BackupOptions{TerminalID: "T-01", Now: func() time.Time { return now }})
		if err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		results = append(results, res)
	}
	close(stop)
	wg.Wait()
	if sold.Load() < 15 {
		t.Fatalf("only %d sales during the backups", sold.Load())
	}
	prevEvents := 0
	for i, res := range results {
		want := filepath.Join(dir, "kassa-journal-T-01-"+at.Add(time.Duration(i)*time.Minute).Format("20060102T150405Z")+".db")
		if res.Path != want {
			t.Fatalf("backup %d at %s, want %s", i, res.Path, want)
		}
		// Each copy is complete on its own: it opens, verifies, and its
		// payments are whole (every approved one has its events).
		c, err := Open(res.Path, Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		h, n, err := c.Verify()
		if err != nil || h != res.Head || n != res.Events || n <= prevEvents {
			t.Fatalf("backup %d: verify %s %d %v (result %+v, previous %d events)", i, h, n, err, res, prevEvents)
		}
		if c.ID() != j.ID() {
			t.Fatalf("backup %d has journal id %q, the journal %q", i, c.ID(), j.ID())
		}
		prevEvents = n
		_ = c.Close()
	}
	if _, n := verifyOK(t, j); n <= prevEvents {
		t.Fatalf("journal has %d events, the last backup %d", n, prevEvents)
	}
	if names, _ := Backups(dir); len(names) != 5 {
		t.Fatalf("backups in dir: %v", names)
	}
	// No temporary files left behind.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 5 {
		t.Fatalf("%d files in the backup dir", len(ents))
	}
}

// fullDisk is a writer on a disk that fills up after room bytes.
type fullDisk struct {
	w    io.Writer
	room int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if len(p) > d.room {
		n, _ := d.w.Write(p[:d.room])
		d.room = 0
		return n, &os.PathError{Op: "write", Path: "backup", Err: syscall.ENOSPC}
	}
	d.room -= len(p)
	return d.w.Write(p)
}

func TestBackupFullDisk(t *testing.T) {
	j, path, _ := journalWith(t, 30)
	head, n := verifyOK(t, j)
	before, _ := os.ReadFile(path)
	dir := t.TempDir()
	_, err := Backup(j, dir, BackupOptions{TerminalID: "T-01", wrap: func(w io.Writer) io.Writer { return &fullDisk{w: w, room: 12 << 10} }})
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "no space left on device") || !strings.Contains(err.Error(), "backup") {
		t.Fatalf("full disk: %v", err)
	}
	t.Logf("full disk: %v", err)
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("a full disk left %d files behind", len(ents))
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("the journal changed during a failed backup")
	}
	if h, m := verifyOK(t, j); h != head || m != n {
		t.Fatal("the journal's chain changed")
	}
	mustBegin(t, j, pay(KindSale, 1, "RUB", "")) // and it keeps journaling
}

func TestBackupDestinations(t *testing.T) {
	j, _, _ := journalWith(t, 2)
	dir := t.TempDir()
	file := filepath.Join(dir, "copy.db")
	res, err := Backup(j, file, BackupOptions{})
	if err != nil || res.Path != file {
		t.Fatalf("to a file: %+v %v", res, err)
	}
	if _, err := Backup(j, file, BackupOptions{}); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("over an existing file: %v", err)
	}
	if _, err := Backup(j, filepath.Join(dir, "no", "such", "dir", "x.db"), BackupOptions{}); err == nil {
		t.Fatal("into a missing directory: no error")
	}
	// A directory without a terminal id: the journal's own (payments carry "T1").
	now := time.Date(2026, 3, 14, 20, 0, 0, 0, time.UTC)
	res, err = Backup(j, dir, BackupOptions{Now: func() time.Time { return now }})
	if err != nil || filepath.Base(res.Path) != "kassa-journal-T1-20260314T200000Z.db" {
		t.Fatalf("into a directory: %+v %v", res, err)
	}
	if _, err := Backup(j, dir, BackupOptions{Now: func() time.Time { return now }}); err == nil {
		t.Fatal("a second backup in the same second overwrote the first")
	}
	if got, err := LastBackup(dir); err != nil || !got.Equal(now) {
		t.Fatalf("last backup %v %v", got, err)
	}
	// A backup is a journal: restore it by copying it into place.
	restored := filepath.Join(t.TempDir(), "journal.db")
	if err := copyFile(res.Path, restored); err != nil {
		t.Fatal(err)
	}
	r := openT(t, restored, nil)
	if ps, err := r.ByDay("2026-03-14"); err != nil || len(ps) != 2 {
		t.Fatalf("restored: %d payments %v", len(ps), err)
	}
	mustBegin(t, r, pay(KindSale, 5, "RUB", ""))
	verifyOK(t, r)
}

func TestPrune(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 1, 1, 22, 0, 0, 0, time.UTC)
	var all []string
	for i := 0; i < 35; i++ {
		name := "kassa-journal-T-01-" + at.AddDate(0, 0, i).Format("20060102T150405Z") + ".db"
		all = append(all, filepath.Join(dir, name))
	}
	// Written in a shuffled order: the time in the name decides, not mtime.
	for i := range all {
		k := (i * 11) % len(all) // 11 and 35 are coprime: every file
		if err := os.WriteFile(all[k], []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	others := []string{"notes.txt", "kassa-journal-x.db", "kassa-journal-T-01-yesterday.db", "journal.db"}
	for _, o := range others {
		_ = os.WriteFile(filepath.Join(dir, o), []byte("keep"), 0o600)
	}
	removed, err := Prune(dir, 0)
	if err != nil || len(removed) != 5 {
		t.Fatalf("prune: %v %v", removed, err)
	}
	for i, r := range removed {
		if r != all[i] {
			t.Fatalf("removed %s, want the oldest %s", r, all[i])
		}
	}
	left, _ := Backups(dir)
	if len(left) != DefaultBackupKeep || left[0] != all[5] || left[len(left)-1] != all[34] {
		t.Fatalf("left %d, from %s", len(left), left[0])
	}
	for _, o := range others {
		if _, err := os.Stat(filepath.Join(dir, o)); err != nil {
			t.Fatalf("prune removed %s", o)
		}
	}
	if removed, _ := Prune(dir, 3); len(removed) != 27 {
		t.Fatalf("keep 3: removed %d", len(removed))
	}
}

func TestCompact(t *testing.T) {
	j, path, ids := journalWith(t, 400)
	// Churn: every payment record rewritten (receipts) leaves free pages.
	for _, id := range ids {
		if _, err := j.Record(id, Event{Type: EventReceipt, Fields: map[string]string{FieldCopy: "CUSTOMER COPY"}}); err != nil {
			t.Fatal(err)
		}
	}
	head, n := verifyOK(t, j)
	id := j.ID()
	// While the journal is open (Kassa running) compaction refuses.
	if _, err := Compact(path, Options{LockTimeout: 50 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		t.Fatalf("compact while open: %v", err)
	}
	_ = j.Close()
	res, err := Compact(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("compacted %d → %d bytes", res.BytesBefore, res.BytesAfter)
	if res.BytesAfter > res.BytesBefore || res.Events != n {
		t.Fatalf("compaction result %+v", res)
	}
	c := openT(t, path, nil)
	if h, m := verifyOK(t, c); h != head || m != n || c.ID() != id {
		t.Fatalf("compacted journal: head %s events %d id %s", h, m, c.ID())
	}
	if got, err := c.Search(Query{Last4: "1111", Limit: 5}); err != nil || len(got) != 5 {
		t.Fatalf("search after compaction: %d %v", len(got), err)
	}
	mustBegin(t, c, pay(KindSale, 9, "RUB", "")) // and it journals on
	verifyOK(t, c)
	old, err := Open(res.OldPath, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("old journal kept aside: %v", err)
	}
	defer old.Close()
	if h, m, err := old.Verify(); err != nil || h != head || m != n {
		t.Fatalf("old journal: %s %d %v", h, m, err)
	}
	if _, err := os.Stat(path + ".compact-tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temporary file left: %v", err)
	}
}
