package pos

import (
	"context"
	"math/rand/v2"
	"strings"
	"time"

	"kassa/mapi"
)

// start resolves the payment in the background (once). The first status
// call comes after first; zero means at once.
func (pm *payment) start(first time.Duration) {
	pm.mu.Lock()
	if pm.started || pm.final {
		pm.mu.Unlock()
		return
	}
	pm.started = true
	pm.mu.Unlock()
	pm.e.wg.Add(1)
	go pm.run(first)
}

// run checks the status on the MAPI §4 schedule and after every callback
// until the payment is final or the engine closes.
func (pm *payment) run(first time.Duration) {
	e := pm.e
	defer e.wg.Done()
	pm.mu.Lock()
	base := pm.sentAt
	pm.mu.Unlock()
	if base.IsZero() {
		base = time.Now()
	}
	p := poller{pm: pm, base: base, timer: time.NewTimer(time.Hour)}
	defer p.timer.Stop()
	if first > 0 {
		p.timer.Reset(first)
	} else if pm.check(e.ctx, "status") {
		return
	} else {
		p.schedule(0)
	}
	for !pm.isFinal() {
		select {
		case <-e.ctx.Done():
			return
		case <-pm.done:
			return
		case <-pm.poke:
			pm.check(e.ctx, "status") // issue 12: the advice went out
			p.schedule(0)
		case ev := <-pm.hint:
			e.log.Info("callback received; confirming with status", "id", pm.id, "status", ev.Status)
			if !pm.check(e.ctx, "callback+status") {
				// Not confirmed yet (gateway busy or unreachable): check
				// again soon rather than at the slow polling pace.
				p.schedule(jitter(3*time.Second, 5*time.Second))
			}
		case <-p.tick():
			pm.check(e.ctx, "status")
			p.schedule(0)
		}
	}
}

// poller is run's timer: the next status call on the MAPI §4 schedule.
type poller struct {
	pm    *payment
	base  time.Time
	timer *time.Timer
	off   bool // polling stopped (after an hour); callbacks still resolve
}

func (p *poller) tick() <-chan time.Time {
	if p.off {
		return nil
	}
	return p.timer.C
}

// schedule arms the timer for the next poll, or for d when it is sooner
// (0 < d).
func (p *poller) schedule(d time.Duration) {
	next := p.pm.e.pollDelay(time.Since(p.base))
	if d > 0 && (next < 0 || next > d) {
		next = d
	}
	if next < 0 {
		p.off = true // callbacks, Recover and the next start still resolve it
		p.pm.e.log.Warn("payment still unresolved after an hour of polling", "id", p.pm.id)
		return
	}
	p.off = false
	p.timer.Reset(next)
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
func (pm *payment) check(ctx context.Context, source string) bool {
	pm.checkMu.Lock()
	defer pm.checkMu.Unlock()
	if pm.isFinal() {
		return true
	}
	if pm.checkOnce(ctx, source) {
		return true
	}
	pm.flushAccepted()
	return false
}

// checkOnce is one status call and what its answer means (classifyStatus).
func (pm *payment) checkOnce(ctx context.Context, source string) bool {
	e := pm.e
	e.mu.Lock()
	timeout, grace := e.cfg.SaleTimeout, e.cfg.NotFoundGrace
	e.mu.Unlock()
	pm.mu.Lock()
	orderID, facts := pm.orderID, statusFacts{acked: pm.acked, sinceSent: time.Since(pm.sentAt), grace: grace}
	pm.mu.Unlock()
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := e.gw().Status(cctx, mapi.StatusRequest{ClientOrderID: pm.id, PaynetOrderID: orderID})
	crashPoint("after-status")
	d := classifyStatus(res, err, facts)
	e.gatewayContact(d.answered)
	if err != nil {
		e.log.Warn("status check without an answer", "id", pm.id, "orderid", orderID, "err", err)
	} else {
		pm.setOrderID(res.PaynetOrderID)
	}
	switch d.outcome {
	case statusFinal:
		return pm.finish(d.status, d.reason, pm.statusFields(res, source))
	case statusUnknown:
		pm.markUnknown(d.reason)
	}
	if err == nil && res.Stage == mapi.StageEMVValidating {
		pm.atStage(res) // issue 12: a contact card waits for CONTINUE
	}
	return false
}

// statusFields are the journal fields of a status answer (res may be nil).
func (pm *payment) statusFields(res *mapi.StatusResult, source string) map[string]string {
	if res == nil {
		return map[string]string{fSource: source}
	}
	f := nonEmpty(map[string]string{
		fSource: source, fOrderID: res.PaynetOrderID, fSerial: res.SerialNumber,
		fApproval: res.ApprovalCode, fRRN: res.ProcessorRRN, fReceiptID: res.ReceiptID, fCardScheme: strings.ToUpper(res.CardType),
		fMessage: res.ErrorMessage, fCode: res.ErrorCode,
		// The gate's partial-operation flags, for captures and refunds (issue 11).
		fGateCapture: enabledWord(res.GatePartialCapture), fGateReversal: enabledWord(res.GatePartialReversal),
	})
	if res.Status.Final() {
		for k, v := range emvFields(res.EMV) { // issue 12: the chip receipt's fields
			f[k] = v
		}
	}
	want := pm.amount
	if res.Amount.Minor != 0 && want.Minor != 0 &&
		(want.Minor != res.Amount.Minor || (res.Amount.Currency != "" && want.Currency != res.Amount.Currency)) {
		f[fMismatch] = res.Amount.String()
	}
	return f
}
