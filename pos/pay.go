package pos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"kassa/device"
	"kassa/mapi"
	"kassa/store"
)

// cardReadTimeout is how long the reader waits for a swipe.
const cardReadTimeout = 60 * time.Second

// Pay runs one payment: card read on the reader (amount shown; cancellable),
// journal intent (fsynced), the gateway request, then waiting for the final
// status (callback and polling together; the first final answer wins). It
// blocks until the payment is final or, after Config.ResultWait without a
// final answer, unknown; an unknown payment keeps resolving in the
// background and the Snapshot changes by itself when it resolves. The
// returned view is set whenever the payment reached the journal, also with
// an error.
func (e *Engine) Pay(ctx context.Context, kind Kind, amount Amount, desc string) (PaymentView, error) {
	if kind != Sale && kind != Preauth {
		return PaymentView{}, fmt.Errorf("unknown payment kind %q", kind)
	}
	e.mu.Lock()
	closed, cfg := e.closed, e.cfg
	e.mu.Unlock()
	if closed {
		return PaymentView{}, ErrClosed
	}
	if amount.Currency == "" {
		amount.Currency = cfg.Currency
	}
	if amount.Currency != cfg.Currency {
		return PaymentView{}, errorOf(ErrCurrency, Reason{Cause: CauseWrongCurrency, Code: cfg.Currency, Detail: amount.Currency})
	}
	if amount.Minor <= 0 {
		return PaymentView{}, errAmountNotPositive
	}
	if !e.payMu.TryLock() {
		return PaymentView{}, errorOf(ErrBusy, Reason{Cause: CauseBusy})
	}
	defer e.payMu.Unlock()
	if err := e.WaitRecovered(ctx); err != nil {
		return PaymentView{}, err
	}
	if e.ctx.Err() != nil {
		return PaymentView{}, ErrClosed
	}
	e.refresh()
	if e.Snapshot().Blocked {
		return PaymentView{}, errorOf(ErrBlocked, Reason{Cause: CauseBlocked})
	}
	payCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopAfter := context.AfterFunc(e.ctx, cancel)
	defer stopAfter()
	e.mu.Lock()
	e.cancelPay = cancel
	e.snap.Payment = nil
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.cancelPay = nil
		e.current = ""
		e.mu.Unlock()
		e.refresh(store.Payment{}) // counts and Blocked; the shown payment is current
	}()

	// 1. The card, on the reader.
	e.setStage(StageWaitingReader, Reason{Cause: CauseConnectingReader})
	r, err := e.openReader(payCtx)
	if err != nil {
		if payCtx.Err() != nil {
			return e.cancelled()
		}
		r := Reason{Cause: CauseReaderUnavailable, Reader: ReaderProblemOf(err), Detail: err.Error()}
		e.setStage(StageFailed, r)
		return PaymentView{}, errorOf(ErrNoReader, r)
	}
	crashPoint("before-card")
	disp := fmt.Sprintf("Amount: %s %s\nSwipe card", amount.Major(), amount.Currency)
	e.setStage(StageWaitingCard, Reason{Cause: CauseSwipeCard})
	card, err := r.ReadCard(payCtx, device.ReadRequest{Display: disp, Timeout: cardReadTimeout, OnEvent: func(ev device.ReadEvent) {
		e.mu.Lock()
		if e.snap.Stage == StageWaitingCard {
			e.snap.Reason = Reason{Cause: readEventCause(ev)}
			e.publishLocked()
		}
		e.mu.Unlock()
	}})
	if err != nil {
		if payCtx.Err() != nil {
			return e.cancelled()
		}
		if errors.Is(err, device.ErrDeviceGone) {
			e.dropReader(r)
		}
		r := Reason{Cause: CauseCardUnreadable, Reader: ReaderProblemOf(err), Detail: err.Error()}
		e.setStage(StageFailed, r)
		return PaymentView{}, errorOf(ErrCardRead, r)
	}

	// 2. Journal the intent before any byte goes out.
	id := uuid.NewString()
	e.mu.Lock()
	if payCtx.Err() != nil {
		// Cancel came as the card was read: honour it (nothing journaled).
		e.mu.Unlock()
		return e.cancelled()
	}
	e.cancelPay = nil
	e.current = id
	e.snap.CanCancel = false
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
		TerminalID: cfg.TerminalID, Description: desc, Status: store.Status("pending"),
	}
	crashPoint("before-intent")
	p.CreatedAt = time.Now()
	if err := e.journal.Begin(p); err != nil {
		r := Reason{Cause: CauseJournalFailed, Detail: err.Error()}
		e.setStage(StageFailed, r)
		return PaymentView{}, errorOf(ErrJournal, r)
	}
	p.UpdatedAt = p.CreatedAt
	e.showView(viewOf(p))
	crashPoint("after-intent")

	// 3. The request. The fsynced intent is the write-ahead record: from
	// here on the payment may have reached the gateway (see resolver), so
	// the request goes out with no further journal write before it.
	res := e.newResolver(id, amount)
	sentAt := p.CreatedAt
	res.setSent(sentAt)
	e.setStage(StageSending, Reason{Cause: CauseSending})
	req := mapi.PaymentRequest{
		ClientOrderID: id, Amount: amount, Description: desc,
		EncryptedType: card.EncryptedType, EncryptedData: card.EncryptedData,
		PhoneID: cfg.TerminalID, IPAddress: localIP(),
		Merchant: mapi.Merchant{Address1: cfg.Merchant.Address1, City: cfg.Merchant.City, ZipCode: cfg.Merchant.ZipCode,
			Country: cfg.Merchant.Country, Email: cfg.Merchant.Email, Phone: cfg.Merchant.Phone},
		CallbackURL: e.cbURL,
	}
	sendCtx, sendCancel := context.WithTimeout(crashTrace(e.ctx), cfg.SaleTimeout+2*time.Second)
	client := e.gw()
	var acc *mapi.Accepted
	crashPoint("before-request")
	if kind == Preauth {
		acc, err = client.Preauth(sendCtx, req)
	} else {
		acc, err = client.Sale(sendCtx, req)
	}
	sendCancel()
	crashPoint("after-reply")

	// 4. What the reply means (MAPI §3).
	first := e.pollDelay(0) // the first status call
	var notSent *mapi.NotSentError
	var refused *mapi.RefusedError
	switch {
	case err == nil:
		e.gatewayContact(true)
		// The accepted event is journaled with the next write of the
		// payment (resolver.setAccepted): with the final status when the
		// first status call, made at once, already has it.
		res.setAccepted(acc, time.Now())
		first = 0
		e.setStage(StageWaitingBank, Reason{Cause: CauseWaitingBank})
	case errors.As(err, &notSent):
		e.gatewayContact(false)
		e.forgetResolver(res)
		e.log.Warn("payment not sent", "id", id, "err", notSent.Err)
		f := reasonFields(Reason{Cause: CauseBankUnreachable})
		f[fNotCharged], f[fSource] = "yes", "reply"
		e.recordFinal(id, StatusFailed, f)
		return e.finish(id, nil)
	case errors.As(err, &refused) && !refused.Duplicate():
		e.gatewayContact(true)
		e.forgetResolver(res)
		msg := refused.Message
		if msg == "" {
			msg = refused.Type
		}
		f := reasonFields(Reason{Cause: CauseBankRefused, Code: refused.Code, Message: msg})
		f[fNotCharged], f[fSource] = "yes", "reply"
		e.recordFinal(id, StatusFailed, f)
		return e.finish(id, nil)
	default:
		// Unknown, or a duplicate (the order exists): resolve by status.
		if refused != nil {
			e.gatewayContact(true)
			res.setAcked(refused.PaynetOrderID)
		} else {
			e.gatewayContact(false)
		}
		e.log.Warn("sale outcome unknown; resolving by status", "id", id, "err", err)
		res.markUnknown(Reason{Cause: CauseNoReply})
		e.showPayment(id)
		v := e.view(id)
		e.setStage(StageUnknown, v.Reason)
	}

	// 5. Wait for the final answer: callback and polling, whichever first.
	res.start(first)
	wait := cfg.ResultWait - time.Since(sentAt)
	if wait < 0 {
		wait = 0
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-res.done:
	case <-t.C:
	case <-ctx.Done():
	case <-e.ctx.Done():
	}
	if !res.isFinal() {
		res.markUnknown(Reason{Cause: CauseNoFinalAnswerYet})
	}
	return e.finish(id, nil)
}

// finish publishes the payment's final (or unknown) state and returns its view.
func (e *Engine) finish(id string, err error) (PaymentView, error) {
	v := e.view(id)
	e.mu.Lock()
	e.snap.Payment = &v
	e.setStageLocked(resultStage[v.Status], v.Reason)
	e.mu.Unlock()
	return v, err
}

func (e *Engine) cancelled() (PaymentView, error) {
	if e.ctx.Err() != nil {
		e.setStage(StageReady, Reason{Cause: CauseClosing})
		return PaymentView{}, errorOf(ErrClosed, Reason{Cause: CauseClosing})
	}
	e.setStage(StageReady, Reason{Cause: CauseCancelled})
	return PaymentView{}, errorOf(ErrCancelled, Reason{Cause: CauseCancelled})
}

// view reads a payment from the journal (empty view if unreadable).
func (e *Engine) view(id string) PaymentView {
	p, err := e.journal.Get(id)
	if err != nil {
		e.log.Error("journal: get", "id", id, "err", err)
		return PaymentView{ClientOrderID: id, Status: StatusUnknown}
	}
	return viewOf(p)
}

// showPayment makes id the snapshot's payment.
func (e *Engine) showPayment(id string) { e.showView(e.view(id)) }

// showView makes v the snapshot's payment.
func (e *Engine) showView(v PaymentView) {
	e.mu.Lock()
	e.snap.Payment = &v
	e.publishLocked()
	e.mu.Unlock()
}

// Cancel cancels the running payment if it can still be cancelled (before
// the request is sent) and reports whether it could.
func (e *Engine) Cancel() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cancelPay == nil || !e.snap.CanCancel {
		return false
	}
	e.cancelPay()
	return true
}

// Override lets new payments start although payments' outcomes are unknown.
// The manager's name and reason are journaled on every unknown payment; the
// payments keep resolving in the background.
func (e *Engine) Override(manager, reason string) error {
	manager, reason = strings.TrimSpace(manager), strings.TrimSpace(reason)
	if manager == "" || reason == "" {
		return &Error{Reason: Reason{Cause: CauseOverrideIncomplete}}
	}
	un, err := e.journal.Unresolved()
	if err != nil {
		return err
	}
	e.mu.Lock()
	cur := e.current
	e.mu.Unlock()
	for _, p := range un {
		if p.ClientOrderID == cur {
			continue
		}
		_, err := e.journal.Record(p.ClientOrderID, store.Event{Type: store.EventType("override"),
			Fields: map[string]string{fManager: manager, fReason: reason}})
		if err != nil && !errors.Is(err, store.ErrStale) {
			return fmt.Errorf("journal override: %w", err)
		}
		e.mu.Lock()
		e.overridden[p.ClientOrderID] = true
		e.mu.Unlock()
	}
	e.log.Warn("manager override of unknown payments", "manager", manager, "count", len(un))
	e.refresh()
	e.mu.Lock()
	if e.snap.Stage == StageUnknown && !e.snap.Blocked && e.current == "" {
		e.setStageLocked(StageReady, Reason{Cause: CauseOverridden})
	}
	e.mu.Unlock()
	return nil
}

// openReader returns the open reader, opening it if needed.
func (e *Engine) openReader(ctx context.Context) (*device.Reader, error) {
	e.readerOpen.Lock()
	defer e.readerOpen.Unlock()
	e.mu.Lock()
	if e.reader != nil {
		r := e.reader
		e.mu.Unlock()
		return r, nil
	}
	port := e.cfg.Reader
	e.mu.Unlock()
	opts := device.Options{Port: port, Logger: e.log, Reconnect: true}
	var r *device.Reader
	var err error
	simulated := e.demo != nil && e.demo.sim != nil
	if simulated {
		r, err = e.demo.openReader(ctx, opts)
	} else {
		r, err = device.Open(ctx, opts)
	}
	if err != nil {
		e.mu.Lock()
		e.snap.Reader = ReaderStatus{State: ReaderStateNotFound, Problem: ReaderProblemOf(err), Port: port}
		e.publishLocked()
		e.mu.Unlock()
		return nil, err
	}
	e.mu.Lock()
	if e.closed || e.ctx.Err() != nil {
		e.mu.Unlock()
		_ = r.Close()
		return nil, ErrClosed
	}
	e.reader = r
	e.snap.Reader = readerStatus(r.Info(), device.StateConnected, simulated)
	e.publishLocked()
	e.mu.Unlock()
	states := r.States()
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		for st := range states {
			e.mu.Lock()
			if e.reader == r {
				e.snap.Reader = readerStatus(st.Info, st.Kind, simulated)
				if st.Kind == device.StateGone {
					e.snap.Reader.Problem = ReaderGone
				}
				e.publishLocked()
			}
			e.mu.Unlock()
		}
	}()
	return r, nil
}

// dropReader forgets a reader that is gone, so the next payment reopens it.
func (e *Engine) dropReader(r *device.Reader) {
	e.mu.Lock()
	if e.reader != r {
		e.mu.Unlock()
		return
	}
	e.reader = nil
	e.snap.Reader.State, e.snap.Reader.Problem = ReaderStateNotFound, ReaderGone
	e.publishLocked()
	e.mu.Unlock()
	_ = r.Close()
}

func readerStatus(in device.Info, kind device.StateKind, simulated bool) ReaderStatus {
	return ReaderStatus{State: readerStateOf(kind, simulated), Serial: in.Serial, Battery: in.Battery.Percent, Charging: in.Battery.Charging, Port: in.Port}
}

// readEventCause is the cause shown for a reader event during a read.
func readEventCause(ev device.ReadEvent) Cause {
	if ev == device.EventChipInserted {
		return CauseChipInserted
	}
	return CauseBadSwipe
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

var (
	ipOnce sync.Once
	ipAddr string
)

// localIP is the counter PC's address, else 127.0.0.1 (MAPI §3 ipaddress).
func localIP() string {
	ipOnce.Do(func() {
		ipAddr = "127.0.0.1"
		if v := os.Getenv("KASSA_IP_ADDRESS"); v != "" {
			ipAddr = v
			return
		}
		addrs, err := netInterfaceAddrs()
		if err != nil {
			return
		}
		for _, a := range addrs {
			if a != "" {
				ipAddr = a
				return
			}
		}
	})
	return ipAddr
}
