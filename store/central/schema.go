package central

import (
	"context"
	"fmt"
)

// SchemaVersion is the newest database schema this Kassa knows.
var SchemaVersion = len(migrations)

// lockSchema is the advisory lock key (class, object) Init holds while it
// migrates, so two `kassa central init` at once are safe.
const lockSchema = "SELECT pg_advisory_xact_lock(7243, 0)"

// migrations[i] takes the schema from version i to i+1. Never edit one that
// has shipped; append a new one.
var migrations = []string{migration1, migration2}

// Init creates or migrates the central schema, one transaction for all
// steps. It is safe to run twice (and concurrently): applied versions are
// recorded in central.schema_migrations. It returns the versions before and
// after.
func Init(ctx context.Context, db DB) (from, to int, err error) {
	tx, err := db.Begin(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.Exec(ctx, lockSchema); err != nil {
		return 0, 0, err
	}
	if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS central;
CREATE TABLE IF NOT EXISTS central.schema_migrations (
  version int PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return 0, 0, err
	}
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM central.schema_migrations").Scan(&from); err != nil {
		return 0, 0, err
	}
	if from > len(migrations) {
		return from, from, fmt.Errorf("database schema %d is newer than this kassa (%d)", from, len(migrations))
	}
	for v := from; v < len(migrations); v++ {
		if _, err := tx.Exec(ctx, migrations[v]); err != nil {
			return from, v, fmt.Errorf("migration %d: %w", v+1, err)
		}
		if err := afterMigration(ctx, tx, v+1); err != nil {
			return from, v, fmt.Errorf("migration %d: %w", v+1, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO central.schema_migrations (version) VALUES ($1)", v+1); err != nil {
			return from, v, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return from, from, err
	}
	return from, len(migrations), nil
}

// Version returns the schema version of the database (0: not initialised).
func Version(ctx context.Context, db DB) (int, error) {
	var ok bool
	if err := db.QueryRow(ctx, "SELECT to_regclass('central.schema_migrations') IS NOT NULL").Scan(&ok); err != nil || !ok {
		return 0, err
	}
	var v int
	err := db.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM central.schema_migrations").Scan(&v)
	return v, err
}

// checkSchema returns ErrNoSchema unless the database has this Kassa's schema.
func checkSchema(ctx context.Context, db DB) error {
	v, err := Version(ctx, db)
	if err != nil {
		return err
	}
	if v < len(migrations) {
		return fmt.Errorf("%w (version %d, want %d)", ErrNoSchema, v, len(migrations))
	}
	return nil
}

// migration1: lanes, events (append-only, checked by check_event), alerts,
// and the payment and close-day facts derived from each accepted event.
const migration1 = `
CREATE TABLE central.lanes (
  journal_id    uuid PRIMARY KEY,
  store_id      text NOT NULL,
  lane          text NOT NULL,
  terminal_id   text NOT NULL DEFAULT '',
  lane_head_seq bigint NOT NULL DEFAULT 0,   -- the lane's own newest event at last contact
  first_contact timestamptz NOT NULL DEFAULT now(),
  last_contact  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lanes_store ON central.lanes (store_id, lane);

CREATE TABLE central.events (
  journal_id  uuid NOT NULL REFERENCES central.lanes,
  seq         bigint NOT NULL CHECK (seq > 0),
  prev        bytea NOT NULL CHECK (length(prev) = 32),
  hash        bytea NOT NULL CHECK (length(hash) = 32),
  body        bytea NOT NULL CHECK (length(body) > 32), -- the exact bytes the hash covers
  facts       jsonb,                        -- binary events: the lane's decoding, applied and not kept (NULL)
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (journal_id, seq)
);

CREATE TABLE central.alerts (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  journal_id  uuid NOT NULL,
  seq         bigint NOT NULL,
  kind        text NOT NULL,                -- fork, hash, sequence, link
  detail      text NOT NULL,
  stored_hash bytea,
  sent_hash   bytea NOT NULL,
  UNIQUE (journal_id, seq, kind, sent_hash)
);

CREATE TABLE central.payments (
  journal_id      uuid NOT NULL REFERENCES central.lanes,
  order_id        text NOT NULL,
  kind            text NOT NULL,
  amount_minor    bigint NOT NULL,
  currency        text NOT NULL,
  day             date NOT NULL,
  status          text NOT NULL,
  close_batch     text,
  paynet_order_id text,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  last_seq        bigint NOT NULL,
  PRIMARY KEY (journal_id, order_id)
);
CREATE INDEX payments_day ON central.payments (day, journal_id);
CREATE INDEX payments_unresolved ON central.payments (journal_id)
  WHERE status NOT IN ('approved', 'declined', 'filtered', 'error');

CREATE TABLE central.closes (
  journal_id     uuid NOT NULL REFERENCES central.lanes,
  request_id     text NOT NULL,
  currency       text NOT NULL,
  stage          text NOT NULL,
  sale_count     bigint NOT NULL,
  sale_sum       bigint NOT NULL,
  reversal_count bigint NOT NULL,
  reversal_sum   bigint NOT NULL,
  preauth_count  bigint NOT NULL,
  preauth_sum    bigint NOT NULL,
  payments       bigint NOT NULL,
  reply          jsonb NOT NULL DEFAULT '{}',
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (journal_id, request_id)
);

-- apply_event derives the payment and close-day facts from an event
-- check_event accepted (under the journal's lock, so the row goes in; if the
-- INSERT fails after all, the statement and this with it roll back): from
-- the body of a JSON event, from the facts the lane decoded for a binary one. Status after an
-- event is the event's own status for the types that move a payment.
CREATE FUNCTION central.apply_event(jid uuid, seq bigint, body bytea, facts jsonb) RETURNS void
LANGUAGE plpgsql AS $f$
DECLARE
  b  jsonb;
  t  text;
  o  text;
  f  jsonb;
  at timestamptz;
  p  jsonb;
BEGIN
  IF get_byte(body, 0) = 123 THEN
    b := convert_from(body, 'UTF8')::jsonb; -- JSON events: read here
  ELSE
    b := facts;                             -- binary events: decoded by the lane
  END IF;
  IF b IS NULL OR b->>'q' IS DISTINCT FROM seq::text THEN
    RETURN;
  END IF;
  t := b->>'t';
  o := coalesce(b->>'o', '');
  f := coalesce(b->'f', '{}'::jsonb);
  at := to_timestamp(((b->>'a')::numeric) / 1e9);
  IF t = 'intent' THEN
    p := b->'p';
    INSERT INTO central.payments (journal_id, order_id, kind, amount_minor, currency, day, status,
        created_at, updated_at, last_seq)
      VALUES (jid, o, p->>'kind', (p->>'amount_minor')::bigint, p->>'currency', (p->>'day')::date,
        coalesce(b->>'s', 'pending'), (p->>'created_at')::timestamptz, at, seq)
      ON CONFLICT DO NOTHING;
  ELSIF t IN ('sent', 'accepted', 'unknown', 'final', 'resolved') THEN
    UPDATE central.payments SET status = b->>'s', updated_at = at, last_seq = seq,
        paynet_order_id = coalesce(f->>'paynet_order_id', paynet_order_id)
      WHERE journal_id = jid AND order_id = o;
  ELSIF t = 'close' AND o <> '' THEN
    UPDATE central.payments SET close_batch = f->>'request_id', last_seq = seq
      WHERE journal_id = jid AND order_id = o;
  ELSIF t = 'close' AND f->>'stage' = 'pending' THEN
    INSERT INTO central.closes (journal_id, request_id, currency, stage, sale_count, sale_sum,
        reversal_count, reversal_sum, preauth_count, preauth_sum, payments, created_at, updated_at)
      VALUES (jid, f->>'request_id', f->>'currency', 'pending',
        coalesce((f->>'sale_count')::bigint, 0), coalesce((f->>'sale_sum')::bigint, 0),
        coalesce((f->>'reversal_count')::bigint, 0), coalesce((f->>'reversal_sum')::bigint, 0),
        coalesce((f->>'preauth_count')::bigint, 0), coalesce((f->>'preauth_sum')::bigint, 0),
        coalesce((f->>'payments')::bigint, 0), at, at)
      ON CONFLICT DO NOTHING;
  ELSIF t = 'close' THEN
    UPDATE central.closes SET stage = f->>'stage', updated_at = at,
        reply = (SELECT coalesce(jsonb_object_agg(substr(k, 7), v), '{}'::jsonb)
                   FROM jsonb_each(f) AS x(k, v) WHERE k LIKE 'reply\_%')
      WHERE journal_id = jid AND request_id = f->>'request_id';
  END IF;
END
$f$;


-- check_event refuses what does not extend the journal's chain. It runs for
-- every row offered to central.events, under a per-journal advisory lock, so
-- two shippers of one journal are serialised and see each other's commits.
--   * (journal_id, seq) taken with the same hash: a repeat, skipped (no-op);
--   * taken with another hash: a fork (tampered lane, restored backup);
--   * sha256(body) <> hash; the link inside the body (JSON member "v", or
--     bytes 2..33 of the binary format) or a JSON body's seq differ from the columns;
--   * prev is not the stored hash of seq-1 (Genesis for seq 1); seq-1 missing: a gap.
-- A refused row is skipped and recorded in central.alerts (gaps are not: a
-- gap is a shipper starting at the wrong place, not a changed journal); the
-- refusal is left in the transaction-local setting central.refused and every
-- later row of that journal in the same transaction is skipped too.
CREATE FUNCTION central.check_event() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $f$
DECLARE
  stored bytea;
  want   bytea;
  kind   text;
  why    text;
BEGIN
  PERFORM pg_advisory_xact_lock(7244, hashtext(NEW.journal_id::text));
  IF coalesce(current_setting('central.refused', true), '') LIKE NEW.journal_id::text || ' %' THEN
    RETURN NULL;
  END IF;
  SELECT e.hash INTO stored FROM central.events e WHERE e.journal_id = NEW.journal_id AND e.seq = NEW.seq;
  IF FOUND THEN
    IF stored = NEW.hash THEN
      RETURN NULL;
    END IF;
    kind := 'fork';
    why := format('event %s differs from the event %s already stored', NEW.seq, NEW.seq);
  ELSIF sha256(NEW.body) <> NEW.hash THEN
    kind := 'hash';
    why := format('event %s does not match its hash (changed after it was written)', NEW.seq);
  ELSE
    -- '{': the JSON event format, {"q":seq,…,"v":"prev"}; the members are
    -- found as bytes (no JSON parse here: apply_event parses once).
    IF get_byte(NEW.body, 0) = 123 THEN
      IF position(convert_to('"q":' || NEW.seq || ',', 'UTF8') IN NEW.body) = 0
         AND position(convert_to('"q":' || NEW.seq || '}', 'UTF8') IN NEW.body) = 0 THEN
        kind := 'sequence';
        why := format('event %s carries another sequence number', NEW.seq);
      ELSIF position(convert_to('"v":"' || encode(NEW.prev, 'hex') || '"', 'UTF8') IN NEW.body) = 0 THEN
        kind := 'link';
        why := format('event %s names another previous event than it was sent with', NEW.seq);
      END IF;
    ELSIF substring(NEW.body FROM 2 FOR 32) <> NEW.prev THEN
      kind := 'link';
      why := format('event %s names another previous event than it was sent with', NEW.seq);
    END IF;
    IF kind IS NULL AND NEW.seq = 1 THEN
      IF NEW.prev <> decode(repeat('00', 32), 'hex') THEN
        kind := 'link';
        why := 'event 1 does not start the chain';
      END IF;
    ELSIF kind IS NULL THEN
      SELECT e.hash INTO want FROM central.events e WHERE e.journal_id = NEW.journal_id AND e.seq = NEW.seq - 1;
      IF NOT FOUND THEN
        PERFORM set_config('central.refused', format('%s %s gap event %s arrived before event %s',
          NEW.journal_id, NEW.seq, NEW.seq, NEW.seq - 1), true);
        RETURN NULL;
      ELSIF want <> NEW.prev THEN
        kind := 'link';
        why := format('event %s does not follow the stored event %s (the lane''s journal was changed or restored)',
          NEW.seq, NEW.seq - 1);
      END IF;
    END IF;
  END IF;
  IF kind IS NULL THEN
    PERFORM central.apply_event(NEW.journal_id, NEW.seq, NEW.body, NEW.facts);
    NEW.facts := NULL; -- applied; the bytes are what is kept
    RETURN NEW;
  END IF;
  INSERT INTO central.alerts (journal_id, seq, kind, detail, stored_hash, sent_hash)
    VALUES (NEW.journal_id, NEW.seq, kind, why, stored, NEW.hash) ON CONFLICT DO NOTHING;
  PERFORM set_config('central.refused', format('%s %s %s %s', NEW.journal_id, NEW.seq, kind, why), true);
  RETURN NULL;
END
$f$;

CREATE TRIGGER events_check BEFORE INSERT ON central.events
  FOR EACH ROW EXECUTE FUNCTION central.check_event();

CREATE FUNCTION central.append_only() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  RAISE EXCEPTION 'central.events is append-only' USING ERRCODE = 'insufficient_privilege';
END
$f$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON central.events
  FOR EACH ROW EXECUTE FUNCTION central.append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON central.events
  FOR EACH STATEMENT EXECUTE FUNCTION central.append_only();

`
