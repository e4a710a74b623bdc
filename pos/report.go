package pos

import (
	"time"

	"kassa/store"
)

// XReport is the open day's figures so far, without closing it (issue 13).
type XReport struct {
	At time.Time
	// Since is when the last finished close-day began (zero: never closed).
	Since      time.Time
	Currencies []Tally
	ChainHead  string
	Demo       bool
}

// ShiftReport is one shift's payments and figures.
type ShiftReport struct {
	Shift      ShiftView
	Payments   []PaymentView
	Currencies []Tally
}

// XReport computes the open day's figures from the journal: the payments
// the next close-day will count (approved, not covered by a finished
// close) and every other attempt since the last finished close began.
func (e *Engine) XReport() (XReport, error) {
	cfg := e.Config()
	x, err := XReportOf(e.journal, cfg.Currency)
	x.Demo = cfg.Demo
	return x, err
}

// XReportOf computes the X report of a journal (the headless `kassa report
// x`); cur is the terminal's currency, listed first.
func XReportOf(j *store.Journal, cur string) (XReport, error) {
	x := XReport{At: time.Now()}
	ps, kids, since, err := openDayPayments(j)
	if err != nil {
		return x, err
	}
	totals, err := j.OpenDayTotals()
	if err != nil {
		return x, err
	}
	x.Since = since
	x.Currencies = useTotals(addChildren(tallies(ps, cur), kids), totals)
	x.ChainHead = j.Head()
	return x, nil
}

// openDayPayments are the open day's payments and when the day began (the
// last finished close's start; zero when the journal never closed a day).
func openDayPayments(j *store.Journal) ([]store.Payment, []store.Child, time.Time, error) {
	ps, kids, err := j.OpenDayPayments()
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	since := lastClose(j)
	from := ""
	if !since.IsZero() {
		from = since.Local().Format("2006-01-02")
	}
	err = j.Walk(from, "", func(p store.Payment) error {
		if p.Status != store.StatusApproved && p.CloseBatch == "" && !p.CreatedAt.Before(since) {
			ps = append(ps, p)
		}
		return nil
	})
	return ps, kids, since, err
}

// lastClose is when the newest finished close-day began.
func lastClose(j *store.Journal) time.Time {
	bs, err := j.Batches()
	if err != nil {
		return time.Time{}
	}
	for i := len(bs) - 1; i >= 0; i-- {
		if bs[i].Status == store.BatchFinished {
			return bs[i].CreatedAt
		}
	}
	return time.Time{}
}

// ShiftReport is a shift's payments (those its cashier began while it was
// open) and their figures.
func (e *Engine) ShiftReport(id string) (ShiftReport, error) {
	ss, err := e.journal.Shifts()
	if err != nil {
		return ShiftReport{}, err
	}
	for _, s := range ss {
		if s.ID == id {
			return e.shiftReport(s)
		}
	}
	return ShiftReport{}, errorOf(ErrNotFound, Reason{Cause: CauseNotFound, Detail: id})
}

// shiftChildren are the approved captures and refunds the shift's cashier
// made during the shift, of the payments in ps.
func shiftChildren(ps []store.Payment, s store.Shift, end time.Time) []store.Child {
	var out []store.Child
	for _, p := range ps {
		for _, c := range store.ChildrenOf(p) {
			if c.CashierID == s.CashierID && c.Status == store.StatusApproved && !c.CreatedAt.Before(s.OpenedAt) && !c.CreatedAt.After(end) {
				out = append(out, c)
			}
		}
	}
	return out
}

func (e *Engine) shiftReport(s store.Shift) (ShiftReport, error) {
	r := ShiftReport{Shift: e.shiftView(s)}
	end := s.ClosedAt
	if end.IsZero() {
		end = time.Now()
	}
	var ps []store.Payment
	err := e.journal.Walk(s.OpenedAt.Local().Format("2006-01-02"), "", func(p store.Payment) error {
		if p.CashierID == s.CashierID && !p.CreatedAt.Before(s.OpenedAt) && !p.CreatedAt.After(end) {
			ps = append(ps, p)
		}
		return nil
	})
	r.Payments = views(ps, false)
	r.Currencies = addChildren(tallies(ps, e.Config().Currency), shiftChildren(ps, s, end))
	return r, err
}
