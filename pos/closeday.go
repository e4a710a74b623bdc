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
		CaptureCount: t.CaptureCount, CaptureSum: Amount{Minor: t.CaptureSum, Currency: currency},
		ReleaseCount: t.ReleaseCount, ReleaseSum: Amount{Minor: t.ReleaseSum, Currency: currency},
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
	return pv, e.previewTally(&pv, cur)
}

// previewTally adds the open day's counts and scheme split (issue 13).
func (e *Engine) previewTally(pv *CloseDayPreview, cur string) error {
	x, err := e.XReport()
	if err != nil {
		return err
	}
	for _, t := range x.Currencies {
		if t.Currency == cur {
			pv.Tally = t
		}
	}
	o := pv.Tally.Totals
	pv.Empty = o.SaleCount == 0 && o.ReversalCount == 0 && o.PreauthCount == 0
	if pv.Empty {
		pv.Warnings = append(pv.Warnings, Reason{Cause: CauseDayEmpty})
	}
	return nil
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
	c := &closing{e: e, cfg: e.Config(), progress: progress, who: e.Who(ctx)}
	c.rep = CloseDayReport{Demo: c.cfg.Demo, At: e.now()}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(e.ctx, cancel)()
	if err := e.WaitRecovered(ctx); err != nil {
		return c.rep, err
	}
	if err := e.JournalChecked(ctx); err != nil {
		return c.rep, err
	}
	if !e.payMu.TryLock() {
		return c.rep, errorOf(ErrBusy, Reason{Cause: CauseBusy})
	}
	defer e.payMu.Unlock()
	if err := c.checkUnresolved(force); err != nil {
		return c.rep, err
	}
	req, err := c.begin()
	if err != nil {
		return c.rep, err
	}
	res, err := c.send(ctx, req)
	if res != nil {
		res, err = c.confirm(ctx, req, res)
	}
	if res == nil {
		return c.rep, err // refused, unanswered or still processing
	}
	crashPoint("close-after-reply")
	c.finish(res)
	e.refresh()
	e.backupAfterClose(c.rep) // issue 14: automatic backup into KASSA_BACKUP_DIR
	return c.rep, nil
}

// closing is one close-day in progress, building its report.
type closing struct {
	who      string // who closes the day (issue 13)
	e        *Engine
	cfg      Config
	progress func(Reason)
	rep      CloseDayReport
}

// say logs a step and hands it to the caller's progress.
func (c *closing) say(r Reason) {
	c.e.log.Info("close day", "step", r.Cause.String(), "code", r.Code, "message", r.Message)
	if c.progress != nil {
		c.progress(r)
	}
}

// checkUnresolved refuses while payments are unresolved, unless forced
// (then the report warns).
func (c *closing) checkUnresolved(force bool) error {
	un, err := c.e.journal.Unresolved()
	if err != nil {
		return err
	}
	if len(un) == 0 {
		return nil
	}
	if !force {
		return errorOf(ErrUnresolved, countReason(CauseDayUnresolved, len(un)))
	}
	c.rep.Warning = countReason(CauseDayUnresolvedLeft, len(un))
	c.say(c.rep.Warning)
	return nil
}

// begin journals the request id and the totals (resuming an unfinished
// close with its id) and returns the request.
func (c *closing) begin() (mapi.CloseDayRequest, error) {
	id := c.e.unfinishedClose(c.cfg.Currency)
	if id != "" {
		c.say(Reason{Cause: CauseDayResuming, Code: id})
	} else {
		id = newCloseID()
	}
	batch, err := c.e.journal.BeginCloseBy(id, c.cfg.Currency, c.who)
	if err != nil {
		return mapi.CloseDayRequest{}, fmt.Errorf("journal close-day: %w", err)
	}
	crashPoint("close-after-intent")
	c.rep.RequestID = id
	c.rep.Ours = totalsOf(batch.Totals, c.cfg.Currency)
	o := c.rep.Ours
	if o.SaleCount == 0 && o.ReversalCount == 0 && o.PreauthCount == 0 {
		c.say(Reason{Cause: CauseDayEmpty}) // issue 13: nothing to send (the GUI asked first)
	}
	c.say(Reason{Cause: CauseDaySending, Code: strconv.FormatInt(o.SaleCount, 10), Message: o.SaleSum.Major() + " " + c.cfg.Currency})
	return mapi.CloseDayRequest{RequestID: id, SaleApprovedCount: o.SaleCount, SaleApprovedSum: o.SaleSum,
		ReversalApprovedCount: o.ReversalCount, ReversalApprovedSum: o.ReversalSum}, nil
}

// send sends the close and polls while the gateway answers processing. It
// returns the final reply, or nil with the report saying why not.
func (c *closing) send(ctx context.Context, req mapi.CloseDayRequest) (*mapi.CloseDayResult, error) {
	deadline := time.Now().Add(closeDayMaxWait)
	for {
		cctx, cancel := context.WithTimeout(ctx, c.cfg.SaleTimeout)
		res, err := c.e.gw().CloseDay(crashTrace(cctx), req)
		cancel()
		if err != nil {
			c.refused(err)
			return nil, err
		}
		c.e.gatewayContact(true)
		if res.Status != store.BatchProcessing {
			return res, nil
		}
		_, _ = c.e.journal.FinishClose(req.RequestID, store.BatchProcessing, replyMap(res))
		if time.Now().After(deadline) {
			c.unfinished(Reason{Cause: CauseDayStillClosing})
			return nil, nil
		}
		c.say(Reason{Cause: CauseDayBankClosing})
		select {
		case <-ctx.Done():
			c.unfinished(Reason{Cause: CauseDayStopped})
			return nil, ctx.Err()
		case <-time.After(closeDayPoll):
		}
	}
}

// confirmAsks bounds how many times confirm asks again.
const confirmAsks = 3

// confirm makes sure a finished reply whose totals differ from ours is this
// close's (issue 17, defect D1): the reply does not carry the request id, so
// a reply meant for an earlier close (a proxy's or the gateway's mix-up)
// would be journaled as this one. It asks again with the same
// day_close_request_id (the gateway returns its stored reply) until two
// replies in a row agree, and returns the last; nil with the error when an
// ask fails (the report says why, the batch stays open to resume).
func (c *closing) confirm(ctx context.Context, req mapi.CloseDayRequest, res *mapi.CloseDayResult) (*mapi.CloseDayResult, error) {
	cur := c.cfg.Currency
	for i := 0; i < confirmAsks; i++ {
		if res.Status != store.BatchFinished || len(differences(c.rep.Ours, theirsOf(res, cur))) == 0 {
			return res, nil
		}
		c.e.log.Warn("close day: totals differ, asking again with the same id", "request_id", req.RequestID)
		again, err := c.send(ctx, req)
		if again == nil || (again.Status == res.Status && theirsOf(again, cur) == theirsOf(res, cur)) {
			return again, err
		}
		res = again
	}
	return res, nil
}

// theirsOf is the gateway's totals in a close-day reply.
func theirsOf(res *mapi.CloseDayResult, cur string) Totals {
	return Totals{Currency: cur, SaleCount: res.SaleApprovedCount, SaleSum: withCur(res.SaleAmount, cur),
		ReversalCount: res.ReversalApprovedCount, ReversalSum: withCur(res.ReversalAmount, cur)}
}

// refused reports a close the gateway refused or did not answer (a
// refusal is journaled).
func (c *closing) refused(err error) {
	var refused *mapi.RefusedError
	c.e.gatewayContact(errors.As(err, &refused))
	c.rep.Status = DayError
	c.rep.Reason = Reason{Cause: CauseDayNoAnswer, Detail: err.Error()} // issue 17: not the bank's error
	if refused != nil {
		c.rep.Reason.Cause = CauseDayNotClosed
		c.rep.Reason.Code, c.rep.Reason.Message = refused.Code, refused.Message
		_, _ = c.e.journal.FinishClose(c.rep.RequestID, store.BatchError, nonEmpty(map[string]string{
			"error_code": refused.Code, "error_message": refused.Message}))
	}
	c.rep.ChainHead = c.e.journal.Head()
}

// unfinished reports a close still processing at the bank.
func (c *closing) unfinished(r Reason) {
	c.rep.Status, c.rep.Reason = DayProcessing, r
	c.rep.ChainHead = c.e.journal.Head()
}

// finish journals the final reply and compares the totals.
func (c *closing) finish(res *mapi.CloseDayResult) {
	status := res.Status
	if status != store.BatchFinished {
		status = store.BatchError
	}
	if _, err := c.e.journal.FinishClose(c.rep.RequestID, status, replyMap(res)); err != nil {
		c.e.log.Error("journal: finish close", "err", err)
	}
	cur := c.cfg.Currency
	c.rep.Status = dayStatusOf(status)
	c.rep.GateCloseDate = res.GateCloseDate
	c.rep.Theirs = theirsOf(res, cur)
	c.rep.Differences = differences(c.rep.Ours, c.rep.Theirs)
	c.rep.Agree = status == store.BatchFinished && len(c.rep.Differences) == 0
	c.rep.ChainHead = c.e.journal.Head()
	switch {
	case status != store.BatchFinished:
		c.rep.Reason = Reason{Cause: CauseDayNotClosed}
	case c.rep.Agree:
		c.rep.Reason = Reason{Cause: CauseDayClosed}
	default:
		c.rep.Reason = countReason(CauseDayTotalsDiffer, len(c.rep.Differences))
	}
	c.say(c.rep.Reason)
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
		e.now().Sub(b.CreatedAt) < 24*time.Hour {
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
