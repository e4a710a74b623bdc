package pos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"kassa/store"
)

// Journal backups (issue 14): after every finished close-day into
// Config.BackupDir, on demand from Settings ("Back up now") and for
// `kassa journal backup` while this engine holds the journal (control.go).
// A backup is store.Backup: one read transaction's copy, fsynced and
// verified before it gets its name; payments go on while it is taken.

// BackupMaxAge is how old the newest backup may get before the status bar
// warns.
const BackupMaxAge = 48 * time.Hour

const (
	// backupTimeout bounds one backup (a 1,000,000-payment journal, about
	// 1.2 GB, is copied and verified in well under a minute).
	backupTimeout = 10 * time.Minute
	// backupWatchInterval is how often the status bar's backup age is
	// re-checked.
	backupWatchInterval = 10 * time.Minute
)

// BackupState is where the lane's backups stand.
type BackupState uint8

// The backup states.
const (
	BackupOff     BackupState = iota // no backup folder is set
	BackupCurrent                    // the newest backup is at most BackupMaxAge old
	BackupOld                        // the newest backup is older (or none since Kassa started that long ago)
	BackupFailed                     // the last automatic backup failed (until one succeeds)
)

var backupStateNames = [...]string{BackupOff: "off", BackupCurrent: "current", BackupOld: "old", BackupFailed: "failed"}

// String is the state's stable name.
func (s BackupState) String() string {
	if int(s) < len(backupStateNames) {
		return backupStateNames[s]
	}
	return "backup-state(" + strconv.Itoa(int(s)) + ")"
}

// Warn reports whether the status bar should warn.
func (s BackupState) Warn() bool { return s == BackupOld || s == BackupFailed }

// BackupStatus is the lane's backup state for the status bar and Settings.
type BackupStatus struct {
	State BackupState
	Dir   string    // the backup folder ("" when off)
	Keep  int       // how many automatic backups are kept
	Last  time.Time // the newest backup in Dir; zero when there is none
	// Reason says why it warns: CauseBackupOld (Code: whole days),
	// CauseBackupNone, CauseBackupFailed or CauseBackupDiskFull.
	Reason Reason
}

// BackupResult is a written and verified backup.
type BackupResult struct {
	Path   string // the backup file
	Bytes  int64  // its size
	Events int    // events in it, verified
	Head   string // its chain head (the journal's when the copy was taken)
}

// backups is the engine's backup bookkeeping (its own lock: taken after
// e.mu, never before).
type backups struct {
	run    sync.Mutex // one backup at a time (two in the same second would share a name)
	mu     sync.Mutex
	since  time.Time // the engine's start: "no backup yet" counts from it
	last   time.Time // the newest backup in the folder
	failed Reason    // the last automatic backup's failure; CauseNone after a success
}

// applyBackupEnv reads KASSA_BACKUP_KEEP (KASSA_BACKUP_DIR is a plain
// string variable in applyEnv).
func applyBackupEnv(cfg *Config) error {
	v := strings.TrimSpace(os.Getenv("KASSA_BACKUP_KEEP"))
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return fmt.Errorf("%w: KASSA_BACKUP_KEEP=%q: want a whole number of backups, at least 1", ErrConfig, v)
	}
	cfg.BackupKeep = n
	return nil
}

// backupKeep is how many automatic backups to keep.
func backupKeep(cfg Config) int {
	if cfg.BackupKeep > 0 {
		return cfg.BackupKeep
	}
	return store.DefaultBackupKeep
}

// startBackups notes the newest backup in the folder and starts the
// status bar's age check and the control socket.
func (e *Engine) startBackups() {
	e.bk.mu.Lock()
	e.bk.since = time.Now()
	e.bk.mu.Unlock()
	e.loadLastBackup(e.cfg.BackupDir)
	e.wg.Add(1)
	go e.watchBackups()
	e.startControl()
}

// loadLastBackup reads the newest backup's time from dir.
func (e *Engine) loadLastBackup(dir string) {
	var last time.Time
	if dir != "" {
		var err error
		if last, err = store.LastBackup(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			e.log.Warn("backup folder", "dir", dir, "err", err)
		}
	}
	e.bk.mu.Lock()
	e.bk.last = last
	e.bk.mu.Unlock()
}

// watchBackups republishes when the backup state changes with time (a
// backup getting older than BackupMaxAge), until the engine closes.
func (e *Engine) watchBackups() {
	defer e.wg.Done()
	t := time.NewTicker(backupWatchInterval)
	defer t.Stop()
	last := e.Backups().State
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-t.C:
		}
		if now := e.Backups().State; now != last {
			last = now
			e.mu.Lock()
			e.publishLocked()
			e.mu.Unlock()
		}
	}
}

// Backups reports the lane's backup state.
func (e *Engine) Backups() BackupStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.backupsLocked(time.Now())
}

// backupsLocked derives the backup state (e.mu held).
func (e *Engine) backupsLocked(now time.Time) BackupStatus {
	st := BackupStatus{Dir: e.cfg.BackupDir, Keep: backupKeep(e.cfg)}
	if st.Dir == "" {
		return st
	}
	e.bk.mu.Lock()
	failed, since := e.bk.failed, e.bk.since
	st.Last = e.bk.last
	e.bk.mu.Unlock()
	return backupStateAt(st, failed, since, now)
}

// backupStateAt is THE rule for the backup state: a failure of the last
// automatic backup, else the newest backup's age (or, with none, the time
// since Kassa started) against BackupMaxAge.
func backupStateAt(st BackupStatus, failed Reason, since, now time.Time) BackupStatus {
	switch {
	case failed.Cause != CauseNone:
		st.State, st.Reason = BackupFailed, failed
	case st.Last.IsZero() && now.Sub(since) > BackupMaxAge:
		st.State, st.Reason = BackupOld, Reason{Cause: CauseBackupNone}
	case !st.Last.IsZero() && now.Sub(st.Last) > BackupMaxAge:
		days := int(now.Sub(st.Last) / (24 * time.Hour))
		st.State, st.Reason = BackupOld, Reason{Cause: CauseBackupOld, Code: strconv.Itoa(days)}
	default:
		st.State = BackupCurrent
	}
	return st
}

// BackUp writes a verified copy of the journal to dest (a new file or a
// directory), or into the backup folder when dest is "" (then it prunes the
// folder to the newest Config.BackupKeep). Payments go on meanwhile; the
// journal is never changed. Errors carry CauseBackupNoFolder,
// CauseBackupDiskFull or CauseBackupFailed.
func (e *Engine) BackUp(ctx context.Context, dest string) (BackupResult, error) {
	ctx, cancel := context.WithTimeout(ctx, backupTimeout)
	defer cancel()
	defer context.AfterFunc(e.ctx, cancel)()
	cfg := e.Config()
	if dest != "" {
		return e.backUpTo(ctx, dest, cfg)
	}
	if cfg.BackupDir == "" {
		return BackupResult{}, errorOf(nil, Reason{Cause: CauseBackupNoFolder})
	}
	return e.backUpFolder(ctx, cfg)
}

// backUpFolder backs up into the backup folder (made if missing) and
// prunes it.
func (e *Engine) backUpFolder(ctx context.Context, cfg Config) (BackupResult, error) {
	if err := os.MkdirAll(cfg.BackupDir, 0o700); err != nil {
		return BackupResult{}, backupErr(fmt.Errorf("backup folder: %w", err))
	}
	res, err := e.backUpTo(ctx, cfg.BackupDir, cfg)
	if err != nil {
		return res, err
	}
	e.bk.mu.Lock()
	e.bk.last, e.bk.failed = time.Now(), Reason{}
	e.bk.mu.Unlock()
	if removed, err := store.Prune(cfg.BackupDir, backupKeep(cfg)); err != nil {
		e.log.Warn("pruning old backups", "dir", cfg.BackupDir, "err", err)
	} else if len(removed) > 0 {
		e.log.Info("old backups removed", "dir", cfg.BackupDir, "count", len(removed))
	}
	e.mu.Lock()
	e.publishLocked()
	e.mu.Unlock()
	return res, nil
}

// backUpTo is one store.Backup, one at a time.
func (e *Engine) backUpTo(ctx context.Context, dest string, cfg Config) (BackupResult, error) {
	e.bk.run.Lock()
	defer e.bk.run.Unlock()
	r, err := store.Backup(e.journal, dest, store.BackupOptions{TerminalID: cfg.TerminalID, Context: ctx})
	if err != nil {
		e.log.Error("backup failed", "dest", dest, "err", err)
		return BackupResult{}, backupErr(err)
	}
	return BackupResult{Path: r.Path, Bytes: r.Bytes, Events: r.Events, Head: r.Head}, nil
}

// backupErr gives a backup error its cause; the error's text stays the
// store's (kassa journal backup prints it).
func backupErr(err error) error {
	c := CauseBackupFailed
	if errors.Is(err, syscall.ENOSPC) {
		c = CauseBackupDiskFull
	}
	return &Error{Reason: Reason{Cause: c}, Err: err}
}

// backupAfterClose starts the automatic backup after a finished close-day
// when a backup folder is set. A failure is logged and shown in the status
// bar; it never fails the close-day.
func (e *Engine) backupAfterClose(rep CloseDayReport) {
	if rep.Status != DayFinished || e.Config().BackupDir == "" {
		return
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		res, err := e.BackUp(e.ctx, "")
		if err != nil {
			r := ReasonOf(err)
			r.Detail = err.Error()
			e.bk.mu.Lock()
			e.bk.failed = r
			e.bk.mu.Unlock()
			e.mu.Lock()
			e.publishLocked()
			e.mu.Unlock()
			return
		}
		e.log.Info("automatic backup after close-day", "path", res.Path, "events", res.Events)
	}()
}

// SetBackupFolder sets the backup folder ("" turns automatic backups off)
// and how many backups to keep (0: the default), saves both in the config
// file and rereads the folder's newest backup.
func (e *Engine) SetBackupFolder(dir string, keep int) error {
	dir = strings.TrimSpace(dir)
	if keep < 0 {
		return errorOf(ErrConfig, Reason{Cause: CauseConfig, Detail: "backups to keep"})
	}
	if err := updateConfigFile(func(c *Config) { c.BackupDir, c.BackupKeep = dir, keep }); err != nil {
		return err
	}
	e.loadLastBackup(dir)
	e.bk.mu.Lock()
	e.bk.failed = Reason{}
	e.bk.mu.Unlock()
	e.mu.Lock()
	e.cfg.BackupDir, e.cfg.BackupKeep = dir, keep
	e.publishLocked()
	e.mu.Unlock()
	return nil
}
