package pos

import (
	"context"
	"errors"
	"time"

	"kassa/mapi"
	"kassa/store"
)

// childPlan is a checked child: what to journal and what to send.
type childPlan struct {
	op     Operation
	parent store.Payment
	kids   []store.Child
	amount int64 // what the child moves
	send   int64 // the amount sent (0: none; the whole hold or all that is left)
	ledger Ledger
}

// refuse is a local refusal: nothing journaled, nothing sent.
func refuse(c Cause, code string) error {
	return errorOf(ErrChildRefused, Reason{Cause: c, Code: code})
}

// ErrChildRefused is the sentinel of a capture, release or refund Kassa
// refused itself, without a request (the Reason says why).
var ErrChildRefused = errors.New("operation refused")

// planChild checks op on payment p with amount (Minor 0: the whole hold or
// all that is left) against the journal, the hold period and the gate's
// partial-operation flags; each refusal has its cause and sends nothing.
func (e *Engine) planChild(ctx context.Context, op Operation, p store.Payment, amount Amount) (childPlan, error) {
	cfg := e.Config()
	kids := store.ChildrenOf(p)
	pl := childPlan{op: op, parent: p, kids: kids, ledger: ledgerOf(p, kids, cfg.HoldPeriod)}
	if amount.Currency != "" && amount.Currency != p.Currency {
		return pl, errorOf(ErrCurrency, Reason{Cause: CauseWrongCurrency, Code: p.Currency})
	}
	if amount.Minor < 0 {
		return pl, &Error{Reason: Reason{Cause: CauseAmountNotPositive}, Err: errAmountNotPositive}
	}
	if err := checkParent(p, pl.ledger, kids); err != nil {
		return pl, err
	}
	var err error
	switch op {
	case Capture, Release:
		err = pl.checkHold(op, amount.Minor, e.now()) // the wall clock (issue 17: WithClock)
	default:
		err = pl.checkRefund(amount.Minor)
	}
	if err != nil {
		return pl, err
	}
	if pl.partial() {
		return pl, e.checkPartial(ctx, pl)
	}
	return pl, nil
}

// checkParent refuses a child of a payment not approved, or while another
// child is open, or after an unknown child the bank did not have (a
// manager's decision first).
func checkParent(p store.Payment, l Ledger, kids []store.Child) error {
	switch {
	case p.Status == store.StatusApproved:
	case p.Final():
		return refuse(CauseChildPaymentNotApproved, string(p.Status))
	default:
		return refuse(CauseChildPaymentUnresolved, string(p.Status))
	}
	if l.Busy {
		return refuse(CauseChildInProgress, "")
	}
	if needsDecision(p, kids) {
		return refuse(CauseChildNeedsManager, "")
	}
	return nil
}

// checkHold checks a capture or release of a hold.
func (pl *childPlan) checkHold(op Operation, amount int64, now time.Time) error {
	p, l := pl.parent, pl.ledger
	switch {
	case p.Kind != store.KindPreauth:
		return refuse(CauseChildNotAHold, "")
	case l.Captured.Minor > 0:
		return refuse(CauseChildAlreadyCaptured, l.Captured.Major())
	case l.Released:
		return refuse(CauseChildAlreadyReleased, "")
	case !now.Before(l.ExpiresAt):
		return refuse(CauseChildHoldExpired, l.ExpiresAt.Format(time.RFC3339))
	case amount > p.AmountMinor:
		return refuse(CauseChildOverHold, l.Amount.Major())
	case op == Release && amount != 0 && amount != p.AmountMinor:
		return refuse(CauseChildNoPartial, "")
	}
	pl.amount = p.AmountMinor
	if op == Capture && amount > 0 && amount < p.AmountMinor {
		pl.amount, pl.send = amount, amount
	}
	return nil
}

// checkRefund checks a refund; after any refund the amount is always sent
// (MAPI.md §9).
func (pl *childPlan) checkRefund(amount int64) error {
	p, l := pl.parent, pl.ledger
	left := l.Remaining.Minor
	switch {
	case p.Kind == store.KindPreauth && l.Captured.Minor == 0:
		return refuse(CauseChildNotCaptured, "")
	case left <= 0:
		return refuse(CauseChildNothingLeft, "")
	case amount > left:
		return refuse(CauseChildOverRemaining, l.Remaining.Major())
	}
	pl.amount = left
	if amount > 0 {
		pl.amount = amount
	}
	if pl.amount < left || l.Refunded.Minor > 0 {
		pl.send = pl.amount
	}
	return nil
}

// partial reports whether the plan is a partial operation: a capture of
// less than the hold, a refund of less than the sale's (or captured) amount.
func (pl *childPlan) partial() bool {
	switch pl.op {
	case Capture:
		return pl.amount < pl.parent.AmountMinor
	case Refund:
		base := pl.parent.AmountMinor
		if pl.parent.Kind == store.KindPreauth {
			base = pl.ledger.Captured.Minor
		}
		return pl.amount < base
	}
	return false
}

// checkPartial refuses a partial operation the gate does not allow. The
// flags come from the payment's journaled status answer; a journal without
// them (older versions) asks the gateway's status once (no money moves).
func (e *Engine) checkPartial(ctx context.Context, pl childPlan) error {
	key := fGateCapture
	if pl.op == Refund {
		key = fGateReversal
	}
	v := gateFlag(pl.parent, key)
	if v == "" {
		res, err := e.askGate(ctx, pl.parent)
		if err != nil {
			return errorOf(ErrGatewayUnreachable, Reason{Cause: CauseChildNotSent, Detail: err.Error()})
		}
		v = enabledWord(res.GatePartialCapture)
		if pl.op == Refund {
			v = enabledWord(res.GatePartialReversal)
		}
	}
	if v != mapi.PartialEnabled {
		return refuse(CauseChildNoPartial, "")
	}
	return nil
}

// askGate asks the gateway for the payment's status (for its gate flags).
func (e *Engine) askGate(ctx context.Context, p store.Payment) (*mapi.StatusResult, error) {
	ctx, cancel := context.WithTimeout(ctx, e.Config().SaleTimeout)
	defer cancel()
	return e.gw().Status(ctx, mapi.StatusRequest{ClientOrderID: p.ClientOrderID, PaynetOrderID: p.PaynetOrderID})
}

// gateFlag is the payment's latest journaled gate flag key ("" if none).
func gateFlag(p store.Payment, key string) string {
	v := ""
	for _, ev := range p.Events {
		if x := ev.Fields[key]; x != "" && !store.IsChildEvent(ev.Type) {
			v = x
		}
	}
	return v
}

func enabledWord(on bool) string {
	if on {
		return mapi.PartialEnabled
	}
	return "no"
}

// needsDecision reports whether the payment's last child was unknown and
// then proved never created, with no manager's decision journaled after
// it: only such a decision (RetryChild) lets a new child start.
func needsDecision(p store.Payment, kids []store.Child) bool {
	if len(kids) == 0 {
		return false
	}
	last := kids[len(kids)-1]
	if last.Status != store.StatusError || last.Fields[fNotCreated] != "yes" || !wasUnknown(last) {
		return false
	}
	for _, ev := range p.Events {
		if ev.Type == store.EventOverride && ev.Fields[store.FieldChild] == last.ID && ev.Fields[fDecision] == decisionRetry {
			return false
		}
	}
	return true
}

// wasUnknown reports whether a child was ever unknown.
func wasUnknown(c store.Child) bool {
	for _, ev := range c.Events {
		if ev.Type == store.EventChildUnknown {
			return true
		}
	}
	return false
}
