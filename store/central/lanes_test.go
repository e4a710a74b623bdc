package central

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"kassa/mapi/money"
	"kassa/store"
)

// testDay is the business day of the test lanes' payments.
var testDay = time.Date(2026, 12, 3, 12, 0, 0, 0, time.Local)

// testLane is a lane's real bbolt journal, written through store's API.
type testLane struct {
	name string
	path string
	j    *store.Journal
	lane Lane
}

func openLane(tb testing.TB, dir, name, terminal string) *testLane {
	tb.Helper()
	path := filepath.Join(dir, name+".db")
	j, err := store.Open(path, store.Options{Now: func() time.Time { return testDay }})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = j.Close() })
	return &testLane{name: name, path: path, j: j, lane: Lane{StoreID: "s1", Lane: name, TerminalID: terminal}}
}

// pay journals a payment the way the engine does: intent, accepted, final.
func (l *testLane) pay(tb testing.TB, minor int64, cur string, final store.Status) string {
	tb.Helper()
	id := uuid.NewString()
	if err := l.j.Begin(store.Payment{ClientOrderID: id, Kind: store.KindSale, AmountMinor: minor, Currency: cur,
		MaskedPAN: "401234****8909", TerminalID: l.lane.TerminalID}); err != nil {
		tb.Fatal(err)
	}
	evs := []store.Event{{Type: store.EventAccepted, Fields: map[string]string{store.FieldPaynetOrderID: "g" + id[:8]}}}
	switch final {
	case store.StatusUnknown:
		evs = append(evs, store.Event{Type: store.EventUnknown})
	case "":
	default:
		evs = append(evs, store.Event{Type: store.EventFinal, Status: final})
	}
	if _, err := l.j.RecordAll(id, evs...); err != nil {
		tb.Fatal(err)
	}
	return id
}

// closeDay closes cur's open day; the gateway's reply agrees unless
// theirsDelta is non-zero (added to the sale count it reports).
func (l *testLane) closeDay(tb testing.TB, cur string, theirsDelta int64) store.Batch {
	tb.Helper()
	id := fmt.Sprintf("KZ%s%d", l.name, time.Now().UnixNano())
	b, err := l.j.BeginClose(id, cur)
	if err != nil {
		tb.Fatal(err)
	}
	reply := map[string]string{"status": "finished",
		"saleApprovedCount":     fmt.Sprint(b.Totals.SaleCount + theirsDelta),
		"saleAmount":            money.FormatMinor(b.Totals.SaleSum, cur),
		"reversalApprovedCount": fmt.Sprint(b.Totals.ReversalCount), "reversalAmount": money.FormatMinor(b.Totals.ReversalSum, cur)}
	if b, err = l.j.FinishClose(id, store.BatchFinished, reply); err != nil {
		tb.Fatal(err)
	}
	return b
}

// checkExactlyOnce compares the database's events of the lane's journal
// with the journal itself, hash by hash.
func checkExactlyOnce(tb testing.TB, db DB, l *testLane) {
	tb.Helper()
	ctx := context.Background()
	head, _ := l.j.HeadSeq()
	var n, maxSeq int64
	if err := db.QueryRow(ctx, "SELECT count(*), coalesce(max(seq), 0) FROM central.events WHERE journal_id = $1",
		l.j.ID()).Scan(&n, &maxSeq); err != nil {
		tb.Fatal(err)
	}
	if uint64(n) != head || uint64(maxSeq) != head {
		tb.Fatalf("%s: database holds %d events (max seq %d), journal %d", l.name, n, maxSeq, head)
	}
	evs, err := FromJournal(l.j).EventsSince(0, int(head)+1)
	if err != nil {
		tb.Fatal(err)
	}
	rows, err := db.Query(ctx, "SELECT seq, encode(hash, 'hex') FROM central.events WHERE journal_id = $1 ORDER BY seq", l.j.ID())
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var seq int64
		var h string
		if err := rows.Scan(&seq, &h); err != nil {
			tb.Fatal(err)
		}
		if uint64(seq) != evs[i].Seq || h != evs[i].Hash {
			tb.Fatalf("%s: database event %d is %s, journal has %d %s", l.name, seq, h, evs[i].Seq, evs[i].Hash)
		}
		i++
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
}

// TestLanesShipAtOnce: two and then three lanes sell while their shippers
// run at the same time; every event arrives exactly once.
func TestLanesShipAtOnce(t *testing.T) {
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d lanes", n), func(t *testing.T) {
			dsn, conn := initDB(t)
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var lanes []*testLane
			var wg sync.WaitGroup
			for i := 0; i < n; i++ {
				l := openLane(t, dir, fmt.Sprintf("lane-%d", i+1), fmt.Sprintf("T%d", i+1))
				lanes = append(lanes, l)
				sh := NewShipper(Config{DSN: dsn, StoreID: "s1", Lane: l.name, TerminalID: l.lane.TerminalID},
					FromJournal(l.j), ShipperOptions{IdleInterval: 20 * time.Millisecond, Ship: ShipOptions{Batch: 7}})
				wg.Add(2)
				go func() { defer wg.Done(); sh.Run(ctx) }()
				go func() {
					defer wg.Done()
					for k := 0; k < 15; k++ {
						l.pay(t, int64(100*(k+1)), "RUB", store.StatusApproved)
						sh.Notify()
					}
					l.pay(t, 555, "RUB", store.StatusDeclined)
				}()
			}
			time.Sleep(300 * time.Millisecond)
			cancel()
			wg.Wait()
			if got := count(t, conn, "SELECT count(DISTINCT journal_id) FROM central.events"); got != int64(n) {
				t.Fatalf("the background shippers reached %d of %d lanes", got, n)
			}
			// A last round per lane after the selling stopped.
			for _, l := range lanes {
				res, err := Ship(context.Background(), FromJournal(l.j), conn, l.lane, ShipOptions{})
				if err != nil || res.Backlog != 0 {
					t.Fatalf("%s: %+v %v", l.name, res, err)
				}
				checkExactlyOnce(t, conn, l)
			}
			if got := count(t, conn, "SELECT count(*) FROM central.payments WHERE status = 'approved'"); got != int64(15*n) {
				t.Fatalf("%d approved payments in the database, want %d", got, 15*n)
			}
		})
	}
}
