package central

// migration2 (issue 11 on the store database): a payment's captures,
// releases and refunds (its children) get their own table, a close event of
// a child closes the child (before, it overwrote its payment's close_batch),
// and the closes keep the captures and releases the lane listed. The events
// already stored are read again by backfillChildren in the same
// transaction. Every statement is idempotent (IF NOT EXISTS, OR REPLACE);
// Init applies it once.
const migration2 = `
CREATE TABLE IF NOT EXISTS central.children (
  journal_id    uuid NOT NULL REFERENCES central.lanes,
  order_id      text NOT NULL,               -- the payment's client_orderid
  child_id      text NOT NULL,               -- "1", "2", … among the payment's children
  operation     text NOT NULL,               -- capture, release, refund
  amount_minor  bigint NOT NULL,
  currency      text NOT NULL,
  day           date NOT NULL,               -- the business day it began on (see child_day)
  status        text NOT NULL,
  serial_number text,
  close_batch   text,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  last_seq      bigint NOT NULL,
  PRIMARY KEY (journal_id, order_id, child_id)
);
CREATE INDEX IF NOT EXISTS children_day ON central.children (day, journal_id);
CREATE INDEX IF NOT EXISTS children_unresolved ON central.children (journal_id)
  WHERE status NOT IN ('approved', 'declined', 'filtered', 'error');

ALTER TABLE central.closes ADD COLUMN IF NOT EXISTS capture_count bigint NOT NULL DEFAULT 0;
ALTER TABLE central.closes ADD COLUMN IF NOT EXISTS capture_sum bigint NOT NULL DEFAULT 0;
ALTER TABLE central.closes ADD COLUMN IF NOT EXISTS release_count bigint NOT NULL DEFAULT 0;
ALTER TABLE central.closes ADD COLUMN IF NOT EXISTS release_sum bigint NOT NULL DEFAULT 0;

-- child_day: the lane's business day of a child begun at "at": its
-- payment's day moved by the days between the payment and the child (both
-- read in the session's time zone; the lane's own zone is not sent).
CREATE OR REPLACE FUNCTION central.child_day(jid uuid, o text, at timestamptz) RETURNS date
LANGUAGE sql STABLE AS $f$
  SELECT coalesce((SELECT p.day + (at::date - p.created_at::date) FROM central.payments p
                    WHERE p.journal_id = jid AND p.order_id = o), at::date)
$f$;

-- apply_child derives a child's facts from one event b (JSON event shape);
-- it returns false for an event that is not a child's.
CREATE OR REPLACE FUNCTION central.apply_child(jid uuid, seq bigint, b jsonb) RETURNS boolean
LANGUAGE plpgsql AS $f$
DECLARE
  t  text := b->>'t';
  o  text := coalesce(b->>'o', '');
  f  jsonb := coalesce(b->'f', '{}'::jsonb);
  at timestamptz := to_timestamp(((b->>'a')::numeric) / 1e9);
  p  central.payments%ROWTYPE;
BEGIN
  IF t = 'child' THEN
    SELECT * INTO p FROM central.payments x WHERE x.journal_id = jid AND x.order_id = o;
    INSERT INTO central.children (journal_id, order_id, child_id, operation, amount_minor, currency, day,
        status, created_at, updated_at, last_seq)
      VALUES (jid, o, f->>'child', f->>'operation', coalesce((f->>'amount_minor')::bigint, 0),
        coalesce(f->>'currency', p.currency, ''), central.child_day(jid, o, at),
        coalesce(b->>'s', 'pending'), at, at, seq)
      ON CONFLICT DO NOTHING;
  ELSIF t IN ('child-accepted', 'child-unknown', 'child-final') THEN
    UPDATE central.children c SET status = coalesce(b->>'s', c.status), updated_at = at, last_seq = seq,
        serial_number = coalesce(f->>'serial_number', c.serial_number)
      WHERE c.journal_id = jid AND c.order_id = o AND c.child_id = f->>'child';
  ELSIF t = 'close' AND o <> '' AND f ? 'child' THEN
    UPDATE central.children c SET close_batch = f->>'request_id', last_seq = seq
      WHERE c.journal_id = jid AND c.order_id = o AND c.child_id = f->>'child';
  ELSIF t = 'close' AND o = '' AND f->>'stage' = 'pending' THEN
    UPDATE central.closes c SET capture_count = coalesce((f->>'capture_count')::bigint, 0),
        capture_sum = coalesce((f->>'capture_sum')::bigint, 0),
        release_count = coalesce((f->>'release_count')::bigint, 0),
        release_sum = coalesce((f->>'release_sum')::bigint, 0)
      WHERE c.journal_id = jid AND c.request_id = f->>'request_id';
    RETURN false; -- the close itself is the payments' part
  ELSE
    RETURN false;
  END IF;
  RETURN true;
END
$f$;

-- apply_event as in migration 1, children first (a child's close event no
-- longer touches its payment's close_batch).
CREATE OR REPLACE FUNCTION central.apply_event(jid uuid, seq bigint, body bytea, facts jsonb) RETURNS void
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
  ELSIF t = 'close' AND o <> '' AND f ? 'child' THEN
    PERFORM central.apply_child(jid, seq, b);
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
    PERFORM central.apply_child(jid, seq, b);
  ELSIF t = 'close' THEN
    UPDATE central.closes SET stage = f->>'stage', updated_at = at,
        reply = (SELECT coalesce(jsonb_object_agg(substr(k, 7), v), '{}'::jsonb)
                   FROM jsonb_each(f) AS x(k, v) WHERE k LIKE 'reply\_%')
      WHERE journal_id = jid AND request_id = f->>'request_id';
  ELSE
    PERFORM central.apply_child(jid, seq, b);
  END IF;
END
$f$;

-- replay_event re-derives, from an event stored before this migration (b:
-- its facts in the JSON event shape), what migration 1 left out or got
-- wrong: the children, the closes' captures and releases, and a payment's
-- own close batch (backfillChildren calls it in seq order, after clearing
-- every payment's close_batch).
CREATE OR REPLACE FUNCTION central.replay_event(jid uuid, seq bigint, b jsonb) RETURNS void
LANGUAGE plpgsql AS $f$
BEGIN
  IF b->>'t' = 'close' AND coalesce(b->>'o', '') <> '' AND NOT (coalesce(b->'f', '{}'::jsonb) ? 'child') THEN
    UPDATE central.payments SET close_batch = b->'f'->>'request_id'
      WHERE journal_id = jid AND order_id = b->>'o';
  ELSE
    PERFORM central.apply_child(jid, seq, b);
  END IF;
END
$f$;
`
