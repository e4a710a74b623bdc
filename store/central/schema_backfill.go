package central

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// afterMigration runs what a migration needs done in Go, in its
// transaction, once the migration's SQL has run.
func afterMigration(ctx context.Context, tx pgx.Tx, version int) error {
	if version == 2 {
		return backfillChildren(ctx, tx)
	}
	return nil
}

// backfillPage is how many stored events backfillChildren reads at a time.
const backfillPage = 2000

// replayed is one stored event's facts for central.replay_event.
type replayed struct {
	journalID string
	seq       int64
	facts     []byte
}

// backfillChildren derives the children (issue 11), the closes' captures
// and releases and each payment's own close batch again from the events
// stored before migration 2: JSON events are read as they are, binary ones
// with the journal's own decoder (the facts the lane sent were not kept).
func backfillChildren(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, "UPDATE central.payments SET close_batch = NULL WHERE close_batch IS NOT NULL"); err != nil {
		return err
	}
	jid, seq := "00000000-0000-0000-0000-000000000000", int64(0)
	for {
		page, last, n, err := backfillRead(ctx, tx, jid, seq)
		if err != nil {
			return err
		}
		for _, r := range page {
			if _, err := tx.Exec(ctx, "SELECT central.replay_event($1::uuid, $2, $3::jsonb)", r.journalID, r.seq, string(r.facts)); err != nil {
				return err
			}
		}
		if n < backfillPage {
			return nil
		}
		jid, seq = last.journalID, last.seq
	}
}

// backfillRead reads the page of events after (jid, seq) and keeps the
// facts of those replay_event uses (children's and close events); n is the
// number of rows read, last the last of them.
func backfillRead(ctx context.Context, tx pgx.Tx, jid string, seq int64) (page []replayed, last replayed, n int, err error) {
	rows, err := tx.Query(ctx, `SELECT journal_id::text, seq, body FROM central.events
WHERE (journal_id, seq) > ($1::uuid, $2) ORDER BY journal_id, seq LIMIT $3`, jid, seq, backfillPage)
	if err != nil {
		return nil, last, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&last.journalID, &last.seq, &body); err != nil {
			return nil, last, n, err
		}
		n++
		if f := replayFacts(body); f != nil {
			page = append(page, replayed{journalID: last.journalID, seq: last.seq, facts: f})
		}
	}
	return page, last, n, rows.Err()
}

// replayFacts is an event's facts in the JSON event shape when it is a
// child's or a close event; nil otherwise, and nil for facts the database
// could not apply (a malformed time or amount: they were stored by
// migration 1, which did not read them, and are left out rather than stop
// the migration).
func replayFacts(body []byte) []byte {
	facts := body
	if len(body) > 0 && body[0] == formatBinary {
		var err error
		if facts, err = binaryFacts(body); err != nil {
			return nil
		}
	}
	var e eventFacts
	if json.Unmarshal(facts, &e) != nil {
		return nil
	}
	switch e.Type {
	case "close", "child", "child-accepted", "child-unknown", "child-final":
	default:
		return nil
	}
	for _, k := range []string{"amount_minor", "capture_count", "capture_sum", "release_count", "release_sum"} {
		if v, ok := e.Fields[k]; ok {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return nil
			}
		}
	}
	out, err := json.Marshal(e)
	if err != nil {
		return nil
	}
	return out
}
