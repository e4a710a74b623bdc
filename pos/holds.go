package pos

import (
	"sort"
	"time"

	"kassa/store"
)

// OpenHolds lists every approved preauth neither captured nor released
// (issue 11), oldest first, with its age, the end of its hold
// (Config.HoldPeriod from the preauth) and whether it is expiring (within
// HoldWarning) or expired. Expired holds stay listed for a week after
// their end (red); a capture or release of them is refused. It reads the
// days of the hold period and that week only.
func (e *Engine) OpenHolds() ([]Hold, error) {
	hold := e.Config().HoldPeriod
	var out []Hold
	now := e.now() // the wall clock (issue 17: WithClock)
	from := now.Add(-hold - expiredShown).Format("2006-01-02")
	err := e.journal.Walk(from, "", func(p store.Payment) error {
		if p.Kind != store.KindPreauth || p.Status != store.StatusApproved {
			return nil
		}
		kids := store.ChildrenOf(p)
		l := ledgerOf(p, kids, hold)
		if !l.HoldOpen {
			return nil
		}
		out = append(out, holdOf(viewOf(p), l, now))
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Payment.CreatedAt.Before(out[j].Payment.CreatedAt) })
	return out, err
}

// expiredShown is how long after its end an expired hold stays listed.
const expiredShown = 7 * 24 * time.Hour

// holdOf is an open hold's figures at now.
func holdOf(v PaymentView, l Ledger, now time.Time) Hold {
	left := l.ExpiresAt.Sub(now)
	return Hold{Payment: v, Age: now.Sub(v.CreatedAt), ExpiresAt: l.ExpiresAt, Left: left,
		Expiring: left > 0 && left <= HoldWarning, Expired: left <= 0, Busy: l.Busy}
}
