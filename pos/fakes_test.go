package pos

import (
	"context"
	"sync"
	"testing"
	"time"

	"kassa/device"
	"kassa/mapi"
)

// fakeGateway answers from a script: the payment reply once, then the
// status answers in turn (the last one repeats).
type fakeGateway struct {
	mu       sync.Mutex
	acc      *mapi.Accepted
	saleErr  error
	statuses []statusAnswer
	sales    int
	checks   int
}

type statusAnswer struct {
	res *mapi.StatusResult
	err error
}

func (g *fakeGateway) pay(req mapi.PaymentRequest) (*mapi.Accepted, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sales++
	if g.saleErr != nil {
		return nil, g.saleErr
	}
	acc := *g.acc
	acc.MerchantOrderID = req.ClientOrderID
	return &acc, nil
}

func (g *fakeGateway) Sale(_ context.Context, req mapi.PaymentRequest) (*mapi.Accepted, error) {
	return g.pay(req)
}

func (g *fakeGateway) Preauth(_ context.Context, req mapi.PaymentRequest) (*mapi.Accepted, error) {
	return g.pay(req)
}

func (g *fakeGateway) Status(context.Context, mapi.StatusRequest) (*mapi.StatusResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	a := g.statuses[min(g.checks, len(g.statuses)-1)]
	g.checks++
	return a.res, a.err
}

func (g *fakeGateway) CloseDay(context.Context, mapi.CloseDayRequest) (*mapi.CloseDayResult, error) {
	return &mapi.CloseDayResult{Status: "finished"}, nil
}

func (g *fakeGateway) EMVAdvice(context.Context, mapi.AdviceRequest) (*mapi.Accepted, error) {
	return g.acc, nil
}

func (g *fakeGateway) CloseIdleConnections() {}

func (g *fakeGateway) calls() (sales, checks int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sales, g.checks
}

// fakeReader reads one scripted card (or fails).
type fakeReader struct {
	card   *device.Card
	err    error
	states chan device.State
	once   sync.Once
}

func newFakeReader(card *device.Card, err error) *fakeReader {
	r := &fakeReader{card: card, err: err, states: make(chan device.State, 1)}
	r.states <- device.State{Kind: device.StateConnected, Info: r.Info()}
	return r
}

func (r *fakeReader) ReadCard(context.Context, device.ReadRequest) (*device.Card, error) {
	return r.card, r.err
}

func (r *fakeReader) Info() device.Info { return device.Info{Serial: "FAKE-1", Port: "fake"} }

func (r *fakeReader) States() <-chan device.State { return r.states }

func (r *fakeReader) Close() error {
	r.once.Do(func() { close(r.states) })
	return nil
}

// fakeCard is a swiped test card (masked; the blob is opaque to the engine).
var fakeCard = &device.Card{MaskedPAN: "411111******1111", First6: "411111", Last4: "1111",
	EncryptedType: "miura", EncryptedData: "00", KSN: "FFFF", ReaderSerial: "FAKE-1"}

// startFake starts an engine on the fakes (no HTTP, no serial port).
func startFake(t *testing.T, g *fakeGateway, open ReaderOpener) *Engine {
	t.Helper()
	cfg := Config{DataDir: t.TempDir(), Currency: "RUB", TerminalID: "fake-terminal", TerminalName: "Fake",
		SaleTimeout: time.Second, ResultWait: 2 * time.Second, PollInterval: 20 * time.Millisecond, NotFoundGrace: time.Minute}
	e, err := Start(context.Background(), cfg, testLogger(t), WithGateway(g), WithReader(open, false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if err := e.WaitRecovered(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}
