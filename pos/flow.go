package pos

// phase is what the checkout is doing.
type phase uint8

const (
	phaseStarting   phase = iota // Start has not finished
	phaseRecovering              // the start-up check of earlier payments
	phaseIdle                    // no payment running
	phaseReader                  // Pay: opening the reader
	phaseCard                    // Pay: waiting for the card
	phaseSending                 // Pay: card read; journaling the intent and sending
	phaseAwaiting                // Pay: sent; waiting for the final answer
	phaseConfirming              // Pay: chip at the EMV stage: CONTINUE and the advice (issue 12)
	phaseRemove                  // Pay: waiting for the chip card to leave the reader (issue 12)
)

// flow is the engine's side of the checkout's state. The screen's stage is
// never set: stageOf derives it from the flow and the shown payment.
type flow struct {
	phase phase
	// event is the reader's latest event while waiting for the card
	// (CauseBadSwipe, CauseChipInserted, and the chip prompts of issue 12:
	// CausePresentCard, CauseInsertCard, CausePINOnReader, …).
	event Cause
	// note is why the checkout is idle without a result: a payment that
	// ended before the journal (failed: StageFailed), or a cancel, closing or
	// a manager's override (StageReady).
	note   Reason
	failed bool
}

// stageOf is THE function deriving the screen's stage and its reason from
// the flow and the shown payment (nil when none).
func stageOf(f flow, p *PaymentView) (Stage, Reason) {
	switch f.phase {
	case phaseStarting:
		return StageStarting, Reason{}
	case phaseRecovering:
		return StageRecovering, Reason{Cause: CauseCheckingEarlier}
	case phaseReader:
		return StageWaitingReader, Reason{Cause: CauseConnectingReader}
	case phaseCard:
		if f.event == CausePINOnReader {
			return StagePINOnReader, Reason{Cause: f.event}
		}
		if f.event != CauseNone {
			return StageWaitingCard, Reason{Cause: f.event}
		}
		return StageWaitingCard, Reason{Cause: CauseSwipeCard}
	case phaseSending:
		return StageSending, Reason{Cause: CauseSending}
	case phaseConfirming:
		return StageConfirming, Reason{Cause: CauseConfirmingCard}
	case phaseRemove:
		return StageRemoveCard, Reason{Cause: CauseRemoveCard}
	case phaseAwaiting:
		if p != nil && (p.Status.Final() || p.Status == StatusUnknown) {
			return resultStage[p.Status], p.Reason
		}
		return StageWaitingBank, Reason{Cause: CauseWaitingBank}
	}
	switch {
	case f.failed:
		return StageFailed, f.note
	case f.note.Cause != CauseNone:
		return StageReady, f.note
	case p != nil:
		return resultStage[p.Status], p.Reason
	}
	return StageReady, Reason{}
}

// canCancel reports whether a payment in this phase can still be
// cancelled (nothing journaled yet).
func (p phase) canCancel() bool { return p == phaseReader || p == phaseCard }
