package pos

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"kassa/device"
	"kassa/device/sim"
	"kassa/device/sred"
	"kassa/mapi/sandbox"
	"kassa/pos/demo/simlink"
	"kassa/store"
)

func TestMain(m *testing.M) {
	// Never touch the user's config or keyring.
	dir, err := os.MkdirTemp("", "kassa-pos-test")
	if err != nil {
		panic(err)
	}
	keyring.MockInit()
	os.Setenv("XDG_CONFIG_HOME", dir)
	os.Setenv("HOME", dir)
	for _, k := range []string{"KASSA_DATA_DIR", "KASSA_GATEWAY_URL", "KASSA_ENDPOINT_ID", "KASSA_LOGIN", "KASSA_CONTROL_KEY",
		"KASSA_READER", "KASSA_CALLBACK_LISTEN", "KASSA_CALLBACK_URL", "KASSA_CURRENCY", "KASSA_TERMINAL_ID", "KASSA_SALE_TIMEOUT",
		"KASSA_TEST_CRASHPOINT", "KASSA_PRINTER", "KASSA_PRINTER_WIDTH", "KASSA_PRINTER_CODEPAGE", "KASSA_PRINT_AFTER"} {
		os.Unsetenv(k)
	}
	fakeLP(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Test cards of MAPI.md §7.
const (
	cardVisa      = "4111111111111111"
	cardMC        = "5555555555554444"
	cardMir       = "2200000000000004"
	cardDeclined  = "4000000000000002"
	cardError     = "4000000000000119"
	cardFiltered  = "4000000000000259"
	cardSlow      = "4000000000000077"
	cardNoCB      = "4000000000000341"
	cardTwiceCB   = "4000000000000432"
	cardHeld      = "4000000000000994"
	cardUnknown   = "4000000000000127"
	cardInvalid   = "4000000000000010"
	sandboxSpeed  = 30
	testLogLevel  = slog.LevelWarn
	callbackOnly  = "callback-only"
	pollingOnly   = "polling-only"
	callbackAndPo = "callback+polling"
)

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("KASSA_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: testLogLevel}))
}

func startSandbox(t testing.TB, opts sandbox.Options) *sandbox.Running {
	t.Helper()
	if opts.Speed == 0 && !opts.Instant {
		opts.Speed = sandboxSpeed
	}
	if opts.CallbackRetry == nil {
		opts.CallbackRetry = []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond}
	}
	run, err := sandbox.Start(context.Background(), "127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { run.Close() })
	return run
}

// testConfig is a live-mode config against a sandbox with the simulated
// reader, in one of the wait modes.
func testConfig(t testing.TB, gatewayURL, mode string) Config {
	cfg := Config{
		DataDir: t.TempDir(), GatewayURL: gatewayURL, EndpointID: "1", Login: "demo", ControlKey: "demo-control-key",
		Reader: "sim", Currency: "RUB", TerminalID: "test-terminal", TerminalName: "Test till",
		SaleTimeout: 500 * time.Millisecond, ResultWait: 8 * time.Second, PollInterval: 100 * time.Millisecond,
		NotFoundGrace: time.Minute, SimAutoSwipe: 5 * time.Millisecond,
	}
	switch mode {
	case callbackOnly:
		cfg.CallbackListen = "127.0.0.1:0"
		cfg.PollInterval = time.Hour
	case pollingOnly:
	case callbackAndPo:
		cfg.CallbackListen = "127.0.0.1:0"
	}
	return cfg
}

func startEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	e, err := Start(context.Background(), cfg, testLogger(t), simReader(t, cfg)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if err := e.WaitRecovered(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

func pay(t testing.TB, e *Engine, card string, minor int64) PaymentView {
	t.Helper()
	if err := e.Demo().SetCard(card); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := e.Pay(ctx, Sale, Amount{Minor: minor, Currency: "RUB"}, "")
	if err != nil {
		t.Fatalf("Pay(%s): %v", card, err)
	}
	return v
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func eventTypes(p store.Payment) []string {
	var out []string
	for _, ev := range p.Events {
		out = append(out, string(ev.Type)+":"+string(ev.Status))
	}
	return out
}

func countEvents(p store.Payment, typ store.EventType) int {
	n := 0
	for _, ev := range p.Events {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// simReader attaches the simulated reader for cfg.Reader "sim", as pos/demo
// does for demo mode (package pos cannot import it): the engine tests run
// the real driver over the simulator's pseudo-terminal.
func simReader(t testing.TB, cfg Config) []Option { return simReaderLog(t, cfg, testLogger(t)) }

// simReaderLog is simReader with the simulator logging to log.
func simReaderLog(t testing.TB, cfg Config, log *slog.Logger) []Option {
	if cfg.Reader != "sim" {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := sim.New(sim.Config{BDK: sred.TestBDK, Card: cardVisa, AutoSwipe: cfg.SimAutoSwipe, Logger: log.With("component", "sim-reader")})
	link, err := simlink.New(ctx, s)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	d := &testDemo{sim: s, link: link}
	open := func(ctx context.Context, opts device.Options) (Reader, error) {
		r, err := link.Open(ctx, opts)
		if err != nil {
			return nil, err
		}
		return r, nil
	}
	return []Option{WithReader(open, true), WithDemo(d), WithOnClose(func() { link.Close(); cancel() })}
}

// testDemo are the simulated reader's controls in the engine tests.
type testDemo struct {
	sim  *sim.Reader
	link simlink.Link
}

func (d *testDemo) Cards() []DemoCard {
	var out []DemoCard
	for _, pan := range d.sim.Cards() {
		out = append(out, DemoCard{PAN: pan})
	}
	return out
}

func (d *testDemo) SetCard(pan string) error { return d.sim.SetCard(pan) }

func (d *testDemo) Faults() []string { return []string{"unplug", "replug"} }

func (d *testDemo) SetFault(name string) error {
	if name == "replug" {
		return d.link.Replug()
	}
	f, err := sim.ParseFault(name)
	if err != nil {
		return err
	}
	d.sim.SetFault(f)
	return nil
}

func (d *testDemo) Swipe() error { return d.sim.Swipe() }

func (d *testDemo) Entry() string { return d.sim.Entry().String() }

func (d *testDemo) Present() error { return d.sim.Present(d.sim.Entry()) }

func (d *testDemo) SetEntry(name string) error {
	p, err := sim.ParsePresentation(name)
	if err == nil {
		d.sim.SetEntry(p)
	}
	return err
}

// fakeLP puts a stand-in for the OS print command first on PATH: PDF
// receipts "print" (the command succeeds) and no test reaches the
// machine's real printer (issue 16).
func fakeLP(dir string) {
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o700); err != nil {
		panic(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "lp"), []byte("#!/bin/sh\nexit 0\n"), 0o700); err != nil {
		panic(err)
	}
	os.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
}
