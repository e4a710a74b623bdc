package pos

import (
	"context"
	"errors"
	"sort"
	"time"

	"kassa/store"
	"kassa/store/central"
)

// The manager's Store view (issue 15): every lane of this store as the
// store database (KASSA_CENTRAL_DB) sees it, today's totals, and the
// payments not final anywhere in the store. ui shows it; it reads it only
// through Engine.StoreView (ui → pos → store/central).

// storeViewTimeout bounds reading the Store view (connect, read, close).
const storeViewTimeout = 10 * time.Second

// LaneState is a lane's close-day state for the day in the Store view.
type LaneState uint8

// The lane states (the store database's, worst last).
const (
	LaneClosed     LaneState = iota // every approved payment is in a finished close-day that agrees with the bank
	LaneIdle                        // no payments that day
	LaneBehind                      // the lane has events the store database does not have yet
	LaneUnresolved                  // payments of the day are not final
	LaneOpen                        // approved payments not yet in a finished close-day
	LaneDiffers                     // closed, but the bank's figures differ from the lane's
)

// laneStates is THE table from the store database's lane states.
var laneStates = map[central.LaneState]LaneState{
	central.LaneClosed: LaneClosed, central.LaneIdle: LaneIdle, central.LaneBehind: LaneBehind,
	central.LaneUnresolved: LaneUnresolved, central.LaneOpen: LaneOpen, central.LaneDiffers: LaneDiffers,
}

var laneStateNames = [...]string{"closed", "idle", "behind", "unresolved", "open", "differs"}

// String is the state's stable name (the store database's).
func (s LaneState) String() string {
	if int(s) < len(laneStateNames) {
		return laneStateNames[s]
	}
	return "lane-state"
}

// OK reports whether the lane needs nothing (closed and agreeing, or idle).
func (s LaneState) OK() bool { return s == LaneClosed || s == LaneIdle }

// LaneStates lists every lane state (for the words tests).
func LaneStates() []LaneState {
	return []LaneState{LaneClosed, LaneIdle, LaneBehind, LaneUnresolved, LaneOpen, LaneDiffers}
}

// StoreTotals are one currency's figures for the day.
type StoreTotals struct {
	Currency      string
	SaleCount     int64
	SaleSum       Amount
	PreauthCount  int64
	PreauthSum    Amount
	ApprovedCount int64
	ApprovedSum   Amount
	Declined      int64 // declined, filtered or failed
	Unresolved    int64 // not final
	OpenCount     int64 // approved, not yet in a finished close-day
	OpenSum       Amount
}

// StoreLane is one lane (one journal) in the Store view.
type StoreLane struct {
	Lane        string
	TerminalID  string
	This        bool // this terminal's own journal
	State       LaneState
	Backlog     uint64    // events the lane had at last contact that are not in the database yet
	LastContact time.Time // zero: never
	Refused     int64     // events the database refused (a manager must look: kassa central verify)
	Unresolved  int64     // payments not final, any day
	Totals      []StoreTotals
}

// StorePayment is a payment not final, on any lane of the store, any day.
type StorePayment struct {
	Lane          string
	ClientOrderID string
	Kind          Kind
	Status        Status // StatusPending or StatusUnknown
	Amount        Amount
	Day           string
	CreatedAt     time.Time
}

// StoreView is the store's day as the store database has it.
type StoreView struct {
	Day        string // YYYY-MM-DD, this terminal's local date
	StoreID    string
	Lanes      []StoreLane
	Totals     []StoreTotals // the store's, by currency
	Unresolved []StorePayment
	AllClosed  bool // every lane is closed (or idle) and agrees with the bank
	ReadAt     time.Time
}

// StoreView reads the Store view for today. Without a store database it
// returns an error with CauseStoreNotConfigured; when the database cannot
// be read, CauseStoreUnreachable (Detail: why). Bounded by
// storeViewTimeout and ctx.
func (e *Engine) StoreView(ctx context.Context) (StoreView, error) {
	cfg := central.ConfigFromEnv(e.Config().TerminalID)
	if !cfg.Enabled() {
		return StoreView{}, errorOf(nil, Reason{Cause: CauseStoreNotConfigured})
	}
	ctx, cancel := context.WithTimeout(ctx, storeViewTimeout)
	defer cancel()
	defer context.AfterFunc(e.ctx, cancel)()
	day := time.Now().Format("2006-01-02")
	r, err := central.Overview(ctx, cfg, day)
	if err != nil {
		e.log.Warn("store view", "err", err)
		if errors.Is(err, central.ErrNotConfigured) {
			return StoreView{}, errorOf(nil, Reason{Cause: CauseStoreNotConfigured})
		}
		return StoreView{}, errorOf(nil, Reason{Cause: CauseStoreUnreachable, Detail: err.Error()})
	}
	return storeViewOf(r, e.journal.ID()), nil
}

// storeViewOf turns the store database's report into the Store view.
func storeViewOf(r central.Report, journalID string) StoreView {
	v := StoreView{Day: r.Day, StoreID: r.StoreID, AllClosed: r.OK, ReadAt: time.Now()}
	for _, l := range r.Lanes {
		v.Lanes = append(v.Lanes, StoreLane{Lane: l.Lane, TerminalID: l.TerminalID, This: l.JournalID == journalID,
			State: laneStates[l.State], Backlog: l.Backlog, LastContact: l.LastContact, Refused: l.Alerts,
			Unresolved: l.Unresolved, Totals: storeTotalsOf(l.Totals)})
	}
	for _, s := range r.Stores {
		if s.StoreID == r.StoreID {
			v.Totals = storeTotalsOf(s.Totals)
		}
	}
	lanes := map[string]string{}
	for _, l := range r.Lanes {
		lanes[l.JournalID] = l.Lane
	}
	for _, u := range r.Unresolved {
		id := u.OrderID
		if u.Child != "" { // a capture, release or refund not final (issue 11): listed as the journal names it
			id += "/" + u.Child
		}
		v.Unresolved = append(v.Unresolved, StorePayment{Lane: lanes[u.JournalID], ClientOrderID: id,
			Kind: Kind(u.Kind), Status: StatusOf(store.Status(u.Status)), Amount: Amount{Minor: u.AmountMinor, Currency: u.Currency},
			Day: u.Day, CreatedAt: u.CreatedAt})
	}
	sort.SliceStable(v.Unresolved, func(a, b int) bool { return v.Unresolved[a].CreatedAt.Before(v.Unresolved[b].CreatedAt) })
	return v
}

func storeTotalsOf(ts []central.Totals) []StoreTotals {
	out := make([]StoreTotals, 0, len(ts))
	for _, t := range ts {
		c := t.Currency
		sale, pre := t.Kinds[string(store.KindSale)], t.Kinds[string(store.KindPreauth)]
		out = append(out, StoreTotals{Currency: c,
			SaleCount: sale.Count, SaleSum: Amount{Minor: sale.Sum, Currency: c},
			PreauthCount: pre.Count, PreauthSum: Amount{Minor: pre.Sum, Currency: c},
			ApprovedCount: t.Approved.Count, ApprovedSum: Amount{Minor: t.Approved.Sum, Currency: c},
			Declined: t.Declined, Unresolved: t.Unresolved,
			OpenCount: t.Open.Count, OpenSum: Amount{Minor: t.Open.Sum, Currency: c}})
	}
	return out
}
