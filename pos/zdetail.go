package pos

import (
	"time"

	"kassa/store"
)

// pastTally is a past close-day's figures (issue 13): the approved
// payments, captures and refunds it covered, with the split by card scheme,
// and the other attempts (declined, failed, unknown) begun while its day
// was open (since the finished close before it).
func pastTally(j *store.Journal, b store.Batch) (Tally, error) {
	covered := map[string]bool{}
	for _, k := range b.Payments {
		covered[k] = true
	}
	ps, err := j.ByBatch(b.RequestID)
	if err != nil {
		return Tally{}, err
	}
	var own []store.Payment
	var kids []store.Child
	for _, p := range ps {
		if covered[p.ClientOrderID] {
			own = append(own, p)
		}
		for _, c := range store.ChildrenOf(p) {
			if covered[store.BatchKey(p.ClientOrderID, c.ID)] {
				kids = append(kids, c)
			}
		}
	}
	others, err := attemptsBetween(j, closeBefore(j, b), b.CreatedAt)
	if err != nil {
		return Tally{}, err
	}
	t := addChildren(tallies(append(own, others...), b.Currency), kids)[0]
	t.Totals = totalsOf(b.Totals, b.Currency)
	return t, nil
}

// closeBefore is when the finished close-day before b began (zero: none).
func closeBefore(j *store.Journal, b store.Batch) time.Time {
	bs, _ := j.Batches()
	var at time.Time
	for _, o := range bs {
		if o.Status == store.BatchFinished && o.CreatedAt.Before(b.CreatedAt) && o.RequestID != b.RequestID {
			at = o.CreatedAt
		}
	}
	return at
}

// attemptsBetween are the payments that did not end approved, begun in
// [from, to).
func attemptsBetween(j *store.Journal, from, to time.Time) ([]store.Payment, error) {
	var out []store.Payment
	day := ""
	if !from.IsZero() {
		day = from.Local().Format("2006-01-02")
	}
	err := j.Walk(day, to.Local().Format("2006-01-02"), func(p store.Payment) error {
		if p.Status != store.StatusApproved && !p.CreatedAt.Before(from) && p.CreatedAt.Before(to) {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}
