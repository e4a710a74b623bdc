package pos

import (
	"context"
	"errors"
	"fmt"
	"time"

	"kassa/device"
	"kassa/device/emv"
	"kassa/mapi"
	"kassa/mapi/money"
	"kassa/store"
)

// The EMV stage of a chip or contactless payment (issue 12,
// READER-PROTOCOL.md §12.3, MAPI.md §10). It is a part of the same payment:
// the journal writes go through payment.go, the stages through stageOf.
//
//	contact:     sale → poll → EMV stage → CONTINUE → advice (journaled
//	             first, resent on a transport error up to 60 s) → poll → final
//	contactless: sale → final → CONTINUE to end the reader's screen
//
// A card pulled, a lost reader, or CONTINUE or the advice failing after the
// sale was sent leave the payment unknown: it resolves by status (the
// gateway reverses an order without an advice after 60 s), never by
// charging again.

const (
	// continueTimeout bounds CONTINUE TRANSACTION and the CONTINUE that ends
	// a card (§12.3: 90 s, then ABORT).
	continueTimeout = 90 * time.Second
	// removalWait bounds the wait for a chip card to leave the reader after
	// the payment.
	removalWait = 30 * time.Second
	// adviceRetry is the pause between advice attempts after a transport
	// error.
	adviceRetry = time.Second
)

// takeRequest is the reader request that takes a card (tap, insert or
// swipe) for amount.
func (e *Engine) takeRequest(r Reader, amount Amount) device.ReadRequest {
	exp, _ := money.Exponent(amount.Currency)
	return device.ReadRequest{
		// The driver adds "Tap, insert or swipe" or, on a swipe-only
		// reader, "Swipe card".
		Heading: fmt.Sprintf("Amount: %s %s", amount.Major(), amount.Currency),
		Timeout: cardReadTimeout, Currency: amount.Currency, AmountMinor: amount.Minor, Exponent: exp,
		OnPrompt: func(p device.Prompt) { e.onPrompt(r, p) },
	}
}

// promptCauses is THE table from a reader prompt to the stage's cause while
// a card is taken; prompts not named here change nothing on the screen.
var promptCauses = map[device.Prompt]Cause{
	device.PromptPresent:     CausePresentCard,
	device.PromptInsert:      CauseInsertCard,
	device.PromptSwipe:       CauseSwipeFallback,
	device.PromptTryAgain:    CauseBadSwipe,
	device.PromptWrongWay:    CauseWrongWay,
	device.PromptOtherCard:   CauseOtherCard,
	device.PromptReadingCard: CauseReadingCard,
	device.PromptPIN:         CausePINOnReader,
	device.PromptSeePhone:    CauseSeePhone,
	device.PromptCardRemoved: CauseCardTakenOut,
}

// onPrompt shows a reader prompt while waiting for the card. A swipe-only
// reader keeps the swipe words.
func (e *Engine) onPrompt(r Reader, p device.Prompt) {
	c, ok := promptCauses[p]
	if !ok {
		return
	}
	if info := r.Info(); !info.EMV && !info.Contactless {
		switch p {
		case device.PromptPresent:
			c = CauseSwipeCard
		case device.PromptSwipe:
			c = CauseChipInserted
		}
	}
	e.mu.Lock()
	if e.flow.phase == phaseCard {
		e.flow.event = c
		e.publishLocked()
	}
	e.mu.Unlock()
}

// chipPay follows a chip or contactless card after the sale reply to the
// final status (or unknown), then ends the card on the reader.
func (e *Engine) chipPay(ctx context.Context, pm *payment, chip *device.ChipTransaction, first time.Duration, final bool) {
	crashPoint("chip-after-reply")
	if !final {
		if chip.Contactless() || chip.Offline() {
			e.awaitFinal(ctx, pm, first)
		} else {
			e.awaitStage(ctx, pm, chip, first)
		}
	}
	e.releaseCard(ctx, pm, chip)
}

// awaitStage resolves a contact card's payment: the first of the EMV stage
// (then CONTINUE and the advice), a final answer, or Config.ResultWait.
func (e *Engine) awaitStage(ctx context.Context, pm *payment, chip *device.ChipTransaction, first time.Duration) {
	stage := pm.watchStage()
	pm.start(first)
	pm.mu.Lock()
	sentAt := pm.sentAt
	pm.mu.Unlock()
	wait := e.Config().ResultWait
	t := time.NewTimer(max(wait-time.Since(sentAt), 0))
	defer t.Stop()
	select {
	case res := <-stage:
		e.confirmCard(pm, chip, res)
		e.setAwaiting()
		e.waitFinal(ctx, pm, wait)
		return
	case <-pm.done:
	case <-t.C:
	case <-ctx.Done():
	case <-e.ctx.Done():
	}
	if !pm.isFinal() {
		pm.markUnknown(Reason{Cause: CauseNoFinalAnswerYet})
	}
}

// waitFinal waits up to d for the payment's final answer; without one it is
// unknown (and keeps resolving).
func (e *Engine) waitFinal(ctx context.Context, pm *payment, d time.Duration) {
	t := time.NewTimer(d)
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

// confirmCard is the EMV stage: the issuer's answer to the card (CONTINUE),
// the card's answer journaled, then sent as the advice. Any failure leaves
// the payment unknown, resolving by status.
func (e *Engine) confirmCard(pm *payment, chip *device.ChipTransaction, res *mapi.StatusResult) {
	stageAt := time.Now()
	e.setPhase(phaseConfirming)
	crashPoint("emv-stage")
	ctx, cancel := context.WithTimeout(e.ctx, continueTimeout)
	answer, err := chip.Continue(ctx, string(res.AuthResponseCode), res.IssuerResponse)
	cancel()
	if err != nil {
		pm.markUnknown(chipLost(err))
		return
	}
	crashPoint("after-continue")
	kind := "AAC"
	if answer.Kind == emv.KindApproved {
		kind = "TC"
	}
	switch err := pm.adviceWritten(kind, string(res.AuthResponseCode)); {
	case errors.Is(err, store.ErrStale):
		return // final already: nothing to confirm
	case err != nil:
		e.log.Error("journal: advice", "id", pm.id, "err", err)
		pm.markUnknown(Reason{Cause: CauseAdviceNotSent, Detail: err.Error()})
		return
	}
	crashPoint("after-advice-written")
	if err := e.sendAdvice(pm, answer.EncryptedData, stageAt); err != nil {
		pm.markUnknown(Reason{Cause: CauseAdviceNotSent, Detail: err.Error()})
		return
	}
	pm.nudge()
}

// chipLost is the unknown reason of a CONTINUE that failed.
func chipLost(err error) Reason {
	if errors.Is(err, device.ErrCardRemoved) {
		return Reason{Cause: CauseCardPulled, Detail: err.Error()}
	}
	return Reason{Cause: CauseReaderLostCard, Detail: err.Error()}
}

// sendAdvice sends the card's answer as /mapi/v1/emv-advice, again after a
// transport error until mapi.AdviceResendWindow after the stage began
// (MAPI.md §10). A wrong-state refusal of a resend means the first one
// arrived.
func (e *Engine) sendAdvice(pm *payment, template string, stageAt time.Time) error {
	deadline := stageAt.Add(mapi.AdviceResendWindow)
	for attempt := 0; ; attempt++ {
		err := e.adviceOnce(pm, template)
		var refused *mapi.RefusedError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &refused) && refused.WrongState() && attempt > 0:
			e.log.Info("advice: a resend was refused as the order moved on: the first one arrived", "id", pm.id)
			return nil
		case errors.As(err, &refused):
			e.log.Warn("advice refused", "id", pm.id, "err", err)
			return err
		}
		e.log.Warn("advice: no answer; sending it again", "id", pm.id, "attempt", attempt+1, "err", err)
		if time.Now().Add(adviceRetry).After(deadline) {
			return err
		}
		select {
		case <-time.After(adviceRetry):
		case <-e.ctx.Done():
			return err
		}
	}
}

// adviceOnce is one advice call.
func (e *Engine) adviceOnce(pm *payment, template string) error {
	ctx, cancel := context.WithTimeout(e.ctx, e.Config().SaleTimeout+2*time.Second)
	defer cancel()
	pm.mu.Lock()
	orderID := pm.orderID
	pm.mu.Unlock()
	_, err := e.gw().EMVAdvice(ctx, mapi.AdviceRequest{ClientOrderID: pm.id, PaynetOrderID: orderID, Template: template})
	return err
}

// releaseCard ends the card on the reader once the payment is final or
// unknown: CONTINUE "00" for an approved tap, "Z3" for a card that was not
// continued (§12.3 steps 5 and 6; the card's answer is ignored), then for an
// inserted card "Remove card" until it leaves the slot.
func (e *Engine) releaseCard(ctx context.Context, pm *payment, chip *device.ChipTransaction) {
	v := e.view(pm.id)
	ectx, cancel := context.WithTimeout(e.ctx, continueTimeout)
	err := chip.End(ectx, chip.Contactless() && v.Status == StatusApproved)
	cancel()
	if err != nil && !errors.Is(err, device.ErrTransactionDone) {
		e.log.Info("reader: ending the card", "id", pm.id, "err", err)
	}
	if chip.Contactless() {
		return
	}
	e.mu.Lock()
	e.snap.Payment = &v
	e.mu.Unlock()
	e.setPhase(phaseRemove)
	rctx, cancel := context.WithTimeout(ctx, removalWait)
	defer cancel()
	if err := chip.WaitRemoval(rctx, "Remove card"); err != nil {
		e.log.Info("reader: card not seen leaving the slot", "id", pm.id, "err", err)
	}
}

// endUnsent ends a chip card whose payment never reached the journal
// (cancelled or refused before anything was sent).
func (e *Engine) endUnsent(card *device.Card) {
	if card == nil || card.Chip == nil {
		return
	}
	ctx, cancel := context.WithTimeout(e.ctx, continueTimeout)
	defer cancel()
	if err := card.Chip.End(ctx, false); err != nil && !errors.Is(err, device.ErrTransactionDone) {
		e.log.Info("reader: ending the card", "err", err)
	}
}
