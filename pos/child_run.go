package pos

import (
	"context"
	"errors"
	"sync"
	"time"

	"kassa/mapi"
	"kassa/store"
)

// childRun owns one child's journal writes after its begin (accepted,
// unknown, final) and finds its final status by polling (MAPI.md §9: no
// callbacks for children). It is never sent again.
type childRun struct {
	e        *Engine
	parentID string
	orderID  string // the gateway's order id of the payment
	id       string
	comment  string
	child    store.Child  // as begun
	before   store.Ledger // the payment before this child
	earlier  bool         // an earlier child makes the same transaction type
	begun    time.Time    // monotonic: when it began, for the waits and the grace (issue 17, defect D8)

	checkMu sync.Mutex
	mu      sync.Mutex
	serial  string
	unknown bool
	final   bool
	done    chan struct{}

	poll *statusPoll // resolves it in the background
}

func childKey(parent, id string) string { return parent + "/" + id }

// registerChild registers the run of a journaled child (or returns the one
// already running).
func (e *Engine) registerChild(p store.Payment, c store.Child) *childRun {
	e.mu.Lock()
	defer e.mu.Unlock()
	if cr := e.children[childKey(p.ClientOrderID, c.ID)]; cr != nil {
		return cr
	}
	var others []store.Child
	earlier := false
	for _, k := range store.ChildrenOf(p) {
		if k.ID == c.ID {
			continue
		}
		others = append(others, k)
		if Operation(c.Operation).mapiOp().Produces(typeOf(k.Operation)) {
			earlier = true
		}
	}
	cr := &childRun{e: e, parentID: p.ClientOrderID, orderID: p.PaynetOrderID, id: c.ID, comment: c.Reason, child: c,
		before: store.LedgerOf(p, others), earlier: earlier, serial: c.SerialNumber,
		unknown: c.Status == store.StatusUnknown, final: c.Final(), done: make(chan struct{}),
		begun: time.Now().Add(-max(e.now().Sub(c.CreatedAt), 0))}
	cr.poll = cr.newPoll()
	e.children[childKey(p.ClientOrderID, c.ID)] = cr
	return cr
}

// typeOf is the transaction type an operation's child shows.
func typeOf(op store.Operation) mapi.TransactionType {
	switch op {
	case store.OpCapture:
		return mapi.TxCapture
	case store.OpRelease:
		return mapi.TxCancel
	}
	return mapi.TxReversal
}

func (e *Engine) forgetChild(cr *childRun) {
	e.mu.Lock()
	if e.children[childKey(cr.parentID, cr.id)] == cr {
		delete(e.children, childKey(cr.parentID, cr.id))
	}
	e.mu.Unlock()
}

func (cr *childRun) isFinal() bool {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	return cr.final
}

// record journals one event of the child.
func (cr *childRun) record(ev store.Event) error {
	_, _, err := cr.e.journal.RecordChild(cr.parentID, cr.id, ev)
	if errors.Is(err, store.ErrStale) || errors.Is(err, store.ErrConflict) {
		cr.e.log.Warn("child event not applied", "id", cr.parentID, "child", cr.id, "type", ev.Type, "err", err)
		return nil
	}
	return err
}

// onReply journals what the reply says and reports whether the child is
// final.
func (cr *childRun) onReply(d childDecision) bool {
	cr.e.gatewayContact(d.answered)
	switch d.outcome {
	case childAccepted:
		cr.accept(d.serial)
		return false
	case childFinal:
		if cr.finish(d) {
			return true
		}
	}
	cr.markUnknown(d.reason)
	return false
}

// accept journals the request's serial number.
func (cr *childRun) accept(serial string) {
	cr.mu.Lock()
	cr.serial = serial
	cr.mu.Unlock()
	if err := cr.record(store.Event{Type: store.EventChildAccepted, Fields: map[string]string{
		store.FieldSerialNumber: serial, fSource: "reply"}}); err != nil {
		cr.e.log.Error("journal: child accepted", "id", cr.parentID, "child", cr.id, "err", err)
		return
	}
	crashPoint("child-after-accepted")
}

// markUnknown journals the child unknown once.
func (cr *childRun) markUnknown(r Reason) {
	cr.mu.Lock()
	if cr.unknown || cr.final {
		cr.mu.Unlock()
		return
	}
	cr.unknown = true
	cr.mu.Unlock()
	cr.e.log.Warn("child result unknown; resolving by status, never sent again", "id", cr.parentID, "child", cr.id,
		"cause", r.Cause.String(), "detail", r.Detail)
	if err := cr.record(store.Event{Type: store.EventChildUnknown, Fields: reasonFields(r)}); err != nil {
		cr.e.log.Error("journal: child unknown", "id", cr.parentID, "child", cr.id, "err", err)
	}
	cr.e.refresh()
}

// finish journals the final status; false when the journal failed.
func (cr *childRun) finish(d childDecision) bool {
	f := reasonFields(d.reason)
	if d.notCreated {
		f[fNotCreated] = "yes"
	}
	if d.serial != "" {
		f[store.FieldSerialNumber] = d.serial
	}
	if err := cr.record(store.Event{Type: store.EventChildFinal, Status: d.status.Journal(), Fields: f}); err != nil {
		cr.e.log.Error("journal: child final", "id", cr.parentID, "child", cr.id, "err", err)
		return false
	}
	crashPoint("child-after-final")
	cr.mu.Lock()
	if !cr.final {
		cr.final = true
		close(cr.done)
	}
	cr.mu.Unlock()
	cr.e.forgetChild(cr)
	cr.e.refresh()
	return true
}

// await resolves the child in the background (the first status call at
// once, as a sale's) and waits for its final answer up to Config.ResultWait
// from its begin; without one it is unknown (and keeps resolving).
func (cr *childRun) await(ctx context.Context) {
	cr.start(0)
	t := time.NewTimer(max(cr.e.Config().ResultWait-time.Since(cr.begun), 0))
	defer t.Stop()
	select {
	case <-cr.done:
	case <-t.C:
	case <-ctx.Done():
	case <-cr.e.ctx.Done():
	}
	if !cr.isFinal() {
		cr.markUnknown(Reason{Cause: CauseChildNoFinalYet})
	}
}

// start polls the child's status in the background (once; statusPoll),
// the first call after first. A child has no callbacks (MAPI.md §9): the
// poll ends when the schedule gives up.
func (cr *childRun) start(first time.Duration) { cr.poll.start(first) }

// newPoll is the child's statusPoll: from its begin, no callbacks.
func (cr *childRun) newPoll() *statusPoll {
	return &statusPoll{e: cr.e, what: "child", ids: []any{"id", cr.parentID, "child", cr.id},
		since: func() time.Time { return cr.begun }, final: cr.isFinal, done: cr.done,
		check: func(ctx context.Context, _ string) bool { return cr.check(ctx) }}
}

// check asks the gateway once and journals a final answer; it reports
// whether the child is final.
func (cr *childRun) check(ctx context.Context) bool {
	cr.checkMu.Lock()
	defer cr.checkMu.Unlock()
	if cr.isFinal() {
		return true
	}
	e := cr.e
	cfg := e.Config()
	cr.mu.Lock()
	serial := cr.serial
	cr.mu.Unlock()
	cctx, cancel := context.WithTimeout(ctx, cfg.SaleTimeout)
	defer cancel()
	res, err := e.gw().Status(cctx, mapi.StatusRequest{ClientOrderID: cr.parentID, PaynetOrderID: cr.orderID, BySerial: serial})
	crashPoint("child-after-status")
	d := classifyChildStatus(cr.child, cr.before, res, err, childFacts{bySerial: serial != "",
		sinceBegin: time.Since(cr.begun), grace: cfg.NotFoundGrace, earlier: cr.earlier})
	e.gatewayContact(d.answered)
	if err != nil {
		e.log.Warn("child status check without an answer", "id", cr.parentID, "child", cr.id, "err", err)
	}
	if d.outcome == childFinal {
		return cr.finish(d)
	}
	return false
}
