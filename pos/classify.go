package pos

import (
	"errors"
	"time"

	"kassa/mapi"
)

// replyOutcome is what a payment request's reply means (MAPI §3).
type replyOutcome uint8

const (
	replyAccepted replyOutcome = iota // the gateway took it: its final status follows
	replyNotSent                      // nothing reached the gateway: failed, not charged
	replyRefused                      // the gateway refused it: failed, not charged
	replyUnknown                      // it may have reached the gateway: unknown, resolve by status
)

// decision is the classification of a payment request's reply.
type decision struct {
	outcome  replyOutcome
	reason   Reason // the final (not sent, refused) or unknown reason
	answered bool   // the gateway answered (for the gateway status)
	orderID  string // the gateway's order id from a duplicate refusal
}

// classify decides what a sale or preauth reply (acc, err) means. It is
// pure: every rule is in the table test of classify_test.go.
func classify(acc *mapi.Accepted, err error) decision {
	var notSent *mapi.NotSentError
	var refused *mapi.RefusedError
	switch {
	case err == nil && acc == nil:
		// No error and no reply is no answer: it may have arrived.
		return decision{outcome: replyUnknown, reason: Reason{Cause: CauseNoReply}}
	case err == nil:
		return decision{outcome: replyAccepted, reason: Reason{Cause: CauseWaitingBank}, answered: true}
	case errors.As(err, &notSent):
		return decision{outcome: replyNotSent, reason: Reason{Cause: CauseBankUnreachable, Detail: err.Error()}}
	case errors.As(err, &refused) && refused.Duplicate():
		// The order exists: its status decides.
		return decision{outcome: replyUnknown, reason: Reason{Cause: CauseNoReply}, answered: true, orderID: refused.PaynetOrderID}
	case errors.As(err, &refused):
		msg := refused.Message
		if msg == "" {
			msg = refused.Type
		}
		return decision{outcome: replyRefused, answered: true,
			reason: Reason{Cause: CauseBankRefused, Code: refused.Code, Message: msg, Detail: err.Error()}}
	}
	return decision{outcome: replyUnknown, reason: Reason{Cause: CauseNoReply, Detail: err.Error()}}
}

// statusOutcome is what one status answer means for a payment.
type statusOutcome uint8

const (
	statusWait    statusOutcome = iota // nothing final: keep checking
	statusFinal                        // a final status: journal it
	statusUnknown                      // journal unknown (once) and keep checking
)

// statusDecision is the classification of a status answer.
type statusDecision struct {
	outcome  statusOutcome
	status   Status // for statusFinal
	reason   Reason // for statusFinal and statusUnknown
	answered bool   // the gateway answered
}

// statusFacts are what the payment knows when its status answer comes.
type statusFacts struct {
	acked     bool          // the gateway acknowledged the order
	sinceSent time.Duration // since the request may have gone out
	grace     time.Duration // Config.NotFoundGrace
}

// classifyStatus decides what a status answer means. It is pure: every
// rule is in the table test of classify_test.go.
//
// A payment whose intent is journaled may have reached the gateway, so
// "order not found" keeps it unknown through the grace period, then it is
// final "not charged" — unless the gateway had acknowledged the order: then
// it stays unknown for a manager to ask the bank.
func classifyStatus(res *mapi.StatusResult, err error, f statusFacts) statusDecision {
	var refused *mapi.RefusedError
	switch {
	case err == nil && res.Status.Final():
		st := statusOfGateway(res.Status)
		return statusDecision{outcome: statusFinal, status: st, answered: true,
			reason: statusReason(st, res.ErrorCode, res.ErrorMessage)}
	case err == nil && res.Status == mapi.StatusUnknown:
		return statusDecision{outcome: statusUnknown, reason: Reason{Cause: CauseBankSaysUnknown}, answered: true}
	case err == nil:
		return statusDecision{outcome: statusWait, answered: true}
	case errors.As(err, &refused) && refused.NotFound():
		switch {
		case f.acked && f.sinceSent < f.grace:
			return statusDecision{outcome: statusWait, answered: true}
		case f.acked:
			return statusDecision{outcome: statusUnknown, reason: Reason{Cause: CauseAcceptedThenMissing}, answered: true}
		case f.sinceSent >= f.grace:
			return statusDecision{outcome: statusFinal, status: StatusFailed, reason: Reason{Cause: CauseNoRecordAtBank}, answered: true}
		}
		return statusDecision{outcome: statusUnknown, reason: Reason{Cause: CauseNotFoundYet}, answered: true}
	case errors.As(err, &refused):
		return statusDecision{outcome: statusWait, answered: true}
	}
	return statusDecision{outcome: statusWait}
}
