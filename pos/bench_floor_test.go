package pos

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"kassa/mapi"
	"kassa/mapi/sandbox"
)

// recordingGateway is the engine's own gateway client, remembering the
// last sale request and counting the calls (for the floor to replay the
// same requests). It adds one function call per request.
type recordingGateway struct {
	*mapi.Client
	mu      sync.Mutex
	last    mapi.PaymentRequest
	sales   atomic.Int64
	statuss atomic.Int64
}

func (g *recordingGateway) Sale(ctx context.Context, req mapi.PaymentRequest) (*mapi.Accepted, error) {
	g.mu.Lock()
	g.last = req
	g.mu.Unlock()
	g.sales.Add(1)
	return g.Client.Sale(ctx, req)
}

func (g *recordingGateway) Status(ctx context.Context, req mapi.StatusRequest) (*mapi.StatusResult, error) {
	g.statuss.Add(1)
	return g.Client.Status(ctx, req)
}

// floor is the least a journaled sale can cost under the write-ahead rule:
// the same two requests the engine sends (the sale, the status call that
// confirms it) through the same gateway client to the same sandbox, and two
// raw fsynced bbolt updates of the sizes of the engine's two writes (the
// intent; accepted and final together).
type floor struct {
	gw     *mapi.Client
	db     *benchDB
	intent []byte
	final  []byte
}

func newFloor(b *testing.B, gw *mapi.Client, intent, final int) *floor {
	return &floor{gw: gw, db: newBenchDB(b, "floor.db"), intent: make([]byte, intent), final: make([]byte, final)}
}

// op is one floor sale: fsync, sale request, status request, fsync.
func (f *floor) op(b *testing.B, req mapi.PaymentRequest) {
	ctx := context.Background()
	req.ClientOrderID = uuid.NewString()
	f.db.put(b, f.intent)
	acc, err := f.gw.Sale(ctx, req)
	if err != nil {
		b.Fatal(err)
	}
	res, err := f.gw.Status(ctx, mapi.StatusRequest{ClientOrderID: req.ClientOrderID, PaynetOrderID: acc.PaynetOrderID})
	if err != nil || res.Status != "approved" {
		b.Fatalf("floor status %+v %v", res, err)
	}
	f.db.put(b, f.final)
}

// BenchmarkSaleVsFloor is a full sale through the engine (sandbox with no
// artificial delays, the simulated reader over its pseudo-terminal, status
// polling, no callbacks) against the floor of the write-ahead rule measured
// in the same run, one floor sale timed after each engine sale so both see
// the same load (x-floor: engine time / floor time).
func BenchmarkSaleVsFloor(b *testing.B) { benchSaleVsFloor(b, false) }

// BenchmarkSaleVsFloorInProcess is BenchmarkSaleVsFloor with an
// in-process reader (inProcessReader), as issue 14's row defines it: the
// engine's own cost over the floor of the write-ahead rule (x-floor; target
// 1.25).
//
//	go test -run '^$' -bench SaleVsFloorInProcess -benchtime 300x -count 3 ./pos/
func BenchmarkSaleVsFloorInProcess(b *testing.B) { benchSaleVsFloor(b, true) }

// benchSaleVsFloor times b.N engine sales against b.N floor sales, the
// reader in process (inProcessReader) or over the pseudo-terminal, and
// checks the engine sent exactly the floor's two requests per sale.
func benchSaleVsFloor(b *testing.B, inProcess bool) {
	sb := startSandbox(b, sandbox.Options{Instant: true})
	cfg := testConfig(b, sb.URL, pollingOnly)
	cfg.SimAutoSwipe = time.Microsecond
	cfg.SaleTimeout = 5 * time.Second
	client, err := newClient(cfg, "", testLogger(b))
	if err != nil {
		b.Fatal(err)
	}
	rec := &recordingGateway{Client: client}
	opts := simReader(b, cfg)
	if inProcess {
		opts = inProcessReaderOption(opts)
	}
	e, err := Start(context.Background(), cfg, testLogger(b), append(opts, WithGateway(rec))...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	if err := e.WaitRecovered(context.Background()); err != nil {
		b.Fatal(err)
	}
	if err := e.Demo().SetCard(cardVisa); err != nil {
		b.Fatal(err)
	}
	timedSale(b, e, 0, "sale") // connections, the reader and the journal warmed up
	intent, final := writeSizes(b, e)
	rec.mu.Lock()
	req := rec.last
	rec.mu.Unlock()
	fl := newFloor(b, client, intent, final)
	fl.op(b, req)
	sales0, status0 := rec.sales.Load(), rec.statuss.Load()
	eng, base := againstReference(b, func(i int) time.Duration { return timedSale(b, e, i+1, "sale") }, func() { fl.op(b, req) })
	if s, st := rec.sales.Load()-sales0, rec.statuss.Load()-status0; s != int64(b.N) || st != int64(b.N) {
		b.Fatalf("the engine sent %d sales and %d status calls for %d sales: the floor's two requests are not what it does", s, st, b.N)
	}
	b.ReportMetric(float64(base.Microseconds())/1000/float64(b.N), "floor-ms")
	b.ReportMetric(float64(eng)/float64(base), "x-floor")
}

// writeSizes are the sizes of the engine's two journal writes of the last
// sale: its intent event, and its accepted and final events together.
func writeSizes(b *testing.B, e *Engine) (intent, final int) {
	seq, _ := e.Journal().HeadSeq()
	evs, err := e.Journal().EventsSince(seq-3, 0)
	if err != nil || len(evs) != 3 {
		b.Fatalf("last sale's events: %d %v", len(evs), err)
	}
	return len(evs[0].Data), len(evs[1].Data) + len(evs[2].Data)
}
