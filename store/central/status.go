package central

import (
	"context"
	"time"
)

// LaneStatus is one lane (one journal) as the database sees it.
type LaneStatus struct {
	JournalID   string    `json:"journal_id"`
	StoreID     string    `json:"store_id"`
	Lane        string    `json:"lane"`
	TerminalID  string    `json:"terminal_id"`
	LastSeq     uint64    `json:"last_seq"`            // last event shipped (committed)
	LastEventAt time.Time `json:"last_event_at"`       // when it arrived (zero: none yet)
	LaneHead    uint64    `json:"lane_head_seq"`       // the lane's newest event at last contact
	Backlog     uint64    `json:"backlog"`             // events the lane had that are not here yet
	LastContact time.Time `json:"last_contact"`        //
	Alerts      int64     `json:"alerts"`              // refused events recorded for this journal
	Unresolved  int64     `json:"unresolved_payments"` // payments not final, any day
}

// Status lists every lane of storeID ("" for all stores): last event
// shipped, backlog as of its last contact, last contact.
func Status(ctx context.Context, db DB, storeID string) ([]LaneStatus, error) {
	if err := checkSchema(ctx, db); err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, `SELECT l.journal_id::text, l.store_id, l.lane, l.terminal_id,
  coalesce(e.seq, 0), coalesce(e.received_at, 'epoch'::timestamptz), l.lane_head_seq, l.last_contact,
  (SELECT count(*) FROM central.alerts a WHERE a.journal_id = l.journal_id),
  (SELECT count(*) FROM central.payments p WHERE p.journal_id = l.journal_id
     AND p.status NOT IN ('approved', 'declined', 'filtered', 'error'))
FROM central.lanes l
LEFT JOIN LATERAL (SELECT seq, received_at FROM central.events x WHERE x.journal_id = l.journal_id
  ORDER BY seq DESC LIMIT 1) e ON true
WHERE $1 = '' OR l.store_id = $1
ORDER BY l.store_id, l.lane, l.journal_id`, storeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LaneStatus
	for rows.Next() {
		var s LaneStatus
		var last, head int64
		if err := rows.Scan(&s.JournalID, &s.StoreID, &s.Lane, &s.TerminalID, &last, &s.LastEventAt, &head,
			&s.LastContact, &s.Alerts, &s.Unresolved); err != nil {
			return nil, err
		}
		s.LastSeq, s.LaneHead = uint64(last), uint64(head)
		if s.LaneHead > s.LastSeq {
			s.Backlog = s.LaneHead - s.LastSeq
		}
		if s.LastEventAt.Unix() == 0 {
			s.LastEventAt = time.Time{}
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
