package central

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// benchEvents builds n payments' events (intent, accepted, final: the
// engine's usual three) in the journal's format.
func benchEvents(n int) []Event {
	m := newMem(uuid.NewString())
	for i := 0; i < n; i++ {
		id := uuid.NewString()
		m.add(map[string]any{"o": id, "t": "intent", "s": "pending", "p": map[string]any{
			"client_orderid": id, "kind": "sale", "amount_minor": 1000 + i, "currency": "RUB",
			"masked_pan": "401234****8909", "card_scheme": "VISA", "reader_serial": "M012-345-678",
			"ksn": "FFFF9876543210E00001", "terminal_id": "T1", "cashier_id": "c1", "description": "groceries",
			"status": "pending", "day": "2026-12-03", "created_at": "2026-12-03T10:00:00Z", "updated_at": "2026-12-03T10:00:00Z"}})
		m.add(map[string]any{"o": id, "t": "accepted", "s": "accepted", "f": map[string]string{
			"paynet_order_id": "123456789", "serial_number": "SN" + id[:8], "source": "reply"}})
		m.add(map[string]any{"o": id, "t": "final", "s": "approved", "f": map[string]string{
			"approval_code": "AB1234", "rrn": "123456789012", "receipt_id": "R1", "source": "status"}})
	}
	return m.evs
}

const plainTable = `CREATE TABLE IF NOT EXISTS plain_events (
  journal_id uuid NOT NULL, seq bigint NOT NULL, prev bytea NOT NULL, hash bytea NOT NULL, body bytea NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (journal_id, seq))`

// plainInsert is the baseline: the same rows, the same batches and
// statement shape, one transaction per batch, into a table without checks.
func plainInsert(ctx context.Context, db DB, id string, evs []Event, batch int) error {
	for lo := 0; lo < len(evs); lo += batch {
		part := evs[lo:min(lo+batch, len(evs))]
		seqs, prevs, hashes, bodies := make([]int64, len(part)), make([][]byte, len(part)), make([][]byte, len(part)), make([][]byte, len(part))
		for i, e := range part {
			seqs[i], bodies[i] = int64(e.Seq), e.Body
			prevs[i], hashes[i] = mustHex(e.Prev), mustHex(e.Hash)
		}
		err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO plain_events (journal_id, seq, prev, hash, body)
SELECT $1::uuid, s, p, h, b FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::bytea[]) AS t(s, p, h, b)
ORDER BY s ON CONFLICT DO NOTHING`, id, seqs, prevs, hashes, bodies)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkShip ships 3 000 events (1 000 payments) per iteration with Ship
// (checks in the trigger, derived payments, lane bookkeeping) and inserts
// the same rows plainly, and reports both rates and their ratio.
func BenchmarkShip(b *testing.B) {
	_, conn := initDB(b)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, plainTable); err != nil {
		b.Fatal(err)
	}
	evs := benchEvents(1000)
	var shipT, plainT time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		src := &memSource{id: uuid.NewString(), evs: evs}
		t0 := time.Now()
		if _, err := Ship(ctx, src, conn, lane1, ShipOptions{}); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := plainInsert(ctx, conn, src.id, evs, DefaultBatch); err != nil {
			b.Fatal(err)
		}
		shipT += t1.Sub(t0)
		plainT += time.Since(t1)
	}
	n := float64(len(evs) * b.N)
	b.ReportMetric(n/shipT.Seconds(), "ship-events/s")
	b.ReportMetric(n/plainT.Seconds(), "plain-events/s")
	b.ReportMetric(shipT.Seconds()/plainT.Seconds(), "ship/plain-time")
}

// BenchmarkCatchUp100k: a lane that was offline comes back with a backlog
// of 100 000 events; time until the database holds them all.
func BenchmarkCatchUp100k(b *testing.B) {
	_, conn := initDB(b)
	ctx := context.Background()
	evs := benchEvents(33334)[:100000] // a prefix of a chain is a chain
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		src := &memSource{id: uuid.NewString(), evs: evs}
		t0 := time.Now()
		res, err := Ship(ctx, src, conn, lane1, ShipOptions{Timeout: 10 * time.Minute})
		if err != nil || res.To != 100000 {
			b.Fatalf("%+v %v", res, err)
		}
		total += time.Since(t0)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/catch-up")
	b.ReportMetric(float64(100000*b.N)/total.Seconds(), "events/s")
	var evBytes, payBytes, n, pays float64
	if err := conn.QueryRow(ctx, `SELECT pg_total_relation_size('central.events'), pg_total_relation_size('central.payments'),
  (SELECT count(*) FROM central.events), (SELECT count(*) FROM central.payments)`).Scan(&evBytes, &payBytes, &n, &pays); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(evBytes/n, "event-bytes/event")
	b.ReportMetric(payBytes/pays, "payment-bytes/payment")
}

// BenchmarkRound is one background round for one payment: ship its three
// events over the kept connection, and (new-conn) over a new connection
// each round. Baseline: the same three rows inserted plainly over an open
// connection.
func BenchmarkRound(b *testing.B) {
	b.Run("kept", func(b *testing.B) { benchRound(b, 0) })
	b.Run("new-conn", func(b *testing.B) { benchRound(b, -1) })
}

func benchRound(b *testing.B, keep time.Duration) {
	dsn, conn := initDB(b)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, plainTable); err != nil {
		b.Fatal(err)
	}
	all := benchEvents(b.N)
	src := &memSource{id: uuid.NewString()}
	sh := NewShipper(Config{DSN: dsn, StoreID: "s1", Lane: "l1"}, src, ShipperOptions{KeepOpen: keep})
	defer sh.Close()
	var roundT, plainT time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		src.mu.Lock()
		src.evs = all[:3*(i+1)]
		src.mu.Unlock()
		t0 := time.Now()
		if err := sh.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := plainInsert(ctx, conn, src.id, all[3*i:3*(i+1)], 3); err != nil {
			b.Fatal(err)
		}
		roundT += t1.Sub(t0)
		plainT += time.Since(t1)
	}
	b.ReportMetric(roundT.Seconds()*1000/float64(b.N), "ms/round")
	b.ReportMetric(plainT.Seconds()*1000/float64(b.N), "plain-ms/payment")
	b.ReportMetric(roundT.Seconds()/plainT.Seconds(), "round/plain-time")
}
