package pos

import "fmt"

// Stage is where the checkout is in a payment's life.
type Stage uint8

// The checkout's stages.
const (
	StageStarting      Stage = iota // engine opening journal, reader and gateway
	StageRecovering                 // checking earlier payments with the bank
	StageReady                      // ready for a new payment
	StageWaitingReader              // waiting for the card reader to answer
	StageWaitingCard                // amount shown on the reader; waiting for a swipe
	StageSending                    // request to the bank being sent
	StageWaitingBank                // accepted; waiting for the final answer
	StageApproved                   // final: approved
	StageDeclined                   // final: declined or filtered
	StageFailed                     // final: failed (error, not charged)
	StageUnknown                    // outcome not known yet; resolving in the background
	// Issue 12 (chip and contactless). StageWaitingCard is "present the
	// card": its Reason says how (tap, insert or swipe; insert the card;
	// swipe after a chip that can't be read; …).
	StagePINOnReader // the customer is entering the PIN on the reader (chip read under way)
	StageConfirming  // the bank answered; the card is confirming it (CONTINUE and the advice)
	StageRemoveCard  // remove the card from the reader
)

// stageTable is THE table of stages: the name (logs, JSON) and whether the
// stage ends a payment.
var stageTable = [...]struct {
	name  string
	final bool
}{
	StageStarting:      {"starting", false},
	StageRecovering:    {"recovering", false},
	StageReady:         {"ready", false},
	StageWaitingReader: {"waiting-reader", false},
	StageWaitingCard:   {"waiting-card", false},
	StageSending:       {"sending", false},
	StageWaitingBank:   {"waiting-bank", false},
	StageApproved:      {"approved", true},
	StageDeclined:      {"declined", true},
	StageFailed:        {"failed", true},
	StageUnknown:       {"unknown", true},
	StagePINOnReader:   {"pin-on-reader", false},
	StageConfirming:    {"card-confirming", false},
	StageRemoveCard:    {"remove-card", false},
}

// String is the stage's stable name ("waiting-card", …) for logs and JSON.
func (s Stage) String() string {
	if int(s) < len(stageTable) {
		return stageTable[s].name
	}
	return fmt.Sprintf("stage(%d)", uint8(s))
}

// Final reports whether the stage is the end of a payment (approved,
// declined, failed or unknown).
func (s Stage) Final() bool { return int(s) < len(stageTable) && stageTable[s].final }

// MarshalText encodes the stage as its name.
func (s Stage) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Stages lists every stage, in order (for the words tests).
func Stages() []Stage {
	out := make([]Stage, len(stageTable))
	for i := range out {
		out[i] = Stage(i)
	}
	return out
}

// resultStage is the stage that shows a payment's result.
var resultStage = [...]Stage{
	StatusPending:  StageWaitingBank,
	StatusApproved: StageApproved,
	StatusDeclined: StageDeclined,
	StatusFiltered: StageDeclined,
	StatusFailed:   StageFailed,
	StatusUnknown:  StageUnknown,
}
