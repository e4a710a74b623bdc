package pos

import (
	"context"
	"errors"
	"strings"
	"time"

	"kassa/mapi"
	"kassa/store"
)

// Journal fields of children (issue 11).
const (
	fGateCapture  = "gate_partial_capture"  // the gate allows partial captures: "enabled" | "no"
	fGateReversal = "gate_partial_reversal" // the gate allows partial refunds: "enabled" | "no"
	fNotCreated   = "not_created"           // "yes": the child certainly does not exist at the bank
	fDecision     = "decision"              // a manager's decision on a child (override event)
	decisionRetry = "retry"                 // … do again a child the bank never created
)

// Capture captures an approved preauth's hold (MAPI.md §9): amount Minor 0
// captures the whole hold, less captures part of it (the rest is released).
// reason is journaled. The child is journaled and fsynced before the
// request; the result is journaled before it returns. Like Pay it waits
// up to Config.ResultWait for the final answer; an unknown child keeps
// resolving in the background and is never sent again. A local refusal
// (ErrChildRefused, a typed Reason) journals and sends nothing.
func (e *Engine) Capture(ctx context.Context, orderID string, amount Amount, reason string) (ChildView, error) {
	return e.runChild(ctx, Capture, orderID, amount, reason)
}

// Release releases an approved preauth's hold, whole (amount must be zero
// or the held amount). Otherwise as Capture.
func (e *Engine) Release(ctx context.Context, orderID string, amount Amount, reason string) (ChildView, error) {
	return e.runChild(ctx, Release, orderID, amount, reason)
}

// Refund refunds an approved sale or a preauth's approved capture: amount
// Minor 0 refunds all that is left, less refunds part (several partial
// refunds while their sum stays within the amount). Otherwise as Capture.
func (e *Engine) Refund(ctx context.Context, orderID string, amount Amount, reason string) (ChildView, error) {
	return e.runChild(ctx, Refund, orderID, amount, reason)
}

// RetryChild does again child childID of a payment, which the bank proved
// it never created after its result was unknown, as manager's journaled
// decision (reason says why). Any other child is refused
// (CauseChildNotRetryable).
func (e *Engine) RetryChild(ctx context.Context, orderID, childID, manager, reason string) (ChildView, error) {
	if strings.TrimSpace(manager) == "" || strings.TrimSpace(reason) == "" {
		return ChildView{}, refuse(CauseOverrideIncomplete, "")
	}
	p, err := e.journal.Get(orderID)
	if err != nil {
		return ChildView{}, notFound(err)
	}
	kids := store.ChildrenOf(p)
	if len(kids) == 0 || kids[len(kids)-1].ID != childID || !needsDecision(p, kids) {
		return ChildView{}, refuse(CauseChildNotRetryable, childID)
	}
	last := kids[len(kids)-1]
	if _, err := e.journal.Record(orderID, store.Event{Type: store.EventOverride, Fields: map[string]string{
		fManager: manager, fReason: reason, store.FieldChild: childID, fDecision: decisionRetry,
		store.FieldCashier: e.Who(ctx)}}); err != nil {
		return ChildView{}, errorOf(ErrJournal, Reason{Cause: CauseJournalFailed, Detail: err.Error()})
	}
	amount := Amount{Minor: last.AmountMinor, Currency: last.Currency}
	if last.Whole {
		amount.Minor = 0
	}
	return e.runChild(WithActor(ctx, manager), Operation(last.Operation), orderID, amount, last.Reason)
}

func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return errorOf(ErrNotFound, Reason{Cause: CauseNotFound})
	}
	return errorOf(ErrJournal, Reason{Cause: CauseJournalFailed, Detail: err.Error()})
}

// runChild checks, journals, sends and awaits one child.
func (e *Engine) runChild(ctx context.Context, op Operation, orderID string, amount Amount, reason string) (ChildView, error) {
	if err := e.WaitRecovered(ctx); err != nil {
		return ChildView{}, err
	}
	if err := e.JournalChecked(ctx); err != nil {
		return ChildView{}, err
	}
	if e.ctx.Err() != nil {
		return ChildView{}, ErrClosed
	}
	p, err := e.journal.Get(strings.TrimSpace(orderID))
	if err != nil {
		return ChildView{}, notFound(err)
	}
	pl, err := e.planChild(ctx, op, p, amount)
	refused := ChildView{ClientOrderID: p.ClientOrderID, Operation: op, Status: StatusFailed,
		Amount: Amount{Minor: max(pl.amount, amount.Minor), Currency: p.Currency}, Ledger: pl.ledger}
	if err != nil {
		refused.Reason = ReasonOf(err)
		return refused, err
	}
	cg, ok := e.gw().(ChildGateway)
	if !ok {
		refused.Reason = Reason{Cause: CauseConfig}
		return refused, errorOf(ErrConfig, refused.Reason)
	}
	cr, err := e.beginChild(ctx, pl, reason)
	if err != nil {
		refused.Reason = ReasonOf(err)
		return refused, err
	}
	acc, err := cr.send(cg, pl)
	if !cr.onReply(classifyChildReply(acc, err)) {
		cr.await(ctx)
	}
	return e.childView(p.ClientOrderID, cr.id), nil
}

// beginChild journals the child (fsynced) before any byte goes out.
func (e *Engine) beginChild(ctx context.Context, pl childPlan, reason string) (*childRun, error) {
	c, err := e.journal.BeginChild(pl.parent.ClientOrderID, store.Child{Operation: store.Operation(pl.op),
		AmountMinor: pl.amount, Whole: pl.send == 0, Reason: clipComment(reason), Who: actorOf(ctx), CashierID: e.Who(ctx)})
	switch {
	case errors.Is(err, store.ErrRefused):
		return nil, refuse(CauseChildInProgress, "") // another terminal window began one first
	case err != nil:
		return nil, errorOf(ErrJournal, Reason{Cause: CauseJournalFailed, Detail: err.Error()})
	}
	crashPoint("child-after-begin")
	e.log.Info("child journaled", "id", pl.parent.ClientOrderID, "child", c.ID, "operation", string(pl.op), "amount", pl.amount)
	cr := e.registerChild(pl.parent, c)
	e.refresh()
	return cr, nil
}

// clipComment keeps a reason within the return's comment limit.
func clipComment(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > mapi.MaxCommentLength {
		s = string(r[:mapi.MaxCommentLength])
	}
	return s
}

// send sends the child's request once; like a sale's it is bounded by the
// engine's life, not the caller's context.
func (cr *childRun) send(cg ChildGateway, pl childPlan) (*mapi.Accepted, error) {
	e := cr.e
	ctx, cancel := context.WithTimeout(crashTraceAt(e.ctx, "child-request-written"), e.Config().SaleTimeout+2*time.Second)
	defer cancel()
	amount := Amount{Minor: pl.send, Currency: pl.parent.Currency}
	if pl.send == 0 {
		amount = Amount{}
	}
	crashPoint("child-before-request")
	var acc *mapi.Accepted
	var err error
	if pl.op == Capture {
		acc, err = cg.Capture(ctx, mapi.CaptureRequest{ClientOrderID: pl.parent.ClientOrderID,
			PaynetOrderID: pl.parent.PaynetOrderID, Amount: amount})
	} else {
		acc, err = cg.Return(ctx, mapi.ReturnRequest{Operation: pl.op.mapiOp(), ClientOrderID: pl.parent.ClientOrderID,
			PaynetOrderID: pl.parent.PaynetOrderID, Amount: amount, Comment: cr.comment})
	}
	crashPoint("child-after-reply")
	return acc, err
}

// childView is the journaled child with its payment's figures now.
func (e *Engine) childView(orderID, childID string) ChildView {
	p, err := e.journal.Get(orderID)
	if err != nil {
		return ChildView{ClientOrderID: orderID, ID: childID, Status: StatusUnknown, Reason: Reason{Cause: CauseChildNoReply}}
	}
	kids := store.ChildrenOf(p)
	l := ledgerOf(p, kids, e.Config().HoldPeriod)
	for _, c := range kids {
		if c.ID == childID {
			return childViewOf(c, l)
		}
	}
	return ChildView{ClientOrderID: orderID, ID: childID, Ledger: l}
}

// Children lists a payment's captures, releases and refunds, oldest first.
func (e *Engine) Children(orderID string) ([]ChildView, error) {
	p, err := e.journal.Get(orderID)
	if err != nil {
		return nil, notFound(err)
	}
	kids := store.ChildrenOf(p)
	l := ledgerOf(p, kids, e.Config().HoldPeriod)
	out := make([]ChildView, 0, len(kids))
	for _, c := range kids {
		out = append(out, childViewOf(c, l))
	}
	return out, nil
}

// Ledger is a payment's figures after its children: captured, refunded,
// what is left, the hold's state and end.
func (e *Engine) Ledger(orderID string) (Ledger, error) {
	p, err := e.journal.Get(orderID)
	if err != nil {
		return Ledger{}, notFound(err)
	}
	return ledgerOf(p, store.ChildrenOf(p), e.Config().HoldPeriod), nil
}
