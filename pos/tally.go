package pos

import (
	"sort"

	"kassa/store"
)

// SchemeTotal is the approved payments of one card scheme in a report.
type SchemeTotal struct {
	Scheme Scheme
	Count  int64
	Sum    Amount
}

// Tally is one currency's figures in a report (X, Z, shift; issue 13).
// Totals are what the close-day sends (approved sales and preauths); the
// counts are of payment attempts; Schemes split the approved payments.
type Tally struct {
	Currency  string
	Totals    Totals
	Approved  int64
	Declined  int64 // declined by the bank or its fraud control
	Failed    int64 // error: not charged
	Unknown   int64 // not final yet
	Refunds   int64
	Captures  int64
	OpenHolds int64 // approved preauths neither captured nor released
	Schemes   []SchemeTotal
}

// tallies counts payments per currency, in currency order; the terminal's
// currency cur (when given) is always there, first.
func tallies(ps []store.Payment, cur string) []Tally {
	m := map[string]*Tally{}
	if cur != "" {
		m[cur] = newTally(cur)
	}
	for _, p := range ps {
		t := m[p.Currency]
		if t == nil {
			t = newTally(p.Currency)
			m[p.Currency] = t
		}
		t.add(p)
	}
	out := make([]Tally, 0, len(m))
	for _, t := range m {
		out = append(out, *t)
	}
	sort.Slice(out, func(a, b int) bool {
		return out[a].Currency == cur || (out[b].Currency != cur && out[a].Currency < out[b].Currency)
	})
	return out
}

func newTally(cur string) *Tally {
	t := &Tally{Currency: cur, Totals: totalsOf(store.Totals{}, cur)}
	for _, s := range Schemes() {
		t.Schemes = append(t.Schemes, SchemeTotal{Scheme: s, Sum: Amount{Currency: cur}})
	}
	return t
}

// add counts one payment.
func (t *Tally) add(p store.Payment) {
	switch StatusOf(p.Status) {
	case StatusApproved:
		t.Approved++
		t.addApproved(p)
	case StatusDeclined, StatusFiltered:
		t.Declined++
	case StatusFailed:
		t.Failed++
	default:
		t.Unknown++
	}
}

func (t *Tally) addApproved(p store.Payment) {
	if p.Kind == store.KindPreauth {
		t.Totals.PreauthCount++
		t.Totals.PreauthSum.Minor += p.AmountMinor
		if l := store.LedgerOf(p, store.ChildrenOf(p)); !l.Released && l.Captured == 0 {
			t.OpenHolds++ // neither captured nor released (issue 11)
		}
	} else {
		t.Totals.SaleCount++
		t.Totals.SaleSum.Minor += p.AmountMinor
	}
	s := SchemeOf(p.MaskedPAN, p.CardScheme)
	for i := range t.Schemes {
		if t.Schemes[i].Scheme == s {
			t.Schemes[i].Count++
			t.Schemes[i].Sum.Minor += p.AmountMinor
		}
	}
}

// addChildren counts approved captures and refunds (issue 11) in their
// currency's tally; a capture is a sale and a refund a reversal in the
// totals, as the close-day counts them.
func addChildren(ts []Tally, kids []store.Child) []Tally {
	for _, c := range kids {
		if c.Status != store.StatusApproved {
			continue
		}
		i := tallyIndex(&ts, c.Currency)
		switch c.Operation {
		case store.OpCapture:
			ts[i].Captures++
			ts[i].Totals.SaleCount++
			ts[i].Totals.SaleSum.Minor += c.AmountMinor
		case store.OpRefund:
			ts[i].Refunds++
			ts[i].Totals.ReversalCount++
			ts[i].Totals.ReversalSum.Minor += c.AmountMinor
		}
	}
	return ts
}

// tallyIndex finds (or appends) the currency's tally.
func tallyIndex(ts *[]Tally, cur string) int {
	for i := range *ts {
		if (*ts)[i].Currency == cur {
			return i
		}
	}
	*ts = append(*ts, *newTally(cur))
	return len(*ts) - 1
}

// useTotals replaces the tallies' totals with the journal's open-day totals
// (what the close-day sends), adding currencies that only they name.
func useTotals(ts []Tally, totals map[string]store.Totals) []Tally {
	for i := range ts {
		if t, ok := totals[ts[i].Currency]; ok {
			ts[i].Totals = totalsOf(t, ts[i].Currency)
		}
	}
	return ts
}
