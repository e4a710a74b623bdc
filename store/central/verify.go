package central

import "context"

// JournalCheck is the database's copy of one journal, checked.
type JournalCheck struct {
	JournalID string      `json:"journal_id"`
	StoreID   string      `json:"store_id"`
	Lane      string      `json:"lane"`
	Events    int64       `json:"events"`
	HeadSeq   uint64      `json:"head_seq"`
	Head      string      `json:"head"`                // hex hash of the newest event (Genesis when none)
	OK        bool        `json:"ok"`                  //
	BrokenAt  uint64      `json:"broken_at,omitempty"` // first event that does not check out
	Problem   RefusalKind `json:"problem,omitempty"`   // hash, gap, link (none when OK)
	Alerts    int64       `json:"alerts"`              // refused events recorded (the lane's journal differs)
}

// verifySQL re-checks every stored event in one pass: its hash, no gap
// after the one before, its prev column and the link inside its bytes.
const verifySQL = `WITH w AS (
  SELECT journal_id, seq, hash, prev, body,
    lag(seq) OVER j AS pseq, lag(hash) OVER j AS phash
  FROM central.events WINDOW j AS (PARTITION BY journal_id ORDER BY seq)
), bad AS (
  SELECT DISTINCT ON (journal_id) journal_id, seq, CASE
      WHEN sha256(body) <> hash THEN 'hash'
      WHEN seq <> coalesce(pseq, 0) + 1 THEN 'gap'
      WHEN prev <> coalesce(phash, decode(repeat('00', 32), 'hex')) THEN 'link'
      WHEN get_byte(body, 0) = 123 AND position(convert_to('"v":"' || encode(prev, 'hex') || '"', 'UTF8') IN body) = 0 THEN 'link'
      WHEN get_byte(body, 0) <> 123 AND substring(body FROM 2 FOR 32) <> prev THEN 'link'
    END AS problem
  FROM w
  WHERE sha256(body) <> hash OR seq <> coalesce(pseq, 0) + 1
     OR prev <> coalesce(phash, decode(repeat('00', 32), 'hex'))
     OR (get_byte(body, 0) = 123 AND position(convert_to('"v":"' || encode(prev, 'hex') || '"', 'UTF8') IN body) = 0)
     OR (get_byte(body, 0) <> 123 AND substring(body FROM 2 FOR 32) <> prev)
  ORDER BY journal_id, seq
)
SELECT l.journal_id::text, l.store_id, l.lane,
  (SELECT count(*) FROM central.events e WHERE e.journal_id = l.journal_id),
  coalesce(h.seq, 0), coalesce(encode(h.hash, 'hex'), repeat('0', 64)),
  coalesce(b.seq, 0), coalesce(b.problem, ''),
  (SELECT count(*) FROM central.alerts a WHERE a.journal_id = l.journal_id)
FROM central.lanes l
LEFT JOIN LATERAL (SELECT seq, hash FROM central.events e WHERE e.journal_id = l.journal_id
  ORDER BY seq DESC LIMIT 1) h ON true
LEFT JOIN bad b ON b.journal_id = l.journal_id
ORDER BY l.store_id, l.lane, l.journal_id`

// Verify checks every journal's chain as the database holds it. A journal
// whose copy was changed in the database (an edited body, a removed or
// replaced event) is not OK. Alerts (events the database refused) are
// reported but do not make the stored chain wrong.
func Verify(ctx context.Context, db DB) ([]JournalCheck, error) {
	if err := checkSchema(ctx, db); err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, verifySQL)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []JournalCheck
	for rows.Next() {
		var c JournalCheck
		var head, broken int64
		var problem string
		if err := rows.Scan(&c.JournalID, &c.StoreID, &c.Lane, &c.Events, &head, &c.Head, &broken, &problem,
			&c.Alerts); err != nil {
			return nil, err
		}
		c.HeadSeq, c.BrokenAt = uint64(head), uint64(broken)
		c.OK = problem == "" && uint64(c.Events) == c.HeadSeq
		switch {
		case c.OK:
			c.BrokenAt = 0
		case problem == "":
			c.Problem = RefusedGap
		default:
			c.Problem = refusalKind(problem)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
