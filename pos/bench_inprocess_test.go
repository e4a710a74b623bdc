package pos

import (
	"context"
	"testing"
	"time"

	"kassa/device"
	"kassa/mapi/sandbox"
)

// inProcessReader reads one card from the simulator over its
// pseudo-terminal, then hands out the same card at once: the in-process
// reader of issue 14's sale-vs-floor row (the serial line is not part of
// the engine's cost).
type inProcessReader struct {
	Reader
	card *device.Card
}

// ReadCard is the first card read over the line, then that card again.
func (r *inProcessReader) ReadCard(ctx context.Context, req device.ReadRequest) (*device.Card, error) {
	if r.card != nil {
		c := *r.card
		return &c, nil
	}
	c, err := r.Reader.ReadCard(ctx, req)
	if err == nil {
		r.card = c
	}
	return c, err
}

// BenchmarkSaleVsFloorInProcess is BenchmarkSaleVsFloor with an
// in-process reader (inProcessReader), as issue 14's row defines it: the
// engine's own cost over the floor of the write-ahead rule (x-floor; target
// 1.25).
//
//	go test -run '^$' -bench SaleVsFloorInProcess -benchtime 300x -count 3 ./pos/
func BenchmarkSaleVsFloorInProcess(b *testing.B) {
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
	var p parts
	for _, o := range opts {
		o(&p)
	}
	inner := p.openReader
	opts = append(opts, WithReader(func(ctx context.Context, o device.Options) (Reader, error) {
		r, err := inner(ctx, o)
		if err != nil {
			return nil, err
		}
		return &inProcessReader{Reader: r}, nil
	}, true), WithGateway(rec))
	e, err := Start(context.Background(), cfg, testLogger(b), opts...)
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
	timedSale(b, e, 0, "w")
	intent, final := writeSizes(b, e)
	rec.mu.Lock()
	req := rec.last
	rec.mu.Unlock()
	fl := newFloor(b, client, intent, final)
	fl.op(b, req)
	sales0, status0 := rec.sales.Load(), rec.statuss.Load()
	eng, base := againstReference(b, func(i int) time.Duration { return timedSale(b, e, i+1, "sale") }, func() { fl.op(b, req) })
	if s, st := rec.sales.Load()-sales0, rec.statuss.Load()-status0; s != int64(b.N) || st != int64(b.N) {
		b.Fatalf("the engine sent %d sales and %d status calls for %d sales", s, st, b.N)
	}
	b.ReportMetric(float64(base.Microseconds())/1000/float64(b.N), "floor-ms")
	b.ReportMetric(float64(eng)/float64(base), "x-floor")
}
