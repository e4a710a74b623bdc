package central

import "context"

// dayChildren adds the day's captures, releases and refunds (issue 11) to
// each lane's totals, as the lane's close-day counts them (store/close.go):
// an approved capture is a sale at the captured amount, an approved refund
// a reversal, an approved release is listed and counted nowhere. Children
// not final count as unresolved (unknown ones as unknown).
func dayChildren(ctx context.Context, db DB, day, storeID string, byID map[string]*LaneReport) error {
	rows, err := db.Query(ctx, `SELECT k.journal_id::text, k.currency, k.operation, k.status,
  coalesce(c.stage = 'finished', false), count(*), sum(k.amount_minor)
FROM central.children k JOIN central.lanes l USING (journal_id)
LEFT JOIN central.closes c ON c.journal_id = k.journal_id AND c.request_id = k.close_batch
WHERE k.day = $1::date AND ($2 = '' OR l.store_id = $2)
GROUP BY 1, 2, 3, 4, 5`, day, storeID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, cur, op, status string
		var closed bool
		var n, sum int64
		if err := rows.Scan(&id, &cur, &op, &status, &closed, &n, &sum); err != nil {
			return err
		}
		if l := byID[id]; l != nil {
			addChild(totalsFor(l, cur), op, status, closed, n, sum)
		}
	}
	return rows.Err()
}

// addChild counts n children of one operation and status (sum their
// amounts) into t.
func addChild(t *Totals, op, status string, closed bool, n, sum int64) {
	switch {
	case status == "approved":
		switch op {
		case "capture":
			t.Captures.add(n, sum)
			t.CloseSales.add(n, sum)
		case "refund":
			t.Refunds.add(n, sum)
			t.CloseReversals.add(n, sum)
		case "release":
			t.Releases.add(n, sum)
		}
		if !closed { // releases too: the lane lists them in its open day until a close-day covers them
			t.OpenChildren += n
		}
	case finalStatuses[status]:
	default:
		t.Unresolved += n
		t.UnresolvedChildren += n
		if status == "unknown" {
			t.Unknown += n
		}
	}
}

// addChildTotals adds a lane's children figures to its store's.
func addChildTotals(st *Totals, t Totals) {
	st.Captures.add(t.Captures.Count, t.Captures.Sum)
	st.Refunds.add(t.Refunds.Count, t.Refunds.Sum)
	st.Releases.add(t.Releases.Count, t.Releases.Sum)
	st.CloseSales.add(t.CloseSales.Count, t.CloseSales.Sum)
	st.CloseReversals.add(t.CloseReversals.Count, t.CloseReversals.Sum)
	st.OpenChildren += t.OpenChildren
	st.UnresolvedChildren += t.UnresolvedChildren
}

// unresolvedChildren appends the children not final, on any lane, any day,
// to out (the unresolved payments).
func unresolvedChildren(ctx context.Context, db DB, storeID string, out []UnresolvedPayment) ([]UnresolvedPayment, error) {
	rows, err := db.Query(ctx, `SELECT k.journal_id::text, l.store_id, l.lane, k.order_id, k.child_id, k.operation,
  coalesce(p.kind, ''), k.status, k.amount_minor, k.currency, k.day::text, k.created_at
FROM central.children k JOIN central.lanes l USING (journal_id)
LEFT JOIN central.payments p ON p.journal_id = k.journal_id AND p.order_id = k.order_id
WHERE k.status NOT IN ('approved', 'declined', 'filtered', 'error') AND ($1 = '' OR l.store_id = $1)
ORDER BY k.created_at, k.order_id, k.child_id`, storeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var u UnresolvedPayment
		if err := rows.Scan(&u.JournalID, &u.StoreID, &u.Lane, &u.OrderID, &u.Child, &u.Operation, &u.Kind, &u.Status,
			&u.AmountMinor, &u.Currency, &u.Day, &u.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
