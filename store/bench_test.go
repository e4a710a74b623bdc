package store

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// benchDir caches the large journals the benchmarks build, for one run.
var (
	benchMu    sync.Mutex
	benchDir   string
	benchFiles = map[int]string{}
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		_ = os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchPayment is the i-th payment of a generated day (Generate).
func benchPayment(i int) Payment { return generatedPayment(i) }

const benchDay = GenerateDay // payments in a business day

// benchJournal returns a journal of size payments, built once per run by
// buildJournal.
func benchJournal(b *testing.B, size int) string {
	benchMu.Lock()
	defer benchMu.Unlock()
	if p, ok := benchFiles[size]; ok {
		return p
	}
	if benchDir == "" {
		d, err := os.MkdirTemp("", "kassa-store-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = d
	}
	path := filepath.Join(benchDir, fmt.Sprintf("journal-%d.db", size))
	start := time.Now()
	buildJournal(b, path, size)
	fi, _ := os.Stat(path)
	b.Logf("built a %d-payment journal (%d MB) in %v", size, fi.Size()>>20, time.Since(start).Round(time.Millisecond))
	benchFiles[size] = path
	return path
}

// buildJournal is the bulk generator (Generate) for the benchmarks.
func buildJournal(b *testing.B, path string, size int) {
	if err := Generate(path, size); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkOpenDayTotals: open-day totals of a 5,000-payment day inside
// journals of 100,000 and 1,000,000 payments, against the baseline of
// computing the same totals by scanning every payment record.
func BenchmarkOpenDayTotals(b *testing.B) {
	for _, size := range []int{100_000, 1_000_000} {
		if size > 100_000 && testing.Short() {
			b.Logf("skipping the %d-payment journal in -short mode", size)
			continue
		}
		path := benchJournal(b, size)
		j, err := Open(path, Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		// 5,000 payments: 500 preauths, 250 declined sales, 4,250 approved sales.
		want := Totals{Currency: "RUB", SaleCount: 4250, PreauthCount: 500}
		b.Run(fmt.Sprintf("payments=%d/index", size), func(b *testing.B) {
			for b.Loop() {
				t, err := j.OpenDayTotals()
				if err != nil || t["RUB"].SaleCount != want.SaleCount || t["RUB"].PreauthCount != want.PreauthCount {
					b.Fatalf("totals %+v %v", t, err)
				}
			}
		})
		b.Run(fmt.Sprintf("payments=%d/fullscan-baseline", size), func(b *testing.B) {
			for b.Loop() {
				t, err := fullScanTotals(j)
				if err != nil || t["RUB"].SaleCount != want.SaleCount || t["RUB"].PreauthCount != want.PreauthCount {
					b.Fatalf("totals %+v %v", t, err)
				}
			}
		})
		_ = j.Close()
	}
}

// fullScanTotals is the baseline: the same totals without the index.
func fullScanTotals(j *Journal) (map[string]Totals, error) {
	out := map[string]Totals{}
	err := j.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bPayments).ForEach(func(_, v []byte) error {
			p, err := decodePayment(v)
			if err != nil {
				return err
			}
			if p.Status != StatusApproved || p.CloseBatch != "" {
				return nil
			}
			t := out[p.Currency]
			t.Currency = p.Currency
			addTo(&t, p.Kind, p.AmountMinor)
			out[p.Currency] = t
			return nil
		})
	})
	return out, err
}

// beginBytes is how many key and value bytes one Begin writes: the payment
// record, its intent event, and meta (sequence, head, unresolved list).
func beginBytes(p Payment) int {
	_ = prepare(&p, time.Now())
	snap := p
	p.seqs = []uint64{123456}
	pv := encodePayment(&p)
	rv, _ := encodeEvent(&rec{Seq: 123456, Order: p.ClientOrderID, Type: EventIntent, At: time.Now().UnixNano(),
		Status: StatusPending, Payment: &snap, Prev: Genesis})
	id := len(p.ClientOrderID)
	return id + len(pv) + // payment
		8 + len(rv) + // event
		3 + 8 + 4 + 64 + // meta seq, head
		10 + 17 // meta unresolved list (one payment in flight)
}

// BenchmarkBegin: Begin (one fsynced transaction: payment, intent event,
// indexes, chain head) against the baseline of one raw fsynced bbolt Update
// writing the same number of bytes under one key.
func BenchmarkBegin(b *testing.B) {
	size := beginBytes(benchPayment(1))
	b.Run("journal", func(b *testing.B) {
		j, err := Open(filepath.Join(b.TempDir(), "j.db"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer j.Close()
		ps := make([]Payment, b.N)
		for i := range ps {
			ps[i] = benchPayment(i)
		}
		b.SetBytes(int64(size))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := j.Begin(ps[i]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw-bbolt-update", func(b *testing.B) {
		db, err := bolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		_ = db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("raw")); return err })
		val := make([]byte, size-36)
		for i := range val {
			val[i] = byte('a' + i%26)
		}
		keys := make([][]byte, b.N)
		for i := range keys {
			keys[i] = []byte(uuid.Must(uuid.NewV7()).String())
		}
		b.SetBytes(int64(size))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("raw")).Put(keys[i], val) }); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBeginPaired interleaves one Begin and one raw fsynced bbolt Update
// of the same size per iteration, so both see the same disk and machine
// load, and reports both times and their ratio.
func BenchmarkBeginPaired(b *testing.B) {
	size := beginBytes(benchPayment(1))
	dir := b.TempDir()
	j, err := Open(filepath.Join(dir, "j.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	db, err := bolt.Open(filepath.Join(dir, "raw.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	_ = db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("raw")); return err })
	val := make([]byte, size-36)
	ps := make([]Payment, b.N)
	keys := make([][]byte, b.N)
	for i := range ps {
		ps[i] = benchPayment(i)
		keys[i] = []byte(uuid.Must(uuid.NewV7()).String())
	}
	var tj, tr time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := j.Begin(ps[i]); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		// As at a lane, the payment is settled before the next one begins
		// (untimed; keeps the unresolved list as short as a lane's).
		if _, err := j.Record(ps[i].ClientOrderID, Event{Type: EventFinal, Status: StatusApproved}); err != nil {
			b.Fatal(err)
		}
		t1b := time.Now()
		if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("raw")).Put(keys[i], val) }); err != nil {
			b.Fatal(err)
		}
		tr += time.Since(t1b)
		tj += t1.Sub(t0)
	}
	b.ReportMetric(float64(tj.Nanoseconds())/float64(b.N), "begin-ns/op")
	b.ReportMetric(float64(tr.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(tj)/float64(tr), "ratio")
	b.ReportMetric(float64(size), "bytes/begin")
}
