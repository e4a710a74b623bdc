package pos

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"kassa/store"
)

// JournalCheck is where the check of the whole journal's hash chain stands
// (Engine.StartJournalCheck): it runs in the background once the checkout
// is usable, and nothing that moves money starts before its verdict.
type JournalCheck uint8

// The journal check's states.
const (
	JournalUnchecked JournalCheck = iota // not started yet
	JournalChecking                      // running
	JournalSound                         // the whole chain checked out
	JournalDamaged                       // the chain is broken: payments are stopped
)

// journalChecks is the table of the states' stable names.
var journalChecks = [...]string{
	JournalUnchecked: "unchecked",
	JournalChecking:  "checking",
	JournalSound:     "sound",
	JournalDamaged:   "damaged",
}

// String is the state's stable name (unchecked, checking, sound, damaged).
func (c JournalCheck) String() string {
	if int(c) < len(journalChecks) {
		return journalChecks[c]
	}
	return fmt.Sprintf("journal-check(%d)", uint8(c))
}

// MarshalText encodes the state as its name.
func (c JournalCheck) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// journalGate is the engine's check of the whole journal: begin is closed
// (once) when it may start, done when it has ended, and err, its verdict,
// is set before done is closed.
type journalGate struct {
	once  sync.Once
	begin chan struct{}
	done  chan struct{}
	err   error
}

func newJournalGate() journalGate {
	return journalGate{begin: make(chan struct{}), done: make(chan struct{})}
}

// tailCheck is how many of the newest events the engine checks before it
// opens (a truncated file or removed events show there at once: the newest
// key against the stored count catches any number removed). 200 events are
// about the last hour of a busy lane; checking 1,000 cost 0.45 ms more of
// start-up (page faults on the fresh mapping), and the whole chain is
// checked anyway before anything moves money.
const tailCheck = 200

// checkJournal checks the whole hash chain in the background at start
// (issue 17, defect D4: bytes changed while Kassa was stopped can leave
// bbolt's pages readable but an event altered or a payment gone; taking
// payments on it would hide the loss). It starts when StartJournalCheck
// is first called — by the GUI once its checkout is usable, else by the
// first operation that moves money — so that a long journal does not
// delay the usable checkout (issue 14). Until it has finished, and for
// good if it failed, nothing that moves money starts (JournalChecked). The
// file is left as it is.
func (e *Engine) checkJournal() {
	defer e.wg.Done()
	defer close(e.check.done)
	select { // the checkout first, then the check (StartJournalCheck)
	case <-e.check.begin:
	case <-e.ctx.Done():
		return
	}
	e.setJournalCheck(JournalChecking)
	t0 := time.Now()
	_, n, err := e.journal.VerifyContext(e.ctx)
	if e.ctx.Err() != nil {
		return
	}
	if err == nil {
		e.log.Info("journal checked", "events", n, "took", time.Since(t0).Round(time.Millisecond))
		e.setJournalCheck(JournalSound)
		return
	}
	e.check.err = corruptOf(e.journal, err)
	e.log.Error("journal damaged: payments stopped", "error", err)
	e.setJournalCheck(JournalDamaged)
}

// setJournalCheck publishes where the journal check stands.
func (e *Engine) setJournalCheck(c JournalCheck) {
	e.mu.Lock()
	e.snap.Journal = c
	e.publishLocked()
	e.mu.Unlock()
}

// StartJournalCheck starts the check of the whole journal's hash chain
// (once; later calls do nothing). The GUI calls it once its checkout is
// usable; the first sale, preauth, capture, release, refund or close day
// calls it too and waits for the verdict.
func (e *Engine) StartJournalCheck() { e.check.once.Do(func() { close(e.check.begin) }) }

// JournalChecked starts (if need be) and waits for the check of the whole
// journal and returns its verdict: nil, or the damaged journal's error.
// Every money-moving operation calls it; headless commands call it right
// after Start, so that a damaged journal refuses them before anything else.
func (e *Engine) JournalChecked(ctx context.Context) error {
	e.StartJournalCheck()
	select {
	case <-e.check.done:
		if err := e.check.err; err != nil {
			return &Error{Reason: Reason{Cause: CauseJournalDamaged, Detail: err.Error()}, Err: err}
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-e.ctx.Done():
		return ErrClosed
	}
}

// corruptOf is err as the store's damaged-journal error (nil stays nil).
func corruptOf(j *store.Journal, err error) error {
	if err == nil {
		return nil
	}
	var ce *store.CorruptError
	if errors.As(err, &ce) {
		return err
	}
	return &store.CorruptError{Path: j.Path(), Err: err}
}
