package pos

import (
	"errors"
	"fmt"
	"strings"

	"kassa/device"
)

// Cause is why a payment (or a step) ended where it did; ui turns it into
// words (ui/words). Its String is stored in the journal (field "cause").
type Cause uint16

// The causes. Append new ones at the end, one line each (the journal keeps
// the names, never the numbers, so the order may not matter there, but
// keep it stable anyway).
const (
	CauseNone                Cause = iota
	CauseApproved                  // approved by the bank
	CauseDeclined                  // declined by the bank; Reason.Code/Message: the bank's
	CauseFiltered                  // declined by the bank's fraud control
	CauseFailed                    // the gateway says error; Reason.Message: the gateway's text
	CauseBankUnreachable           // not sent: Kassa could not reach the bank (Reason.Detail: log detail only)
	CauseBankRefused               // not sent: the bank refused the request (Reason.Code/Message)
	CauseNoRecordAtBank            // not charged: the bank has no record of it (after the grace period)
	CauseJournalFailed             // nothing sent: the journal could not be written
	CauseReaderUnavailable         // not charged: the reader could not be opened (Reason.Reader)
	CauseCardUnreadable            // not charged: the card could not be read (Reason.Reader)
	CauseCancelled                 // cancelled before anything was sent
	CauseClosing                   // Kassa is closing; not charged
	CauseWaitingBank               // pending: waiting for the bank's answer
	CauseNoReply                   // unknown: no answer to the payment request
	CauseAcceptedThenMissing       // unknown: the bank accepted it but now has no record of it
	CauseNotFoundYet               // unknown: the bank has no record of it yet
	CauseBankSaysUnknown           // unknown: the bank reports the result as unknown for now
	CauseStoppedBeforeAnswer       // unknown: Kassa stopped before the final answer
	CauseNoFinalAnswerYet          // unknown: no final answer within the wait
	CauseOverridden                // a manager let new payments start (unknown payment still checked)
	CauseConnectingReader          // waiting-reader: connecting to the card reader
	CauseSwipeCard                 // waiting-card: amount on the reader, ask for a swipe (cancel possible)
	CauseBadSwipe                  // waiting-card: the reader saw a bad swipe; swipe again
	CauseChipInserted              // waiting-card: a chip was inserted; swipe instead
	CauseSending                   // sending: the request is going to the bank
	CauseCheckingEarlier           // recovering: checking earlier payments with the bank
	CauseBlocked                   // refused: an earlier payment's result is unknown (override needed)
	CauseBusy                      // refused: a payment or close-day is already running
	CauseRecovering                // refused: still checking earlier payments
	CauseNotFound                  // no such payment in the journal
	CauseConfig                    // the configuration is incomplete or wrong (Reason.Detail)
	CauseDayClosed                 // close-day: finished, Kassa's and the bank's totals agree
	CauseDayTotalsDiffer           // close-day: finished, but figures differ (Reason.Code: how many)
	CauseDayNotClosed              // close-day: the bank answered with an error (Reason.Code/Message)
	CauseDayStillClosing           // close-day: the bank is still closing; run it again later
	CauseDayStopped                // close-day: stopped while the bank was closing; run it again
	CauseDayUnresolved             // close-day: refused, payments unresolved (Reason.Code: how many)
	CauseDayUnresolvedLeft         // close-day: closed anyway with unresolved payments (Reason.Code: how many)
	CauseOtherCurrency             // close-day preview: payments in another currency (Reason.Code: it)
	CauseAmountMismatch            // the bank's amount differs from the journal's (Reason.Message: the bank's)
	CauseCallbackOtherOrder        // alert: a callback named another gateway order id (Reason.Code: it)
	CauseCallbackContradicts       // alert: a late callback contradicts the journal (Reason.Code: its status)
	CauseGatewayContradicts        // alert: the gateway now says another final status (Reason.Code: it)
	CauseGatewayUnreachable        // settings test: the gateway cannot be reached
	CauseGatewayRefused            // settings test: the gateway refused the credentials or request
	CauseKeyNotSaved               // settings: applied, but the control key could not be saved in the keyring
	CauseOverrideIncomplete        // override refused: the manager's name and a reason are needed
	CauseWrongCurrency             // refused: this terminal takes another currency (Reason.Code: ours)
	CauseAmountNotPositive         // refused: the amount must be greater than zero
	CauseDayResuming               // close-day step: resuming an unfinished close (Reason.Code: request id)
	CauseDaySending                // close-day step: sending totals (Reason.Code: sale count, Reason.Message: sum and currency)
	CauseDayBankClosing            // close-day step: the bank is closing the day (processing)
	// Capture, release and refund (issue 11). Outcomes of a child:
	CauseChildDone        // the bank did the capture, release or refund
	CauseChildDeclined    // the bank declined the operation (Reason.Code/Message); the payment stays as it was
	CauseChildNotSent     // not sent: Kassa could not reach the bank; nothing changed
	CauseChildBankRefused // the bank refused the request (Reason.Code/Message); nothing changed
	CauseChildNotCreated  // the bank has no record of it (after the grace period): nothing changed
	CauseChildNoReply     // unknown: no answer to the request; resolving by status, never sent again
	CauseChildStopped     // unknown: Kassa stopped before the answer; resolving by status
	CauseChildNoFinalYet  // unknown: no final answer within the wait; resolving by status
	CauseChildProcessing  // the bank is processing the operation
	// Local refusals of a child (nothing journaled, nothing sent):
	CauseChildPaymentNotApproved // the payment was not approved (declined, failed)
	CauseChildPaymentUnresolved  // the payment's own result is not known yet
	CauseChildInProgress         // another operation of this payment is not final yet
	CauseChildNotAHold           // capture or release of a sale (no hold)
	CauseChildNotCaptured        // refund of a hold that was not captured
	CauseChildAlreadyCaptured    // capture or release of a captured hold
	CauseChildAlreadyReleased    // capture or release of a released hold
	CauseChildHoldExpired        // capture or release after the hold period (Reason.Code: when it expired)
	CauseChildOverHold           // capture over the held amount (Reason.Code: the held amount)
	CauseChildOverRemaining      // refund over what is left (Reason.Code: what is left)
	CauseChildNothingLeft        // refund of a payment refunded in full
	CauseChildNoPartial          // partial operation where the gate does not allow it
	CauseChildNeedsManager       // the last one's result was unknown, then not found: only a manager may do it again
	CauseChildNotRetryable       // a manager's retry of a child the bank may have: refused
	// Issue 12 (chip and contactless): reader prompts while taking a card,
	// the EMV stage, and the unknown results of a chip transaction cut short.
	CausePresentCard    // stage: tap, insert or swipe the card
	CauseInsertCard     // stage: insert the card (the card asked for its chip, or a chip card was swiped)
	CauseSwipeFallback  // stage: the chip can't be read: swipe the card
	CauseWrongWay       // stage: card inserted the wrong way, or not a chip card
	CauseOtherCard      // stage: this card can't be used here: another card
	CauseReadingCard    // stage: the reader is reading the card (chip or tap)
	CausePINOnReader    // stage: the customer is entering the PIN on the reader
	CauseSeePhone       // stage: the customer confirms on the phone
	CauseCardTakenOut   // stage: the card was taken out while being read: present it again
	CauseConfirmingCard // stage: the card is confirming the bank's answer (CONTINUE, advice)
	CauseRemoveCard     // stage: remove the card from the reader
	CauseCardPulled     // unknown: the card was pulled out before it confirmed the payment
	CauseReaderLostCard // unknown: the reader was lost before the card confirmed the payment
	CauseAdviceNotSent  // unknown: the card's confirmation did not reach the bank
	// Issue 13: cashiers, shifts and reports.
	CauseWrongPIN        // sign-in refused: the PIN is not this cashier's
	CauseCashierDisabled // sign-in refused: the cashier is disabled
	CauseLastManager     // refused: the last enabled manager cannot be disabled or demoted
	CauseNameTaken       // refused: another cashier has this name
	CauseNoShift         // payment refused: no shift is open (sign in first)
	CauseDayEmpty        // close-day: nothing to send (no approved payments in the open day)
	CauseNoCashier       // refused: no such cashier (Reason.Code: the name)
	// issue 14: journal backups
	CauseBackupOld      // status bar: the newest backup is older than two days (Reason.Code: days)
	CauseBackupNone     // status bar: no backup in the two days since Kassa started
	CauseBackupFailed   // a backup could not be written (Reason.Detail: why); the journal is untouched
	CauseBackupDiskFull // a backup failed: the backup disk is full; the journal is untouched
	CauseBackupNoFolder // Back up now: no backup folder is set (KASSA_BACKUP_DIR or Settings)
	CauseBackupDone     // a backup was written and verified (Reason.Code: its file)
	// issue 15: the manager's Store view
	CauseStoreNotConfigured // Store view: no store database is set (KASSA_CENTRAL_DB)
	CauseStoreUnreachable   // Store view: the store database could not be read (Reason.Detail: why)
	// issue 17 (reliability):
	CauseDayNoAnswer // close-day: the bank could not be reached or did not answer; not closed yet (resumes the same request)
	// issue 16: the receipt printer (not printed; nothing journaled as printed)
	CausePrinterRefused     // the network printer refused the connection
	CausePrinterUnreachable // the network printer did not answer
	CausePrinterNotFound    // the printer's device is not there (unplugged, wrong path)
	CausePrinterNoAccess    // no permission to open the printer's device
	CausePrinterBusy        // the printer is in use (another program, another print)
	CausePrinterStopped     // the printer closed the connection in the middle of the receipt
	CausePrinterSilent      // the printer stopped taking data or answering (write timeout)
	CausePrinterPaperOut    // the printer reports it is out of paper
	CausePrinterCoverOpen   // the printer reports its cover open
	CausePrinterOffline     // the printer reports itself offline or in error
	CausePrinterFailed      // another printer error (Reason.Detail)
	CausePrinterConfig      // the printer setting is wrong (Reason.Detail)
	CausePrintCommandFailed // the OS print command for the PDF failed (Reason.Detail); the PDF is saved
	CausePrinterPaperLow    // status: the printer's paper is near its end (it still prints)
	CausePrintNotJournaled  // printed, but the journal could not record the print (Reason.Detail)
	// polish (issue 11): the hold period as a setting
	CauseHoldPeriodInvalid // the hold period is not whole days from 1 to 30 (Reason.Code: the value given)
	// issue 14: the background check of the whole journal
	CauseJournalDamaged // not sent: the journal's hash chain is broken; payments are stopped (Reason.Detail)
	causeCount
)

// causeNames is THE table of cause names (journal field "cause", logs).
var causeNames = [...]string{
	CauseNone:                "",
	CauseApproved:            "approved",
	CauseDeclined:            "declined",
	CauseFiltered:            "filtered",
	CauseFailed:              "failed",
	CauseBankUnreachable:     "bank-unreachable",
	CauseBankRefused:         "bank-refused",
	CauseNoRecordAtBank:      "no-record-at-bank",
	CauseJournalFailed:       "journal-failed",
	CauseReaderUnavailable:   "reader-unavailable",
	CauseCardUnreadable:      "card-unreadable",
	CauseCancelled:           "cancelled",
	CauseClosing:             "closing",
	CauseWaitingBank:         "waiting-bank",
	CauseNoReply:             "no-reply",
	CauseAcceptedThenMissing: "accepted-then-missing",
	CauseNotFoundYet:         "not-found-yet",
	CauseBankSaysUnknown:     "bank-says-unknown",
	CauseStoppedBeforeAnswer: "stopped-before-answer",
	CauseNoFinalAnswerYet:    "no-final-answer-yet",
	CauseOverridden:          "overridden",
	CauseConnectingReader:    "connecting-reader",
	CauseSwipeCard:           "swipe-card",
	CauseBadSwipe:            "bad-swipe",
	CauseChipInserted:        "chip-inserted",
	CauseSending:             "sending",
	CauseCheckingEarlier:     "checking-earlier",
	CauseBlocked:             "blocked",
	CauseBusy:                "busy",
	CauseRecovering:          "recovering",
	CauseNotFound:            "not-found",
	CauseConfig:              "config",
	CauseDayClosed:           "day-closed",
	CauseDayTotalsDiffer:     "day-totals-differ",
	CauseDayNotClosed:        "day-not-closed",
	CauseDayStillClosing:     "day-still-closing",
	CauseDayStopped:          "day-stopped",
	CauseDayUnresolved:       "day-unresolved",
	CauseDayUnresolvedLeft:   "day-unresolved-left",
	CauseOtherCurrency:       "other-currency",
	CauseAmountMismatch:      "amount-mismatch",
	CauseCallbackOtherOrder:  "callback-other-order",
	CauseCallbackContradicts: "callback-contradicts",
	CauseGatewayContradicts:  "gateway-contradicts",
	CauseGatewayUnreachable:  "gateway-unreachable",
	CauseGatewayRefused:      "gateway-refused",
	CauseKeyNotSaved:         "key-not-saved",
	CauseOverrideIncomplete:  "override-incomplete",
	CauseWrongCurrency:       "wrong-currency",
	CauseAmountNotPositive:   "amount-not-positive",
	CauseDayResuming:         "day-resuming",
	CauseDaySending:          "day-sending",
	CauseDayBankClosing:      "day-bank-closing",
	// issue 11: capture, release, refund
	CauseChildDone:               "child-done",
	CauseChildDeclined:           "child-declined",
	CauseChildNotSent:            "child-not-sent",
	CauseChildBankRefused:        "child-bank-refused",
	CauseChildNotCreated:         "child-not-created",
	CauseChildNoReply:            "child-no-reply",
	CauseChildStopped:            "child-stopped",
	CauseChildNoFinalYet:         "child-no-final-yet",
	CauseChildProcessing:         "child-processing",
	CauseChildPaymentNotApproved: "child-payment-not-approved",
	CauseChildPaymentUnresolved:  "child-payment-unresolved",
	CauseChildInProgress:         "child-in-progress",
	CauseChildNotAHold:           "child-not-a-hold",
	CauseChildNotCaptured:        "child-not-captured",
	CauseChildAlreadyCaptured:    "child-already-captured",
	CauseChildAlreadyReleased:    "child-already-released",
	CauseChildHoldExpired:        "child-hold-expired",
	CauseChildOverHold:           "child-over-hold",
	CauseChildOverRemaining:      "child-over-remaining",
	CauseChildNothingLeft:        "child-nothing-left",
	CauseChildNoPartial:          "child-no-partial",
	CauseChildNeedsManager:       "child-needs-manager",
	CauseChildNotRetryable:       "child-not-retryable",
	// Issue 12.
	CausePresentCard:    "present-card",
	CauseInsertCard:     "insert-card",
	CauseSwipeFallback:  "swipe-fallback",
	CauseWrongWay:       "wrong-way",
	CauseOtherCard:      "other-card",
	CauseReadingCard:    "reading-card",
	CausePINOnReader:    "pin-on-reader",
	CauseSeePhone:       "see-phone",
	CauseCardTakenOut:   "card-taken-out",
	CauseConfirmingCard: "confirming-card",
	CauseRemoveCard:     "remove-card",
	CauseCardPulled:     "card-pulled",
	CauseReaderLostCard: "reader-lost-card",
	CauseAdviceNotSent:  "advice-not-sent",

	// Issue 13: cashiers, shifts and reports.
	CauseWrongPIN:        "wrong-pin",
	CauseCashierDisabled: "cashier-disabled",
	CauseLastManager:     "last-manager",
	CauseNameTaken:       "name-taken",
	CauseNoShift:         "no-shift",
	CauseDayEmpty:        "day-empty",
	CauseNoCashier:       "no-cashier",
	// issue 14
	CauseBackupOld:      "backup-old",
	CauseBackupNone:     "backup-none",
	CauseBackupFailed:   "backup-failed",
	CauseBackupDiskFull: "backup-disk-full",
	CauseBackupNoFolder: "backup-no-folder",
	CauseBackupDone:     "backup-done",
	// issue 16
	CausePrinterRefused:     "printer-refused",
	CausePrinterUnreachable: "printer-unreachable",
	CausePrinterNotFound:    "printer-not-found",
	CausePrinterNoAccess:    "printer-no-access",
	CausePrinterBusy:        "printer-busy",
	CausePrinterStopped:     "printer-stopped",
	CausePrinterSilent:      "printer-silent",
	CausePrinterPaperOut:    "printer-paper-out",
	CausePrinterCoverOpen:   "printer-cover-open",
	CausePrinterOffline:     "printer-offline",
	CausePrinterFailed:      "printer-failed",
	CausePrinterConfig:      "printer-config",
	CausePrintCommandFailed: "print-command-failed",
	CausePrinterPaperLow:    "printer-paper-low",
	CausePrintNotJournaled:  "print-not-journaled",
	CauseHoldPeriodInvalid:  "hold-period-invalid", // polish (issue 11)
	// issue 15
	CauseStoreNotConfigured: "store-not-configured",
	CauseStoreUnreachable:   "store-unreachable",
	CauseDayNoAnswer:        "day-no-answer",   // issue 17
	CauseJournalDamaged:     "journal-damaged", // issue 14
}

// String is the cause's stable lower-case name, e.g. "bank-unreachable"
// ("" for CauseNone): it is what the journal stores.
func (c Cause) String() string {
	if c < causeCount {
		return causeNames[c]
	}
	return fmt.Sprintf("cause(%d)", uint16(c))
}

// MarshalText encodes the cause as its name.
func (c Cause) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// ParseCause parses a cause name (the output of String).
func ParseCause(s string) (Cause, bool) {
	for i, n := range causeNames {
		if n == s {
			return Cause(i), true
		}
	}
	return CauseNone, false
}

// Causes lists every cause but CauseNone (for the test that each has words
// in every language).
func Causes() []Cause {
	out := make([]Cause, 0, causeCount-1)
	for c := CauseNone + 1; c < causeCount; c++ {
		out = append(out, c)
	}
	return out
}

// ReaderProblem is what went wrong with the card reader (from device's
// typed errors).
type ReaderProblem uint8

// The reader problems.
const (
	ReaderOK             ReaderProblem = iota
	ReaderTimeout                      // no card swiped in time
	ReaderGone                         // the reader was disconnected
	ReaderNotFound                     // no reader found
	ReaderPortBusy                     // the reader's port is in use by another program
	ReaderNoKeys                       // the reader has no encryption keys: needs support, not a cable
	ReaderNoAnswer                     // the reader does not answer
	ReaderOther                        // anything else (Reason.Detail has the error)
	ReaderNoPermission                 // no permission to open the serial port
	ReaderWrongReader                  // a different reader is connected
	ReaderCardRemoved                  // issue 12: the card was taken out of the slot while being read
	ReaderChipUnreadable               // issue 12: the chip can't be read and the card may not be swiped
)

// readerProblems is THE table from device errors to problems, with the
// problems' names.
var readerProblems = [...]struct {
	err  error
	name string
}{
	ReaderOK:           {nil, "ok"},
	ReaderTimeout:      {device.ErrReadTimeout, "timeout"},
	ReaderGone:         {device.ErrDeviceGone, "gone"},
	ReaderNotFound:     {device.ErrNotFound, "not-found"},
	ReaderPortBusy:     {device.ErrPortBusy, "port-busy"},
	ReaderNoKeys:       {device.ErrNotSREDReady, "no-keys"},
	ReaderNoAnswer:     {device.ErrNoResponse, "no-answer"},
	ReaderOther:        {nil, "other"},
	ReaderNoPermission: {device.ErrPermission, "no-permission"},
	ReaderWrongReader:  {device.ErrOtherReader, "wrong-reader"},
	// Issue 12.
	ReaderCardRemoved:    {device.ErrCardRemoved, "card-removed"},
	ReaderChipUnreadable: {device.ErrChipUnreadable, "chip-unreadable"},
}

// String is the problem's stable name.
func (p ReaderProblem) String() string {
	if int(p) < len(readerProblems) {
		return readerProblems[p].name
	}
	return fmt.Sprintf("reader-problem(%d)", uint8(p))
}

// ReaderProblems lists every problem but ReaderOK (for the words tests).
func ReaderProblems() []ReaderProblem {
	out := make([]ReaderProblem, 0, len(readerProblems)-1)
	for i := 1; i < len(readerProblems); i++ {
		out = append(out, ReaderProblem(i))
	}
	return out
}

// ReaderProblemOf classifies a reader error (nil is ReaderOK).
func ReaderProblemOf(err error) ReaderProblem {
	if err == nil {
		return ReaderOK
	}
	for i, row := range readerProblems {
		if row.err != nil && errors.Is(err, row.err) {
			return ReaderProblem(i)
		}
	}
	return ReaderOther
}

// Reason is a cause with its arguments.
type Reason struct {
	Cause   Cause
	Reader  ReaderProblem // for the reader causes
	Code    string        // the bank's error/decline code, if any (or the cause's one argument)
	Message string        // the bank's own text, if any (shown translated when ui knows it, else as is)
	Detail  string        // developer detail for the log only; never shown
}

// Error is a short lower-case description, e.g. "bank unreachable" or
// "declined: insufficient funds" (for errors, logs and plain output).
func (r Reason) Error() string {
	s := strings.ReplaceAll(r.Cause.String(), "-", " ")
	if r.Reader != ReaderOK {
		s += ": reader " + strings.ReplaceAll(r.Reader.String(), "-", " ")
	}
	if r.Code != "" {
		s += " (" + r.Code + ")"
	}
	if m := strings.TrimSuffix(strings.TrimSpace(r.Message), "."); m != "" {
		s += ": " + m
	}
	return s
}

// Error is an engine error: a Reason wrapping one of the sentinel errors
// (errors.Is(err, pos.ErrNoReader) keeps working).
type Error struct {
	Reason Reason
	Err    error // the sentinel, or nil
}

// Error is the sentinel's text (else the reason's) with the reader problem
// and the developer detail.
func (e *Error) Error() string {
	if e.Err == nil {
		s := e.Reason.Error()
		if e.Reason.Detail != "" {
			s += ": " + e.Reason.Detail
		}
		return s
	}
	s := e.Err.Error()
	if e.Reason.Reader != ReaderOK {
		s += ": reader " + strings.ReplaceAll(e.Reason.Reader.String(), "-", " ")
	}
	if e.Reason.Detail != "" {
		s += ": " + e.Reason.Detail
	}
	return s
}

// Unwrap gives the sentinel.
func (e *Error) Unwrap() error { return e.Err }

// errorOf makes an *Error of a sentinel and a reason.
func errorOf(sentinel error, r Reason) *Error { return &Error{Reason: r, Err: sentinel} }

// ReasonOf returns the Reason of an engine error (CauseNone when err carries
// none).
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return Reason{}
}

// unknownCauses are the causes of a payment whose result is not known: it
// may have been charged, so it must never be charged again.
var unknownCauses = map[Cause]bool{
	CauseNoReply: true, CauseAcceptedThenMissing: true, CauseNotFoundYet: true,
	CauseBankSaysUnknown: true, CauseStoppedBeforeAnswer: true, CauseNoFinalAnswerYet: true,
	CauseChildNoReply: true, CauseChildStopped: true, CauseChildNoFinalYet: true, // issue 11
	CauseCardPulled: true, CauseReaderLostCard: true, CauseAdviceNotSent: true, // issue 12
}

// Unknown reports whether c leaves a payment's result unknown (maybe
// charged: never charge it again).
func (c Cause) Unknown() bool { return unknownCauses[c] }
