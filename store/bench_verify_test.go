package store

import (
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkVerify checks the whole chain of a 20,000- and a 200,000-payment
// journal (Generate) and reports, for each, the time per 100,000 payments
// and the peak live heap while it ran, and the ratios of the larger to the
// smaller: time grows with the journal (ratio ≈ 1 per payment), memory must
// not (the replay holds only payments whose events are still to come; the
// check runs in the background of a lane with years of payments).
//
//	go test -run '^$' -bench Verify -benchtime 1x -count 3 ./store/
func BenchmarkVerify(b *testing.B) {
	small, large := 20_000, 200_000
	dir := b.TempDir()
	paths := map[int]string{}
	for _, n := range []int{small, large} {
		paths[n] = filepath.Join(dir, "j.db"+string(rune('a'+n%7)))
		if err := Generate(paths[n], n); err != nil {
			b.Fatal(err)
		}
	}
	run := func(n int) (perHundredK time.Duration, peak uint64) {
		j, err := Open(paths[n], Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		defer j.Close()
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var top atomic.Uint64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() { // samples the live heap while Verify runs
			defer close(done)
			var ms runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > top.Load() {
					top.Store(ms.HeapAlloc)
				}
			}
		}()
		t0 := time.Now()
		if _, _, err := j.Verify(); err != nil {
			b.Fatal(err)
		}
		took := time.Since(t0)
		close(stop)
		<-done
		p := top.Load()
		if p > base.HeapAlloc {
			p -= base.HeapAlloc
		} else {
			p = 0
		}
		return took * 100_000 / time.Duration(n), p
	}
	var ts, tl time.Duration
	var ms, ml uint64
	for b.Loop() {
		ts, ms = run(small)
		tl, ml = run(large)
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(tl.Seconds(), "s-per-100k")
	b.ReportMetric(float64(ml)/(1<<20), "peak-heap-MB@200000")
	b.ReportMetric(float64(ms)/(1<<20), "peak-heap-MB@20000")
	b.ReportMetric(float64(tl)/float64(ts), "time-ratio-per-payment")
	b.ReportMetric(float64(ml+1)/float64(ms+1), "heap-ratio")
}
