// Package pos is Kassa's checkout engine: one engine that the GUI and the
// headless commands both use. It ties the card reader, the gateway client
// and the journal (store) together and holds every rule of MAPI.md §3–§6
// about payment outcomes. It knows nothing about Fyne, and nothing about
// demo mode's parts: main hands them in (pos/demo).
//
// Where things are: Pay's steps in pay.go, what a reply or a status answer
// means in classify.go, every journal write of a payment in payment.go
// (resolution by status and callbacks in poll.go and callbacks.go),
// recovery in recovery.go, the screen's stage in flow.go (stageOf), the
// published snapshot in snapshot.go.
//
// A payment (Engine.Pay): the amount is shown on the reader and the card
// read (cancellable); the intent is journaled and fsynced, then the sale or
// preauth request goes out once (from the intent on, the payment counts as
// maybe sent). The reply decides: not sent or refused → failed, not
// charged; accepted → a first status call at once; anything that may have
// reached the gateway → unknown. The final status comes from that status
// call, the signed callback (confirmed by one status call) or status
// polling (MAPI §4 schedule), whichever is first, and is journaled before
// it is shown; without one within Config.ResultWait the payment is unknown,
// blocks new payments on the terminal (until resolved or a manager's
// journaled override) and keeps resolving in the background. Every start
// first resolves the journal's unresolved payments (StageRecovering),
// bounded by the request timeout. Subscribers get the latest Snapshot after
// every change.
package pos

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"kassa/device/printer"
	"kassa/mapi"
	"kassa/store"
	"kassa/store/central"
)

// Engine is the checkout engine. Create it with Start; all methods are safe
// for concurrent use.
type Engine struct {
	log     *slog.Logger
	ctx     context.Context // the engine's lifetime; cancelled by Close
	stop    context.CancelFunc
	wg      sync.WaitGroup
	journal *store.Journal
	ship    *central.Shipper // the journal's shipping to the store database; nil when not configured
	parts   parts
	cbSrv   *http.Server
	cbURL   string

	payMu      sync.Mutex // held for a whole payment or close-day
	readerOpen sync.Mutex // serialises opening the reader

	mu            sync.Mutex // guards everything below
	cfg           Config
	client        Gateway
	reader        Reader
	reopening     bool // a background reopen of the reader is running
	snap          Snapshot
	flow          flow // what the checkout is doing (stageOf derives the stage)
	subs          map[int]func(Snapshot)
	nextSub       int
	payments      map[string]*payment
	children      map[string]*childRun // captures, releases, refunds being resolved (issue 11)
	recoveredKids []string             // "parent/child" of the children recovery found open
	overridden    map[string]bool
	recoveredSet  map[string]bool
	recoveredIDs  []string
	announcements []Announcement
	current       string // client_orderid of the payment in flight
	cancelPay     context.CancelFunc
	recovered     chan struct{} // closed when the start-up recovery is done
	check         journalGate   // the background check of the whole journal (journalcheck.go)
	closed        bool
	session       session // who is signed in (issue 13)
	requireShift  bool    // GUI: payments need an open shift outside demo mode

	changed chan struct{} // the change signal: the publisher delivers the latest snapshot

	// issue 16: the receipt printer
	printTurn      chan struct{}    // one print (or printer status request) at a time
	printerChanged chan struct{}    // the printer setting changed: poll now
	prn            *printer.Printer // the ESC/POS printer of the setting (guarded by mu); nil until used

	hooks atomic.Pointer[testHooks] // benchmarks and tests only

	bk backups // issue 14: backup bookkeeping (backup.go)

	// Timing of the background poller (MAPI §4); tests may shorten them.
	fastPhase, slowMin, slowMax, giveUp time.Duration
}

// Start opens the journal, the reader, the gateway client and the callback
// listener (when configured), and starts resolving unresolved payments in
// the background (StageRecovering). Options hand in parts built outside
// (pos/demo builds demo mode's sandbox and simulated reader).
func Start(ctx context.Context, cfg Config, log *slog.Logger, opts ...Option) (*Engine, error) {
	e, err := newEngine(ctx, cfg, log, opts)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			e.shutdown()
		}
	}()
	if err := e.open(); err != nil {
		return nil, err
	}
	if err := e.setUpCashiers(e.parts.cashiers); err != nil {
		return nil, fmt.Errorf("cashiers: %w", err)
	}
	e.restoreOverrides()
	if !e.cfg.NoReader {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			if _, err := e.openReader(e.ctx); err != nil {
				e.reopenReader()
			}
		}()
	}
	e.setPhase(phaseRecovering)
	e.wg.Add(2)
	go e.startupRecovery()
	go e.pollPrinter()
	ok = true
	return e, nil
}

// newEngine checks the configuration and makes the engine (nothing open).
func newEngine(ctx context.Context, cfg Config, log *slog.Logger, opts []Option) (*Engine, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg.fillDefaults()
	if cfg.TerminalID == "" {
		cfg.TerminalID = uuid.NewString() // LoadConfig makes and keeps one; this is a fallback
	}
	if _, err := ParseAmount("1", cfg.Currency); err != nil {
		return nil, fmt.Errorf("%w: currency %q: %v", ErrConfig, cfg.Currency, err)
	}
	life, stop := context.WithCancel(context.WithoutCancel(ctx))
	e := &Engine{
		log: log, ctx: life, stop: stop, cfg: cfg,
		subs: map[int]func(Snapshot){}, payments: map[string]*payment{}, children: map[string]*childRun{}, overridden: map[string]bool{}, recoveredSet: map[string]bool{},
		recovered: make(chan struct{}), check: newJournalGate(), changed: make(chan struct{}, 1),
		printTurn: make(chan struct{}, 1), printerChanged: make(chan struct{}, 1),
		fastPhase: 5 * time.Minute, slowMin: 5 * time.Minute, slowMax: 10 * time.Minute, giveUp: time.Hour,
	}
	for _, o := range opts {
		o(&e.parts)
	}
	if e.parts.openReader == nil {
		e.parts.openReader = openSerial
	}
	e.snap = Snapshot{Stage: StageStarting, StageSince: time.Now(), Demo: cfg.Demo, Currency: cfg.Currency,
		Reader: ReaderStatus{State: ReaderStateNotFound, Port: cfg.Reader}, Printer: printerStatusOf(cfg)}
	return e, nil
}

// open opens the journal, the publisher, the callback listener and the
// gateway client.
func (e *Engine) open() error {
	cfg := e.cfg
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("%w: data directory: %v", ErrConfig, err)
	}
	name := "journal.db"
	if cfg.Demo {
		name = "demo-journal.db"
	}
	j, err := store.Open(filepath.Join(cfg.DataDir, name), store.Options{Logger: e.log, Now: e.parts.now})
	if err != nil {
		return err
	}
	if err := corruptOf(j, j.VerifyTail(tailCheck)); err != nil {
		_ = j.Close()
		return err
	}
	e.journal = j
	e.wg.Add(1)
	go e.checkJournal() // the whole chain, while the checkout is already usable
	e.startShipping()
	e.startBackups() // issue 14
	e.wg.Add(1)
	go e.publisher()
	if err := e.startCallbacks(cfg); err != nil {
		return err
	}
	client, err := e.newGateway(cfg)
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.client = client
	e.snap.Gateway = GatewayStatus{Demo: cfg.Demo, URL: cfg.GatewayURL}
	e.mu.Unlock()
	return nil
}

// restoreOverrides: overrides survive restarts.
func (e *Engine) restoreOverrides() {
	un, err := e.journal.Unresolved()
	if err != nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, p := range un {
		for _, ev := range p.Events {
			if isOverride(ev) {
				e.overridden[p.ClientOrderID] = true
			}
		}
	}
}

// startupRecovery resolves the journal's unresolved payments, then the
// checkout is ready.
func (e *Engine) startupRecovery() {
	defer e.wg.Done()
	_ = e.recoverAll(e.ctx)
	e.mu.Lock()
	if e.flow.phase == phaseRecovering {
		e.flow = flow{phase: phaseIdle}
	}
	e.mu.Unlock()
	e.refresh()
	// Only now: WaitRecovered's callers read a snapshot that no longer says
	// recovering (issue 17, defect D7: it was closed before the flow moved).
	close(e.recovered)
}

// testHooks observe the engine in benchmarks and tests.
type testHooks struct {
	callback func(id string, at time.Time) // a verified callback arrived
	final    func(id string, at time.Time) // a final status was journaled
	stage    func(s Stage)                 // the stage changed
}

// finalHook tells the tests' hook that a final status was journaled.
func (e *Engine) finalHook(id string) {
	if h := e.hooks.Load(); h != nil && h.final != nil {
		h.final(id, time.Now())
	}
}

// newGateway is the gateway for cfg: the fixed one of WithGateway, else a
// mapi client.
func (e *Engine) newGateway(cfg Config) (Gateway, error) {
	if e.parts.gateway != nil {
		return e.parts.gateway, nil
	}
	return newClient(cfg, e.cbURL, e.log)
}

// newClient makes the gateway client for cfg.
func newClient(cfg Config, cbURL string, log *slog.Logger) (*mapi.Client, error) {
	if cfg.GatewayURL == "" || cfg.EndpointID == "" || cfg.Login == "" {
		return nil, fmt.Errorf("%w: the gateway URL, endpoint id and login must be set (demo mode: start with pos/demo)", ErrConfig)
	}
	if cfg.ControlKey == "" {
		return nil, fmt.Errorf("%w: no control key: set KASSA_CONTROL_KEY or store it in the OS keyring", ErrConfig)
	}
	if _, err := url.Parse(cfg.GatewayURL); err != nil {
		return nil, fmt.Errorf("%w: gateway URL: %v", ErrConfig, err)
	}
	return mapi.New(mapi.Config{
		BaseURL: cfg.GatewayURL, EndpointID: cfg.EndpointID, Login: cfg.Login,
		ControlKey: mapi.Secret(cfg.ControlKey), Timeout: cfg.SaleTimeout, Logger: log, SDKVersion: Version,
	})
}

// WaitRecovered waits until the start-up check of earlier payments is done.
func (e *Engine) WaitRecovered(ctx context.Context) error {
	select {
	case <-e.recovered:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-e.ctx.Done():
		return ErrClosed
	}
}

// Journal gives read access to the engine's journal (for the headless
// commands; the GUI uses the engine's methods).
func (e *Engine) Journal() *store.Journal { return e.journal }

func (e *Engine) gw() Gateway {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.client
}

// Config returns the engine's configuration without the control key.
func (e *Engine) Config() Config {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.cfg
	c.ControlKey = ""
	return c
}

// Demo returns the simulated reader's controls, nil when there is none.
func (e *Engine) Demo() DemoControls { return e.parts.demo }

// Close stops every goroutine the engine started and closes the reader,
// listener, demo parts and journal. Payments still unknown stay in the
// journal and are resolved at the next start.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	if e.cancelPay != nil {
		e.cancelPay()
	}
	e.mu.Unlock()
	return e.shutdown()
}

func (e *Engine) shutdown() error {
	e.stop()
	// Wait for a payment in flight to notice and journal where it stands.
	e.payMu.Lock()
	defer e.payMu.Unlock()
	if e.cbSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = e.cbSrv.Shutdown(ctx)
		cancel()
		_ = e.cbSrv.Close()
	}
	e.mu.Lock()
	r := e.reader
	e.reader = nil
	e.mu.Unlock()
	if r != nil {
		_ = r.Close()
	}
	e.wg.Wait()
	if c := e.gw(); c != nil {
		c.CloseIdleConnections()
	}
	for _, fn := range e.parts.onClose {
		fn()
	}
	e.stopShipping()
	var err error
	if e.journal != nil {
		err = e.journal.Close()
	}
	return err
}
