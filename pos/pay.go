package pos

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"kassa/device"
	"kassa/mapi"
	"kassa/store"
)

// cardReadTimeout is how long the reader waits for a swipe.
const cardReadTimeout = 60 * time.Second

// Pay runs one payment in named steps: read the card (amount shown on the
// reader; cancellable), journal the intent (fsynced), send the request,
// classify the reply, await the final status (callback and polling
// together; the first final answer wins). It blocks until the payment is
// final or, after Config.ResultWait without a final answer, unknown; an
// unknown payment keeps resolving in the background and the Snapshot
// changes by itself when it resolves. The returned view is set whenever
// the payment reached the journal, also with an error.
func (e *Engine) Pay(ctx context.Context, kind Kind, amount Amount, desc string) (PaymentView, error) {
	amount, err := e.checkPayment(kind, amount)
	if err != nil {
		return PaymentView{}, err
	}
	if !e.payMu.TryLock() {
		return PaymentView{}, errorOf(ErrBusy, Reason{Cause: CauseBusy})
	}
	defer e.payMu.Unlock()
	if err := e.checkShift(ctx); err != nil {
		return PaymentView{}, err
	}
	if err := e.readyToPay(ctx); err != nil {
		return PaymentView{}, err
	}
	payCtx, end := e.beginPay(ctx)
	defer end()
	card, err := e.readCard(payCtx, amount)
	if err != nil {
		return PaymentView{}, err
	}
	pm, req, err := e.journalIntent(payCtx, kind, amount, desc, card)
	if err != nil {
		e.endUnsent(card)
		return PaymentView{}, err
	}
	acc, err := e.send(kind, req)
	first, final := e.onReply(pm, acc, classify(acc, err))
	switch {
	case card.Chip != nil:
		e.chipPay(ctx, pm, card.Chip, first, final) // issue 12: the EMV stage (chip.go)
	case !final:
		e.awaitFinal(ctx, pm, first)
	}
	return e.finish(pm), nil
}

// checkPayment checks the kind and the amount (the terminal's currency when
// none is given).
func (e *Engine) checkPayment(kind Kind, amount Amount) (Amount, error) {
	if kind != Sale && kind != Preauth {
		return amount, fmt.Errorf("unknown payment kind %q", kind)
	}
	e.mu.Lock()
	closed, cur := e.closed, e.cfg.Currency
	e.mu.Unlock()
	if closed {
		return amount, ErrClosed
	}
	if amount.Currency == "" {
		amount.Currency = cur
	}
	if amount.Currency != cur {
		return amount, errorOf(ErrCurrency, Reason{Cause: CauseWrongCurrency, Code: cur, Detail: amount.Currency})
	}
	if amount.Minor <= 0 {
		return amount, &Error{Reason: Reason{Cause: CauseAmountNotPositive}, Err: errAmountNotPositive}
	}
	return amount, nil
}

// readyToPay waits for the start-up recovery and refuses while an unknown
// payment blocks new ones.
func (e *Engine) readyToPay(ctx context.Context) error {
	if err := e.WaitRecovered(ctx); err != nil {
		return err
	}
	if err := e.JournalChecked(ctx); err != nil {
		return err
	}
	if e.ctx.Err() != nil {
		return ErrClosed
	}
	e.refreshCounts() // the shown payment is about to be replaced
	if e.Snapshot().Blocked {
		return errorOf(ErrBlocked, Reason{Cause: CauseBlocked})
	}
	return nil
}

// beginPay starts the payment's phases with a cancellable context; end
// (deferred) leaves them.
func (e *Engine) beginPay(ctx context.Context) (context.Context, func()) {
	payCtx, cancel := context.WithCancel(ctx)
	stopAfter := context.AfterFunc(e.ctx, cancel)
	e.mu.Lock()
	e.cancelPay = cancel
	e.snap.Payment = nil
	e.flow = flow{phase: phaseReader}
	e.publishLocked()
	e.mu.Unlock()
	return payCtx, func() {
		stopAfter()
		cancel()
		e.mu.Lock()
		e.cancelPay = nil
		e.current = ""
		e.mu.Unlock()
		e.refresh(store.Payment{}) // counts and Blocked; the shown payment is current
	}
}

// readCard opens the reader and reads the card with the amount shown.
// Nothing is journaled yet: every failure is "not charged".
func (e *Engine) readCard(ctx context.Context, amount Amount) (*device.Card, error) {
	r, err := e.openReader(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, e.cancelled()
		}
		e.reopenReader()
		return nil, e.failBeforeJournal(ErrNoReader, Reason{Cause: CauseReaderUnavailable, Reader: ReaderProblemOf(err), Detail: err.Error()})
	}
	crashPoint("before-card")
	e.mu.Lock()
	e.flow.phase = phaseCard
	e.publishLocked()
	e.mu.Unlock()
	card, err := r.ReadCard(ctx, e.takeRequest(r, amount))
	if err != nil {
		if ctx.Err() != nil {
			return nil, e.cancelled()
		}
		if ReaderProblemOf(err) == ReaderGone {
			e.dropReader(r)
		}
		return nil, e.failBeforeJournal(ErrCardRead, Reason{Cause: CauseCardUnreadable, Reader: ReaderProblemOf(err), Detail: err.Error()})
	}
	return card, nil
}

// failBeforeJournal ends a payment that failed before its intent was
// journaled (certainly not charged).
func (e *Engine) failBeforeJournal(sentinel error, r Reason) error {
	e.log.Warn("payment failed before the journal", "cause", r.Cause.String(), "detail", r.Detail)
	e.endPayment(r, true)
	return errorOf(sentinel, r)
}

// cancelled ends a payment cancelled (or the engine closing) before
// anything was journaled.
func (e *Engine) cancelled() error {
	if e.ctx.Err() != nil {
		e.endPayment(Reason{Cause: CauseClosing}, false)
		return errorOf(ErrClosed, Reason{Cause: CauseClosing})
	}
	e.endPayment(Reason{Cause: CauseCancelled}, false)
	return errorOf(ErrCancelled, Reason{Cause: CauseCancelled})
}

// journalIntent journals the intent (fsynced) before any byte goes out and
// returns the payment and its request. From here on the payment may have
// reached the gateway: it can no longer be cancelled.
func (e *Engine) journalIntent(ctx context.Context, kind Kind, amount Amount, desc string, card *device.Card) (*payment, mapi.PaymentRequest, error) {
	// A time-ordered UUID (version 7): the journal's new payments append to
	// its payment B+tree instead of landing on a random page of it.
	id := uuid.Must(uuid.NewV7()).String()
	e.mu.Lock()
	if ctx.Err() != nil {
		// Cancel came as the card was read: honour it (nothing journaled).
		e.mu.Unlock()
		return nil, mapi.PaymentRequest{}, e.cancelled()
	}
	cfg := e.cfg
	e.cancelPay = nil
	e.current = id
	e.flow = flow{phase: phaseSending}
	e.publishLocked()
	e.mu.Unlock()
	if desc == "" {
		desc = "Sale at " + cfg.TerminalName
		if kind == Preauth {
			desc = "Preauthorization at " + cfg.TerminalName
		}
	}
	p := store.Payment{
		ClientOrderID: id, Kind: store.Kind(kind), AmountMinor: amount.Minor, Currency: amount.Currency,
		MaskedPAN: card.MaskedPAN, CardScheme: schemeOf(card.First6), ReaderSerial: card.ReaderSerial, KSN: card.KSN,
		TerminalID: cfg.TerminalID, Description: desc, Status: store.StatusPending, CashierID: e.Who(ctx),
	}
	cardJournal(&p, card) // issue 12: entry mode, AID, label, CVM
	crashPoint("before-intent")
	p.CreatedAt = e.now()
	pm := e.newPayment(id, amount)
	if err := pm.begin(p); err != nil {
		e.forgetPayment(pm)
		return nil, mapi.PaymentRequest{}, e.failBeforeJournal(ErrJournal, Reason{Cause: CauseJournalFailed, Detail: err.Error()})
	}
	p.UpdatedAt = p.CreatedAt
	e.showView(viewOf(p))
	crashPoint("after-intent")
	return pm, e.request(p, card, cfg), nil
}

// request is the gateway request of a journaled payment.
func (e *Engine) request(p store.Payment, card *device.Card, cfg Config) mapi.PaymentRequest {
	return mapi.PaymentRequest{
		ClientOrderID: p.ClientOrderID, Amount: Amount{Minor: p.AmountMinor, Currency: p.Currency}, Description: p.Description,
		EncryptedType: card.EncryptedType, EncryptedData: card.EncryptedData,
		PhoneID: cfg.TerminalID, IPAddress: localIP(),
		Merchant: mapi.Merchant{Address1: cfg.Merchant.Address1, City: cfg.Merchant.City, ZipCode: cfg.Merchant.ZipCode,
			Country: cfg.Merchant.Country, Email: cfg.Merchant.Email, Phone: cfg.Merchant.Phone},
		CallbackURL: e.cbURL,
	}
}

// send sends the request once, with no journal write before it (the
// intent is the write-ahead record). It is bounded by the engine's life,
// not the caller's context: a request on the wire is never abandoned
// half-way by a cancel.
func (e *Engine) send(kind Kind, req mapi.PaymentRequest) (*mapi.Accepted, error) {
	ctx, cancel := context.WithTimeout(crashTrace(e.ctx), e.Config().SaleTimeout+2*time.Second)
	defer cancel()
	gw := e.gw()
	crashPoint("before-request")
	var acc *mapi.Accepted
	var err error
	if kind == Preauth {
		acc, err = gw.Preauth(ctx, req)
	} else {
		acc, err = gw.Sale(ctx, req)
	}
	crashPoint("after-reply")
	return acc, err
}

// onReply applies the reply's classification: accepted → await the final
// status (first status call at once); not sent or refused → final "not
// charged" now; unknown → journal unknown and resolve by status. It
// returns when the first status call is due and whether the payment is
// already final.
func (e *Engine) onReply(pm *payment, acc *mapi.Accepted, d decision) (first time.Duration, final bool) {
	e.gatewayContact(d.answered)
	switch d.outcome {
	case replyAccepted:
		// Journaled with the next write (payment.accept).
		pm.accept(acc, time.Now())
		e.setAwaiting()
		return 0, false
	case replyNotSent, replyRefused:
		e.log.Warn("payment not charged", "id", pm.id, "cause", d.reason.Cause.String(), "detail", d.reason.Detail)
		if !pm.finish(StatusFailed, d.reason, map[string]string{fSource: "reply"}) {
			pm.markUnknown(Reason{Cause: CauseNoFinalAnswerYet}) // journal trouble: never say "not charged" unjournaled
		}
		return 0, true
	}
	pm.acknowledge(d.orderID)
	e.setAwaiting()
	pm.markUnknown(d.reason)
	return e.pollDelay(0), false
}

// setAwaiting moves the payment to waiting for its final answer.
func (e *Engine) setAwaiting() {
	e.mu.Lock()
	e.flow = flow{phase: phaseAwaiting}
	e.publishLocked()
	e.mu.Unlock()
}

// awaitFinal resolves the payment in the background and waits for its final
// answer up to Config.ResultWait from the intent; without one it is
// unknown (and keeps resolving).
func (e *Engine) awaitFinal(ctx context.Context, pm *payment, first time.Duration) {
	pm.mu.Lock()
	sentAt := pm.sentAt
	pm.mu.Unlock()
	wait := max(e.Config().ResultWait-time.Since(sentAt), 0)
	if first == 0 {
		if e.firstCheck(ctx, pm, wait) {
			return
		}
		first = e.pollDelay(time.Since(sentAt))
	}
	pm.start(first)
	t := time.NewTimer(max(e.Config().ResultWait-time.Since(sentAt), 0))
	defer t.Stop()
	select {
	case <-pm.done:
	case <-t.C:
	case <-ctx.Done():
	case <-e.ctx.Done():
	}
	if !pm.isFinal() {
		pm.markUnknown(Reason{Cause: CauseNoFinalAnswerYet})
	}
}

// firstCheck makes an accepted payment's first status call in Pay's own
// goroutine, so the usual case (final at the first answer) needs no hand-off
// to the background poll and back. It is bounded by wait (what is left of
// Config.ResultWait) and by ctx; a call cut short is only a status call not
// answered (classifyStatus: wait), and the poll goes on from there.
func (e *Engine) firstCheck(ctx context.Context, pm *payment, wait time.Duration) bool {
	cctx, cancel := context.WithTimeout(e.ctx, wait)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	return pm.check(cctx, "status")
}

// finish shows the payment's final (or unknown) state and returns its view.
func (e *Engine) finish(pm *payment) PaymentView {
	v, ok := pm.written()
	if !ok {
		v = e.view(pm.id)
	}
	e.mu.Lock()
	e.snap.Payment = &v
	e.flow = flow{phase: phaseIdle}
	e.publishLocked()
	e.mu.Unlock()
	return v
}

// Cancel cancels the running payment if it can still be cancelled (before
// the intent is journaled) and reports whether it could.
func (e *Engine) Cancel() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cancelPay == nil || !e.snap.CanCancel {
		return false
	}
	e.cancelPay()
	return true
}

// schemeOf guesses the card scheme from the BIN; the gateway's card-type
// replaces it when known.
func schemeOf(first6 string) string {
	if first6 == "" {
		return ""
	}
	var n int
	fmt.Sscanf(first6, "%d", &n)
	switch {
	case first6[0] == '4':
		return "VISA"
	case n >= 220000 && n <= 220499:
		return "MIR"
	case n >= 510000 && n <= 559999, n >= 222100 && n <= 272099:
		return "MASTERCARD"
	case strings.HasPrefix(first6, "34"), strings.HasPrefix(first6, "37"):
		return "AMEX"
	}
	return ""
}

func nonEmpty(m map[string]string) map[string]string {
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}
