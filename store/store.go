// Package store is Kassa's payment journal: every payment Kassa attempts is
// written here, fsynced, before anything leaves the machine, and nothing the
// journal acknowledged is ever lost.
//
// The journal is one go.etcd.io/bbolt file. It keeps a record per payment, an
// append-only list of events per payment (intent, sent, accepted, final,
// unknown, resolved, alert, override, receipt, close), close-day batches, and indexes
// (business day, open day, unresolved, last four digits, amount, gateway id).
// Every event carries the SHA-256 of the event before it, so Verify detects
// any edit or deletion; the chain head goes on the Z report.
//
// Each Begin, Record, RecordAll, BeginClose and FinishClose is one bbolt
// read-write transaction, fsynced before it returns (bbolt's default). The event, the
// payment record, the indexes and the chain head change in that one
// transaction, so a crash leaves either all of them or none.
package store

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Errors returned by the journal. Test them with errors.Is.
var (
	// ErrLocked means another process (or another Journal in this one) holds
	// the journal open.
	ErrLocked = errors.New("Kassa is already running on this journal")
	// ErrExists is returned by Begin for a client_orderid already journaled.
	ErrExists = errors.New("payment already journaled")
	// ErrNotFound is returned for an unknown client_orderid or batch.
	ErrNotFound = errors.New("not found in the journal")
	// ErrConflict is returned by Record when an event contradicts a final
	// state (approved after declined, another gateway order id...). The event
	// is not applied; it is stored as an alert for a manager.
	ErrConflict = errors.New("contradicts the journaled state; stored as an alert")
	// ErrStale is returned by Record for an event that would move a payment
	// backwards (sent after accepted, unknown after final). Nothing is stored.
	ErrStale = errors.New("state only moves forward; event not applied")
	// ErrInvalid is returned for malformed input (bad id, amount, status).
	ErrInvalid = errors.New("invalid journal input")
	// ErrCardData is returned when Event.Fields would carry card data or a
	// secret; those never go into events.
	ErrCardData = errors.New("card data and secrets are never journaled in event fields")
	// ErrSchema is returned when the journal was written by a newer Kassa.
	ErrSchema = errors.New("journal was written by a newer version of Kassa")
	// ErrReadOnly is returned for writes to a journal opened read-only.
	ErrReadOnly = errors.New("journal is open read-only")
	// ErrClosed is returned for writes to a journal after Close.
	ErrClosed = errors.New("journal is closed")
)

// CorruptError reports a journal file that cannot be read. Kassa never writes
// to such a file; MoveAside renames it so that a fresh journal can start.
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("the payment journal %s is damaged (%v); Kassa has not changed it. "+
		"Move it aside to start a new journal and keep the old file for support", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Options configure Open.
type Options struct {
	// LockTimeout is how long Open waits for another process to release the
	// journal before returning ErrLocked. Zero means 1s.
	LockTimeout time.Duration
	// Logger receives migration and recovery messages; nil discards them.
	Logger *slog.Logger
	// Now is the clock (business days are the local date of a payment's
	// creation); nil means time.Now.
	Now func() time.Time
	// ReadOnly opens the journal for queries only (shared lock). A journal
	// that needs a migration cannot be opened read-only.
	ReadOnly bool
	// IndexDelay is how long after its last write the journal writes the
	// index entries of the payments that became final (backlog.go). Zero
	// means 2 s.
	IndexDelay time.Duration

	noSync bool // tests and benchmarks only: build large journals quickly
}

// Journal is an open payment journal. Its methods are safe for concurrent use.
type Journal struct {
	db   *bolt.DB
	path string
	opts Options
	log  *slog.Logger

	mu   sync.Mutex // serialises writers (bbolt does too; this guards head and seq)
	head string
	seq  uint64 // the newest event's sequence number
	id   string // journal_id; empty for a journal opened read-only before it had one

	idle    *time.Timer    // applies the index backlog after IndexDelay without writes (guarded by mu)
	idling  sync.WaitGroup // an idle flush running
	closing bool           // Close has begun: no more idle flushes (guarded by mu)
	closed  bool           // Close is done writing (guarded by mu)
	wrote   bool           // a write committed since Open (guarded by mu)
	chores  chores         // what Open found to do, done by the first write (guarded by mu)
}

// chores are the housekeeping writes Open finds needed. They ride with the
// first write instead of being written by Open: a damaged journal that the
// whole-journal check refuses before anything is written stays exactly as
// it was (Kassa never changes a damaged file).
type chores struct {
	seal    bool // write the schema seal (a journal from before seals)
	backlog bool // apply the index backlog (left by a kill)
}

// do performs the chores in tx.
func (c chores) do(tx *bolt.Tx) error {
	if c.seal {
		if err := putSchema(tx.Bucket(bMeta), SchemaVersion); err != nil {
			return err
		}
	}
	if c.backlog {
		return flushBacklog(tx)
	}
	return nil
}

// Open opens (creating if needed) the journal at path. It returns ErrLocked
// (wrapped with the path) when another Kassa holds it after LockTimeout,
// *CorruptError when the file is damaged, and ErrSchema for a journal from a
// newer Kassa. An older schema is migrated in place.
func Open(path string, opts Options) (j *Journal, err error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.IndexDelay <= 0 {
		opts.IndexDelay = defaultIndexDelay
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	fileSize := int64(-1)
	if fi, serr := os.Stat(path); serr == nil {
		fileSize = fi.Size()
	}
	if err := precheck(path); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, err
		}
		return nil, &CorruptError{Path: path, Err: err}
	}
	var db *bolt.DB
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if db != nil {
				_ = db.Close()
			} else {
				// bbolt.Open panicked holding the file's lock; let the
				// finalizer of its unreachable file close it.
				runtime.GC()
				runtime.GC()
			}
			j, err = nil, &CorruptError{Path: path, Err: fmt.Errorf("unreadable file: %v", r)}
		}
	}()
	bo := &bolt.Options{Timeout: opts.LockTimeout, ReadOnly: opts.ReadOnly}
	if opts.noSync {
		bo.NoGrowSync, bo.FreelistType = true, bolt.FreelistMapType
	}
	db, err = bolt.Open(path, 0o600, bo)
	if err != nil {
		db = nil
		switch {
		case errors.Is(err, berrors.ErrTimeout):
			return nil, fmt.Errorf("%s: %w", path, ErrLocked)
		case errors.Is(err, fs.ErrPermission), errors.Is(err, fs.ErrNotExist):
			return nil, err
		case fileSize > 0:
			return nil, &CorruptError{Path: path, Err: err}
		}
		return nil, err
	}
	db.NoSync = opts.noSync
	if opts.noSync {
		db.AllocSize = 256 << 20
	}
	j = &Journal{db: db, path: path, opts: opts, log: log}
	if err := j.init(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return j, nil
}

// OpenReplacingCorrupt opens the journal at path; if it is damaged, it moves
// the file aside (never deleting it) and starts a fresh journal. movedTo is
// the damaged file's new path, empty when nothing was moved; the caller tells
// the user where it is.
func OpenReplacingCorrupt(path string, opts Options) (j *Journal, movedTo string, err error) {
	j, err = Open(path, opts)
	var ce *CorruptError
	if !errors.As(err, &ce) {
		return j, "", err
	}
	movedTo, merr := MoveAside(path)
	if merr != nil {
		return nil, "", fmt.Errorf("%w; moving it aside failed: %v", err, merr)
	}
	log := opts.Logger
	if log != nil {
		log.Warn("damaged journal moved aside; starting a new one", "damaged", movedTo, "cause", ce.Err)
	}
	j, err = Open(path, opts)
	return j, movedTo, err
}

// MoveAside renames a (corrupt) journal file to path+".corrupt-<UTC time>"
// and returns the new path. It never deletes anything and never overwrites an
// existing file.
func MoveAside(path string) (string, error) {
	base := path + ".corrupt-" + time.Now().UTC().Format("20060102T150405Z")
	for i := 0; i < 1000; i++ {
		dst := base
		if i > 0 {
			dst = fmt.Sprintf("%s-%d", base, i)
		}
		if _, err := os.Lstat(dst); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		// os.Link refuses to overwrite; then drop the old name.
		if err := os.Link(path, dst); err != nil {
			if errors.Is(err, fs.ErrExist) {
				continue
			}
			// Filesystems without hard links: plain rename (checked above).
			if rerr := os.Rename(path, dst); rerr != nil {
				return "", rerr
			}
			return dst, nil
		}
		if err := os.Remove(path); err != nil {
			return "", err
		}
		return dst, nil
	}
	return "", fmt.Errorf("move aside %s: too many earlier copies", path)
}

// Path returns the journal's file path.
func (j *Journal) Path() string { return j.path }

// Close writes the index backlog (backlog.go) when this Journal wrote
// anything, closes the journal and releases its lock. A backlog it cannot
// write stays for the next write after Open.
func (j *Journal) Close() error {
	j.mu.Lock()
	j.closing = true
	if j.idle != nil {
		j.idle.Stop()
	}
	wrote := j.wrote
	j.mu.Unlock()
	j.idling.Wait()
	if !wrote {
		// Nothing written since Open: leave the file as it was (a backlog
		// left by a kill stays for the next write; queries read it).
	} else if err := j.FlushIndexes(); err != nil && !isClosed(err) {
		j.log.Warn("writing the index backlog at close failed; the next open writes it", "path", j.path, "err", err)
	}
	j.mu.Lock()
	j.closed = true
	j.mu.Unlock()
	return j.db.Close()
}

// isClosed reports whether err says the journal is closed.
func isClosed(err error) bool {
	return errors.Is(err, ErrClosed) || errors.Is(err, berrors.ErrDatabaseNotOpen)
}

// Head returns the chain head: the SHA-256 (hex) of the last event, or the
// all-zero genesis hash for an empty journal. It goes on the Z report.
func (j *Journal) Head() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.head
}

// view runs fn in a read transaction, turning a panic from a damaged file
// into *CorruptError.
func (j *Journal) view(fn func(tx *bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &CorruptError{Path: j.path, Err: fmt.Errorf("unreadable page: %v", r)}
		}
	}()
	return j.db.View(fn)
}

// update runs fn in one read-write transaction (fsynced on commit) and keeps
// the in-memory head in step with the stored one.
func (j *Journal) update(fn func(tx *bolt.Tx) error) (err error) {
	if j.opts.ReadOnly {
		return ErrReadOnly
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return ErrClosed
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &CorruptError{Path: j.path, Err: fmt.Errorf("unreadable page: %v", r)}
		}
	}()
	var (
		head    string
		seq     uint64
		backlog bool
	)
	err = j.db.Update(func(tx *bolt.Tx) error {
		if err := j.chores.do(tx); err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		meta := tx.Bucket(bMeta)
		head, seq = string(meta.Get(kHead)), u64(meta.Get(kSeq))
		backlog = len(meta.Get(kBacklog)) > 0
		return nil
	})
	if err == nil {
		j.head, j.seq = head, seq
		j.chores, j.wrote = chores{}, true
		if backlog {
			j.armIndexFlush()
		}
	}
	return err
}

func (j *Journal) now() time.Time { return j.opts.Now() }

// forbiddenTokens are words in Event.Fields keys that would mean card data or
// secrets ("pan", "track2", "control_key"...).
var forbiddenTokens = map[string]bool{"pan": true, "track": true, "track1": true, "track2": true,
	"cvv": true, "cvv2": true, "cvc": true, "pin": true, "secret": true, "password": true,
	"expiry": true, "encrypted": true, "cardnumber": true, "key": true}

func checkFields(f map[string]string) error {
	for k, v := range f {
		if cardDataKey(k) {
			return fmt.Errorf("%w: field %q", ErrCardData, k)
		}
		if strings.HasPrefix(v, ";") && strings.Contains(v, "=") {
			return fmt.Errorf("%w: field %q looks like track data", ErrCardData, k)
		}
	}
	return nil
}

// cardDataKey reports whether a field name means card data or a secret:
// one of the reserved names, or a word of forbiddenTokens between
// non-alphanumerics, case-insensitively. An ASCII name (every name Kassa
// writes) is read without allocating: it is checked on every journaled
// event, inside the write transaction.
func cardDataKey(k string) bool {
	for i := 0; i < len(k); i++ {
		if k[i] >= 0x80 {
			return cardDataKeyUnicode(k)
		}
	}
	if strings.EqualFold(k, "card_number") || strings.EqualFold(k, "control_key") || strings.EqualFold(k, "encrypted_data") {
		return true
	}
	var word [16]byte
	n := 0
	for i := 0; i <= len(k); i++ {
		c := byte(' ')
		if i < len(k) {
			c = k[i]
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			if n < len(word) {
				word[n] = c
			}
			n++
			continue
		}
		if n > 0 && n <= len(word) && forbiddenTokens[string(word[:n])] {
			return true
		}
		n = 0
	}
	return false
}

// cardDataKeyUnicode is cardDataKey for a name with non-ASCII letters
// (some lower-case to ASCII ones: the Kelvin sign is a "k").
func cardDataKeyUnicode(k string) bool {
	lk := strings.ToLower(k)
	if lk == "card_number" || lk == "control_key" || lk == "encrypted_data" {
		return true
	}
	for _, tok := range strings.FieldsFunc(lk, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) {
		if forbiddenTokens[tok] {
			return true
		}
	}
	return false
}
