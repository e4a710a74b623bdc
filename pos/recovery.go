package pos

import (
	"context"
	"sync"

	"kassa/store"
)

// recoverAll asks the gateway about every unresolved payment, in parallel,
// bounded by the request timeout; those still without an answer keep
// resolving in the background.
func (e *Engine) recoverAll(ctx context.Context) error {
	un, err := e.journal.Unresolved()
	if err != nil {
		e.log.Error("journal: unresolved", "err", err)
		return err
	}
	un = e.noteRecovered(un)
	if len(un) > 0 {
		e.log.Info("checking earlier payments", "count", len(un))
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, p := range un {
		pm, _ := e.paymentFor(p)
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			if !pm.check(ctx, "recovery") {
				if ctx.Err() == nil {
					pm.markUnknown(Reason{Cause: CauseStoppedBeforeAnswer})
				}
				pm.start(e.pollDelay(0))
			}
		}()
	}
	wg.Wait()
	e.recoverChildren(ctx)
	e.refresh()
	return ctx.Err()
}

// noteRecovered drops the payment in flight from un (it belongs to Pay:
// asking about it before its request is written could wrongly find "not
// found") and remembers the others for Recovered.
func (e *Engine) noteRecovered(un []store.Payment) []store.Payment {
	e.mu.Lock()
	defer e.mu.Unlock()
	kept := un[:0]
	for _, p := range un {
		if p.ClientOrderID == e.current {
			continue
		}
		kept = append(kept, p)
		if !e.recoveredSet[p.ClientOrderID] {
			e.recoveredSet[p.ClientOrderID] = true
			e.recoveredIDs = append(e.recoveredIDs, p.ClientOrderID)
		}
	}
	return kept
}

// Recovered lists the client_orderids of the payments that recovery (at
// start or by Recover) found unresolved during this engine's life, oldest
// first.
func (e *Engine) Recovered() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.recoveredIDs...)
}

// Recover resolves every unresolved journal entry by status now.
func (e *Engine) Recover(ctx context.Context) error {
	if e.ctx.Err() != nil {
		return ErrClosed
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(e.ctx, cancel)
	defer stop()
	return e.recoverAll(ctx)
}
