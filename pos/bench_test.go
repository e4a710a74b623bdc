package pos

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"kassa/mapi/sandbox"
)

// baseline is one loopback HTTP round trip plus one fsync'd bbolt update:
// the least a journaled network payment can cost.
type baseline struct {
	srv *httptest.Server
	db  *benchDB
	c   *http.Client
}

// benchDB is a raw bbolt file for the reference measurements: each put is
// one fsynced update under a fresh key.
type benchDB struct {
	db *bolt.DB
	n  int
}

func newBenchDB(tb testing.TB, name string) *benchDB {
	db, err := bolt.Open(filepath.Join(tb.TempDir(), name), 0o600, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("p")); return err }); err != nil {
		tb.Fatal(err)
	}
	return &benchDB{db: db}
}

// put writes v in one fsynced update.
func (d *benchDB) put(tb testing.TB, v []byte) {
	d.n++
	if err := d.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("p")).Put([]byte(fmt.Sprintf("%012d", d.n)), v)
	}); err != nil {
		tb.Fatal(err)
	}
}

func newBaseline(tb testing.TB) *baseline {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/html;charset=utf-8")
		io.WriteString(w, "type=async-response\n&status=processing\n")
	}))
	tb.Cleanup(srv.Close)
	bl := &baseline{srv: srv, db: newBenchDB(tb, "b.db"), c: srv.Client()}
	bl.op(tb) // connection set up
	return bl
}

// op does one round trip and one fsynced update.
func (bl *baseline) op(tb testing.TB) {
	resp, err := bl.c.Post(bl.srv.URL, "application/x-www-form-urlencoded", strings.NewReader("amount=10.42"))
	if err != nil {
		tb.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	bl.db.put(tb, []byte("x"))
}

// BenchmarkBaseline reports the baseline on its own.
func BenchmarkBaseline(b *testing.B) {
	bl := newBaseline(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bl.op(b)
	}
}

// againstReference runs measure b.N times and, after each, one reference
// operation with the timer stopped, timed on its own, so both see the same
// machine load; it returns the two totals.
func againstReference(b *testing.B, measure func(i int) time.Duration, reference func()) (measured, ref time.Duration) {
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		measured += measure(i)
		b.StopTimer()
		t0 := time.Now()
		reference()
		ref += time.Since(t0)
		b.StartTimer()
	}
	b.StopTimer()
	return measured, ref
}

// vsBaseline is againstReference with the baseline as the reference,
// reported as baseline-ns/op and x-baseline (measured time / baseline
// time).
func vsBaseline(b *testing.B, bl *baseline, measure func(i int) time.Duration) {
	measured, base := againstReference(b, measure, func() { bl.op(b) })
	b.ReportMetric(float64(base.Nanoseconds())/float64(b.N), "baseline-ns/op")
	b.ReportMetric(float64(measured)/float64(base), "x-baseline")
}

// timedSale is sale i (an approved sale of 100+i minor units) through e,
// and how long Pay took.
func timedSale(b *testing.B, e *Engine, i int, what string) time.Duration {
	t0 := time.Now()
	v, err := e.Pay(context.Background(), Sale, Amount{Minor: int64(100 + i), Currency: "RUB"}, "")
	if err != nil || v.Status != StatusApproved {
		b.Fatalf("%s %d: %s %v", what, i, v.Status, err)
	}
	return time.Since(t0)
}

// benchEngine is an engine against a sandbox (Instant unless opts say
// otherwise) with the callback listener and an immediately swiping
// simulated reader.
func benchEngine(b *testing.B, mode string, opts sandbox.Options) *Engine {
	if opts.Speed == 0 {
		opts.Instant = true
	}
	opts.CallbackRetry = []time.Duration{10 * time.Millisecond}
	sb := startSandbox(b, opts)
	cfg := testConfig(b, sb.URL, mode)
	cfg.SimAutoSwipe = time.Microsecond
	cfg.SaleTimeout = 5 * time.Second
	return startEngine(b, cfg)
}

// BenchmarkSale is a full sale through the engine (card read over the
// pseudo-terminal, intent journaled, sale request, first status call at
// once, accepted and final journaled together) with no artificial delays,
// against the baseline measured in the same run: one baseline operation is
// timed after each sale, so both see the same machine load
// (x-baseline: sale time / baseline time). The floor under the rules is
// 2.0: two round trips (the sale, the status call confirming it) and two
// fsyncs (the write-ahead intent, the final status before the screen shows
// it); the card read and the engine's own work come on top.
func BenchmarkSale(b *testing.B) {
	bl := newBaseline(b)
	e := benchEngine(b, callbackOnly, sandbox.Options{})
	if err := e.Demo().SetCard(cardVisa); err != nil {
		b.Fatal(err)
	}
	vsBaseline(b, bl, func(i int) time.Duration { return timedSale(b, e, i, "sale") })
}

// BenchmarkCallbackToFinal measures the time from a verified callback's
// arrival to the final status being journaled (p50 and p99, ms). The
// sandbox approves 10 ms after accepting (Speed 100), so the first status
// call finds the sale processing and the callback brings the answer
// (confirmed by one status call), as with a real bank.
func BenchmarkCallbackToFinal(b *testing.B) {
	e := benchEngine(b, callbackOnly, sandbox.Options{Speed: 100})
	if err := e.Demo().SetCard(cardVisa); err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	arrived := map[string]time.Time{}
	var lat []time.Duration
	e.hooks.Store(&testHooks{
		callback: func(id string, at time.Time) {
			mu.Lock()
			if _, ok := arrived[id]; !ok {
				arrived[id] = at
			}
			mu.Unlock()
		},
		final: func(id string, at time.Time) {
			mu.Lock()
			if t0, ok := arrived[id]; ok {
				lat = append(lat, at.Sub(t0))
			}
			mu.Unlock()
		},
	})
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if v, err := e.Pay(ctx, Sale, Amount{Minor: int64(100 + i), Currency: "RUB"}, ""); err != nil || v.Status != StatusApproved {
			b.Fatalf("sale: %s %v", v.Status, err)
		}
	}
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	if len(lat) == 0 {
		b.Fatal("no callback reached a final state")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) float64 {
		i := int(p * float64(len(lat)-1))
		return float64(lat[i].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(len(lat))/float64(b.N), "callbacks/sale")
}

// BenchmarkRefund is a refund through the engine (issue 11): the local
// checks, the child journaled (fsync) before the return request, the
// serial number journaled (fsync), the first status call at once and the
// final status journaled (fsync) before it returns; against the baseline
// measured in the same run as BenchmarkSale (x-baseline: refund time /
// baseline time). The floor under the rules is 2 round trips (the return,
// the status call) and 3 fsyncs, about 2.5 baselines. Each refund is of a
// fresh sale, taken untimed.
func BenchmarkRefund(b *testing.B) {
	bl := newBaseline(b)
	e := benchEngine(b, callbackOnly, sandbox.Options{})
	if err := e.Demo().SetCard(cardVisa); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	vsBaseline(b, bl, func(i int) time.Duration {
		b.StopTimer()
		v, err := e.Pay(ctx, Sale, Amount{Minor: 1000, Currency: "RUB"}, "")
		if err != nil || v.Status != StatusApproved {
			b.Fatalf("sale %d: %s %v", i, v.Status, err)
		}
		b.StartTimer()
		t0 := time.Now()
		c, err := e.Refund(ctx, v.ClientOrderID, Amount{Minor: 400, Currency: "RUB"}, "bench")
		if err != nil || c.Status != StatusApproved {
			b.Fatalf("refund %d: %s %v", i, c.Status, err)
		}
		return time.Since(t0)
	})
}
