package pos

import (
	"errors"
	"sync"
	"time"

	"kassa/mapi"
	"kassa/store"
)

// payment owns one payment's journal writes: its intent, the gateway's
// acceptance, unknown, the final status (final, or resolved after unknown)
// and alerts all go through it, so every state change of a payment in the
// engine is in this file. It also finds the final status (poll.go): by
// status polling (MAPI §4 schedule) and by callbacks, each confirmed with
// one status call; the first final answer wins and is journaled once.
//
// A payment whose intent is journaled may have reached the gateway: the
// fsynced intent is the write-ahead record, and the request goes out right
// after it with no further journal write in between (a separate "sent"
// event would cost an fsync per payment and tell recovery nothing it may
// rely on). So every journaled payment counts as maybe sent, from its
// intent's time (classifyStatus says what "order not found" means then).
type payment struct {
	e  *Engine
	id string

	checkMu sync.Mutex // serialises status checks
	writeMu sync.Mutex // serialises the payment's journal writes

	mu       sync.Mutex
	orderID  string
	acked    bool      // the gateway acknowledged the order
	sentAt   time.Time // when the request may have gone out: the intent's time
	unknown  bool      // the journal says unknown (a final event after it is "resolved")
	final    bool
	hint     chan mapi.CallbackEvent
	done     chan struct{}
	accepted *store.Event // the reply's accepted event, journaled with the next write
	amount   Amount       // the journaled amount (compared with the gateway's)

	// Issue 12: a contact chip card waiting in the reader for the EMV stage.
	stage     chan *mapi.StatusResult // the first status at the stage, for Pay (nil: nobody waits)
	stageSeen bool
	poke      chan struct{} // check the status now (the advice went out)

	poll *statusPoll // resolves it in the background (poll.go)

	last   store.Payment // the record its last journal write returned (lastOK)
	lastOK bool
}

func newPayment(e *Engine, id string, amount Amount) *payment {
	pm := &payment{e: e, id: id, amount: amount, hint: make(chan mapi.CallbackEvent, 8), done: make(chan struct{}),
		poke: make(chan struct{}, 1)}
	pm.poll = pm.newPoll()
	return pm
}

// paymentFromJournal makes the payment of a journaled record.
func paymentFromJournal(e *Engine, p store.Payment) *payment {
	pm := newPayment(e, p.ClientOrderID, Amount{Minor: p.AmountMinor, Currency: p.Currency})
	pm.orderID, pm.acked = p.PaynetOrderID, p.PaynetOrderID != ""
	pm.unknown, pm.final, pm.sentAt = p.Status == store.StatusUnknown, p.Final(), p.CreatedAt
	for _, ev := range p.Events {
		if ev.Type == store.EventSent { // journals of earlier versions: the time it went out
			pm.sentAt = ev.At
		}
	}
	// The journal's times are wall-clock times: one in the future means the
	// clock went back since (issue 17, defect D6: the grace period would run
	// for the hours it went back). Count from now instead.
	if now := e.now(); pm.sentAt.After(now) {
		pm.sentAt = time.Now()
	}
	return pm
}

// begin journals the intent (fsynced) before any byte goes out.
func (pm *payment) begin(p store.Payment) error {
	if err := pm.e.journal.Begin(p); err != nil {
		return err
	}
	pm.mu.Lock()
	pm.sentAt = time.Now() // monotonic: the grace and the waits must not follow the wall clock (issue 17)
	pm.mu.Unlock()
	return nil
}

// accept keeps the sale reply's accepted event (gateway ids) to be
// journaled together with the next event of the payment, in one
// transaction: with the final status when the first status call already
// has it (one fsync instead of two on the way to the cashier's screen), or
// alone as soon as a status call brings no final answer. Until then the
// journal says pending, which recovery treats like accepted.
func (pm *payment) accept(acc *mapi.Accepted, at time.Time) {
	fields := nonEmpty(map[string]string{fOrderID: acc.PaynetOrderID, fSerial: acc.SerialNumber, fSource: "reply"})
	pm.mu.Lock()
	if pm.orderID == "" {
		pm.orderID = acc.PaynetOrderID
	}
	pm.acked = true
	pm.accepted = &store.Event{Type: store.EventAccepted, Status: store.StatusAccepted, At: at, Fields: fields}
	pm.mu.Unlock()
}

// acknowledge records that the gateway acknowledged the order (a duplicate
// refusal naming its order id).
func (pm *payment) acknowledge(orderID string) {
	if orderID == "" {
		return
	}
	pm.setOrderID(orderID)
	pm.mu.Lock()
	pm.acked = true
	pm.mu.Unlock()
}

func (pm *payment) setOrderID(id string) {
	if id == "" {
		return
	}
	pm.mu.Lock()
	if pm.orderID == "" {
		pm.orderID = id
	}
	pm.mu.Unlock()
}

func (pm *payment) isFinal() bool {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	return pm.final
}

// record journals evs, preceded by the pending accepted event if any, in
// one transaction.
func (pm *payment) record(evs ...store.Event) (store.Payment, error) {
	pm.writeMu.Lock()
	defer pm.writeMu.Unlock()
	pm.mu.Lock()
	acc := pm.accepted
	pm.accepted = nil
	pm.mu.Unlock()
	if acc != nil {
		evs = append([]store.Event{*acc}, evs...)
	}
	if len(evs) == 0 {
		return store.Payment{}, nil
	}
	p, err := pm.e.journal.RecordAll(pm.id, evs...)
	pm.mu.Lock()
	pm.last, pm.lastOK = p, err == nil
	pm.mu.Unlock()
	if err != nil && !errors.Is(err, store.ErrStale) && !errors.Is(err, store.ErrConflict) {
		if acc != nil { // not written: keep it for the next write
			pm.mu.Lock()
			if pm.accepted == nil {
				pm.accepted = acc
			}
			pm.mu.Unlock()
		}
		return p, err
	}
	if acc != nil {
		crashPoint("after-accepted")
	}
	return p, err
}

// written is the view of the final record the payment's last journal
// write returned, read inside that write's transaction: what a read of the
// journal would give, without reading it again (the end of Pay). ok is
// false when the payment is not final or that write failed.
func (pm *payment) written() (v PaymentView, ok bool) {
	pm.mu.Lock()
	p, ok := pm.last, pm.lastOK && pm.final
	pm.mu.Unlock()
	if !ok || !p.Final() {
		return PaymentView{}, false
	}
	return viewOf(p), true
}

// flushAccepted journals the pending accepted event on its own.
func (pm *payment) flushAccepted() {
	pm.mu.Lock()
	pending := pm.accepted != nil
	pm.mu.Unlock()
	if !pending {
		return
	}
	p, err := pm.record()
	if err != nil && !errors.Is(err, store.ErrStale) {
		pm.e.log.Error("journal: accepted", "id", pm.id, "err", err)
		return
	}
	if p.ClientOrderID != "" {
		pm.e.refresh(p)
	}
}

// markUnknown journals the unknown state once.
func (pm *payment) markUnknown(r Reason) {
	pm.mu.Lock()
	if pm.unknown || pm.final {
		pm.mu.Unlock()
		return
	}
	pm.unknown = true
	pm.mu.Unlock()
	pm.e.log.Warn("payment result unknown; resolving by status", "id", pm.id, "cause", r.Cause.String(), "detail", r.Detail)
	p, err := pm.record(store.Event{Type: store.EventUnknown, Status: store.StatusUnknown, Fields: reasonFields(r)})
	if err != nil && !errors.Is(err, store.ErrStale) {
		pm.e.log.Error("journal: unknown", "id", pm.id, "err", err)
		pm.e.refresh()
		return
	}
	pm.e.refresh(p)
}

// notCharged are the causes that certainly did not charge the card.
var notCharged = map[Cause]bool{CauseBankUnreachable: true, CauseBankRefused: true, CauseNoRecordAtBank: true}

// finish journals the final status (event "final", or "resolved" after
// unknown) with its reason and the gateway's fields, and ends the payment.
// It reports whether the payment is final (false only when the journal
// could not be written).
func (pm *payment) finish(st Status, r Reason, fields map[string]string) bool {
	if fields == nil {
		fields = map[string]string{}
	}
	for k, v := range reasonFields(r) {
		fields[k] = v
	}
	if notCharged[r.Cause] {
		fields[fNotCharged] = "yes"
	}
	pm.mu.Lock()
	typ := store.EventFinal
	if pm.unknown {
		typ = store.EventResolved
	}
	pm.mu.Unlock()
	p, err := pm.record(store.Event{Type: typ, Status: st.Journal(), Fields: fields})
	switch {
	case err == nil:
	case errors.Is(err, store.ErrStale), errors.Is(err, store.ErrConflict):
		// Already final (another answer won) or contradicting: the journal
		// keeps what it has; a conflict is stored as an alert.
		pm.e.log.Warn("final status not applied", "id", pm.id, "status", st.String(), "err", err)
	default:
		pm.e.log.Error("journal: final", "id", pm.id, "err", err)
		return false
	}
	crashPoint("after-final")
	pm.e.finalHook(pm.id)
	pm.mu.Lock()
	if !pm.final {
		pm.final = true
		close(pm.done)
	}
	pm.mu.Unlock()
	pm.e.forgetPayment(pm)
	if p.ClientOrderID != "" {
		pm.e.announce(p)
		pm.e.refresh(p)
	} else {
		pm.e.refresh()
	}
	return true
}

// alert journals a contradicting report for a manager; it changes nothing.
func (pm *payment) alert(r Reason, source string) {
	f := reasonFields(r)
	f[fSource] = source
	pm.e.log.Warn("ALERT: "+r.Error(), "id", pm.id, "source", source)
	if _, err := pm.record(store.Event{Type: store.EventAlert, Fields: f}); err != nil {
		pm.e.log.Error("journal: alert", "id", pm.id, "err", err)
	}
}

// override journals a manager's override on the payment.
func (pm *payment) override(manager, reason, who string) error {
	_, err := pm.record(store.Event{Type: store.EventOverride, Fields: map[string]string{fManager: manager, fReason: reason,
		store.FieldCashier: who}})
	if err != nil && !errors.Is(err, store.ErrStale) {
		return err
	}
	return nil
}

// watchStage makes the payment report the EMV stage (once) on the returned
// channel: a contact card waits in the reader (issue 12).
func (pm *payment) watchStage() <-chan *mapi.StatusResult {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	if pm.stage == nil {
		pm.stage = make(chan *mapi.StatusResult, 1)
	}
	return pm.stage
}

// atStage reports a status answer at the EMV stage to Pay, once; with no
// card waiting it is left to the gateway's 60 s rule (MAPI.md §10).
func (pm *payment) atStage(res *mapi.StatusResult) {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	if pm.stage == nil || pm.stageSeen {
		return
	}
	pm.stageSeen = true
	pm.stage <- res
}

// nudge asks the resolving loop for a status call now.
func (pm *payment) nudge() {
	select {
	case pm.poke <- struct{}{}:
	default:
	}
}

// adviceWritten journals (fsynced) that the card's answer, a TC or an AAC
// given the issuer's response code arc, is about to go to the gateway as
// the EMV advice (issue 12): the write-ahead record of the advice.
func (pm *payment) adviceWritten(cryptogram, arc string) error {
	// store.ErrStale: the payment is final already (no advice to send).
	_, err := pm.record(store.Event{Type: store.EventAdvice, Fields: nonEmpty(map[string]string{fAdviceKind: cryptogram, fAdviceARC: arc})})
	return err
}

// newPayment registers the payment in flight (not resolving yet).
func (e *Engine) newPayment(id string, amount Amount) *payment {
	pm := newPayment(e, id, amount)
	e.mu.Lock()
	e.payments[id] = pm
	e.mu.Unlock()
	return pm
}

// paymentFor returns the registered payment of a journaled record, or
// registers a new one (not resolving yet) from the journal's state.
func (e *Engine) paymentFor(p store.Payment) (pm *payment, created bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if pm := e.payments[p.ClientOrderID]; pm != nil {
		return pm, false
	}
	pm = paymentFromJournal(e, p)
	e.payments[p.ClientOrderID] = pm
	return pm, true
}

// paymentOf returns the registered payment of a record, or an unregistered
// one for a final payment (alerts only).
func (e *Engine) paymentOf(p store.Payment) *payment {
	e.mu.Lock()
	defer e.mu.Unlock()
	if pm := e.payments[p.ClientOrderID]; pm != nil {
		return pm
	}
	return paymentFromJournal(e, p)
}

func (e *Engine) registered(id string) *payment {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.payments[id]
}

func (e *Engine) forgetPayment(pm *payment) {
	e.mu.Lock()
	if e.payments[pm.id] == pm {
		delete(e.payments, pm.id)
	}
	e.mu.Unlock()
}
