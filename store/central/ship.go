package central

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Lane names the lane a journal belongs to. The journal_id is the key; these
// are attributes the database keeps up to date at every contact.
type Lane struct {
	StoreID    string
	Lane       string
	TerminalID string
}

// ShipOptions tune Ship. Zero values mean the defaults.
type ShipOptions struct {
	// Batch is the number of events per transaction (default 500).
	Batch int
	// Timeout bounds the whole call (default 30 s) on top of ctx.
	Timeout time.Duration
	// Logger gets progress and refusals (nil: discarded).
	Logger *slog.Logger
}

// Default shipping parameters.
const (
	DefaultBatch       = 500
	DefaultShipTimeout = 30 * time.Second
)

// Result says what Ship did.
type Result struct {
	Journal string // journal_id
	From    uint64 // the database's last accepted seq before the call
	To      uint64 // … and after it (committed)
	Shipped int    // events sent and committed in this call (repeats included)
	Backlog int    // lane events still not at the database; -1 when not known
}

// Refusal is the database's refusal of one event of a journal (a tampered
// journal or one restored from an old backup). The database has recorded an
// alert; shipping this journal stops at the event before.
type Refusal struct {
	Journal string
	Seq     uint64
	Kind    RefusalKind
	Detail  string
}

// Error says which event was refused and why.
func (r *Refusal) Error() string {
	return fmt.Sprintf("store database refused event %d of journal %s (%s): %s", r.Seq, r.Journal, r.Kind, r.Detail)
}

// Unwrap makes errors.Is(err, ErrRefused) true.
func (r *Refusal) Unwrap() error { return ErrRefused }

func (o ShipOptions) batch() int {
	if o.Batch <= 0 {
		return DefaultBatch
	}
	return o.Batch
}

func (o ShipOptions) timeout() time.Duration {
	if o.Timeout <= 0 {
		return DefaultShipTimeout
	}
	return o.Timeout
}

func (o ShipOptions) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

// headSeqer is an optional Source method: the seq of the newest event.
type headSeqer interface{ HeadSeq() uint64 }

// Ship sends the journal's events the database does not have yet, from the
// database's last accepted seq for the journal, in batches of one
// transaction each. An event counts as delivered only once its transaction
// committed: after a cut connection the next call starts again from what the
// database holds, and a resend is a no-op. It never takes longer than
// ShipOptions.Timeout. A refused event returns a *Refusal (errors.Is
// ErrRefused).
func Ship(ctx context.Context, src Source, db DB, lane Lane, opts ShipOptions) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	log := opts.logger()
	id := src.ID()
	res := Result{Journal: id, Backlog: -1}
	if id == "" {
		return res, errors.New("the journal has no journal_id yet; open it once with kassa (not read-only)")
	}
	from, err := dbHead(ctx, db, id)
	if err != nil {
		return res, err
	}
	res.From, res.To = from, from
	for first := true; ; first = false {
		evs, err := src.EventsSince(res.To, opts.batch())
		if err != nil {
			return res, fmt.Errorf("read journal: %w", err)
		}
		if len(evs) == 0 {
			res.Backlog = 0
			if first { // nothing to send: still a contact
				_, err = register(ctx, db, id, lane)
			}
			return res, err
		}
		to, err := insertBatch(ctx, db, id, lane, res.To, evs, len(evs) < opts.batch())
		res.Shipped += int(to - res.To)
		res.To = to
		if err != nil {
			res.Backlog = backlog(src, res.To)
			var ref *Refusal
			if errors.As(err, &ref) {
				log.Error("store database refused an event", "journal", id, "seq", ref.Seq, "kind", ref.Kind.String(), "detail", ref.Detail)
			}
			return res, err
		}
		if len(evs) < opts.batch() {
			res.Backlog = 0
			break
		}
	}
	log.Debug("shipped", "journal", id, "from", res.From, "to", res.To)
	return res, nil
}

// upsertLane records the lane's contact (and attributes).
const upsertLane = `INSERT INTO central.lanes (journal_id, store_id, lane, terminal_id)
VALUES ($1, $2, $3, $4)
ON CONFLICT (journal_id) DO UPDATE SET store_id = EXCLUDED.store_id, lane = EXCLUDED.lane,
  terminal_id = EXCLUDED.terminal_id, last_contact = now()`

// register records the lane's contact and returns the database's last
// accepted seq for the journal.
func register(ctx context.Context, db DB, id string, lane Lane) (uint64, error) {
	if _, err := db.Exec(ctx, upsertLane, id, lane.StoreID, lane.Lane, lane.TerminalID); err != nil {
		return 0, schemaErr(err)
	}
	return dbHead(ctx, db, id)
}

// dbHead is the database's last accepted seq for the journal (a read: no
// commit to wait for).
func dbHead(ctx context.Context, db DB, id string) (uint64, error) {
	var seq int64
	err := db.QueryRow(ctx, "SELECT coalesce(max(seq), 0) FROM central.events WHERE journal_id = $1", id).Scan(&seq)
	return uint64(seq), schemaErr(err)
}

// schemaErr turns "relation does not exist" into ErrNoSchema.
func schemaErr(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "42P01" || pe.Code == "3F000") {
		return fmt.Errorf("%w: %s", ErrNoSchema, pe.Message)
	}
	return err
}

const insertEvents = `INSERT INTO central.events (journal_id, seq, prev, hash, body, facts)
SELECT $1::uuid, s, p, h, b, f::jsonb
FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::bytea[], $6::text[]) AS t(s, p, h, b, f)
ORDER BY s
ON CONFLICT DO NOTHING`

// insertBatch sends evs (which follow after) in one transaction, with the
// lane's contact, and returns the last seq the database holds once it
// committed. The statements go in one pipeline: one round trip and one
// commit per batch.
func insertBatch(ctx context.Context, db DB, id string, lane Lane, after uint64, evs []Event, atHead bool) (uint64, error) {
	rows, err := columns(after, evs)
	if err != nil {
		return after, err
	}
	last := evs[len(evs)-1].Seq
	tx, err := db.Begin(ctx)
	if err != nil {
		return after, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it is a no-op
	refused, err := sendBatch(ctx, tx, id, lane, rows, last, atHead)
	if err != nil {
		return after, schemaErr(err)
	}
	var ref *Refusal
	if refused != "" {
		ref = parseRefusal(refused)
		last = after
		if ref.Seq > after {
			last = ref.Seq - 1
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return after, err
	}
	if ref != nil {
		return last, ref
	}
	return last, nil
}

// batchRows are a batch's events as the INSERT's array parameters.
type batchRows struct {
	seqs                  []int64
	prevs, hashes, bodies [][]byte
	facts                 []*string
}

// columns checks that evs follow after and turns them into arrays.
func columns(after uint64, evs []Event) (batchRows, error) {
	n := len(evs)
	r := batchRows{seqs: make([]int64, n), prevs: make([][]byte, n), hashes: make([][]byte, n),
		bodies: make([][]byte, n), facts: make([]*string, n)}
	for i, e := range evs {
		if e.Seq != after+uint64(i)+1 {
			return r, fmt.Errorf("journal gave event %d after %d", e.Seq, after+uint64(i))
		}
		var err error
		if r.prevs[i], err = hex.DecodeString(e.Prev); err != nil || len(r.prevs[i]) != 32 {
			return r, fmt.Errorf("event %d: malformed prev hash", e.Seq)
		}
		if r.hashes[i], err = hex.DecodeString(e.Hash); err != nil || len(r.hashes[i]) != 32 {
			return r, fmt.Errorf("event %d: malformed hash", e.Seq)
		}
		if e.Facts != nil {
			f := string(e.Facts)
			r.facts[i] = &f
		}
		r.seqs[i], r.bodies[i] = int64(e.Seq), e.Body
	}
	return r, nil
}

// sendBatch pipelines the lane's contact, the insert, the refusal note and
// the lane's head in tx, and returns the refusal note ("" when none).
func sendBatch(ctx context.Context, tx pgx.Tx, id string, lane Lane, r batchRows, last uint64, atHead bool) (string, error) {
	b := &pgx.Batch{}
	b.Queue(upsertLane, id, lane.StoreID, lane.Lane, lane.TerminalID)
	b.Queue(insertEvents, id, r.seqs, r.prevs, r.hashes, r.bodies, r.facts)
	b.Queue("SELECT coalesce(current_setting('central.refused', true), '')")
	headSQL := "UPDATE central.lanes SET last_contact = now(), lane_head_seq = greatest(lane_head_seq, $2) WHERE journal_id = $1"
	if atHead {
		headSQL = "UPDATE central.lanes SET last_contact = now(), lane_head_seq = $2 WHERE journal_id = $1"
	}
	b.Queue(headSQL, id, int64(last))
	br := tx.SendBatch(ctx, b)
	_, lerr := br.Exec()
	_, ierr := br.Exec()
	var refused string
	rerr := br.QueryRow().Scan(&refused)
	_, uerr := br.Exec()
	return refused, errors.Join(lerr, ierr, rerr, uerr, br.Close())
}

// parseRefusal decodes central.refused: "journal seq kind detail…".
func parseRefusal(s string) *Refusal {
	f := strings.SplitN(s, " ", 4)
	r := &Refusal{Kind: RefusedUnknown, Detail: s}
	if len(f) == 4 {
		n, _ := strconv.ParseUint(f[1], 10, 64)
		r = &Refusal{Journal: f[0], Seq: n, Kind: refusalKind(f[2]), Detail: f[3]}
	}
	return r
}

// backlog counts the journal's events after seq (-1 when it cannot).
func backlog(src Source, seq uint64) int {
	if h, ok := src.(headSeqer); ok {
		if hs := h.HeadSeq(); hs >= seq {
			return int(hs - seq)
		}
		return 0
	}
	n := 0
	for {
		evs, err := src.EventsSince(seq, 5000)
		if err != nil {
			return -1
		}
		n += len(evs)
		if len(evs) < 5000 {
			return n
		}
		seq = evs[len(evs)-1].Seq
	}
}

// Backlog counts the journal's events after the database's last accepted
// seq dbSeq: what is not yet at the store database (-1 when unknown).
func Backlog(src Source, dbSeq uint64) int { return backlog(src, dbSeq) }
