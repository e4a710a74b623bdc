package pos

import (
	"context"
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

// baselineLoop does n times one loopback HTTP round trip plus one fsync'd
// bbolt update: the least a journaled network payment can cost.
func baselineLoop(tb testing.TB, n int, reset func()) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/html;charset=utf-8")
		io.WriteString(w, "type=async-response\n&status=processing\n")
	}))
	defer srv.Close()
	db, err := bolt.Open(filepath.Join(tb.TempDir(), "b.db"), 0o600, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	c := srv.Client()
	if reset != nil {
		reset()
	}
	for i := 0; i < n; i++ {
		resp, err := c.Post(srv.URL, "application/x-www-form-urlencoded", strings.NewReader("amount=10.42"))
		if err != nil {
			tb.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err := db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("p"))
			if err != nil {
				return err
			}
			return bk.Put([]byte(time.Now().String()), []byte("x"))
		}); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkBaseline reports the baseline on its own.
func BenchmarkBaseline(b *testing.B) { baselineLoop(b, b.N, b.ResetTimer) }

// baselineNs measures the baseline's time per operation (median of 5 runs of
// 20), for comparing within one run.
func baselineNs(tb testing.TB) float64 {
	var runs []float64
	for range 5 {
		start := time.Now()
		var t0 time.Time
		baselineLoop(tb, 20, func() { t0 = time.Now() })
		_ = start
		runs = append(runs, float64(time.Since(t0).Nanoseconds())/20)
	}
	sort.Float64s(runs)
	return runs[2]
}

// benchEngine is an engine against an Instant sandbox with the callback
// listener and an immediately swiping simulated reader.
func benchEngine(b *testing.B, mode string) *Engine {
	sb := startSandbox(b, sandbox.Options{Instant: true, CallbackRetry: []time.Duration{10 * time.Millisecond}})
	cfg := testConfig(b, sb.URL, mode)
	cfg.SimAutoSwipe = time.Microsecond
	cfg.SaleTimeout = 5 * time.Second
	return startEngine(b, cfg)
}

// BenchmarkSale is a full sale through the engine (card read over the
// pseudo-terminal, journal intent/sent/accepted/final fsynced, sale request,
// callback, confirming status) with no artificial delays, against the
// baseline measured in the same run (x-baseline: sale time / baseline time).
func BenchmarkSale(b *testing.B) {
	base := baselineNs(b)
	e := benchEngine(b, callbackOnly)
	if err := e.Demo().SetCard(cardVisa); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, err := e.Pay(ctx, Sale, Amount{Minor: int64(100 + i), Currency: "RUB"}, "")
		if err != nil || v.Status != "approved" {
			b.Fatalf("sale %d: %s %v", i, v.Status, err)
		}
	}
	b.StopTimer()
	per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(base, "baseline-ns/op")
	b.ReportMetric(per/base, "x-baseline")
}

// BenchmarkCallbackToFinal measures the time from a verified callback's
// arrival to the final status being journaled (p50 and p99, ms).
func BenchmarkCallbackToFinal(b *testing.B) {
	e := benchEngine(b, callbackOnly)
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
		if v, err := e.Pay(ctx, Sale, Amount{Minor: int64(100 + i), Currency: "RUB"}, ""); err != nil || v.Status != "approved" {
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
