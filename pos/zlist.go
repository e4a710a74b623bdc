package pos

import (
	"errors"
	"strconv"

	"kassa/mapi/money"
	"kassa/pos/receipt"
	"kassa/store"
)

// PastZ is one journaled close-day (Z report), as the list of past closes
// shows it (issue 13).
type PastZ struct {
	Report     CloseDayReport
	ClosedBy   string // the name of who closed the day ("" in older journals)
	ClosedByID string // their person id (a cashier's, cli:<user>, gui:<user>)
	// Tally is the day's counts and split by card scheme; only PastZReport
	// (one close-day) fills it.
	Tally    *Tally
	Payments int // approved payments the close covers
}

// PastZReports lists the journaled close-days, newest first, with their
// totals, the bank's, their differences and the chain head.
func (e *Engine) PastZReports() ([]PastZ, error) {
	out, err := PastZReportsOf(e.journal)
	for i := range out {
		out[i].Report.Demo = e.Config().Demo
	}
	return out, err
}

// PastZReportsOf lists a journal's close-days, newest first (the headless
// `kassa report z --list`).
func PastZReportsOf(j *store.Journal) ([]PastZ, error) {
	bs, err := j.Batches()
	out := make([]PastZ, 0, len(bs))
	for i := len(bs) - 1; i >= 0; i-- {
		out = append(out, pastZ(j, bs[i]))
	}
	return out, err
}

// PastZReport is one journaled close-day by request id.
func (e *Engine) PastZReport(id string) (PastZ, error) {
	b, err := e.journal.Batch(id)
	if errors.Is(err, store.ErrNotFound) {
		return PastZ{}, errorOf(ErrNotFound, Reason{Cause: CauseNotFound, Detail: id})
	}
	if err != nil {
		return PastZ{}, err
	}
	z, err := PastZReportOf(e.journal, b)
	z.Report.Demo = e.Config().Demo
	return z, err
}

// PastZReportOf is one close-day of a journal in full, with its Tally (the
// headless `kassa report z --batch ID`).
func PastZReportOf(j *store.Journal, b store.Batch) (PastZ, error) {
	z := pastZ(j, b)
	t, err := pastTally(j, b)
	z.Tally = &t
	return z, err
}

func pastZ(j *store.Journal, b store.Batch) PastZ {
	cur := b.Currency
	rep := CloseDayReport{RequestID: b.RequestID, Status: dayStatusOf(b.Status), Ours: totalsOf(b.Totals, cur),
		ChainHead: b.Head, At: b.CreatedAt, GateCloseDate: b.Reply["gateCloseDate"]}
	if b.Status == store.BatchFinished {
		rep.Theirs = theirsInReply(b.Reply, cur)
		rep.Differences = differences(rep.Ours, rep.Theirs)
		rep.Agree = len(rep.Differences) == 0
		rep.Reason = Reason{Cause: CauseDayClosed}
		if !rep.Agree {
			rep.Reason = countReason(CauseDayTotalsDiffer, len(rep.Differences))
		}
	} else {
		rep.Theirs = totalsOf(store.Totals{}, cur)
		rep.Reason = Reason{Cause: CauseDayNotClosed, Code: b.Reply["error_code"], Message: b.Reply["error_message"]}
	}
	return PastZ{Report: rep, ClosedBy: nameIn(j, b.CashierID), ClosedByID: b.CashierID, Payments: len(b.Payments)}
}

// theirsInReply reads the bank's totals from a journaled close-day reply.
func theirsInReply(reply map[string]string, cur string) Totals {
	t := totalsOf(store.Totals{}, cur)
	t.SaleCount, _ = strconv.ParseInt(reply["saleApprovedCount"], 10, 64)
	t.ReversalCount, _ = strconv.ParseInt(reply["reversalApprovedCount"], 10, 64)
	if a, err := money.Parse(reply["saleAmount"], cur); err == nil {
		t.SaleSum = a
	}
	if a, err := money.Parse(reply["reversalAmount"], cur); err == nil {
		t.ReversalSum = a
	}
	return t
}

// XReceipt fills the printable X report (cashier: the name printed on it).
func (e *Engine) XReceipt(x XReport, cashier string) receipt.XReport {
	cfg := e.Config()
	r := receipt.XReport{Merchant: cfg.Merchant.Name, Address: merchantAddress(cfg.Merchant), TerminalID: cfg.TerminalID,
		Cashier: cashier, Since: x.Since, At: x.At, ChainHead: x.ChainHead, Demo: x.Demo}
	if r.Merchant == "" {
		r.Merchant = cfg.TerminalName
	}
	for _, t := range x.Currencies {
		c := receipt.XCurrency{Currency: t.Currency, Totals: receiptTotals(t.Totals), Approved: t.Approved,
			Declined: t.Declined, Failed: t.Failed, Unknown: t.Unknown, Refunds: t.Refunds, Captures: t.Captures, OpenHolds: t.OpenHolds}
		for _, s := range t.Schemes {
			c.Schemes = append(c.Schemes, receipt.SchemeLine{Scheme: SchemeLabel(s.Scheme), Count: s.Count, Sum: s.Sum.Minor})
		}
		r.Currencies = append(r.Currencies, c)
	}
	return r
}

// SchemeLabel is a scheme's English label on printed reports (the receipt
// Words translate it).
func SchemeLabel(s Scheme) string {
	return [...]string{SchemeOther: "Other cards", SchemeVisa: "VISA", SchemeMastercard: "MASTERCARD", SchemeMIR: "MIR"}[s%schemeCount]
}

func receiptTotals(t Totals) receipt.Totals {
	return receipt.Totals{SaleCount: t.SaleCount, SaleSum: t.SaleSum.Minor, ReversalCount: t.ReversalCount,
		ReversalSum: t.ReversalSum.Minor, PreauthCount: t.PreauthCount, PreauthSum: t.PreauthSum.Minor,
		// issue 11: listed on the Z report when there are some
		CaptureCount: t.CaptureCount, CaptureSum: t.CaptureSum.Minor, ReleaseCount: t.ReleaseCount, ReleaseSum: t.ReleaseSum.Minor}
}
