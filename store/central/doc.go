// Package central ships each lane's payment journal to a PostgreSQL database
// (the store's, or the chain's head office) and reads the store-wide views
// from it: lanes and their backlog, day reports across lanes, and a check of
// every journal's hash chain as the database holds it.
//
// The lane's bbolt journal stays the source of truth and is the durable
// outbox. The database is an append-only copy keyed by (journal_id, seq); it
// re-checks every event it is sent (SHA-256 of the body, the link to the
// previous event of the same journal, no gaps) in a trigger, so a tampered or
// restored-from-an-old-backup lane is refused and recorded as an alert, and a
// resend after a lost reply is a no-op (INSERT … ON CONFLICT DO NOTHING).
//
// All SQL runs in pgx's exec mode (no server-side prepared statements kept
// across transactions), so the lanes can reach the database through
// PgBouncer in transaction mode.
package central
