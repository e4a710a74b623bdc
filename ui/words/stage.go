package words

import "kassa/pos"

// stages is THE table from a checkout stage to its words.
var stages = map[pos.Stage]string{
	pos.StageStarting:      "Starting",
	pos.StageRecovering:    "Checking earlier payments",
	pos.StageReady:         "Ready",
	pos.StageWaitingReader: "Waiting for the card reader",
	pos.StageWaitingCard:   "Waiting for card",
	pos.StageSending:       "Sending to the bank",
	pos.StageWaitingBank:   "Waiting for the bank",
	pos.StageApproved:      "Approved",
	pos.StageDeclined:      "Declined",
	pos.StageFailed:        "Failed — not charged",
	pos.StageUnknown:       "Result not known yet",
	pos.StagePINOnReader:   "PIN on the reader", // issue 12
	pos.StageConfirming:    "Card confirming",
	pos.StageRemoveCard:    "Remove the card",
}

// Stage names a checkout stage ("Waiting for card").
func Stage(l Lang, s pos.Stage) string {
	if k, ok := stages[s]; ok {
		return Key(k, l)
	}
	return s.String()
}

// statuses is THE table from a payment status to its words: the status
// word of lists and badges, and the result's title in capitals.
var statuses = map[pos.Status]struct{ word, title string }{
	pos.StatusPending:  {"In progress", "WAITING FOR THE BANK"},
	pos.StatusApproved: {"Approved", "APPROVED"},
	pos.StatusDeclined: {"Declined", "DECLINED"},
	pos.StatusFiltered: {"Declined (filtered)", "DECLINED"},
	pos.StatusFailed:   {"Failed", "FAILED — NOT CHARGED"},
	pos.StatusUnknown:  {"Unknown", "RESULT UNKNOWN — DO NOT CHARGE AGAIN"},
}

// Status names a payment status ("Approved", "Unknown").
func Status(l Lang, s pos.Status) string {
	if w, ok := statuses[s]; ok {
		return Key(w.word, l)
	}
	return s.String()
}

// Title is a payment status as the result screen's title ("APPROVED",
// "RESULT UNKNOWN — DO NOT CHARGE AGAIN").
func Title(l Lang, s pos.Status) string {
	if w, ok := statuses[s]; ok {
		return Key(w.title, l)
	}
	return s.String()
}

// readerStates is THE table from a reader state to the status bar's words.
var readerStates = map[pos.ReaderState]string{
	pos.ReaderStateNotFound:     "Reader not found",
	pos.ReaderStateConnected:    "Reader connected",
	pos.ReaderStateReconnecting: "Reader reconnecting…",
	pos.ReaderStateSimulated:    "Simulated reader",
}

// ReaderState names the card reader's state for the status bar.
func ReaderState(l Lang, s pos.ReaderState) string {
	if k, ok := readerStates[s]; ok {
		return Key(k, l)
	}
	return s.String()
}
