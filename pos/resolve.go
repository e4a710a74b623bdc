package pos

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"kassa/mapi"
	"kassa/store"
)

// resolver finds the final status of one payment: by status polling
// (MAPI §4 schedule) and by callbacks, each confirmed with one status call.
// The first final answer wins; it is journaled once.
//
// A payment whose intent is journaled may have reached the gateway: the
// fsynced intent is the write-ahead record, and the request goes out right
// after it with no further journal write in between (a separate "sent" event
// would cost an fsync per payment and tell recovery nothing it may rely on:
// a crash between it and the request leaves the same doubt). So the
// resolver treats every journaled payment as maybe sent, from its intent's
// time: "order not found" keeps it unknown through Config.NotFoundGrace,
// then it is final "not charged". A payment the gateway acknowledged (its
// reply, a duplicate refusal or an earlier answer gave its order id) is
// never made "not charged" by "not found".
type resolver struct {
	e  *Engine
	id string

	checkMu sync.Mutex // serialises status checks
	writeMu sync.Mutex // serialises the payment's journal writes

	mu         sync.Mutex
	orderID    string
	acked      bool      // the gateway acknowledged the order (see above)
	sentAt     time.Time // when the request may have gone out: the intent's time
	unknown    bool      // the journal says unknown (events after it are "resolved")
	final      bool
	started    bool
	hint       chan mapi.CallbackEvent
	done       chan struct{}
	accepted   *store.Event // the reply's accepted event, journaled with the next write
	acceptedAt time.Time
	amount     Amount // the journaled amount (compared with the gateway's)
}

// setAccepted keeps the sale reply's accepted event (gateway ids) to be
// journaled together with the next event of the payment, in one
// transaction: with the final status when the first status call already
// has it (the usual case: one fsync instead of two on the way to the
// cashier's screen), or alone as soon as a status call brings no final
// answer. Until then the journal says pending, which recovery treats like
// accepted (status by client_orderid).
func (r *resolver) setAccepted(acc *mapi.Accepted, at time.Time) {
	fields := nonEmpty(map[string]string{fOrderID: acc.PaynetOrderID, fSerial: acc.SerialNumber, fSource: "reply"})
	r.mu.Lock()
	if r.orderID == "" {
		r.orderID = acc.PaynetOrderID
	}
	r.acked = true
	r.accepted = &store.Event{Type: store.EventAccepted, Status: store.StatusAccepted, At: at, Fields: fields}
	r.mu.Unlock()
}

// record journals evs, preceded by the pending accepted event if any, in
// one transaction.
func (r *resolver) record(evs ...store.Event) (store.Payment, error) {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	r.mu.Lock()
	acc := r.accepted
	r.accepted = nil
	r.mu.Unlock()
	if acc != nil {
		evs = append([]store.Event{*acc}, evs...)
	}
	if len(evs) == 0 {
		return store.Payment{}, nil
	}
	p, err := r.e.journal.RecordAll(r.id, evs...)
	if err != nil && !errors.Is(err, store.ErrStale) && !errors.Is(err, store.ErrConflict) {
		if acc != nil { // not written: keep it for the next write
			r.mu.Lock()
			if r.accepted == nil {
				r.accepted = acc
			}
			r.mu.Unlock()
		}
		return p, err
	}
	if acc != nil {
		crashPoint("after-accepted")
	}
	return p, err
}

// flushAccepted journals the pending accepted event on its own.
func (r *resolver) flushAccepted() {
	r.mu.Lock()
	pending := r.accepted != nil
	r.mu.Unlock()
	if !pending {
		return
	}
	p, err := r.record()
	if err != nil && !errors.Is(err, store.ErrStale) {
		r.e.log.Error("journal: accepted", "id", r.id, "err", err)
		return
	}
	if p.ClientOrderID != "" {
		r.e.refresh(p)
	}
}

// newResolver registers a resolver for a payment in flight (not started).
func (e *Engine) newResolver(id string, amount Amount) *resolver {
	r := &resolver{e: e, id: id, hint: make(chan mapi.CallbackEvent, 8), done: make(chan struct{}), amount: amount}
	e.mu.Lock()
	e.resolvers[id] = r
	e.mu.Unlock()
	return r
}

// resolverFor returns the registered resolver of a journaled payment or
// registers a new one (not started) from the journal's state.
func (e *Engine) resolverFor(p store.Payment) (r *resolver, created bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r := e.resolvers[p.ClientOrderID]; r != nil {
		return r, false
	}
	r = &resolver{e: e, id: p.ClientOrderID, hint: make(chan mapi.CallbackEvent, 8), done: make(chan struct{}),
		orderID: p.PaynetOrderID, acked: p.PaynetOrderID != "", unknown: p.Status == store.StatusUnknown,
		amount: Amount{Minor: p.AmountMinor, Currency: p.Currency}, sentAt: p.CreatedAt}
	for _, ev := range p.Events {
		if ev.Type == store.EventSent { // journals of earlier versions: the time it went out
			r.sentAt = ev.At
		}
	}
	e.resolvers[p.ClientOrderID] = r
	return r, true
}

func (e *Engine) forgetResolver(r *resolver) {
	e.mu.Lock()
	if e.resolvers[r.id] == r {
		delete(e.resolvers, r.id)
	}
	e.mu.Unlock()
}

// setSent sets the time from which the request may have gone out.
func (r *resolver) setSent(at time.Time) {
	r.mu.Lock()
	r.sentAt = at
	r.mu.Unlock()
}

func (r *resolver) setOrderID(id string) {
	if id == "" {
		return
	}
	r.mu.Lock()
	if r.orderID == "" {
		r.orderID = id
	}
	r.mu.Unlock()
}

// setAcked records that the gateway acknowledged the order (a duplicate
// refusal naming its order id).
func (r *resolver) setAcked(orderID string) {
	if orderID == "" {
		return
	}
	r.setOrderID(orderID)
	r.mu.Lock()
	r.acked = true
	r.mu.Unlock()
}

func (r *resolver) isFinal() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.final
}

// markUnknown journals the unknown state once.
func (r *resolver) markUnknown(reason Reason) {
	r.mu.Lock()
	if r.unknown || r.final {
		r.mu.Unlock()
		return
	}
	r.unknown = true
	r.mu.Unlock()
	p, err := r.record(store.Event{Type: store.EventUnknown, Status: store.StatusUnknown,
		Fields: reasonFields(reason)})
	if err != nil && !errors.Is(err, store.ErrStale) {
		r.e.log.Error("journal: unknown", "id", r.id, "err", err)
		r.e.refresh()
		return
	}
	r.e.refresh(p)
}

// start runs the resolver's loop in the background (once). The first
// status call comes after first; zero means at once.
func (r *resolver) start(first time.Duration) {
	r.mu.Lock()
	if r.started || r.final {
		r.mu.Unlock()
		return
	}
	r.started = true
	r.mu.Unlock()
	r.e.wg.Add(1)
	go r.run(first)
}

func (r *resolver) run(first time.Duration) {
	e := r.e
	defer e.wg.Done()
	r.mu.Lock()
	base := r.sentAt
	r.mu.Unlock()
	if base.IsZero() {
		base = time.Now()
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var tc <-chan time.Time
	// schedule arms the timer for the next poll (MAPI §4), or for d when it
	// is sooner (0 < d).
	schedule := func(d time.Duration) {
		next := e.pollDelay(time.Since(base))
		if d > 0 && (next < 0 || next > d) {
			next = d
		}
		if next < 0 {
			tc = nil // stop polling; callbacks, Recover and the next start still resolve it
			e.log.Warn("payment still unresolved after an hour of polling", "id", r.id)
			return
		}
		timer.Reset(next)
		tc = timer.C
	}
	defer timer.Stop()
	if first <= 0 {
		if r.check(e.ctx, "status") {
			return
		}
		schedule(0)
	} else {
		timer.Reset(first)
		tc = timer.C
	}
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-r.done:
			return
		case ev := <-r.hint:
			e.log.Info("callback received; confirming with status", "id", r.id, "status", ev.Status)
			if !r.check(e.ctx, "callback+status") {
				// Not confirmed yet (gateway busy or unreachable): check
				// again soon rather than at the slow polling pace.
				schedule(jitter(3*time.Second, 5*time.Second))
			}
		case <-tc:
			r.check(e.ctx, "status")
			schedule(0)
		}
		if r.isFinal() {
			return
		}
	}
}

// pollDelay is the next polling interval after elapsed since sending
// (MAPI §4): 3–5 s for five minutes, then 5–10 minutes up to an hour, then
// none (-1).
func (e *Engine) pollDelay(elapsed time.Duration) time.Duration {
	e.mu.Lock()
	base := e.cfg.PollInterval
	fast, smin, smax, giveUp := e.fastPhase, e.slowMin, e.slowMax, e.giveUp
	e.mu.Unlock()
	switch {
	case elapsed < fast:
		// base ± 25%: 4 s gives 3–5 s.
		return jitter(base*3/4, base*5/4)
	case elapsed < giveUp:
		return jitter(smin, smax)
	}
	return -1
}

func jitter(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + rand.N(hi-lo)
}

// check asks the gateway once and journals a final answer. It reports
// whether the payment is final. Without a final answer it journals the
// reply's pending accepted event, if any.
func (r *resolver) check(ctx context.Context, source string) bool {
	r.checkMu.Lock()
	defer r.checkMu.Unlock()
	if r.isFinal() {
		return true
	}
	if r.checkOnce(ctx, source) {
		return true
	}
	r.flushAccepted()
	return false
}

// checkOnce is check without the accepted event's flush.
func (r *resolver) checkOnce(ctx context.Context, source string) bool {
	e := r.e
	e.mu.Lock()
	timeout, grace := e.cfg.SaleTimeout, e.cfg.NotFoundGrace
	e.mu.Unlock()
	r.mu.Lock()
	orderID, acked, sentAt := r.orderID, r.acked, r.sentAt
	r.mu.Unlock()
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := e.gw().Status(cctx, mapi.StatusRequest{ClientOrderID: r.id, PaynetOrderID: orderID})
	crashPoint("after-status")
	if err != nil {
		var refused *mapi.RefusedError
		if errors.As(err, &refused) {
			e.gatewayContact(true)
			if refused.NotFound() {
				// Maybe sent (see resolver): unknown through the grace
				// period, then not charged, unless the gateway had
				// acknowledged the order.
				switch {
				case acked && time.Since(sentAt) < grace:
					e.log.Warn("the gateway does not find an order it accepted; checking again", "id", r.id, "orderid", orderID)
					return false
				case acked:
					r.markUnknown(Reason{Cause: CauseAcceptedThenMissing})
					return false
				case time.Since(sentAt) >= grace:
					f := reasonFields(Reason{Cause: CauseNoRecordAtBank})
					f[fSource], f[fNotCharged] = source, "yes"
					return r.recordFinal(StatusFailed, f)
				}
				r.markUnknown(Reason{Cause: CauseNotFoundYet})
				return false
			}
			e.log.Warn("status refused", "id", r.id, "type", refused.Type, "code", refused.Code, "message", refused.Message)
			return false
		}
		e.gatewayContact(false)
		e.log.Warn("status check failed", "id", r.id, "err", err)
		return false
	}
	e.gatewayContact(true)
	r.setOrderID(res.PaynetOrderID)
	switch {
	case res.Status.Final():
		f := nonEmpty(map[string]string{
			fSource: source, fOrderID: res.PaynetOrderID, fSerial: res.SerialNumber,
			fApproval: res.ApprovalCode, fRRN: res.ProcessorRRN, fReceiptID: res.ReceiptID, fCardScheme: strings.ToUpper(res.CardType),
			fMessage: res.ErrorMessage, fCode: res.ErrorCode,
		})
		st := StatusOf(store.Status(res.Status))
		f[fCause] = statusReason(st, "", "").Cause.String()
		r.mu.Lock()
		want := r.amount
		r.mu.Unlock()
		if res.Amount.Minor != 0 && want.Minor != 0 &&
			(want.Minor != res.Amount.Minor || (res.Amount.Currency != "" && want.Currency != res.Amount.Currency)) {
			f[fMismatch] = res.Amount.String()
		}
		return r.recordFinal(st, f)
	case res.Status == mapi.StatusUnknown:
		r.markUnknown(Reason{Cause: CauseBankSaysUnknown})
	}
	return false
}

// recordFinal journals the final status (event "final", or "resolved" after
// unknown) and ends the resolver.
func (r *resolver) recordFinal(status Status, fields map[string]string) bool {
	r.mu.Lock()
	typ := "final"
	if r.unknown {
		typ = "resolved"
	}
	r.mu.Unlock()
	p, err := r.record(store.Event{Type: store.EventType(typ), Status: status.Journal(), Fields: fields})
	switch {
	case err == nil:
	case errors.Is(err, store.ErrStale), errors.Is(err, store.ErrConflict):
		// Already final (another answer won) or contradicting: the journal
		// keeps what it has; a conflict is stored as an alert.
		r.e.log.Warn("final status not applied", "id", r.id, "status", status, "err", err)
	default:
		r.e.log.Error("journal: final", "id", r.id, "err", err)
		return false
	}
	crashPoint("after-final")
	if h := r.e.hooks.Load(); h != nil && h.final != nil {
		h.final(r.id, time.Now())
	}
	r.mu.Lock()
	if !r.final {
		r.final = true
		close(r.done)
	}
	r.mu.Unlock()
	r.e.forgetResolver(r)
	if p.ClientOrderID != "" {
		r.e.refresh(p)
	} else {
		r.e.refresh()
	}
	return true
}

// recordFinal journals a final status for a payment without a running
// resolver (reply classified in Pay).
func (e *Engine) recordFinal(id string, status Status, fields map[string]string) {
	typ := store.EventFinal
	if p, err := e.journal.Get(id); err == nil && p.Status == store.StatusUnknown {
		typ = store.EventResolved
	}
	if _, err := e.journal.Record(id, store.Event{Type: typ, Status: status.Journal(), Fields: fields}); err != nil {
		e.log.Error("journal: final", "id", id, "err", err)
	}
	e.refresh()
}

// onCallback feeds a verified callback to the payment's resolver. An
// unknown client_orderid or a mismatching orderid changes nothing.
func (e *Engine) onCallback(_ context.Context, ev mapi.CallbackEvent) error {
	if h := e.hooks.Load(); h != nil && h.callback != nil {
		h.callback(ev.ClientOrderID, time.Now())
	}
	// Fast path: a payment being resolved whose gateway order id agrees.
	e.mu.Lock()
	r := e.resolvers[ev.ClientOrderID]
	e.mu.Unlock()
	if r != nil {
		r.mu.Lock()
		ok := r.orderID != "" && r.orderID == ev.OrderID
		r.mu.Unlock()
		if ok {
			select {
			case r.hint <- ev:
			default: // a check is already queued
			}
			return nil
		}
	}
	p, err := e.journal.Get(ev.ClientOrderID)
	if errors.Is(err, store.ErrNotFound) {
		e.log.Warn("ALERT: callback for a payment this terminal does not know; ignored",
			"client_orderid", ev.ClientOrderID, "orderid", ev.OrderID, "status", ev.Status)
		return nil
	}
	if err != nil {
		return err
	}
	if p.PaynetOrderID != "" && ev.OrderID != "" && ev.OrderID != p.PaynetOrderID {
		e.log.Warn("ALERT: callback with a different gateway order id; ignored",
			"client_orderid", ev.ClientOrderID, "orderid", ev.OrderID, "journal", p.PaynetOrderID)
		f := reasonFields(Reason{Cause: CauseCallbackOtherOrder, Code: ev.OrderID})
		f[fSource] = "callback"
		_, _ = e.journal.Record(p.ClientOrderID, store.Event{Type: store.EventAlert, Fields: f})
		return nil
	}
	if p.Final() {
		if string(ev.Status) != string(p.Status) {
			e.log.Warn("ALERT: late callback contradicts the journal; ignored", "id", p.ClientOrderID, "callback", ev.Status, "journal", p.Status)
			f := reasonFields(Reason{Cause: CauseCallbackContradicts, Code: string(ev.Status)})
			f[fSource] = "callback"
			_, _ = e.journal.Record(p.ClientOrderID, store.Event{Type: store.EventAlert, Fields: f})
		}
		return nil // duplicate or late: nothing to do
	}
	r, created := e.resolverFor(p)
	if ev.OrderID != "" {
		r.setOrderID(ev.OrderID)
	}
	select {
	case r.hint <- ev:
	default: // a check is already queued
	}
	if created {
		r.start(e.pollDelay(0))
	}
	return nil
}

// recoverAll asks the gateway about every unresolved payment, in parallel,
// bounded by the request timeout; those still without an answer keep
// resolving in the background.
func (e *Engine) recoverAll(ctx context.Context, _ bool) error {
	un, err := e.journal.Unresolved()
	if err != nil {
		e.log.Error("journal: unresolved", "err", err)
		return err
	}
	if len(un) > 0 {
		e.log.Info("checking earlier payments", "count", len(un))
	}
	e.mu.Lock()
	// The payment in flight belongs to Pay: asking about it before its
	// request is written could wrongly find "not found".
	cur := e.current
	kept := un[:0]
	for _, p := range un {
		if p.ClientOrderID != cur {
			kept = append(kept, p)
		}
	}
	un = kept
	for _, p := range un {
		if !e.recoveredSet[p.ClientOrderID] {
			e.recoveredSet[p.ClientOrderID] = true
			e.recoveredIDs = append(e.recoveredIDs, p.ClientOrderID)
		}
	}
	e.mu.Unlock()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, p := range un {
		r, _ := e.resolverFor(p)
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			if !r.check(ctx, "recovery") {
				if ctx.Err() == nil {
					r.markUnknown(Reason{Cause: CauseStoppedBeforeAnswer})
				}
				r.start(e.pollDelay(0))
			}
		}()
	}
	wg.Wait()
	e.refresh()
	return ctx.Err()
}

// Recovered lists the client_orderids of the payments that recovery (at
// start or by Recover) found unresolved during this engine's life, oldest
// first.
func (e *Engine) Recovered() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.recoveredIDs...)
}

// Recover resolves every unresolved journal entry by status now.
func (e *Engine) Recover(ctx context.Context) error {
	if e.ctx.Err() != nil {
		return ErrClosed
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(e.ctx, cancel)
	defer stop()
	return e.recoverAll(ctx, false)
}

// Lookup asks the gateway for a journaled payment's status and records the
// answer; a final payment is compared with the gateway (a contradiction is
// journaled as an alert).
func (e *Engine) Lookup(ctx context.Context, clientOrderID string) (PaymentView, error) {
	p, err := e.journal.Get(clientOrderID)
	if errors.Is(err, store.ErrNotFound) {
		return PaymentView{}, errorOf(ErrNotFound, Reason{Cause: CauseNotFound, Detail: clientOrderID})
	}
	if err != nil {
		return PaymentView{}, err
	}
	e.mu.Lock()
	inFlight := e.current == clientOrderID
	e.mu.Unlock()
	if inFlight {
		return viewOf(p), nil
	}
	if !p.Final() {
		r, _ := e.resolverFor(p)
		if !r.check(ctx, "lookup") {
			r.start(e.pollDelay(0))
		}
		return e.view(clientOrderID), nil
	}
	cctx, cancel := context.WithTimeout(ctx, e.Config().SaleTimeout)
	defer cancel()
	res, err := e.gw().Status(cctx, mapi.StatusRequest{ClientOrderID: p.ClientOrderID, PaynetOrderID: p.PaynetOrderID})
	if err != nil {
		var refused *mapi.RefusedError
		e.gatewayContact(errors.As(err, &refused))
		return viewOf(p), err
	}
	e.gatewayContact(true)
	if res.Status.Final() && string(res.Status) != string(p.Status) {
		f := reasonFields(Reason{Cause: CauseGatewayContradicts, Code: string(res.Status)})
		f[fSource] = "lookup"
		_, _ = e.journal.Record(p.ClientOrderID, store.Event{Type: store.EventAlert, Fields: f})
	}
	return e.view(clientOrderID), nil
}

// Search finds payments by amount ("10.42"), last four digits ("1111") or
// order id (client_orderid or gateway order id), newest first.
func (e *Engine) Search(text string) ([]PaymentView, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return e.Today()
	}
	seen := map[string]bool{}
	var all []store.Payment
	add := func(ps []store.Payment, err error) error {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		for _, p := range ps {
			if !seen[p.ClientOrderID] {
				seen[p.ClientOrderID] = true
				all = append(all, p)
			}
		}
		return nil
	}
	if len(text) == 4 && digitsOnly(text) {
		if err := add(e.journal.Search(store.Query{Last4: text})); err != nil {
			return nil, err
		}
	}
	if a, err := ParseAmount(text, e.Config().Currency); err == nil {
		if err := add(e.journal.Search(store.Query{AmountMinor: a.Minor})); err != nil {
			return nil, err
		}
	}
	if len(text) >= 4 {
		if err := add(e.journal.Search(store.Query{OrderID: text})); err != nil {
			return nil, err
		}
		if p, err := e.journal.Get(text); err == nil {
			_ = add([]store.Payment{p}, nil)
		}
	}
	return views(all, true), nil
}

func digitsOnly(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func sortNewestFirst(v []PaymentView) {
	sort.SliceStable(v, func(i, j int) bool { return v[i].CreatedAt.After(v[j].CreatedAt) })
}

// netInterfaceAddrs lists the machine's non-loopback IPv4 addresses.
func netInterfaceAddrs() ([]string, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
			out = append(out, ipn.IP.String())
		}
	}
	return out, nil
}
