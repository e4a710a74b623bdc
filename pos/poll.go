package pos

import (
	"context"
	"strings"
	"time"

	"kassa/mapi"
)

// start resolves the payment in the background (once; statusPoll): by
// status on the MAPI §4 schedule and after every callback. The first status
// call comes after first; zero means at once.
func (pm *payment) start(first time.Duration) { pm.poll.start(first) }

// newPoll is the payment's statusPoll.
func (pm *payment) newPoll() *statusPoll {
	return &statusPoll{e: pm.e, what: "payment", ids: []any{"id", pm.id}, since: pm.sentTime, final: pm.isFinal,
		done: pm.done, check: pm.check, poke: pm.poke, hint: pm.hint}
}

// sentTime is when the request may have gone out (zero: not yet known).
func (pm *payment) sentTime() time.Time {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	return pm.sentAt
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
