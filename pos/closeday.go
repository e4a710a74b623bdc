package pos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"kassa/mapi"
	"kassa/store"
)

// closeDayPoll is the pause between close-day requests while the gateway
// answers "processing".
var closeDayPoll = 2 * time.Second

// closeDayMaxWait bounds how long CloseDay polls a processing close.
var closeDayMaxWait = 5 * time.Minute

func totalsOf(t store.Totals, currency string) Totals {
	if t.Currency != "" {
		currency = t.Currency
	}
	return Totals{Currency: currency,
		SaleCount: t.SaleCount, SaleSum: Amount{Minor: t.SaleSum, Currency: currency},
		ReversalCount: t.ReversalCount, ReversalSum: Amount{Minor: t.ReversalSum, Currency: currency},
		PreauthCount: t.PreauthCount, PreauthSum: Amount{Minor: t.PreauthSum, Currency: currency},
	}
}

// PreviewCloseDay computes the open day's totals from the journal and lists
// unresolved payments.
func (e *Engine) PreviewCloseDay() (CloseDayPreview, error) {
	cur := e.Config().Currency
	m, err := e.journal.OpenDayTotals()
	if err != nil {
		return CloseDayPreview{}, err
	}
	var pv CloseDayPreview
	if _, ok := m[cur]; !ok {
		pv.Totals = append(pv.Totals, totalsOf(store.Totals{}, cur))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		pv.Totals = append(pv.Totals, totalsOf(m[k], k))
		if k != cur {
			pv.Warnings = append(pv.Warnings, Reason{Cause: CauseOtherCurrency, Code: k})
		}
	}
	un, err := e.journal.Unresolved()
	if err != nil {
		return pv, err
	}
	pv.Unresolved = views(un, false)
	if len(un) > 0 {
		pv.Warnings = append(pv.Warnings, countReason(CauseDayUnresolved, len(un)))
	}
	return pv, nil
}

// newCloseID makes a day_close_request_id: 8–32 letters and digits.
func newCloseID() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return "KZ" + time.Now().UTC().Format("20060102150405") + strings.ToUpper(hex.EncodeToString(b))
}

// CloseDay closes the day with the gateway: refuses while payments are
// unresolved unless force is set (then it warns), journals the request id
// and totals, sends them, polls while the gateway answers processing,
// records the reply and reports every difference between the journal's and
// the gateway's counts and sums. progress gets the steps (may be nil).
func (e *Engine) CloseDay(ctx context.Context, force bool, progress func(Reason)) (CloseDayReport, error) {
	say := func(r Reason) {
		e.log.Info("close day", "step", r.Cause.String(), "code", r.Code, "message", r.Message)
		if progress != nil {
			progress(r)
		}
	}
	cfg := e.Config()
	rep := CloseDayReport{Demo: cfg.Demo, At: time.Now()}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(e.ctx, cancel)()
	if err := e.WaitRecovered(ctx); err != nil {
		return rep, err
	}
	if !e.payMu.TryLock() {
		return rep, ErrBusy
	}
	defer e.payMu.Unlock()
	un, err := e.journal.Unresolved()
	if err != nil {
		return rep, err
	}
	if len(un) > 0 {
		if !force {
			return rep, errorOf(ErrUnresolved, countReason(CauseDayUnresolved, len(un)))
		}
		rep.Warning = countReason(CauseDayUnresolvedLeft, len(un))
		say(rep.Warning)
	}
	id := e.unfinishedClose(cfg.Currency)
	if id != "" {
		say(Reason{Cause: CauseDayResuming, Code: id})
	} else {
		id = newCloseID()
	}
	batch, err := e.journal.BeginClose(id, cfg.Currency)
	if err != nil {
		return rep, fmt.Errorf("journal close-day: %w", err)
	}
	rep.RequestID = id
	rep.Ours = totalsOf(batch.Totals, cfg.Currency)
	say(Reason{Cause: CauseDaySending, Code: strconv.FormatInt(rep.Ours.SaleCount, 10), Message: rep.Ours.SaleSum.Major() + " " + cfg.Currency})
	req := mapi.CloseDayRequest{RequestID: id,
		SaleApprovedCount: rep.Ours.SaleCount, SaleApprovedSum: rep.Ours.SaleSum,
		ReversalApprovedCount: rep.Ours.ReversalCount, ReversalApprovedSum: rep.Ours.ReversalSum}
	deadline := time.Now().Add(closeDayMaxWait)
	var res *mapi.CloseDayResult
	for {
		cctx, cancel := context.WithTimeout(ctx, cfg.SaleTimeout)
		res, err = e.gw().CloseDay(cctx, req)
		cancel()
		if err != nil {
			var refused *mapi.RefusedError
			e.gatewayContact(errors.As(err, &refused))
			rep.Status = store.BatchError
			rep.Reason = Reason{Cause: CauseDayNotClosed, Detail: err.Error()}
			if refused != nil {
				rep.Reason.Code, rep.Reason.Message = refused.Code, refused.Message
				_, _ = e.journal.FinishClose(id, store.BatchError, nonEmpty(map[string]string{
					"error_code": refused.Code, "error_message": refused.Message}))
			}
			rep.ChainHead = e.journal.Head()
			return rep, err
		}
		e.gatewayContact(true)
		if res.Status != store.BatchProcessing {
			break
		}
		_, _ = e.journal.FinishClose(id, store.BatchProcessing, replyMap(res))
		if time.Now().After(deadline) {
			rep.Status = store.BatchProcessing
			rep.Reason = Reason{Cause: CauseDayStillClosing}
			rep.ChainHead = e.journal.Head()
			return rep, nil
		}
		say(Reason{Cause: CauseDayBankClosing})
		select {
		case <-ctx.Done():
			rep.Status = store.BatchProcessing
			rep.Reason = Reason{Cause: CauseDayStopped}
			return rep, ctx.Err()
		case <-time.After(closeDayPoll):
		}
	}
	status := res.Status
	if status != store.BatchFinished {
		status = store.BatchError
	}
	if _, err := e.journal.FinishClose(id, status, replyMap(res)); err != nil {
		e.log.Error("journal: finish close", "err", err)
	}
	rep.Status = status
	rep.GateCloseDate = res.GateCloseDate
	rep.Theirs = Totals{Currency: cfg.Currency, SaleCount: res.SaleApprovedCount, SaleSum: withCur(res.SaleAmount, cfg.Currency),
		ReversalCount: res.ReversalApprovedCount, ReversalSum: withCur(res.ReversalAmount, cfg.Currency)}
	rep.Differences = differences(rep.Ours, rep.Theirs)
	rep.Agree = status == store.BatchFinished && len(rep.Differences) == 0
	rep.ChainHead = e.journal.Head()
	switch {
	case status != store.BatchFinished:
		rep.Reason = Reason{Cause: CauseDayNotClosed}
	case rep.Agree:
		rep.Reason = Reason{Cause: CauseDayClosed}
	default:
		rep.Reason = countReason(CauseDayTotalsDiffer, len(rep.Differences))
	}
	say(rep.Reason)
	e.refresh()
	return rep, nil
}

// unfinishedClose is the request id of the last close-day when it is
// unfinished (a crash, or the bank still processing) in the currency and
// less than a day old: it is resumed with the same id. "" when none.
func (e *Engine) unfinishedClose(currency string) string {
	bs, err := e.journal.Batches()
	if err != nil || len(bs) == 0 {
		return ""
	}
	b := bs[len(bs)-1]
	if b.Currency == currency && (b.Status == store.BatchPending || b.Status == store.BatchProcessing) &&
		time.Since(b.CreatedAt) < 24*time.Hour {
		return b.RequestID
	}
	return ""
}

func withCur(a Amount, cur string) Amount {
	if a.Currency == "" {
		a.Currency = cur
	}
	return a
}

// differences lists every count and sum on which ours and theirs disagree.
func differences(ours, theirs Totals) []Difference {
	var d []Difference
	cnt := func(f string, a, b int64) {
		if a != b {
			d = append(d, Difference{Field: f, Ours: strconv.FormatInt(a, 10), Theirs: strconv.FormatInt(b, 10)})
		}
	}
	sum := func(f string, a, b Amount) {
		if a.Minor != b.Minor || (b.Currency != "" && a.Currency != b.Currency) {
			d = append(d, Difference{Field: f, Ours: a.Major() + " " + a.Currency, Theirs: b.Major() + " " + b.Currency})
		}
	}
	cnt("sale count", ours.SaleCount, theirs.SaleCount)
	sum("sale sum", ours.SaleSum, theirs.SaleSum)
	cnt("reversal count", ours.ReversalCount, theirs.ReversalCount)
	sum("reversal sum", ours.ReversalSum, theirs.ReversalSum)
	return d
}

// replyMap keeps the close-day reply's fields for the journal.
func replyMap(res *mapi.CloseDayResult) map[string]string {
	m := map[string]string{}
	for k, v := range res.Raw {
		if len(v) > 0 && v[0] != "" {
			m[k] = v[0]
		}
	}
	if len(m) == 0 {
		m = nonEmpty(map[string]string{"status": res.Status, "gateId": res.GateID, "gateCloseDate": res.GateCloseDate,
			"saleApprovedCount": strconv.FormatInt(res.SaleApprovedCount, 10), "saleAmount": res.SaleAmount.Major(),
			"RRN": res.RRN, "code39": res.Code39})
	}
	return m
}
