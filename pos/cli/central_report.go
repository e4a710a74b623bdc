package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"kassa/mapi/money"
	"kassa/store/central"
)

func centralReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var day, storeID string
	var asJSON bool
	if code, done := centralFlags("report", "report [--day YYYY-MM-DD] [--store ID] [--json]", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&day, "day", time.Now().Format("2006-01-02"), "business `day` YYYY-MM-DD (default today)")
		fs.StringVar(&storeID, "store", "", "only the store with this `ID` (default every store)")
		fs.BoolVar(&asJSON, "json", false, "print one JSON object")
	}); done {
		return code
	}
	if _, err := time.Parse("2006-01-02", day); err != nil {
		fmt.Fprintf(stderr, "kassa central report: --day %q is not YYYY-MM-DD\n", day)
		return 1
	}
	conn, ok := centralConnect(ctx, central.ConfigFromEnv(""), stderr)
	if !ok {
		return 1
	}
	defer closeConn(conn)
	r, err := central.MakeReport(ctx, conn, day, storeID)
	if err != nil {
		fmt.Fprintln(stderr, "kassa central report:", err)
		return 1
	}
	if asJSON {
		writeJSON(stdout, reportJSON(r))
	} else {
		reportText(stdout, r)
	}
	if !r.OK {
		return 2
	}
	return 0
}

// amount is an exact decimal string in major units (never a float).
func amount(minor int64, cur string) string { return money.FormatMinor(minor, cur) }

// totalsJSON: counts as numbers, amounts as exact decimal strings; every
// payment kind present gets <kind>_count and <kind>_sum (sale and preauth
// always).
func totalsJSON(t central.Totals) map[string]any {
	m := map[string]any{"currency": t.Currency,
		"approved_count": t.Approved.Count, "approved_sum": amount(t.Approved.Sum, t.Currency),
		"declined_count": t.Declined, "unresolved_count": t.Unresolved, "unknown_count": t.Unknown,
		"open_count": t.Open.Count, "open_sum": amount(t.Open.Sum, t.Currency)}
	for _, k := range []string{"sale", "preauth"} {
		m[k+"_count"], m[k+"_sum"] = int64(0), amount(0, t.Currency)
	}
	for k, c := range t.Kinds {
		m[k+"_count"], m[k+"_sum"] = c.Count, amount(c.Sum, t.Currency)
	}
	childTotalsJSON(m, t)
	return m
}

func closeTotalsJSON(t central.CloseTotals, cur string) map[string]any {
	return map[string]any{"currency": cur,
		"sale_count": t.SaleCount, "sale_sum": amount(t.SaleSum, cur),
		"reversal_count": t.ReversalCount, "reversal_sum": amount(t.ReversalSum, cur),
		"preauth_count": t.PreauthCount, "preauth_sum": amount(t.PreauthSum, cur),
		"capture_count": t.CaptureCount, "capture_sum": amount(t.CaptureSum, cur),
		"release_count": t.ReleaseCount, "release_sum": amount(t.ReleaseSum, cur)}
}

func reportJSON(r central.Report) map[string]any {
	lanes := []any{}
	for _, l := range r.Lanes {
		totals := []any{}
		for _, t := range l.Totals {
			totals = append(totals, totalsJSON(t))
		}
		closes := []any{}
		for _, c := range l.Closes {
			var theirs any
			if c.Theirs != nil {
				theirs = closeTotalsJSON(*c.Theirs, c.Currency)
			}
			diffs := c.Differences
			if diffs == nil {
				diffs = []central.Difference{}
			}
			closes = append(closes, map[string]any{"request_id": c.RequestID, "currency": c.Currency, "stage": c.Stage,
				"agree": c.Agree, "ours": closeTotalsJSON(c.Ours, c.Currency), "theirs": theirs, "differences": diffs,
				"created_at": c.CreatedAt.UTC().Format(time.RFC3339)})
		}
		lanes = append(lanes, map[string]any{"journal_id": l.JournalID, "store_id": l.StoreID, "lane": l.Lane,
			"terminal_id": l.TerminalID, "state": l.State.String(), "backlog": l.Backlog, "last_seq": l.LastSeq,
			"last_contact": l.LastContact.UTC().Format(time.RFC3339), "totals": totals, "closes": closes})
	}
	stores := []any{}
	for _, s := range r.Stores {
		totals := []any{}
		for _, t := range s.Totals {
			totals = append(totals, totalsJSON(t))
		}
		closed := []any{}
		curs := make([]string, 0, len(s.Closed))
		for c := range s.Closed {
			curs = append(curs, c)
		}
		sort.Strings(curs)
		for _, c := range curs {
			closed = append(closed, closeTotalsJSON(s.Closed[c], c))
		}
		stores = append(stores, map[string]any{"store_id": s.StoreID, "lanes": s.Lanes, "lanes_ok": s.LanesOK,
			"unresolved_count": s.Unresolved, "totals": totals, "closed": closed})
	}
	un := []any{}
	for _, u := range r.Unresolved {
		un = append(un, map[string]any{"journal_id": u.JournalID, "store_id": u.StoreID, "lane": u.Lane,
			"client_orderid": u.OrderID, "kind": u.Kind, "status": u.Status, "amount": amount(u.AmountMinor, u.Currency),
			"currency": u.Currency, "day": u.Day, "created_at": u.CreatedAt.UTC().Format(time.RFC3339),
			"child": u.Child, "operation": u.Operation})
	}
	return map[string]any{"day": r.Day, "store_id": r.StoreID, "ok": r.OK, "lanes": lanes, "stores": stores,
		"unresolved": un}
}

func totalsLine(t central.Totals) string {
	var parts []string
	kinds := make([]string, 0, len(t.Kinds))
	for k := range t.Kinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		c := t.Kinds[k]
		parts = append(parts, fmt.Sprintf("%s %d = %s", k, c.Count, amount(c.Sum, t.Currency)))
	}
	parts = append(parts, fmt.Sprintf("approved %d = %s", t.Approved.Count, amount(t.Approved.Sum, t.Currency)),
		fmt.Sprintf("declined %d", t.Declined), fmt.Sprintf("unresolved %d (unknown %d)", t.Unresolved, t.Unknown))
	parts = append(parts, childTotalsText(t)...)
	if t.Open.Count > 0 {
		parts = append(parts, fmt.Sprintf("not closed %d = %s", t.Open.Count, amount(t.Open.Sum, t.Currency)))
	}
	return t.Currency + ": " + strings.Join(parts, ", ")
}

func reportText(w io.Writer, r central.Report) {
	scope := "every store"
	if r.StoreID != "" {
		scope = "store " + r.StoreID
	}
	fmt.Fprintf(w, "Day %s, %s\n", r.Day, scope)
	for _, l := range r.Lanes {
		fmt.Fprintf(w, "\nstore %s lane %s (terminal %s, journal %s): %s", l.StoreID, l.Lane, l.TerminalID, l.JournalID, l.State)
		if l.Backlog > 0 {
			fmt.Fprintf(w, ", %d event(s) not yet at the store database", l.Backlog)
		}
		fmt.Fprintln(w)
		for _, t := range l.Totals {
			fmt.Fprintln(w, "  "+totalsLine(t))
		}
		for _, c := range l.Closes {
			fmt.Fprintf(w, "  close-day %s (%s): %s, sales %d = %s", c.RequestID, c.Currency, c.Stage, c.Ours.SaleCount,
				amount(c.Ours.SaleSum, c.Currency))
			if c.Agree {
				fmt.Fprint(w, ", the bank agrees")
			}
			fmt.Fprintln(w)
			for _, d := range c.Differences {
				fmt.Fprintf(w, "    DIFFERENCE %s: ours %s, bank %s\n", d.Field, d.Ours, d.Theirs)
			}
		}
	}
	for _, s := range r.Stores {
		fmt.Fprintf(w, "\nstore %s: %d lane(s), %d closed and agreeing\n", s.StoreID, s.Lanes, s.LanesOK)
		for _, t := range s.Totals {
			fmt.Fprintln(w, "  "+totalsLine(t))
		}
	}
	if len(r.Unresolved) > 0 {
		fmt.Fprintf(w, "\n%d payment(s) not resolved:\n", len(r.Unresolved))
		for _, u := range r.Unresolved {
			id, kind := u.OrderID, u.Kind
			if u.Child != "" {
				id, kind = u.OrderID+"/"+u.Child, u.Operation
			}
			fmt.Fprintf(w, "  store %s lane %s  %s  %s %s %s  %s  day %s\n", u.StoreID, u.Lane, id, kind,
				amount(u.AmountMinor, u.Currency), u.Currency, u.Status, u.Day)
		}
	}
	if r.OK {
		fmt.Fprintln(w, "\nEvery lane is closed and agrees with the bank.")
	} else {
		fmt.Fprintln(w, "\nNot every lane is closed and agreeing (see above).")
	}
}
