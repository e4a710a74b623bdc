package pos

import (
	"time"

	"kassa/store"
)

// Snapshot returns the current published state.
func (e *Engine) Snapshot() Snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.snapLocked()
}

func (e *Engine) snapLocked() Snapshot {
	s := e.snap
	if s.Payment != nil {
		p := *s.Payment
		s.Payment = &p
	}
	s.Announcements = append([]Announcement(nil), e.announcements...)
	s.Store = e.StoreLink()
	s.SignedIn, s.ShiftID = e.session.cashier, e.session.shift
	s.Backup = e.backupsLocked(time.Now())
	return s
}

// Subscribe registers fn to be called with the latest snapshot after every
// change (a burst of changes may come as one call with the last state). fn
// is called from one engine goroutine, never while engine locks are held
// (it may call Snapshot or any other method). The returned function
// unsubscribes.
func (e *Engine) Subscribe(fn func(Snapshot)) (cancel func()) {
	e.mu.Lock()
	id := e.nextSub
	e.nextSub++
	e.subs[id] = fn
	e.mu.Unlock()
	return func() {
		e.mu.Lock()
		delete(e.subs, id)
		e.mu.Unlock()
	}
}

// publishLocked derives the stage (stageOf) and signals the change to the
// publisher. e.mu held.
func (e *Engine) publishLocked() {
	st, r := stageOf(e.flow, e.snap.Payment)
	if st != e.snap.Stage {
		e.snap.StageSince = time.Now()
		if h := e.hooks.Load(); h != nil && h.stage != nil {
			h.stage(st)
		}
	}
	e.snap.Stage, e.snap.Reason = st, r
	e.snap.CanCancel = e.flow.phase.canCancel() && e.cancelPay != nil
	select {
	case e.changed <- struct{}{}:
	default: // a delivery is pending: it will carry this state too
	}
}

// publisher delivers the latest snapshot to the subscribers after every
// change signal.
func (e *Engine) publisher() {
	defer e.wg.Done()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-e.changed:
		}
		e.mu.Lock()
		s := e.snapLocked()
		fns := make([]func(Snapshot), 0, len(e.subs))
		for _, fn := range e.subs {
			fns = append(fns, fn)
		}
		e.mu.Unlock()
		for _, fn := range fns {
			fn(s)
		}
	}
}

// setPhase moves the checkout to phase p (with a fresh flow) and publishes.
func (e *Engine) setPhase(p phase) {
	e.mu.Lock()
	e.flow = flow{phase: p}
	e.publishLocked()
	e.mu.Unlock()
}

// endPayment ends Pay's phases: idle, with note (failed or not) when the
// payment ended without a result to show.
func (e *Engine) endPayment(note Reason, failed bool) {
	e.mu.Lock()
	e.flow = flow{phase: phaseIdle, note: note, failed: failed}
	e.publishLocked()
	e.mu.Unlock()
}

// refresh recomputes the unresolved count and Blocked from the journal and
// publishes. changed, when given, are the payments just written (as the
// journal returned them): the shown payment is updated from them without
// reading it again, and left alone if it is not among them. Without
// changed, the shown payment is re-read.
func (e *Engine) refresh(changed ...store.Payment) { e.refreshFrom(changed, true) }

// refreshCounts is refresh without reading the shown payment again: for a
// new payment about to replace it on screen (readyToPay).
func (e *Engine) refreshCounts() { e.refreshFrom(nil, false) }

// refreshFrom is refresh; withShown false leaves the shown payment as it is.
func (e *Engine) refreshFrom(changed []store.Payment, withShown bool) {
	e.notifyShipping()
	un, err := e.journal.Unresolved()
	if err != nil {
		e.log.Error("journal: unresolved", "err", err)
		return
	}
	var shown *store.Payment
	if withShown {
		shown = e.shownPayment(changed)
	}
	kids := e.unknownChildren()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.snap.Unresolved, e.snap.Blocked = e.countUnresolvedLocked(un)
	e.snap.UnknownChildren = kids
	if shown != nil && e.snap.Payment != nil && e.snap.Payment.ClientOrderID == shown.ClientOrderID {
		v := viewOf(*shown)
		e.snap.Payment = &v
	}
	e.publishLocked()
}

// shownPayment is the journal's record of the shown payment: from changed
// when given, else read again (nil when none or not among changed).
func (e *Engine) shownPayment(changed []store.Payment) *store.Payment {
	e.mu.Lock()
	shownID := ""
	if e.snap.Payment != nil {
		shownID = e.snap.Payment.ClientOrderID
	}
	e.mu.Unlock()
	if shownID == "" {
		return nil
	}
	if changed == nil {
		if p, err := e.journal.Get(shownID); err == nil {
			return &p
		}
		return nil
	}
	for i := range changed {
		if changed[i].ClientOrderID == shownID {
			return &changed[i]
		}
	}
	return nil
}

// countUnresolvedLocked counts the payments whose result really is unknown
// (journal unknown, or unresolved and not the payment in flight: a normal
// bank wait does not count) and whether one blocks new payments on this
// terminal (not overridden). e.mu held.
func (e *Engine) countUnresolvedLocked(un []store.Payment) (n int, blocked bool) {
	for _, p := range un {
		inFlight := p.ClientOrderID == e.current
		if inFlight && p.Status != store.StatusUnknown {
			continue
		}
		n++
		if inFlight || (p.TerminalID != "" && p.TerminalID != e.cfg.TerminalID) {
			continue
		}
		if !e.overridden[p.ClientOrderID] {
			blocked = true
		}
	}
	return n, blocked
}

// showView makes v the snapshot's payment.
func (e *Engine) showView(v PaymentView) {
	e.mu.Lock()
	e.snap.Payment = &v
	e.publishLocked()
	e.mu.Unlock()
}

// gatewayContact records whether the gateway answered.
func (e *Engine) gatewayContact(ok bool) {
	e.mu.Lock()
	if ok {
		e.snap.Gateway.LastContact = time.Now()
	}
	changed := e.snap.Gateway.OK != ok
	e.snap.Gateway.OK = ok
	if changed {
		e.publishLocked()
	}
	e.mu.Unlock()
}
