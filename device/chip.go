package device

import (
	"context"
	"fmt"
	"sync"
	"time"

	"kassa/device/emv"
)

// ChipTransaction is a chip or contactless transaction the reader holds
// open after START answered (§12.3 steps 5–6). Continue sends the issuer's
// response (CONTINUE TRANSACTION) and returns the card's final template
// for the advice; End closes the card without an advice. Exactly one of
// them is used, once.
type ChipTransaction struct {
	r       *Reader
	s       *session
	entry   EntryMode
	offline bool // START answered E3/E5: nothing to continue
	serial  string
	emit    func(ReadEvent, Prompt)

	mu   sync.Mutex
	done bool
}

// Contactless reports a tap (the sale's final status is final: End, no
// advice).
func (t *ChipTransaction) Contactless() bool { return t.entry == EntryContactless }

// Offline reports that START already answered E3/E5 (an offline result):
// Continue is not possible and End only tidies the reader.
func (t *ChipTransaction) Offline() bool { return t.offline }

func (t *ChipTransaction) finish() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return ErrTransactionDone
	}
	t.done = true
	return nil
}

// Continue sends CONTINUE TRANSACTION with 8A = arc (the gateway's
// auth-response-code, 2 characters) followed by the TLVs of issuerResponse
// (the gateway's emv-issuer-response, decoded from hex; may be empty). It
// returns the card's answer, E3 (TC) or E5 (AAC), as a Card whose
// EncryptedData is the advice's encrypted-data. The card pulled (9F23) is
// ErrCardRemoved, a broken link ErrDeviceGone, 90 s without an answer
// ErrCardholderTimeout (the reader is sent ABORT).
func (t *ChipTransaction) Continue(ctx context.Context, arc string, issuerResponse []byte) (*Card, error) {
	code, err := emv.ParseARC(arc)
	if err != nil {
		return nil, err
	}
	if t.offline {
		return nil, fmt.Errorf("%w: the card decided offline", ErrTransactionDone)
	}
	data, dropped, err := emv.NewContinue(code, issuerResponse)
	if err != nil {
		return nil, err
	}
	if len(dropped) > 0 {
		t.r.log.Warn("reader: issuer scripts left out of CONTINUE (too long)", "tags", fmt.Sprint(dropped))
	}
	if err := t.finish(); err != nil {
		return nil, err
	}
	body, sw, err := t.cont(ctx, data)
	if err != nil {
		return nil, err
	}
	defer clear(body)
	if sw != SWSuccess {
		return nil, continueError(sw)
	}
	tm, err := emv.ParseTemplate(body)
	if err != nil || (tm.Kind != emv.KindApproved && tm.Kind != emv.KindDeclined) {
		return nil, fmt.Errorf("reader answered CONTINUE with a bad template: %w", err)
	}
	card := cardOf(tm, t.serial, t.entry)
	tm.Wipe()
	t.r.log.Info("reader: card answered CONTINUE", "kind", card.Kind.String(), "arc", arc, "pan", card.MaskedPAN)
	return card, nil
}

// cont sends CONTINUE on the transaction's session.
func (t *ChipTransaction) cont(ctx context.Context, data []byte) ([]byte, SW, error) {
	t.r.opMu.Lock()
	defer t.r.opMu.Unlock()
	if err := t.s.broken(); err != nil {
		return nil, 0, err
	}
	return t.s.blocking(ctx, ContinueTransaction(data))
}

func continueError(sw SW) error {
	if sw == SWNoCard {
		return ErrCardRemoved
	}
	return &StatusError{Command: "CONTINUE TRANSACTION", SW: sw}
}

// End ends the transaction on the reader without an advice (§12.3 steps 5
// and 6): CONTINUE with 8A "00" when approved is true (a contactless sale
// the gateway approved) and "Z3" otherwise; the card's answer is ignored.
// An offline result needs no CONTINUE.
func (t *ChipTransaction) End(ctx context.Context, approved bool) error {
	if err := t.finish(); err != nil {
		return err
	}
	if t.offline {
		return nil
	}
	arc := emv.ARCEndCard
	if approved {
		arc = emv.ARCApproved
	}
	data, _, _ := emv.NewContinue(arc, nil)
	body, sw, err := t.cont(ctx, data)
	clear(body)
	if err != nil {
		return err
	}
	if sw != SWSuccess {
		t.r.log.Info("reader: CONTINUE to end the card refused", "sw", sw.String())
		if sw == SWNoCard {
			return ErrCardRemoved
		}
	}
	return nil
}

// RemovalTimeout bounds WaitRemoval.
const RemovalTimeout = 2 * time.Minute

// WaitRemoval shows text (default "Remove card") and, for an inserted card,
// waits until it leaves the slot (CARD STATUS on, a 48 message with the
// chip bits clear), reporting PromptRemoveCard and PromptCardRemoved; it
// then shows the idle text. For a tap it only shows text. At most
// RemovalTimeout.
func (t *ChipTransaction) WaitRemoval(ctx context.Context, text string) error {
	if text == "" {
		text = "Remove card"
	}
	t.r.opMu.Lock()
	defer t.r.opMu.Unlock()
	if err := t.s.broken(); err != nil {
		return err
	}
	if err := t.r.display(ctx, t.s, text); err != nil {
		return err
	}
	if t.entry != EntryChip {
		return nil
	}
	t.emit("", PromptRemoveCard)
	ctx, cancel := context.WithTimeout(ctx, RemovalTimeout)
	defer cancel()
	t.s.drainEvents()
	if _, err := t.s.transact(ctx, CardStatus(true)); err != nil {
		return err
	}
	err := t.waitOut(ctx)
	t.r.stopCardStatus(t.s, t.r.opts.IdleText)
	return err
}

// waitOut waits for a card-status message with the chip bit clear.
func (t *ChipTransaction) waitOut(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.s.done:
			return t.s.err
		case m := <-t.s.events:
			body, _, err := ParseResponse(m.apdu)
			cs, ok, derr := DecodeCardStatus(body)
			clear(m.apdu)
			if err == nil && derr == nil && ok && cs.HasStatus && !cs.ChipPresent && !cs.MSRData {
				t.emit("", PromptCardRemoved)
				return nil
			}
		}
	}
}
