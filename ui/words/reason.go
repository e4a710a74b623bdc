package words

import (
	"strings"

	"kassa/pos"
)

// says is what a cause or a reader problem says: what happened and what to
// do, as translation keys (the English words). Placeholders: {bank} the
// bank's text (translated when known, else quoted), {code} the reason's
// code or count, {reader} the reader problem's words. bare replaces what
// when the reason has no bank text.
type says struct{ what, todo, bare string }

// Shared "what to do" words.
const (
	todoNotCharged  = "The card was not charged. Try again or use another payment method."
	todoOtherCard   = "Ask for another card or another payment method."
	todoUnknown     = "Do not take another payment for this purchase until the result is known. A manager can override to continue with other customers."
	todoWait        = "Wait for the bank's answer; do not charge again."
	todoSupport     = "Keep this report and call support."
	todoCheckReader = "Check the reader's cable and that it is switched on, then start again."
	todoBackup      = "A manager should back up now in Settings (or close the day)."
)

// causes is THE table from a cause to its words, one line per cause.
var causes = map[pos.Cause]says{
	pos.CauseApproved:            {"Approved by the bank.", "Hand over the receipt.", ""},
	pos.CauseDeclined:            {"Declined by the bank: {bank}.", todoOtherCard, "Declined by the bank."},
	pos.CauseFiltered:            {"Declined by the bank's fraud control.", todoOtherCard, ""},
	pos.CauseFailed:              {"The payment failed: {bank}. Not charged.", todoNotCharged, "The payment failed. Not charged."},
	pos.CauseBankUnreachable:     {"Not charged: Kassa could not reach the bank.", "Check the internet connection, then try again.", ""},
	pos.CauseBankRefused:         {"Not charged: the bank refused the request ({bank}).", todoNotCharged, "Not charged: the bank refused the request."},
	pos.CauseNoRecordAtBank:      {"Not charged: the bank has no record of it.", todoNotCharged, ""},
	pos.CauseJournalFailed:       {"Kassa could not write the payment to its journal, so nothing was sent. Not charged.", "Call support: the journal on this computer needs attention.", ""},
	pos.CauseReaderUnavailable:   {"The card reader is not available: {reader}", todoCheckReader, ""},
	pos.CauseCardUnreadable:      {"The card could not be read: {reader} Not charged.", "Start the payment again.", ""},
	pos.CauseCancelled:           {"Payment cancelled. The card was not charged.", "The amount is kept: start again when the customer is ready.", ""},
	pos.CauseClosing:             {"Kassa is closing. The card was not charged.", "", ""},
	pos.CauseWaitingBank:         {"The bank is processing the payment.", todoWait, ""},
	pos.CauseNoReply:             {"Result not known yet: no answer from the bank to the payment request; Kassa is checking its status.", todoUnknown, ""},
	pos.CauseAcceptedThenMissing: {"Result not known yet: the bank accepted this payment but now has no record of it; Kassa keeps checking.", "Do not charge again. A manager should ask the bank.", ""},
	pos.CauseNotFoundYet:         {"Result not known yet: the bank has no record of this payment yet; Kassa keeps checking.", todoUnknown, ""},
	pos.CauseBankSaysUnknown:     {"Result not known yet: the bank reports the result as unknown for now; Kassa keeps checking.", todoUnknown, ""},
	pos.CauseStoppedBeforeAnswer: {"Result not known yet: Kassa stopped before the bank's final answer arrived; it keeps checking.", todoUnknown, ""},
	pos.CauseNoFinalAnswerYet:    {"Result not known yet: no final answer from the bank within the wait; Kassa keeps checking.", todoUnknown, ""},
	pos.CauseOverridden:          {"Manager override: new payments may start. The unknown payment is still being checked with the bank.", "If it turns out charged, Kassa tells you here.", ""},
	pos.CauseConnectingReader:    {"Connecting to the card reader.", "Press Cancel to stop; nothing is charged until the card is read.", ""},
	pos.CauseSwipeCard:           {"Ask the customer to swipe the card.", "Press Cancel to stop; nothing is charged until the card is read.", ""},
	pos.CauseBadSwipe:            {"The reader could not read the swipe.", "Ask the customer to swipe the card again, evenly.", ""},
	pos.CauseChipInserted:        {"A chip card was inserted.", "Ask the customer to remove the card and swipe it instead.", ""},
	pos.CauseSending:             {"Sending the payment to the bank.", "Wait; the card data is on its way to the bank.", ""},
	pos.CauseCheckingEarlier:     {"Checking earlier payments with the bank.", "Wait a moment; new payments can start when this is done.", ""},
	pos.CauseBlocked:             {"An earlier payment's result is not known yet: new payments are blocked until it resolves.", "Wait until the earlier payment resolves, or ask a manager to override.", ""},
	pos.CauseBusy:                {"A payment is already in progress.", "Wait until it ends.", ""},
	pos.CauseRecovering:          {"Kassa is still checking earlier payments.", "Wait a moment, then try again.", ""},
	pos.CauseNotFound:            {"There is no such payment in the journal.", "Check the order id.", ""},
	pos.CauseConfig:              {"The configuration is incomplete or wrong.", "A manager should check Settings.", ""},
	pos.CauseDayClosed:           {"Day closed. Kassa's totals and the bank's agree.", "", ""},
	pos.CauseDayTotalsDiffer:     {"Day closed, but {code} figure(s) differ between Kassa and the bank.", todoSupport, ""},
	pos.CauseDayNotClosed:        {"The bank answered with an error; the day is not closed: {bank}.", "Run Close day again later, or call support.", "The bank answered with an error; the day is not closed."},
	pos.CauseDayStillClosing:     {"The bank is still closing the day.", "Run Close day again later to finish it (same request).", ""},
	pos.CauseDayStopped:          {"Stopped while the bank was closing the day.", "Run Close day again to finish it.", ""},
	pos.CauseDayUnresolved:       {"{code} payment(s) are not resolved yet.", "Wait until they resolve, or close anyway: they count in the next day's totals.", ""},
	pos.CauseDayUnresolvedLeft:   {"Closed with {code} unresolved payment(s).", "They will count in the next day's totals once resolved.", ""},
	pos.CauseOtherCurrency:       {"There are {code} payments; this terminal closes only its own currency.", "", ""},
	pos.CauseAmountMismatch:      {"The bank's amount differs from Kassa's: {bank}.", todoSupport, "The bank's amount differs from Kassa's."},
	pos.CauseCallbackOtherOrder:  {"A bank notification named another order ({code}).", todoSupport, ""},
	pos.CauseCallbackContradicts: {"A late bank notification contradicts the journal (it says {code}).", todoSupport, ""},
	pos.CauseGatewayContradicts:  {"The bank now reports another final result ({code}).", todoSupport, ""},
	pos.CauseGatewayUnreachable:  {"The payment gateway cannot be reached.", "Check the gateway URL and the internet connection.", ""},
	pos.CauseGatewayRefused:      {"The payment gateway refused the request: {bank}.", "Check the endpoint id, login and control key.", "The payment gateway refused the request."},
	pos.CauseKeyNotSaved:         {"Settings applied, but the control key could not be saved in the OS keyring.", "Set KASSA_CONTROL_KEY, or call support.", ""},
	pos.CauseOverrideIncomplete:  {"An override needs the manager's name and a reason.", "Enter why new payments may start.", ""},
	pos.CauseWrongCurrency:       {"This terminal takes {code} only.", "Type the amount in {code}.", ""},
	pos.CauseAmountNotPositive:   {"The amount must be greater than zero.", "Type the amount.", ""},
	pos.CauseDayResuming:         {"Resuming the unfinished close-day {code}.", "", ""},
	pos.CauseDaySending:          {"Sending the totals to the bank: {code} sale(s), {bank}.", "", ""},
	pos.CauseDayBankClosing:      {"The bank is closing the day…", "", ""},
	// issue 11: capture, release, refund
	pos.CauseChildDone:               {"Done: the bank confirmed it.", "Hand over the receipt.", ""},
	pos.CauseChildDeclined:           {"The bank declined the operation: {bank}. Nothing changed.", "The payment stays as it was. Call the bank or support if it must be done.", "The bank declined the operation. Nothing changed."},
	pos.CauseChildNotSent:            {"Not sent: Kassa could not reach the bank. Nothing changed.", "Check the internet connection, then try again.", ""},
	pos.CauseChildBankRefused:        {"The bank refused the request ({bank}). Nothing changed.", "Check the amount and the payment, then try again or call support.", "The bank refused the request. Nothing changed."},
	pos.CauseChildNotCreated:         {"The bank has no record of the operation: nothing changed.", "A manager may do it again.", ""},
	pos.CauseChildNoReply:            {"Result not known yet: no answer from the bank; Kassa is checking its status.", "Do not do it again: Kassa finds out by itself.", ""},
	pos.CauseChildStopped:            {"Result not known yet: Kassa stopped before the bank's answer; it keeps checking.", "Do not do it again: Kassa finds out by itself.", ""},
	pos.CauseChildNoFinalYet:         {"Result not known yet: no final answer from the bank within the wait; Kassa keeps checking.", "Do not do it again: Kassa finds out by itself.", ""},
	pos.CauseChildProcessing:         {"The bank is processing the operation.", "Wait for the bank's answer.", ""},
	pos.CauseChildPaymentNotApproved: {"This payment was not approved, so there is nothing to capture, release or refund.", "Check the payment.", ""},
	pos.CauseChildPaymentUnresolved:  {"This payment's own result is not known yet.", "Wait until it resolves, then try again.", ""},
	pos.CauseChildInProgress:         {"Another operation of this payment is not finished yet.", "Wait for its result, then try again.", ""},
	pos.CauseChildNotAHold:           {"This is a sale, not a hold: there is nothing to capture or release.", "Use Refund instead.", ""},
	pos.CauseChildNotCaptured:        {"This hold was not captured, so there is nothing to refund.", "Release the hold instead.", ""},
	pos.CauseChildAlreadyCaptured:    {"The hold is already captured ({code}).", "Refund from the captured amount if needed.", ""},
	pos.CauseChildAlreadyReleased:    {"The hold is already released.", "Nothing is held any more.", ""},
	pos.CauseChildHoldExpired:        {"The hold has expired ({code}).", "The bank has let it go; take a new payment if needed.", ""},
	pos.CauseChildOverHold:           {"That is more than the held amount ({code}).", "Type an amount up to the held amount.", ""},
	pos.CauseChildOverRemaining:      {"That is more than is left to refund ({code}).", "Type an amount up to what is left.", ""},
	pos.CauseChildNothingLeft:        {"This payment is already refunded in full.", "Nothing is left to refund.", ""},
	pos.CauseChildNoPartial:          {"The bank does not allow a part of the amount here.", "Use the whole amount.", ""},
	pos.CauseChildNeedsManager:       {"The last operation's result was unknown, then the bank had no record of it.", "A manager must decide to do it again.", ""},
	pos.CauseChildNotRetryable:       {"This operation cannot be done again: the bank may have it.", "Wait for its result.", ""},
	// Issue 12: chip and contactless.
	pos.CausePresentCard:    {"Ask the customer to tap, insert or swipe the card.", "Press Cancel to stop; nothing is charged until the card is read.", ""},
	pos.CauseInsertCard:     {"The card asks for its chip.", "Ask the customer to insert the card into the reader.", ""},
	pos.CauseSwipeFallback:  {"The chip can't be read.", "Ask the customer to swipe the card instead.", ""},
	pos.CauseWrongWay:       {"The card is inserted the wrong way, or it has no chip.", "Ask the customer to turn the card over and insert it again, or to swipe it.", ""},
	pos.CauseOtherCard:      {"This card can't be used on this reader.", todoOtherCard, ""},
	pos.CauseReadingCard:    {"The reader is reading the card.", "Ask the customer not to remove the card.", ""},
	pos.CausePINOnReader:    {"The customer is entering the PIN on the reader.", "Wait; do not look at the keypad while the PIN is typed.", ""},
	pos.CauseSeePhone:       {"The customer confirms the payment on the phone.", "Ask the customer to follow the phone's instructions, then tap again.", ""},
	pos.CauseCardTakenOut:   {"The card was taken out before it was read.", "Ask the customer to present the card again.", ""},
	pos.CauseConfirmingCard: {"The bank answered; the card is confirming the payment.", "Ask the customer to leave the card in the reader.", ""},
	pos.CauseRemoveCard:     {"Ask the customer to remove the card from the reader.", "The result is shown when the card is out.", ""},
	pos.CauseCardPulled:     {"Result not known yet: the card was pulled out before it confirmed the payment; Kassa is checking its status with the bank.", todoUnknown, ""},
	pos.CauseReaderLostCard: {"Result not known yet: the reader was lost before the card confirmed the payment; Kassa is checking its status with the bank.", todoUnknown, ""},
	pos.CauseAdviceNotSent:  {"Result not known yet: the card's confirmation did not reach the bank; Kassa is checking its status.", todoUnknown, ""},

	// Issue 13: cashiers, shifts and reports.
	pos.CauseWrongPIN:        {"Wrong PIN", "Type your PIN again.", ""},
	pos.CauseCashierDisabled: {"This cashier is disabled.", "Ask a manager to enable you in Settings.", ""},
	pos.CauseLastManager:     {"The last manager cannot be disabled or made a cashier.", "Make another person a manager first.", ""},
	pos.CauseNameTaken:       {"Another cashier has this name.", "Choose another name.", ""},
	pos.CauseNoShift:         {"No shift is open.", "Sign in to open your shift.", ""},
	pos.CauseDayEmpty:        {"Nothing to send: no approved payments since the last close.", "", ""},
	pos.CauseNoCashier:       {"There is no cashier {code}.", "Check the name.", ""},
	// issue 14: journal backups
	pos.CauseBackupOld:      {"The last journal backup is {code} days old.", todoBackup, ""},
	pos.CauseBackupNone:     {"No journal backup for two days.", todoBackup, ""},
	pos.CauseBackupFailed:   {"The journal backup could not be written. The journal itself is untouched.", "Check the backup folder in Settings (it must exist and be writable), then back up again.", ""},
	pos.CauseBackupDiskFull: {"The journal backup failed: the backup disk is full. The journal itself is untouched.", "Free space on the backup disk or choose another folder, then back up again.", ""},
	pos.CauseBackupNoFolder: {"No backup folder is set.", "Choose a backup folder in Settings first.", ""},
	pos.CauseBackupDone:     {"Backup written and checked: {code}", "", ""},
	// issue 16: the receipt printer
	pos.CausePrinterRefused:     {"The receipt printer refused the connection.", "Check that the printer is switched on and its address in Settings, then press Print again.", ""},
	pos.CausePrinterUnreachable: {"The receipt printer cannot be reached on the network.", "Check the printer's network cable and its address in Settings, then press Print again.", ""},
	pos.CausePrinterNotFound:    {"The receipt printer is not connected.", "Plug the printer's cable back in and switch it on, then press Print again.", ""},
	pos.CausePrinterNoAccess:    {"Kassa may not use the receipt printer's port.", "Call support: Kassa needs permission to use the printer.", ""},
	pos.CausePrinterBusy:        {"The receipt printer is busy.", "Wait a moment, then press Print again.", ""},
	pos.CausePrinterStopped:     {"The receipt printer stopped in the middle of the receipt.", "Check the printer, then press Print again: the whole receipt prints again.", ""},
	pos.CausePrinterSilent:      {"The receipt printer does not respond.", "Check that it is switched on and the paper is not jammed, then press Print again.", ""},
	pos.CausePrinterPaperOut:    {"The receipt printer is out of paper.", "Load a new paper roll, then press Print again.", ""},
	pos.CausePrinterCoverOpen:   {"The receipt printer's cover is open.", "Close the cover, then press Print again.", ""},
	pos.CausePrinterOffline:     {"The receipt printer reports an error.", "Check the paper, the cover and the cutter, switch the printer off and on, then press Print again.", ""},
	pos.CausePrinterFailed:      {"The receipt could not be sent to the printer.", "Check the printer, then press Print again.", ""},
	pos.CausePrinterConfig:      {"The printer setting is wrong.", "A manager should check the printer in Settings.", ""},
	pos.CausePrintCommandFailed: {"The computer could not print the PDF: no printer is set up for it.", "Open the PDF and print it by hand, or set up the receipt printer in Settings.", ""},
	pos.CausePrinterPaperLow:    {"The receipt printer's paper is running out.", "Have a new paper roll ready.", ""},
	pos.CausePrintNotJournaled:  {"The receipt was printed, but Kassa could not note the print in its journal.", "Call support: the journal on this computer needs attention.", ""},
	// issue 15: the Store view
	pos.CauseStoreNotConfigured: {"No store database is set.", "Ask support to connect this lane to the store database.", ""},
	pos.CauseStoreUnreachable:   {"The store database cannot be reached.", "Check the network; the lane keeps selling and catches up by itself. Try again later.", ""},
	pos.CauseDayNoAnswer:        {"Kassa could not reach the bank, or got no answer; the day is not closed yet.", "Check the internet connection, then run Close day again: it resumes the same close.", ""}, // issue 17

	// polish (issue 11): the hold period as a setting
	pos.CauseJournalDamaged:    {"Not charged: the journal on this computer is damaged, so Kassa stopped taking payments.", "Call support: a manager can restore the last journal backup (see the README).", ""}, // issue 14
	pos.CauseHoldPeriodInvalid: {"The hold period must be a whole number of days from 1 to 30 (not {code}).", "Type a number of days from 1 to 30 in Settings, or ask support to correct the config file.", ""},
}

// readers is THE table from a reader problem to its words: what ({reader}
// in a cause's words) and what to do.
var readers = map[pos.ReaderProblem]says{
	pos.ReaderTimeout:      {"no card was swiped in time.", "Start the payment again.", ""},
	pos.ReaderGone:         {"the reader was disconnected.", "Plug the reader back in, then start again.", ""},
	pos.ReaderNotFound:     {"no reader found.", todoCheckReader, ""},
	pos.ReaderPortBusy:     {"the reader's port is in use by another program.", "Close the other program that uses the reader, then start again.", ""},
	pos.ReaderNoKeys:       {"the reader has no encryption keys loaded.", "Call support: the reader needs its encryption keys loaded (checking the cable will not help).", ""},
	pos.ReaderNoAnswer:     {"the reader does not answer.", "Unplug the reader, plug it back in, then start again.", ""},
	pos.ReaderOther:        {"the reader reported an error.", todoCheckReader, ""},
	pos.ReaderNoPermission: {"Kassa may not open the reader's port.", "Call support: Kassa needs permission to use the serial port.", ""},
	pos.ReaderWrongReader:  {"a different card reader is connected.", "Connect this terminal's reader, or choose the port again in Settings.", ""},
	// Issue 12.
	pos.ReaderCardRemoved:    {"the card was taken out of the reader while it was being read.", "Start the payment again and ask the customer to leave the card in until the reader says so.", ""},
	pos.ReaderChipUnreadable: {"the card's chip can't be read and the card may not be swiped.", todoOtherCard, ""},
}

// Reason gives a reason in words: what happened and what to do. A bank's
// text is translated when Kassa knows it and otherwise quoted after the
// translated words; the reader's problem fills {reader} and, for the reader
// causes, decides what to do. CauseNone gives "", "".
func Reason(l Lang, r pos.Reason) (what, todo string) {
	s, ok := causes[r.Cause]
	if !ok {
		return "", ""
	}
	what, todo = s.what, s.todo
	bank := bankWords(l, r.Code, r.Message)
	if r.Cause == pos.CauseDaySending {
		bank = l.Number(r.Message) // "1273.50 RUB": a sum, not a bank text
	}
	if strings.Contains(what, "{bank}") && bank == "" && s.bare != "" {
		what = s.bare
	}
	if rd, ok := readers[r.Reader]; ok && isReaderCause(r.Cause) && !(r.Cause == pos.CauseCardUnreadable && r.Reader == pos.ReaderTimeout) {
		todo = rd.todo
	}
	fill := strings.NewReplacer("{bank}", bank, "{code}", r.Code, "{reader}", ReaderWords(l, r.Reader))
	return fill.Replace(Key(what, l)), fill.Replace(Key(todo, l))
}

// isReaderCause reports whether a cause's words depend on the reader's problem.
func isReaderCause(c pos.Cause) bool {
	return c == pos.CauseReaderUnavailable || c == pos.CauseCardUnreadable
}

// ReaderWords names a reader problem ("the reader was disconnected.");
// ReaderOK is "".
func ReaderWords(l Lang, p pos.ReaderProblem) string {
	rd, ok := readers[p]
	if !ok {
		return ""
	}
	return Key(rd.what, l)
}

// ReaderAdvice is what to do about a reader problem ("" for ReaderOK).
func ReaderAdvice(l Lang, p pos.ReaderProblem) string {
	rd, ok := readers[p]
	if !ok {
		return ""
	}
	return Key(rd.todo, l)
}

// Causes lists every cause that has words (each of pos.Causes()).
func Causes() []pos.Cause { return pos.Causes() }

// Says reports whether a cause has words in the table.
func Says(c pos.Cause) bool { _, ok := causes[c]; return ok }
