package store

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// benchSizes are the journal sizes the flat-in-size benchmarks compare
// (payments); -short keeps only the first.
var benchSizes = []int{100_000, 1_000_000}

func sizesFor(b *testing.B) []int {
	if testing.Short() {
		return benchSizes[:1]
	}
	return benchSizes
}

// logicalBytes sums the key and value bytes of every bucket: what the
// journal holds before any B+tree overhead.
func logicalBytes(db *bolt.DB) (int64, error) {
	var n int64
	err := db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error { n += int64(len(k) + len(v)); return nil })
		})
	})
	return n, err
}

// laneDay is a busy lane's business day: 200,000 payments a year.
const laneDay = 548

// BenchmarkJournalSize journals 100,000 sales one call at a time through the
// public API (Begin; RecordAll accepted+final; Record receipt; a close-day
// every 548, a busy lane's day), as a lane would, but without fsync, and reports the file
// size per payment and, as the baseline, the logical bytes (keys + values)
// per payment: ratio is the B+tree's overhead.
func BenchmarkJournalSize(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "size.db")
		j, err := Open(path, Options{noSync: true, Now: time.Now})
		if err != nil {
			b.Fatal(err)
		}
		j.db.AllocSize = 16 << 20
		for i := 0; i < n; i++ {
			p := benchPayment(i)
			p.ClientOrderID = uuid.NewString() // random, as the engine makes them
			if err := j.Begin(p); err != nil {
				b.Fatal(err)
			}
			evs, receipt := saleEvents(i)
			if _, err := j.RecordAll(p.ClientOrderID, evs...); err != nil {
				b.Fatal(err)
			}
			if _, err := j.Record(p.ClientOrderID, receipt); err != nil {
				b.Fatal(err)
			}
			if i%laneDay == laneDay-1 {
				rid := fmt.Sprintf("close-%d", i)
				if _, err := j.BeginClose(rid, "RUB"); err != nil {
					b.Fatal(err)
				}
				if _, err := j.FinishClose(rid, BatchFinished, map[string]string{"status": "finished"}); err != nil {
					b.Fatal(err)
				}
			}
		}
		logical, err := logicalBytes(j.db)
		if err != nil {
			b.Fatal(err)
		}
		_ = j.Close()
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(fi.Size())/n, "bytes/payment")
		b.ReportMetric(float64(logical)/n, "logical-bytes/payment")
		b.ReportMetric(float64(fi.Size())/float64(logical), "ratio")
	}
}

// BenchmarkBuildJournal times the bulk generator (the same codec, chain and
// indexes as Begin, Record and close-day, in large unsynced transactions)
// for 100,000 payments, against the baseline of writing the same number of
// payment-sized values into one bucket of a raw bbolt file the same way.
func BenchmarkBuildJournal(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		dir := b.TempDir()
		t0 := time.Now()
		buildJournal(b, filepath.Join(dir, "j.db"), n)
		gen := time.Since(t0)
		t1 := time.Now()
		db, err := bolt.Open(filepath.Join(dir, "raw.db"), 0o600, &bolt.Options{NoGrowSync: true, FreelistType: bolt.FreelistMapType})
		if err != nil {
			b.Fatal(err)
		}
		db.NoSync = true
		val := make([]byte, 1024)
		for d := 0; d < n/benchDay; d++ {
			if err := db.Update(func(tx *bolt.Tx) error {
				bk, err := tx.CreateBucketIfNotExists([]byte("raw"))
				if err != nil {
					return err
				}
				for i := 0; i < benchDay; i++ {
					if err := bk.Put(k8(uint64(d*benchDay+i)), val); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
		_ = db.Close()
		raw := time.Since(t1)
		b.ReportMetric(gen.Seconds(), "generator-s")
		b.ReportMetric(raw.Seconds(), "raw-s")
		b.ReportMetric(float64(gen)/float64(raw), "ratio")
		b.ReportMetric(gen.Seconds()*1_000_000/n, "s-per-1M")
	}
}

// searchLimit is how many matches the history screen asks for (a page;
// the 100,000-payment journal has 20 of each last four digits).
const searchLimit = 20

// BenchmarkSearch: history search by last four digits, amount and gateway
// order id in journals of 100,000 and 1,000,000 payments. ratio is the
// 1,000,000-payment time over the 100,000-payment one (flat: about 1).
func BenchmarkSearch(b *testing.B) {
	queries := map[string]Query{
		"last4":    {Last4: "0042", Limit: searchLimit},
		"amount":   {AmountMinor: 142, Limit: searchLimit},
		"order-id": {OrderID: strconv.Itoa(1000000 + 4242), Limit: searchLimit},
	}
	for _, name := range []string{"last4", "amount", "order-id"} {
		q := queries[name]
		b.Run(name, func(b *testing.B) {
			ms := map[int]float64{}
			found := map[int]int{}
			for b.Loop() {
				for _, size := range sizesFor(b) {
					j := openBench(b, size)
					t0 := time.Now()
					for range 20 {
						ps, err := j.Search(q)
						if err != nil || len(ps) == 0 {
							b.Fatalf("%s: %d found, %v", name, len(ps), err)
						}
						found[size] = len(ps)
					}
					ms[size] = float64(time.Since(t0).Nanoseconds()) / 20 / 1e6
					_ = j.Close()
				}
			}
			sizes := sizesFor(b)
			for _, size := range sizes {
				b.ReportMetric(ms[size], fmt.Sprintf("ms@%d", size))
				b.ReportMetric(float64(found[size]), fmt.Sprintf("found@%d", size))
			}
			if len(sizes) > 1 {
				b.ReportMetric(ms[sizes[len(sizes)-1]]/ms[sizes[0]], "ratio")
			}
		})
	}
}

// BenchmarkCloseDay: open-day totals, then BeginClose and FinishClose of a
// 50-payment open day, in journals of 100,000 and 1,000,000 payments;
// ratio: the big journal's time over the small one's.
func BenchmarkCloseDay(b *testing.B) {
	tot, cl := map[int]float64{}, map[int]float64{}
	for b.Loop() {
		for _, size := range sizesFor(b) {
			tot[size], cl[size] = closeDayRounds(b, size)
		}
	}
	sizes := sizesFor(b)
	for _, size := range sizes {
		b.ReportMetric(tot[size], fmt.Sprintf("totals-ms@%d", size))
		b.ReportMetric(cl[size], fmt.Sprintf("close-ms@%d", size))
	}
	if n := len(sizes); n > 1 {
		b.ReportMetric(tot[sizes[n-1]]/tot[sizes[0]], "totals-ratio")
		b.ReportMetric(cl[sizes[n-1]]/cl[sizes[0]], "close-ratio")
	}
}

// closeDayRounds copies the size-payment journal and, five times, adds 50
// approved payments, then times OpenDayTotals and a close-day (BeginClose
// and FinishClose, fsynced); it returns the mean milliseconds of each.
func closeDayRounds(b *testing.B, size int) (totalsMS, closeMS float64) {
	path := benchJournal(b, size)
	cp := filepath.Join(b.TempDir(), "close.db")
	if err := copyFile(path, cp); err != nil {
		b.Fatal(err)
	}
	j, err := Open(cp, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	closeOpen(b, j, "warm") // the generator's open day: each round then closes 50
	var tTot, tClose time.Duration
	const rounds = 5
	for r := 0; r < rounds; r++ {
		for i := 0; i < 50; i++ {
			p := benchPayment(i)
			if err := j.Begin(p); err != nil {
				b.Fatal(err)
			}
			if _, err := j.Record(p.ClientOrderID, Event{Type: EventFinal, Status: StatusApproved}); err != nil {
				b.Fatal(err)
			}
		}
		t0 := time.Now()
		if _, err := j.OpenDayTotals(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		closeOpen(b, j, strconv.Itoa(r))
		tTot += t1.Sub(t0)
		tClose += time.Since(t1)
	}
	return float64(tTot.Nanoseconds()) / rounds / 1e6, float64(tClose.Nanoseconds()) / rounds / 1e6
}

func closeOpen(b *testing.B, j *Journal, rid string) {
	if _, err := j.BeginClose("close-"+rid, "RUB"); err != nil {
		b.Fatal(err)
	}
	if _, err := j.FinishClose("close-"+rid, BatchFinished, map[string]string{"status": "finished"}); err != nil {
		b.Fatal(err)
	}
}

func openBench(b *testing.B, size int) *Journal {
	j, err := Open(benchJournal(b, size), Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	return j
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
