package cli

import (
	"strings"
	"testing"

	"kassa/store/central"
)

// TestCentralReportChildren: the text and JSON of a totals line with
// captures, refunds and releases (issue 11) and one child not final.
func TestCentralReportChildren(t *testing.T) {
	tot := central.Totals{Currency: "RUB", Kinds: map[string]central.Count{"sale": {Count: 1, Sum: 5000}},
		Approved: central.Count{Count: 1, Sum: 5000}, Unresolved: 1, Unknown: 1, UnresolvedChildren: 1,
		Captures: central.Count{Count: 1, Sum: 7000}, Refunds: central.Count{Count: 2, Sum: 1700},
		Releases: central.Count{Count: 1, Sum: 3000}, CloseSales: central.Count{Count: 2, Sum: 12000},
		CloseReversals: central.Count{Count: 2, Sum: 1700}}
	line := totalsLine(tot)
	for _, want := range []string{"captures (in sales) 1 = 70.00", "refunds 2 = 17.00", "releases (not counted) 1 = 30.00",
		"close-day sales 2 = 120.00", "close-day reversals 2 = 17.00", "of the unresolved, 1 capture/release/refund"} {
		if !strings.Contains(line, want) {
			t.Errorf("%q lacks %q", line, want)
		}
	}
	m := totalsJSON(tot)
	for k, want := range map[string]any{"capture_count": int64(1), "capture_sum": "70.00", "refund_sum": "17.00",
		"release_count": int64(1), "close_sale_sum": "120.00", "close_reversal_count": int64(2),
		"unresolved_children_count": int64(1), "open_children_count": int64(0), "sale_count": int64(1)} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	if line := totalsLine(central.Totals{Currency: "RUB", Kinds: map[string]central.Count{}}); strings.Contains(line, "captures") {
		t.Errorf("no children, yet %q", line)
	}
}
