package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CompactResult describes a finished compaction.
type CompactResult struct {
	Path        string // the journal, now compacted
	OldPath     string // the journal as it was, kept aside
	BytesBefore int64
	BytesAfter  int64
	Events      int // events in the compacted journal (verified)
}

// Compact rewrites the journal at path into a fresh, tightly packed file,
// verifies it and swaps it in atomically, keeping the old file aside as
// path+".pre-compact-<UTC time>". It needs the journal to itself: while
// Kassa runs it returns ErrLocked and changes nothing. The journal's chain,
// head and journal_id are unchanged; a crash at any moment leaves the old
// journal or the new one at path, both complete.
func Compact(path string, opts Options) (CompactResult, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 200 * time.Millisecond
	}
	opts.ReadOnly = false
	src, err := Open(path, opts) // exclusive lock: Kassa is not running
	if err != nil {
		return CompactResult{}, err
	}
	defer src.Close()
	head, events, err := src.Verify()
	if err != nil {
		return CompactResult{}, fmt.Errorf("compact: the journal does not verify; nothing changed: %w", err)
	}
	res := CompactResult{Path: path, Events: events}
	if fi, err := os.Stat(path); err == nil {
		res.BytesBefore = fi.Size()
	}
	tmp := path + ".compact-tmp"
	_ = os.Remove(tmp) // a leftover of an interrupted compaction
	defer os.Remove(tmp)
	if err := compactInto(src, tmp); err != nil {
		return res, fmt.Errorf("compact: nothing changed: %w", err)
	}
	n, err := verifyCopy(tmp, head)
	if err != nil || n != events {
		return res, fmt.Errorf("compact: the new file does not verify (%d of %d events); nothing changed: %v", n, events, err)
	}
	if err := sameID(tmp, src.ID()); err != nil {
		return res, fmt.Errorf("compact: nothing changed: %w", err)
	}
	res.OldPath = path + ".pre-compact-" + time.Now().UTC().Format(backupTimeLayout)
	if err := os.Link(path, res.OldPath); err != nil {
		return res, fmt.Errorf("compact: keeping the old journal aside: %w; nothing changed", err)
	}
	// The atomic step: the compacted file takes the journal's name.
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(res.OldPath)
		return res, fmt.Errorf("compact: nothing changed: %w", err)
	}
	syncDir(filepath.Dir(path))
	if fi, err := os.Stat(path); err == nil {
		res.BytesAfter = fi.Size()
	}
	return res, nil
}

// compactInto copies every bucket of src into a new fsynced file at dst.
func compactInto(src *Journal, dst string) error {
	db, err := bolt.Open(dst, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	if err := bolt.Compact(db, src.db, 64<<20); err != nil {
		_ = db.Close()
		return err
	}
	if err := db.Sync(); err != nil {
		_ = db.Close()
		return err
	}
	return db.Close()
}

// sameID checks that the journal copy at path carries journal_id id.
func sameID(path, id string) error {
	c, err := Open(path, Options{ReadOnly: true, LockTimeout: time.Second})
	if err != nil {
		return err
	}
	defer c.Close()
	if c.ID() != id {
		return errors.New("the new file lost the journal id")
	}
	return nil
}
