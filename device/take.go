package device

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"kassa/device/emv"
)

// emitter returns the function that reports a read event: the legacy
// ReadEvent string to OnEvent and the typed Prompt to OnPrompt.
func (req ReadRequest) emitter(log *slog.Logger) func(ReadEvent, Prompt) {
	return func(ev ReadEvent, p Prompt) {
		if ev == "" {
			ev = ReadEvent(p.String())
		}
		log.Info("reader: read event", "event", p.String())
		if req.OnEvent != nil {
			req.OnEvent(ev)
		}
		if req.OnPrompt != nil {
			req.OnPrompt(p)
		}
	}
}

// Capabilities returns whether the reader does chip (EMV) and contactless
// (CTLS), from GET DEVICE INFO, asked once per connection.
func (r *Reader) Capabilities(ctx context.Context) (chip, contactless bool, err error) {
	r.opMu.Lock()
	defer r.opMu.Unlock()
	s, err := r.current()
	if err != nil {
		return false, false, err
	}
	return r.capabilities(ctx, s)
}

func (r *Reader) capabilities(ctx context.Context, s *session) (bool, bool, error) {
	if info := r.Info(); info.CapsKnown {
		return info.EMV, info.Contactless, nil
	}
	body, err := s.transact(ctx, GetDeviceInfo())
	if err != nil {
		return false, false, err
	}
	entries, err := DecodeDeviceInfo(body)
	if err != nil {
		return false, false, err
	}
	var chip, ctls bool
	for _, e := range entries {
		chip = chip || e.Name == "EMV"
		ctls = ctls || e.Name == "CTLS"
	}
	r.mu.Lock()
	if r.sess == s {
		r.info.CapsKnown, r.info.EMV, r.info.Contactless = true, chip, ctls
	}
	r.mu.Unlock()
	r.log.Info("reader: capabilities", "emv", chip, "contactless", ctls)
	return chip, ctls, nil
}

// blockResult is the answer of a blocking command run in the background.
type blockResult struct {
	body []byte
	sw   SW
	err  error
}

// taking is one "take a card" read in progress (§12.3).
type taking struct {
	r        *Reader
	s        *session
	req      ReadRequest
	serial   string
	emit     func(ReadEvent, Prompt)
	start    []byte // START data (E0)
	chip     bool   // reader has EMV
	fallback bool   // 9F28/9F30 seen: the next swipe is a fallback swipe

	ctls       chan blockResult // the pending START CONTACTLESS, or nil
	ctlsCancel context.CancelFunc

	// later are swipes that came while START TRANSACTION blocked (the
	// fallback swipe can overtake 9F28's answer): handled after it.
	later []rxMessage
}

// startData builds the E0 of START from the request.
func startData(req ReadRequest) ([]byte, error) {
	cur, ok := emv.CurrencyNumeric(req.Currency)
	if !ok {
		return nil, fmt.Errorf("currency %q has no ISO 4217 numeric code known to the reader driver", req.Currency)
	}
	at := req.At
	if at.IsZero() {
		at = time.Now()
	}
	return emv.Start{AmountMinor: req.AmountMinor, Currency: cur, Exponent: byte(req.Exponent), At: at}.Encode()
}

// takeCard is ReadCard with Currency set.
func (r *Reader) takeCard(ctx context.Context, s *session, req ReadRequest, info Info, timeout time.Duration) (*Card, error) {
	data, err := startData(req)
	if err != nil {
		return nil, err
	}
	chip, ctls, err := r.capabilities(ctx, s)
	if err != nil {
		return nil, err
	}
	text := req.Display
	if text == "" {
		text = "Tap, insert or swipe"
		if !chip && !ctls {
			text = "Swipe card"
		}
		if req.Heading != "" {
			text = req.Heading + "\n" + text
		}
	}
	s.drainEvents()
	if err := r.display(ctx, s, text); err != nil {
		return nil, err
	}
	if _, err := s.transact(ctx, CardStatus(true)); err != nil {
		return nil, err
	}
	tk := &taking{r: r, s: s, req: req, serial: info.Serial, emit: req.emitter(r.log), start: data, chip: chip}
	tk.emit("", PromptPresent)
	if ctls && !req.NoContactless {
		tk.startContactless(ctx)
	}
	card, err := tk.wait(ctx, timeout)
	tk.stopContactless()
	if err == nil {
		r.tookCard(s, tk, card)
		return card, nil
	}
	switch {
	case s.broken() != nil || errors.Is(err, ErrDeviceGone):
		r.log.Warn("reader: card read failed, link broken", "err", err)
		return nil, err
	case errors.Is(err, ErrNotSREDReady):
		r.stopCardStatus(s, r.opts.IdleText)
		return nil, err
	}
	r.cancelRead(s)
	return nil, err
}

// tookCard ends the wait for a card: CARD STATUS 00 and "Processing". With
// a chip transaction open, a refused DISPLAY TEXT (9F26) must not trigger
// the session's ABORT-and-retry rule, which would end the transaction.
func (r *Reader) tookCard(s *session, tk *taking, card *Card) {
	if card.Chip != nil {
		r.stopCardStatusOpen(s, "Processing")
	} else {
		r.stopCardStatus(s, "Processing")
	}
	tk.emit("", PromptProcessing)
	r.log.Info("reader: card taken", "entry", card.Entry.String(), "pan", card.MaskedPAN, "kind", card.Kind.String(),
		"aid", card.AID, "cvm", card.CVM.String(), "template_len", len(card.Template))
}

// startContactless runs START CONTACTLESS in the background.
func (tk *taking) startContactless(ctx context.Context) {
	cctx, cancel := context.WithCancel(ctx)
	ch := make(chan blockResult, 1)
	tk.ctls, tk.ctlsCancel = ch, cancel
	go func() {
		body, sw, err := tk.s.blocking(cctx, StartContactless(tk.start))
		ch <- blockResult{body: body, sw: sw, err: err}
	}()
}

// stopContactless aborts a pending START CONTACTLESS and waits for it. A
// tap that won the race is wiped: the reader answered it before the ABORT.
func (tk *taking) stopContactless() *blockResult {
	if tk.ctls == nil {
		return nil
	}
	tk.ctlsCancel()
	res := <-tk.ctls
	tk.ctls, tk.ctlsCancel = nil, nil
	return &res
}

// wait is the §12.3 loop until a card is taken, the read fails or times out.
func (tk *taking) wait(ctx context.Context, timeout time.Duration) (*Card, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			tk.r.log.Info("reader: card read cancelled")
			return nil, ctx.Err()
		case <-t.C:
			tk.r.log.Info("reader: no card presented in time", "timeout", timeout)
			return nil, ErrReadTimeout
		case <-tk.s.done:
			return nil, tk.s.err
		case res := <-tk.ctls:
			tk.ctls = nil
			tk.ctlsCancel()
			if card, err := tk.onContactless(ctx, res); card != nil || err != nil {
				return card, err
			}
		case m := <-tk.s.events:
			if card, err := tk.onMessage(ctx, m); card != nil || err != nil {
				return card, err
			}
		}
	}
}

// onContactless handles START CONTACTLESS's answer.
func (tk *taking) onContactless(ctx context.Context, res blockResult) (*Card, error) {
	if res.err != nil {
		if ctx.Err() != nil {
			return nil, nil // the loop reports the cancel
		}
		return nil, res.err
	}
	switch res.sw {
	case SWSuccess:
		return tk.chipCard(res.body, EntryContactless)
	case SWTimedOut:
		tk.r.log.Debug("reader: no tap yet, START CONTACTLESS again")
		tk.startContactless(ctx)
	case SWInserted, SWSwiped, SWCancelled:
		// the card-status event follows
	case SWNoApplication, SWUseChip:
		tk.emit("", PromptInsert)
	case SWNotPossible, SWHardwareError:
		tk.emit("", PromptOtherCard)
	case SWUnsupportedCard, SWICCReadError:
		tk.fallback = true
		tk.emit("", PromptSwipe)
	case SWChipError:
		return nil, ErrChipUnreadable
	default:
		tk.r.log.Warn("reader: START CONTACTLESS refused", "sw", res.sw.String())
	}
	return nil, nil
}

// onMessage handles one unsolicited message while waiting for a card.
func (tk *taking) onMessage(ctx context.Context, m rxMessage) (*Card, error) {
	defer clear(m.apdu)
	body, _, err := ParseResponse(m.apdu)
	if err != nil {
		return nil, nil
	}
	if code, text, ok := DecodeDeviceStatus(body); ok {
		tk.deviceStatus(code, text)
		return nil, nil
	}
	cs, ok, err := DecodeCardStatus(body)
	if err != nil || !ok {
		return nil, nil
	}
	switch cs.kind() {
	case swipeGood:
		return tk.onSwipe(body)
	case swipeClear:
		tk.r.log.Error("reader: card data not encrypted (reader not SRED-ready); data wiped")
		return nil, ErrNotSREDReady
	case swipeBad:
		tk.emit(EventBadSwipe, PromptTryAgain)
	case swipeChip:
		switch {
		case !tk.chip:
			tk.emit(EventChipInserted, PromptSwipe) // a swipe-only reader
			return nil, nil
		case !cs.ChipEMV:
			tk.emit("", PromptWrongWay)
			return nil, nil
		}
		return tk.onInsert(ctx)
	}
	return nil, nil
}

// deviceStatus turns an E6 message into a prompt (§5, reference/emv.md §2.2).
func (tk *taking) deviceStatus(code byte, text string) {
	tk.r.log.Info("reader: device status", "code", fmt.Sprintf("%02X", code), "text", text)
	switch code {
	case 0x02:
		tk.emit("", PromptPIN)
	case 0xC0:
		tk.emit("", PromptSeePhone)
	}
}

// onSwipe takes a good swipe, unless a chip card was swiped at a chip
// reader outside the fallback (§12.3).
func (tk *taking) onSwipe(body []byte) (*Card, error) {
	if res := tk.stopContactless(); res != nil && res.err == nil && res.sw == SWSuccess {
		clear(res.body)
	}
	card, err := swipeCard(body, tk.serial, EntrySwipe)
	if err != nil {
		return nil, err
	}
	if tk.fallback {
		card.Entry = EntryFallbackSwipe
		return card, nil
	}
	if sc := serviceCode(card.Template); tk.chip && (strings.HasPrefix(sc, "2") || strings.HasPrefix(sc, "6")) {
		tk.r.log.Info("reader: chip card swiped, asking for the chip", "pan", card.MaskedPAN)
		clear(card.Template)
		tk.emit("", PromptInsert)
		return nil, nil
	}
	return card, nil
}

// serviceCode returns the service code of a swipe template's DFAE22.
func serviceCode(tmpl []byte) string {
	t, err := emv.ParseTemplate(tmpl)
	if err != nil {
		return ""
	}
	_, rest, ok := strings.Cut(t.Fields.MaskedTrack2, "=")
	if !ok || len(rest) < 7 {
		return ""
	}
	return rest[4:7]
}

// onInsert runs START TRANSACTION for an inserted chip card, reporting PIN
// entry and removal while it blocks.
func (tk *taking) onInsert(ctx context.Context) (*Card, error) {
	if res := tk.stopContactless(); res != nil && res.err == nil && res.sw == SWSuccess {
		return tk.chipCard(res.body, EntryContactless) // a tap beat the insert
	}
	tk.emit("", PromptReadingCard)
	ch := make(chan blockResult, 1)
	go func() {
		body, sw, err := tk.s.blocking(ctx, StartTransaction(tk.start))
		ch <- blockResult{body: body, sw: sw, err: err}
	}()
	for {
		select {
		case res := <-ch:
			card, err := tk.onStart(ctx, res)
			if card != nil || err != nil {
				tk.dropLater()
				return card, err
			}
			return tk.replayLater(ctx)
		case m := <-tk.s.events:
			tk.duringStart(m)
		}
	}
}

// replayLater handles the swipes kept while START blocked, in order.
func (tk *taking) replayLater(ctx context.Context) (*Card, error) {
	for len(tk.later) > 0 {
		m := tk.later[0]
		tk.later = tk.later[1:]
		if card, err := tk.onMessage(ctx, m); card != nil || err != nil {
			tk.dropLater()
			return card, err
		}
	}
	return nil, nil
}

// dropLater wipes the kept swipes.
func (tk *taking) dropLater() {
	for _, m := range tk.later {
		clear(m.apdu)
	}
	tk.later = nil
}

// duringStart handles an unsolicited message while START TRANSACTION
// blocks; a swipe is kept for after it (replayLater).
func (tk *taking) duringStart(m rxMessage) {
	body, _, err := ParseResponse(m.apdu)
	if err != nil {
		clear(m.apdu)
		return
	}
	if code, text, ok := DecodeDeviceStatus(body); ok {
		clear(m.apdu)
		tk.deviceStatus(code, text)
		return
	}
	cs, ok, err := DecodeCardStatus(body)
	if err == nil && ok && cs.MSRData {
		tk.later = append(tk.later, m)
		return
	}
	clear(m.apdu)
	if err == nil && ok && cs.HasStatus && !cs.ChipPresent {
		tk.emit("", PromptCardRemoved)
	}
}

// onStart handles START TRANSACTION's answer.
func (tk *taking) onStart(ctx context.Context, res blockResult) (*Card, error) {
	if res.err != nil {
		return nil, res.err
	}
	switch res.sw {
	case SWSuccess:
		return tk.chipCard(res.body, EntryChip)
	case SWUnsupportedCard, SWICCReadError:
		tk.fallback = true
		tk.emit("", PromptSwipe)
		return nil, nil
	case SWNotPossible, SWHardwareError, SWNoApplication:
		tk.emit("", PromptOtherCard)
		return nil, nil
	case SWChipError:
		return nil, ErrChipUnreadable
	case SWNoCard:
		tk.emit("", PromptCardRemoved)
		return nil, ErrCardRemoved
	case SWCancelled:
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, &StatusError{Command: "START TRANSACTION", SW: res.sw}
}

// chipCard makes the Card of an E4/E3/E5 answer.
func (tk *taking) chipCard(body []byte, entry EntryMode) (*Card, error) {
	defer clear(body)
	t, err := emv.ParseTemplate(body)
	if errors.Is(err, emv.ErrClearCardData) {
		tk.r.log.Error("reader: chip data not encrypted (reader not SRED-ready); data wiped")
		return nil, ErrNotSREDReady
	}
	if err != nil || t.Kind == emv.KindSwipe {
		return nil, fmt.Errorf("reader sent a bad chip template: %w", err)
	}
	if t.Contactless() {
		entry = EntryContactless
	}
	card := cardOf(t, tk.serial, entry)
	t.Wipe()
	card.Chip = &ChipTransaction{r: tk.r, s: tk.s, entry: entry, offline: card.Kind != emv.KindOnline,
		serial: tk.serial, emit: tk.emit}
	return card, nil
}
