package central

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"kassa/store"
)

// benchEvents builds about n payments' events in the journal's own binary
// format: a real journal's events (50 sales: intent, accepted, final) cycled
// with fresh order ids and sequence numbers, re-chained and re-hashed.
func benchEvents(n int) []Event {
	tmpl := benchTemplate()
	var out []Event
	prev := genesis
	prevRaw := make([]byte, 32)
	for len(out) < 3*n {
		ids := map[string][]byte{}
		for _, e := range tmpl {
			if len(out) == 3*n {
				break
			}
			body := append([]byte{}, e.Body...)
			var f eventFacts
			_ = json.Unmarshal(e.Facts, &f)
			if f.Order != "" {
				old, _ := uuid.Parse(f.Order)
				if ids[f.Order] == nil {
					u := uuid.New()
					ids[f.Order] = u[:]
				}
				body = bytes.ReplaceAll(body, old[:], ids[f.Order])
			}
			// re-number: [0x01][prev 32][uvarint seq]…
			_, k := binary.Uvarint(body[33:])
			seq := uint64(len(out) + 1)
			body = append(append(append([]byte{formatBinary}, prevRaw...), binary.AppendUvarint(nil, seq)...), body[33+k:]...)
			sum := sha256.Sum256(body)
			facts, err := binaryFacts(body)
			if err != nil {
				panic(err)
			}
			out = append(out, Event{Seq: seq, Prev: prev, Hash: hex.EncodeToString(sum[:]), Body: body, Facts: facts})
			prev, prevRaw = hex.EncodeToString(sum[:]), sum[:]
		}
	}
	return out
}

var (
	templateOnce sync.Once
	template     []Event
)

// benchTemplate is a real journal's 150 events (50 approved sales).
func benchTemplate() []Event {
	templateOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kassa-bench-")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(dir)
		j, err := store.Open(filepath.Join(dir, "j.db"), store.Options{})
		if err != nil {
			panic(err)
		}
		defer j.Close()
		for i := 0; i < 50; i++ {
			id := uuid.NewString()
			if err := j.Begin(store.Payment{ClientOrderID: id, Kind: store.KindSale, AmountMinor: int64(1000 + i),
				Currency: "RUB", MaskedPAN: "401234****8909", CardScheme: "VISA", ReaderSerial: "M012-345-678",
				KSN: "FFFF9876543210E00001", TerminalID: "T1", CashierID: "c1", Description: "groceries"}); err != nil {
				panic(err)
			}
			if _, err := j.RecordAll(id, store.Event{Type: store.EventAccepted, Fields: map[string]string{
				store.FieldPaynetOrderID: "123456789", store.FieldSerialNumber: "SN" + id[:8], store.FieldSource: "reply"}},
				store.Event{Type: store.EventFinal, Status: store.StatusApproved, Fields: map[string]string{
					store.FieldApprovalCode: "AB1234", store.FieldRRN: "123456789012", store.FieldSource: "reply"}}); err != nil {
				panic(err)
			}
		}
		if template, err = FromJournal(j).EventsSince(0, 1000); err != nil {
			panic(err)
		}
	})
	return template
}

const plainTable = `CREATE TABLE IF NOT EXISTS plain_events (
  journal_id uuid NOT NULL, seq bigint NOT NULL, prev bytea NOT NULL, hash bytea NOT NULL, body bytea NOT NULL,
  facts jsonb, received_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (journal_id, seq))`

// plainInsert is the baseline: the same rows, the same batches and
// statement shape, one transaction per batch, into a table without checks.
func plainInsert(ctx context.Context, db DB, id string, evs []Event, batch int) error {
	for lo := 0; lo < len(evs); lo += batch {
		part := evs[lo:min(lo+batch, len(evs))]
		seqs, prevs, hashes, bodies := make([]int64, len(part)), make([][]byte, len(part)), make([][]byte, len(part)), make([][]byte, len(part))
		facts := make([]*string, len(part))
		for i, e := range part {
			seqs[i], bodies[i] = int64(e.Seq), e.Body
			if e.Facts != nil {
				f := string(e.Facts)
				facts[i] = &f
			}
			prevs[i], hashes[i] = mustHex(e.Prev), mustHex(e.Hash)
		}
		err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO plain_events (journal_id, seq, prev, hash, body, facts)
SELECT $1::uuid, s, p, h, b, f::jsonb
FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::bytea[], $6::text[]) AS t(s, p, h, b, f)
ORDER BY s ON CONFLICT DO NOTHING`, id, seqs, prevs, hashes, bodies, facts)
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
