package pos

import (
	"context"
	"sync"

	"kassa/store"
)

// recoverChildren resolves every child the journal has open (pending,
// accepted or unknown), bounded by ctx; those without an answer keep
// resolving in the background. A pending child may have reached the
// gateway: it becomes unknown first. None is ever sent again.
func (e *Engine) recoverChildren(ctx context.Context) {
	ps, err := e.journal.UnresolvedChildren()
	if err != nil {
		e.log.Error("journal: open children", "err", err)
		return
	}
	var wg sync.WaitGroup
	for _, p := range ps {
		for _, c := range store.ChildrenOf(p) {
			if c.Final() {
				continue
			}
			if cr := e.runningChildRun(p.ClientOrderID, c.ID); cr != nil {
				// This engine's own: ask now unless its request may still
				// be on its way (pending: its call owns it).
				if c.Status != store.StatusPending {
					wg.Add(1)
					go func() { defer wg.Done(); cr.check(ctx) }()
				}
				continue
			}
			cr := e.registerChild(p, c)
			e.noteRecoveredChild(p.ClientOrderID, c.ID)
			wg.Add(1)
			go func() {
				defer wg.Done()
				if c.Status == store.StatusPending {
					cr.markUnknown(Reason{Cause: CauseChildStopped})
				}
				if !cr.check(ctx) {
					if ctx.Err() == nil {
						cr.markUnknown(Reason{Cause: CauseChildStopped})
					}
					cr.start(e.pollDelay(0))
				}
			}()
		}
	}
	wg.Wait()
}

// runningChildRun is the child's run when this engine already has it.
func (e *Engine) runningChildRun(parent, id string) *childRun {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.children[childKey(parent, id)]
}

func (e *Engine) noteRecoveredChild(parent, id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := childKey(parent, id)
	for _, x := range e.recoveredKids {
		if x == k {
			return
		}
	}
	e.recoveredKids = append(e.recoveredKids, k)
}

// RecoveredChildren lists the children recovery (at start or by Recover)
// found open during this engine's life, oldest first, as they stand now.
func (e *Engine) RecoveredChildren() []ChildView {
	e.mu.Lock()
	keys := append([]string(nil), e.recoveredKids...)
	e.mu.Unlock()
	out := make([]ChildView, 0, len(keys))
	for _, k := range keys {
		for i := len(k) - 1; i >= 0; i-- {
			if k[i] == '/' {
				out = append(out, e.childView(k[:i], k[i+1:]))
				break
			}
		}
	}
	return out
}

// OpenChildren counts the children not final yet in the journal.
func (e *Engine) OpenChildren() (int, error) {
	ps, err := e.journal.UnresolvedChildren()
	n := 0
	for _, p := range ps {
		for _, c := range store.ChildrenOf(p) {
			if !c.Final() {
				n++
			}
		}
	}
	return n, err
}

// unknownChildren counts the journal's children whose result is unknown
// (one small read when there are none).
func (e *Engine) unknownChildren() int {
	ps, err := e.journal.UnresolvedChildren()
	if err != nil {
		return 0
	}
	n := 0
	for _, p := range ps {
		for _, c := range store.ChildrenOf(p) {
			if c.Status == store.StatusUnknown {
				n++
			}
		}
	}
	return n
}

// WithOpenChildren lists the payments that have a capture, release or
// refund not final yet (pending, accepted or unknown), oldest first.
func (e *Engine) WithOpenChildren() ([]PaymentView, error) {
	ps, err := e.journal.UnresolvedChildren()
	if err != nil {
		return nil, err
	}
	return views(ps, false), nil
}
