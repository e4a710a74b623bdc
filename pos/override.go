package pos

import (
	"context"
	"fmt"
	"strings"

	"kassa/store"
)

// Override lets new payments start although payments' outcomes are unknown.
// The manager's name and reason are journaled on every unknown payment; the
// payments keep resolving in the background, and each is announced
// (Snapshot.Announcements) when it resolves.
func (e *Engine) Override(manager, reason string) error {
	manager, reason = strings.TrimSpace(manager), strings.TrimSpace(reason)
	if manager == "" || reason == "" {
		return &Error{Reason: Reason{Cause: CauseOverrideIncomplete}}
	}
	un, err := e.journal.Unresolved()
	if err != nil {
		return err
	}
	e.mu.Lock()
	cur := e.current
	e.mu.Unlock()
	who := e.Who(context.Background())
	n := 0
	for _, p := range un {
		if p.ClientOrderID == cur {
			continue
		}
		if err := e.paymentOf(p).override(manager, reason, who); err != nil {
			return fmt.Errorf("journal override: %w", err)
		}
		e.mu.Lock()
		e.overridden[p.ClientOrderID] = true
		e.mu.Unlock()
		n++
	}
	e.log.Warn("manager override of unknown payments", "manager", manager, "count", n)
	e.refresh()
	e.mu.Lock()
	if e.flow.phase == phaseIdle && !e.snap.Blocked && e.snap.Stage == StageUnknown {
		e.flow = flow{phase: phaseIdle, note: Reason{Cause: CauseOverridden}}
		e.publishLocked()
	}
	e.mu.Unlock()
	return nil
}

// announce keeps a resolved payment that a manager had let go for the
// cashier to be told (Snapshot.Announcements).
func (e *Engine) announce(p store.Payment) {
	if !p.Final() {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.overridden[p.ClientOrderID] {
		return
	}
	delete(e.overridden, p.ClientOrderID)
	st := StatusOf(p.Status)
	e.announcements = append(e.announcements, Announcement{ClientOrderID: p.ClientOrderID,
		Amount: Amount{Minor: p.AmountMinor, Currency: p.Currency}, MaskedPAN: p.MaskedPAN,
		Charged: st.Charged(), Status: st, ResolvedAt: p.UpdatedAt})
	e.publishLocked()
}

// Acknowledge removes a payment's announcement (the cashier has seen it).
func (e *Engine) Acknowledge(clientOrderID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	kept := e.announcements[:0]
	for _, a := range e.announcements {
		if a.ClientOrderID != clientOrderID {
			kept = append(kept, a)
		}
	}
	e.announcements = kept
	e.publishLocked()
}
