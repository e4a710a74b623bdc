package pos

import (
	"errors"
	"time"

	"kassa/mapi"
	"kassa/store"
)

// childOutcome is what a reply or a status answer means for a child.
type childOutcome uint8

const (
	childWait     childOutcome = iota // no final answer yet: keep checking
	childAccepted                     // the gateway took the request (serial known)
	childFinal                        // final: journal it
	childUnknown                      // may exist at the bank: unknown, resolve by status
)

// childDecision is the meaning of one reply or status answer.
type childDecision struct {
	outcome    childOutcome
	status     Status // final status
	reason     Reason
	serial     string
	notCreated bool // final "not done", and the bank certainly has no such child
	answered   bool // the gateway answered
}

// classifyChildReply reads the reply to a capture or return: accepted; not
// sent or refused (final, not done, never created); anything else unknown.
func classifyChildReply(acc *mapi.Accepted, err error) childDecision {
	var ns *mapi.NotSentError
	var rf *mapi.RefusedError
	switch {
	case err == nil:
		return childDecision{outcome: childAccepted, serial: acc.SerialNumber, answered: true, reason: Reason{Cause: CauseChildProcessing}}
	case errors.As(err, &ns):
		return childDecision{outcome: childFinal, status: StatusFailed, notCreated: true,
			reason: Reason{Cause: CauseChildNotSent, Detail: err.Error()}}
	case errors.As(err, &rf):
		return childDecision{outcome: childFinal, status: StatusFailed, notCreated: true, answered: true, serial: rf.SerialNumber,
			reason: Reason{Cause: CauseChildBankRefused, Code: rf.Code, Message: rf.Message, Detail: err.Error()}}
	}
	return childDecision{outcome: childUnknown, reason: Reason{Cause: CauseChildNoReply, Detail: err.Error()}}
}

// childFacts are what the journal knows when a status answer comes.
type childFacts struct {
	bySerial   bool          // the answer is for the child's own request (by-request-sn)
	sinceBegin time.Duration // since the child was journaled
	grace      time.Duration // how long "no such child" may still be the bank's delay
	earlier    bool          // an earlier child of the payment makes the same transaction type
}

// classifyChildStatus reads a status answer about child c, whose payment
// stood at before (the child's own effect not counted). By serial number:
// that request's transaction. Without one (the reply never came): the
// order's latest transaction-type and the totals against what the child
// would make them (MAPI.md §9); totals unchanged and no such transaction
// after the grace period means never created.
func classifyChildStatus(c store.Child, before store.Ledger, res *mapi.StatusResult, err error, f childFacts) childDecision {
	var rf *mapi.RefusedError
	if err != nil {
		if errors.As(err, &rf) && rf.NotFound() && !f.bySerial {
			return notCreatedYet(f)
		}
		return childDecision{outcome: childWait, reason: Reason{Cause: CauseChildNoReply, Detail: err.Error()}, answered: errors.As(err, &rf)}
	}
	if f.bySerial {
		return bySerial(res)
	}
	ours := Operation(c.Operation).mapiOp().Produces(res.TransactionType)
	switch {
	case effectShown(c, before, res):
		// The totals moved by exactly this child: it was made and approved.
		return childDecision{outcome: childFinal, status: StatusApproved, answered: true, reason: Reason{Cause: CauseChildDone}}
	case ours && !res.Status.Final():
		return childDecision{outcome: childWait, answered: true, reason: Reason{Cause: CauseChildProcessing}}
	case ours && !f.earlier && res.Status == mapi.StatusApproved && c.Operation == store.OpRelease:
		return childDecision{outcome: childFinal, status: StatusApproved, answered: true, reason: Reason{Cause: CauseChildDone}}
	case ours && !f.earlier && res.Status != mapi.StatusApproved:
		return childDecision{outcome: childFinal, status: StatusDeclined, answered: true,
			reason: Reason{Cause: CauseChildDeclined, Code: res.ErrorCode, Message: res.ErrorMessage}}
	}
	// No transaction of this child (the latest is the payment's own or an
	// earlier child's) and the totals unchanged.
	d := notCreatedYet(f)
	d.answered = true
	return d
}

// bySerial reads the status of the child's own request.
func bySerial(res *mapi.StatusResult) childDecision {
	switch {
	case res.Status == mapi.StatusApproved:
		return childDecision{outcome: childFinal, status: StatusApproved, answered: true, reason: Reason{Cause: CauseChildDone}}
	case res.Status.Final():
		return childDecision{outcome: childFinal, status: StatusDeclined, answered: true,
			reason: Reason{Cause: CauseChildDeclined, Code: res.ErrorCode, Message: res.ErrorMessage}}
	}
	return childDecision{outcome: childWait, answered: true, reason: Reason{Cause: CauseChildProcessing}}
}

// notCreatedYet: the bank shows no such child; after the grace period it
// never was.
func notCreatedYet(f childFacts) childDecision {
	if f.sinceBegin >= f.grace {
		return childDecision{outcome: childFinal, status: StatusFailed, notCreated: true, answered: true,
			reason: Reason{Cause: CauseChildNotCreated}}
	}
	return childDecision{outcome: childWait, reason: Reason{Cause: CauseChildNoReply}}
}

// effectShown reports whether the status totals show exactly the child's
// effect on top of before.
func effectShown(c store.Child, before store.Ledger, res *mapi.StatusResult) bool {
	switch c.Operation {
	case store.OpCapture:
		return before.Captured == 0 && res.TotalCapture.Minor == c.AmountMinor
	case store.OpRefund:
		return res.TotalReversal.Minor == before.Refunded+c.AmountMinor
	}
	return false
}
