package cli

import (
	"fmt"

	"kassa/store/central"
)

// childTotalsJSON adds the captures, refunds and releases of a payment
// (issue 11) to a totals object m: capture_*, refund_*, release_* (approved),
// close_sale_* and close_reversal_* (what the lanes' close-day counts: sales
// with captures, refunds), open_children_count, unresolved_children_count.
func childTotalsJSON(m map[string]any, t central.Totals) {
	for k, c := range map[string]central.Count{"capture": t.Captures, "refund": t.Refunds, "release": t.Releases,
		"close_sale": t.CloseSales, "close_reversal": t.CloseReversals} {
		m[k+"_count"], m[k+"_sum"] = c.Count, amount(c.Sum, t.Currency)
	}
	m["open_children_count"], m["unresolved_children_count"] = t.OpenChildren, t.UnresolvedChildren
}

// childTotalsText is the text report's part of childTotalsJSON.
func childTotalsText(t central.Totals) []string {
	var parts []string
	if t.Captures.Count+t.Refunds.Count+t.Releases.Count+t.UnresolvedChildren == 0 {
		return nil
	}
	f := func(name string, c central.Count) string {
		return fmt.Sprintf("%s %d = %s", name, c.Count, amount(c.Sum, t.Currency))
	}
	parts = append(parts, f("captures (in sales)", t.Captures), f("refunds", t.Refunds),
		f("releases (not counted)", t.Releases), f("close-day sales", t.CloseSales),
		f("close-day reversals", t.CloseReversals))
	if t.UnresolvedChildren > 0 {
		parts = append(parts, fmt.Sprintf("of the unresolved, %d capture/release/refund", t.UnresolvedChildren))
	}
	return parts
}
