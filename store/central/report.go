package central

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"kassa/mapi/money"
)

// Count is a number of payments and their sum in minor units.
type Count struct {
	Count int64
	Sum   int64
}

func (c *Count) add(n, sum int64) { c.Count += n; c.Sum += sum }

// Totals are one currency's figures for a business day.
type Totals struct {
	Currency   string
	Kinds      map[string]Count // approved payments by kind: sale, preauth (capture, refund once they exist)
	Approved   Count            // every approved payment, whatever its kind
	Declined   int64            // declined, filtered or error
	Unresolved int64            // not final: pending, sent, accepted or unknown
	Unknown    int64            // of those, unknown (must be resolved by status)
	Open       Count            // approved, not yet in a finished close-day
	// Children of payments (issue 11): approved captures, refunds and
	// releases by the day they began; CloseSales and CloseReversals are what
	// the lane's close-day counts (approved sales plus approved captures at
	// the captured amount; approved refunds). Releases count nowhere.
	Captures, Refunds, Releases Count
	CloseSales, CloseReversals  Count
	OpenChildren                int64 // approved children not yet in a finished close-day
	UnresolvedChildren          int64 // children not final (also in Unresolved; unknown ones in Unknown)
}

// CloseTotals are the counts and sums of one close-day request.
type CloseTotals struct {
	SaleCount, SaleSum         int64
	ReversalCount, ReversalSum int64
	PreauthCount, PreauthSum   int64
	CaptureCount, CaptureSum   int64 // in SaleCount/SaleSum too (issue 11)
	ReleaseCount, ReleaseSum   int64 // listed, counted nowhere
}

func (t *CloseTotals) add(o CloseTotals) {
	t.SaleCount += o.SaleCount
	t.SaleSum += o.SaleSum
	t.ReversalCount += o.ReversalCount
	t.ReversalSum += o.ReversalSum
	t.PreauthCount += o.PreauthCount
	t.PreauthSum += o.PreauthSum
	t.CaptureCount += o.CaptureCount
	t.CaptureSum += o.CaptureSum
	t.ReleaseCount += o.ReleaseCount
	t.ReleaseSum += o.ReleaseSum
}

// Difference is one figure on which the lane and the bank disagree.
type Difference struct {
	Field  string `json:"field"`
	Ours   string `json:"ours"`
	Theirs string `json:"theirs"`
}

// CloseReport is one close-day request of a lane that covers the day.
type CloseReport struct {
	RequestID   string
	Currency    string
	Stage       string       // pending, processing, finished, error
	Ours        CloseTotals  // what the lane sent
	Theirs      *CloseTotals // what the bank answered (nil: no answer yet)
	Differences []Difference
	Agree       bool
	CreatedAt   time.Time
}

// LaneReport is one lane's day.
type LaneReport struct {
	LaneStatus
	State  LaneState
	Totals []Totals // by currency
	Closes []CloseReport
}

// StoreReport is the sum of a store's lanes.
type StoreReport struct {
	StoreID    string
	Lanes      int
	Totals     []Totals               // by currency
	Closed     map[string]CloseTotals // the lanes' finished close-day totals added up, by currency
	LanesOK    int                    // lanes closed (or idle) and agreeing
	Unresolved int64                  // payments not final anywhere in the store, any day
}

// UnresolvedPayment is a payment, or a payment's child (Child set), that
// is not final, on any lane, any day.
type UnresolvedPayment struct {
	JournalID   string
	StoreID     string
	Lane        string
	OrderID     string
	Child       string // the child's id ("" for the payment itself)
	Operation   string // the child's capture, release or refund
	Kind        string
	Status      string
	AmountMinor int64 // the child's amount for a child
	Currency    string
	Day         string
	CreatedAt   time.Time
}

// Report is a business day across lanes and stores.
type Report struct {
	Day        string
	StoreID    string // the filter; "" for every store
	Lanes      []LaneReport
	Stores     []StoreReport
	Unresolved []UnresolvedPayment
	OK         bool // every lane is closed (or had nothing) and agrees with the bank
}

// MakeReport reads the report of day (YYYY-MM-DD) for storeID ("" all).
func MakeReport(ctx context.Context, db DB, day, storeID string) (Report, error) {
	r := Report{Day: day, StoreID: storeID}
	if _, err := time.Parse("2006-01-02", day); err != nil {
		return r, fmt.Errorf("day %q is not YYYY-MM-DD", day)
	}
	lanes, err := Status(ctx, db, storeID)
	if err != nil {
		return r, err
	}
	byID := map[string]*LaneReport{}
	r.Lanes = make([]LaneReport, len(lanes))
	for i, l := range lanes {
		r.Lanes[i] = LaneReport{LaneStatus: l}
		byID[l.JournalID] = &r.Lanes[i]
	}
	if err := dayPayments(ctx, db, day, storeID, byID); err != nil {
		return r, err
	}
	if err := dayChildren(ctx, db, day, storeID, byID); err != nil {
		return r, err
	}
	if err := dayCloses(ctx, db, day, storeID, byID); err != nil {
		return r, err
	}
	if r.Unresolved, err = unresolved(ctx, db, storeID); err != nil {
		return r, err
	}
	if r.Unresolved, err = unresolvedChildren(ctx, db, storeID, r.Unresolved); err != nil {
		return r, err
	}
	r.OK = true
	for i := range r.Lanes {
		l := &r.Lanes[i]
		l.State = laneState(l)
		r.OK = r.OK && l.State.OK()
	}
	r.Stores = storeTotals(r.Lanes, r.Unresolved)
	return r, nil
}

var finalStatuses = map[string]bool{"approved": true, "declined": true, "filtered": true, "error": true}

func dayPayments(ctx context.Context, db DB, day, storeID string, byID map[string]*LaneReport) error {
	rows, err := db.Query(ctx, `SELECT p.journal_id::text, p.currency, p.kind, p.status,
  coalesce(c.stage = 'finished', false), count(*), sum(p.amount_minor)
FROM central.payments p JOIN central.lanes l USING (journal_id)
LEFT JOIN central.closes c ON c.journal_id = p.journal_id AND c.request_id = p.close_batch
WHERE p.day = $1::date AND ($2 = '' OR l.store_id = $2)
GROUP BY 1, 2, 3, 4, 5`, day, storeID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, cur, kind, status string
		var closed bool
		var n, sum int64
		if err := rows.Scan(&id, &cur, &kind, &status, &closed, &n, &sum); err != nil {
			return err
		}
		l := byID[id]
		if l == nil {
			continue
		}
		t := totalsFor(l, cur)
		switch {
		case status == "approved":
			k := t.Kinds[kind]
			k.add(n, sum)
			t.Kinds[kind] = k
			t.Approved.add(n, sum)
			if kind == "sale" {
				t.CloseSales.add(n, sum)
			}
			if !closed {
				t.Open.add(n, sum)
			}
		case finalStatuses[status]:
			t.Declined += n
		default:
			t.Unresolved += n
			if status == "unknown" {
				t.Unknown += n
			}
		}
	}
	return rows.Err()
}

// totalsFor returns the lane's Totals of cur, adding it in currency order.
func totalsFor(l *LaneReport, cur string) *Totals {
	for i := range l.Totals {
		if l.Totals[i].Currency == cur {
			return &l.Totals[i]
		}
	}
	l.Totals = append(l.Totals, Totals{Currency: cur, Kinds: map[string]Count{}})
	sort.Slice(l.Totals, func(a, b int) bool { return l.Totals[a].Currency < l.Totals[b].Currency })
	return totalsFor(l, cur)
}

func dayCloses(ctx context.Context, db DB, day, storeID string, byID map[string]*LaneReport) error {
	rows, err := db.Query(ctx, `SELECT c.journal_id::text, c.request_id, c.currency, c.stage,
  c.sale_count, c.sale_sum, c.reversal_count, c.reversal_sum, c.preauth_count, c.preauth_sum, c.reply, c.created_at,
  c.capture_count, c.capture_sum, c.release_count, c.release_sum
FROM central.closes c JOIN central.lanes l USING (journal_id)
WHERE ($2 = '' OR l.store_id = $2) AND c.request_id IN
  (SELECT p.close_batch FROM central.payments p WHERE p.journal_id = c.journal_id AND p.day = $1::date
   UNION SELECT k.close_batch FROM central.children k WHERE k.journal_id = c.journal_id AND k.day = $1::date)
ORDER BY c.created_at, c.request_id`, day, storeID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var c CloseReport
		var reply map[string]string
		o := &c.Ours
		if err := rows.Scan(&id, &c.RequestID, &c.Currency, &c.Stage, &o.SaleCount, &o.SaleSum, &o.ReversalCount,
			&o.ReversalSum, &o.PreauthCount, &o.PreauthSum, &reply, &c.CreatedAt,
			&o.CaptureCount, &o.CaptureSum, &o.ReleaseCount, &o.ReleaseSum); err != nil {
			return err
		}
		if c.Stage == "finished" || c.Stage == "error" || c.Stage == "processing" {
			c.Theirs = theirTotals(reply, c.Currency)
		}
		if c.Theirs != nil {
			c.Differences = closeDifferences(c.Ours, *c.Theirs, c.Currency)
		}
		c.Agree = c.Stage == "finished" && len(c.Differences) == 0
		if l := byID[id]; l != nil {
			l.Closes = append(l.Closes, c)
		}
	}
	return rows.Err()
}

// theirTotals reads the bank's close-day reply fields (as the gateway named
// them); a missing figure counts as zero, a malformed one as -1.
func theirTotals(reply map[string]string, cur string) *CloseTotals {
	cnt := func(k string) int64 {
		v, ok := reply[k]
		if !ok || v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return -1
		}
		return n
	}
	amt := func(k string) int64 {
		v, ok := reply[k]
		if !ok || v == "" {
			return 0
		}
		a, err := money.Parse(v, cur)
		if errors.Is(err, money.ErrZero) {
			return 0
		}
		if err != nil {
			return -1
		}
		return a.Minor
	}
	return &CloseTotals{SaleCount: cnt("saleApprovedCount"), SaleSum: amt("saleAmount"),
		ReversalCount: cnt("reversalApprovedCount"), ReversalSum: amt("reversalAmount")}
}

// closeDifferences lists the figures on which ours and theirs differ (the
// ones the bank reports: sales and reversals).
func closeDifferences(ours, theirs CloseTotals, cur string) []Difference {
	var d []Difference
	cnt := func(f string, a, b int64) {
		if a != b {
			d = append(d, Difference{Field: f, Ours: strconv.FormatInt(a, 10), Theirs: strconv.FormatInt(b, 10)})
		}
	}
	sum := func(f string, a, b int64) {
		if a != b {
			d = append(d, Difference{Field: f, Ours: money.FormatMinor(a, cur), Theirs: money.FormatMinor(b, cur)})
		}
	}
	cnt("sale count", ours.SaleCount, theirs.SaleCount)
	sum("sale sum", ours.SaleSum, theirs.SaleSum)
	cnt("reversal count", ours.ReversalCount, theirs.ReversalCount)
	sum("reversal sum", ours.ReversalSum, theirs.ReversalSum)
	return d
}

// laneState is the first state that applies, worst first.
func laneState(l *LaneReport) LaneState {
	var payments, unresolved, open int64
	for _, t := range l.Totals {
		payments += t.Approved.Count + t.Declined + t.Unresolved
		unresolved += t.Unresolved
		open += t.Open.Count + t.OpenChildren
	}
	differs := false
	for _, c := range l.Closes {
		differs = differs || (c.Stage == "finished" && !c.Agree)
	}
	switch {
	case l.Backlog > 0:
		return LaneBehind
	case unresolved > 0:
		return LaneUnresolved
	case open > 0:
		return LaneOpen
	case differs:
		return LaneDiffers
	case payments == 0:
		return LaneIdle
	}
	return LaneClosed
}

func unresolved(ctx context.Context, db DB, storeID string) ([]UnresolvedPayment, error) {
	rows, err := db.Query(ctx, `SELECT p.journal_id::text, l.store_id, l.lane, p.order_id, p.kind, p.status,
  p.amount_minor, p.currency, p.day::text, p.created_at
FROM central.payments p JOIN central.lanes l USING (journal_id)
WHERE p.status NOT IN ('approved', 'declined', 'filtered', 'error') AND ($1 = '' OR l.store_id = $1)
ORDER BY p.created_at, p.order_id`, storeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []UnresolvedPayment
	for rows.Next() {
		var u UnresolvedPayment
		if err := rows.Scan(&u.JournalID, &u.StoreID, &u.Lane, &u.OrderID, &u.Kind, &u.Status, &u.AmountMinor,
			&u.Currency, &u.Day, &u.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// storeTotals adds up each store's lanes.
func storeTotals(lanes []LaneReport, un []UnresolvedPayment) []StoreReport {
	var out []StoreReport
	idx := map[string]int{}
	for _, l := range lanes {
		i, ok := idx[l.StoreID]
		if !ok {
			i = len(out)
			idx[l.StoreID] = i
			out = append(out, StoreReport{StoreID: l.StoreID, Closed: map[string]CloseTotals{}})
		}
		s := &out[i]
		s.Lanes++
		if l.State.OK() {
			s.LanesOK++
		}
		sl := &LaneReport{Totals: s.Totals}
		for _, t := range l.Totals {
			st := totalsFor(sl, t.Currency)
			for k, c := range t.Kinds {
				sc := st.Kinds[k]
				sc.add(c.Count, c.Sum)
				st.Kinds[k] = sc
			}
			st.Approved.add(t.Approved.Count, t.Approved.Sum)
			st.Open.add(t.Open.Count, t.Open.Sum)
			st.Declined += t.Declined
			st.Unresolved += t.Unresolved
			st.Unknown += t.Unknown
			addChildTotals(st, t)
		}
		s.Totals = sl.Totals
		for _, c := range l.Closes {
			if c.Stage == "finished" {
				ct := s.Closed[c.Currency]
				ct.add(c.Ours)
				s.Closed[c.Currency] = ct
			}
		}
	}
	for _, u := range un {
		if i, ok := idx[u.StoreID]; ok {
			out[i].Unresolved++
		}
	}
	return out
}

// Overview is the manager's Store view in one call: it connects with cfg,
// reads the day's report for cfg's store (lanes with their backlog and last
// contact, totals, close-day states, unresolved payments anywhere in the
// store) and disconnects, all within ctx (give it a timeout).
func Overview(ctx context.Context, cfg Config, day string) (Report, error) {
	conn, err := cfg.Connect(ctx)
	if err != nil {
		return Report{Day: day, StoreID: cfg.StoreID}, err
	}
	defer conn.Close(context.WithoutCancel(ctx)) //nolint:errcheck // read-only session
	return MakeReport(ctx, conn, day, cfg.StoreID)
}
