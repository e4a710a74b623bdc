package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DefaultBackupKeep is how many automatic backups Prune keeps when the
// caller names no other number.
const DefaultBackupKeep = 30

// Backup file names: kassa-journal-<terminal id>-<UTC time>.db.
const (
	backupPrefix     = "kassa-journal-"
	backupSuffix     = ".db"
	backupTimeLayout = "20060102T150405Z"
)

// BackupOptions configure Backup.
type BackupOptions struct {
	// TerminalID names the backup file when the destination is a
	// directory; empty: the terminal id of the journal's newest payment.
	TerminalID string
	// Now is the clock for the file name; nil means time.Now.
	Now func() time.Time
	// Context, when set, stops the copy once it is done (Settings →
	// "Back up now" is cancellable; Kassa closing stops an automatic one):
	// the copy fails with its error and nothing is left behind.
	Context context.Context

	wrap func(io.Writer) io.Writer // tests: a failing disk
}

// BackupResult describes a finished backup.
type BackupResult struct {
	Path   string // the backup file
	Bytes  int64  // its size
	Events int    // events in it (verified)
	Head   string // its chain head, the journal's head when the copy was taken
}

// Backup writes a consistent copy of the journal to dest and verifies it.
// The copy is one read transaction's snapshot (bbolt's Tx.WriteTo), so it
// can be taken while payments are being journaled; nothing in the journal
// changes. dest is a file path, or an existing directory: then the file is
// named kassa-journal-<terminal id>-<UTC time>.db in it. The copy is
// written to a temporary file in the same directory, fsynced, opened and
// verified (the whole chain, and its head must be the journal's at the
// snapshot), and only then renamed to its name; on any error (a full disk,
// a chain that does not check out) nothing is left behind.
//
// pos calls it for Settings → "Back up now" and, after every finished
// close-day when KASSA_BACKUP_DIR is set, as
//
//	res, err := store.Backup(j, dir, store.BackupOptions{TerminalID: cfg.TerminalID})
//	if err == nil { _, err = store.Prune(dir, keep) } // keep: default DefaultBackupKeep
//
// logging (not failing the close-day on) an error, and showing the time of
// the last good backup from LastBackup.
func Backup(j *Journal, dest string, opts BackupOptions) (BackupResult, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	path, err := backupPath(j, dest, opts)
	if err != nil {
		return BackupResult{}, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kassa-backup-*.tmp")
	if err != nil {
		return BackupResult{}, fmt.Errorf("backup: %w", err)
	}
	defer func() {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name()) // gone after publish; removed on failure
	}()
	var w io.Writer = tmp
	if opts.Context != nil {
		w = ctxWriter{ctx: opts.Context, w: w}
	}
	if opts.wrap != nil {
		w = opts.wrap(tmp)
	}
	var (
		head string
		n    int64
	)
	err = j.view(func(tx *bolt.Tx) error {
		head = string(tx.Bucket(bMeta).Get(kHead))
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return BackupResult{}, fmt.Errorf("backup: writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return BackupResult{}, fmt.Errorf("backup: writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return BackupResult{}, fmt.Errorf("backup: writing %s: %w", path, err)
	}
	events, err := verifyCopy(tmp.Name(), head)
	if err != nil {
		return BackupResult{}, fmt.Errorf("backup: the copy does not verify: %w", err)
	}
	if err := publish(tmp.Name(), path); err != nil {
		return BackupResult{}, fmt.Errorf("backup: %w", err)
	}
	syncDir(filepath.Dir(path))
	j.log.Info("journal backed up", "path", path, "bytes", n, "events", events)
	return BackupResult{Path: path, Bytes: n, Events: events, Head: head}, nil
}

// ctxWriter fails its writes once ctx is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// publish gives the finished file tmp its name, never overwriting a file
// there: a hard link where the filesystem has them, else a rename after a
// check.
func publish(tmp, path string) error {
	err := os.Link(tmp, path)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists; Kassa does not overwrite a file", path)
	}
	if err != nil {
		if _, serr := os.Lstat(path); serr == nil {
			return fmt.Errorf("%s exists; Kassa does not overwrite a file", path)
		}
		return os.Rename(tmp, path)
	}
	return os.Remove(tmp)
}

// backupPath resolves dest: a directory gets a file named after the
// terminal and the time.
func backupPath(j *Journal, dest string, opts BackupOptions) (string, error) {
	if dest == "" {
		return "", fmt.Errorf("%w: no backup destination", ErrInvalid)
	}
	fi, err := os.Stat(dest)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("backup: %w", err)
	}
	if err == nil && !fi.IsDir() {
		return "", fmt.Errorf("backup: %s exists; Kassa does not overwrite a file", dest)
	}
	if err != nil { // a new file
		if _, derr := os.Stat(filepath.Dir(dest)); derr != nil {
			return "", fmt.Errorf("backup: %w", derr)
		}
		return dest, nil
	}
	term := opts.TerminalID
	if term == "" {
		if ps, err := j.Latest(1); err == nil && len(ps) == 1 {
			term = ps[0].TerminalID
		}
	}
	name := backupPrefix + safeName(term) + "-" + opts.Now().UTC().Format(backupTimeLayout) + backupSuffix
	return filepath.Join(dest, name), nil
}

// safeName keeps a terminal id to letters, digits, dot, dash and underscore.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "lane"
	}
	return string(b)
}

// verifyCopy opens a journal copy read-only and verifies its whole chain;
// its head must be head (when head is not empty).
func verifyCopy(path, head string) (int, error) {
	c, err := Open(path, Options{ReadOnly: true, LockTimeout: time.Second})
	if err != nil {
		return 0, err
	}
	defer c.Close()
	h, n, err := c.Verify()
	if err != nil {
		return n, err
	}
	if head != "" && h != head {
		return n, fmt.Errorf("%w: the copy ends at %s, the journal at %s", ErrChain, h, head)
	}
	return n, nil
}

// syncDir fsyncs a directory so that a rename in it survives a power cut.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// backupFile is a backup file in a directory and the time its name carries.
type backupFile struct {
	path string
	at   time.Time
}

// Backups lists the backup files Backup named in dir, oldest first. Other
// files are ignored.
func Backups(dir string) ([]string, error) {
	bs, err := listBackups(dir)
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.path
	}
	return out, err
}

func listBackups(dir string) ([]backupFile, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []backupFile
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, backupPrefix) || !strings.HasSuffix(name, backupSuffix) {
			continue
		}
		stem := strings.TrimSuffix(name, backupSuffix)
		if len(stem) < len(backupPrefix)+len(backupTimeLayout)+1 {
			continue
		}
		at, err := time.Parse(backupTimeLayout, stem[len(stem)-len(backupTimeLayout):])
		if err != nil || stem[len(stem)-len(backupTimeLayout)-1] != '-' {
			continue
		}
		out = append(out, backupFile{path: filepath.Join(dir, name), at: at})
	}
	sort.SliceStable(out, func(a, b int) bool {
		if !out[a].at.Equal(out[b].at) {
			return out[a].at.Before(out[b].at)
		}
		return out[a].path < out[b].path
	})
	return out, nil
}

// LastBackup returns the time (from its name) of the newest backup in dir,
// zero when there is none: the status bar warns when it is older than two
// days.
func LastBackup(dir string) (time.Time, error) {
	bs, err := listBackups(dir)
	if err != nil || len(bs) == 0 {
		return time.Time{}, err
	}
	return bs[len(bs)-1].at, nil
}

// Prune deletes all but the newest keep backups in dir (files Backup named;
// nothing else is touched) and returns the paths it removed. keep <= 0
// means DefaultBackupKeep.
func Prune(dir string, keep int) ([]string, error) {
	if keep <= 0 {
		keep = DefaultBackupKeep
	}
	bs, err := listBackups(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	for i := 0; i < len(bs)-keep; i++ {
		if err := os.Remove(bs[i].path); err != nil {
			return removed, fmt.Errorf("prune backups: %w", err)
		}
		removed = append(removed, bs[i].path)
	}
	return removed, nil
}
