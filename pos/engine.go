// Package pos is Kassa's checkout engine: one engine that the GUI and the
// headless commands both use. It ties the card reader (device), the gateway
// client (mapi) and the journal (store) together and holds every rule of
// MAPI.md §3–§6 about payment outcomes. It knows nothing about Fyne.
//
// A payment (Engine.Pay): the amount is shown on the reader and the card
// read (cancellable); the intent is journaled and fsynced, then the sale or
// preauth request goes out once (from the intent on, the payment counts as
// maybe sent). The reply decides: not sent or refused → failed, not
// charged; accepted → a first status call at once; anything that may have
// reached the gateway → unknown. The final status comes from that status
// call, the signed callback (confirmed by one status call) or status
// polling (MAPI §4 schedule), whichever is first, and is journaled (with
// the reply's accepted event when nothing was journaled since the intent)
// before it is shown; without one within Config.ResultWait the
// payment is unknown, blocks new payments on the terminal (until resolved or
// a manager's journaled override) and keeps resolving in the background.
// Every start first resolves the journal's unresolved payments
// (StageRecovering), bounded by the request timeout. Observers get every
// Snapshot through Subscribe.
//
// Test-only: the environment variable KASSA_TEST_CRASHPOINT=name makes the
// process SIGKILL itself at the named point of the payment lifecycle (see
// crashpoint.go); it exists for the crash-recovery tests and must never be
// set in production.
package pos

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"kassa/device"
	"kassa/mapi"
	"kassa/store"
)

// Errors returned by the engine.
var (
	errAmountNotPositive = errors.New("amount must be greater than zero")
	// ErrBlocked: a payment with an unknown outcome blocks new payments on
	// this terminal until it resolves or a manager overrides.
	ErrBlocked = errors.New("new payments blocked: an earlier payment's result is not known yet")
	// ErrBusy: a payment or close-day is already running.
	ErrBusy = errors.New("a payment is already in progress")
	// ErrCancelled: the payment was cancelled before anything was sent.
	ErrCancelled = errors.New("payment cancelled: not charged")
	// ErrRecovering: the engine is still checking earlier payments.
	ErrRecovering = errors.New("still checking earlier payments")
	// ErrClosed: the engine was closed.
	ErrClosed = errors.New("engine closed")
	// ErrUnresolved: close-day refused while payments are unresolved.
	ErrUnresolved = errors.New("some payments are not resolved yet")
	// ErrNotFound: no such payment in the journal.
	ErrNotFound = errors.New("payment not found")
	// ErrNoReader: the card reader could not be opened.
	ErrNoReader = errors.New("card reader not available")
	// ErrCardRead: the card could not be read (nothing journaled).
	ErrCardRead = errors.New("card read failed")
	// ErrJournal: the journal could not be written (nothing sent).
	ErrJournal = errors.New("journal write failed")
	// ErrCurrency: the amount is in another currency than the terminal's.
	ErrCurrency = errors.New("wrong currency")
	// ErrGatewayRefused: the gateway refused the credentials or the request
	// (TestGateway).
	ErrGatewayRefused = errors.New("gateway refused the credentials or request")
	// ErrGatewayUnreachable: the gateway cannot be reached (TestGateway).
	ErrGatewayUnreachable = errors.New("gateway cannot be reached")
	// ErrConfig: the configuration is incomplete or wrong.
	ErrConfig = errors.New("configuration error")
)

// Engine is the checkout engine. Create it with Start; all methods are safe
// for concurrent use.
type Engine struct {
	log     *slog.Logger
	ctx     context.Context // the engine's lifetime; cancelled by Close
	stop    context.CancelFunc
	wg      sync.WaitGroup
	journal *store.Journal
	demo    *demoParts // demo sandbox and/or simulated reader; nil when not used
	cbSrv   *http.Server
	cbURL   string

	payMu      sync.Mutex // held for a whole payment or close-day
	readerOpen sync.Mutex // serialises opening the reader

	mu           sync.Mutex // guards everything below
	cfg          Config
	client       *mapi.Client
	reader       *device.Reader
	readerGen    int
	snap         Snapshot
	subs         map[int]func(Snapshot)
	nextSub      int
	resolvers    map[string]*resolver
	overridden   map[string]bool
	recoveredSet map[string]bool
	recoveredIDs []string
	current      string // client_orderid of the payment in flight
	cancelPay    context.CancelFunc
	recovered    chan struct{} // closed when the start-up recovery is done
	closed       bool

	pubMu    sync.Mutex // serialises delivery to subscribers, in order
	pubQueue []Snapshot
	pubKick  chan struct{}

	hooks atomic.Pointer[testHooks] // benchmarks and tests only

	// Timing of the background poller (MAPI §4); tests may shorten them.
	fastPhase, slowMin, slowMax, giveUp time.Duration
}

// Start opens the journal, the reader, the gateway client and the callback
// listener (when configured), and starts resolving unresolved payments in
// the background (StageRecovering). In demo mode it starts the embedded
// sandbox and the simulated reader.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Engine, error) {
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
		subs: map[int]func(Snapshot){}, resolvers: map[string]*resolver{}, overridden: map[string]bool{}, recoveredSet: map[string]bool{},
		recovered: make(chan struct{}), pubKick: make(chan struct{}, 1),
		fastPhase: 5 * time.Minute, slowMin: 5 * time.Minute, slowMax: 10 * time.Minute, giveUp: time.Hour,
	}
	now := time.Now()
	e.snap = Snapshot{Stage: StageStarting, StageSince: now, Demo: cfg.Demo, Currency: cfg.Currency,
		Reader: ReaderStatus{State: ReaderStateNotFound, Port: cfg.Reader}}
	ok := false
	defer func() {
		if !ok {
			e.shutdown()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("%w: data directory: %v", ErrConfig, err)
	}
	name := "journal.db"
	if cfg.Demo {
		name = "demo-journal.db"
	}
	j, err := store.Open(filepath.Join(cfg.DataDir, name), store.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	e.journal = j
	// Publisher goroutine: delivers snapshots to subscribers outside locks.
	e.wg.Add(1)
	go e.publisher()

	if cfg.Demo || cfg.Reader == "sim" {
		d, err := startDemo(life, e, cfg)
		if err != nil {
			return nil, err
		}
		e.demo = d
		if cfg.Demo {
			cfg.GatewayURL, cfg.EndpointID, cfg.Login, cfg.ControlKey = d.gatewayURL, demoEndpoint, demoLogin, demoKey
		}
	}
	if err := e.startCallbacks(cfg); err != nil {
		return nil, err
	}
	client, err := newClient(cfg, e.cbURL, log)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.cfg = cfg
	e.client = client
	e.snap.Gateway = GatewayStatus{Demo: cfg.Demo, URL: cfg.GatewayURL}
	e.mu.Unlock()

	// Overrides survive restarts.
	if un, err := j.Unresolved(); err == nil {
		for _, p := range un {
			for _, ev := range p.Events {
				if isOverride(ev) {
					e.overridden[p.ClientOrderID] = true
				}
			}
		}
	}
	if !cfg.NoReader {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			_, _ = e.openReader(e.ctx)
		}()
	}
	e.setStage(StageRecovering, Reason{Cause: CauseCheckingEarlier})
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.recoverAll(e.ctx, true)
		close(e.recovered)
		e.mu.Lock()
		if e.snap.Stage == StageRecovering {
			e.setStageLocked(StageReady, Reason{})
		}
		e.mu.Unlock()
		e.refresh()
	}()
	ok = true
	return e, nil
}

// testHooks observe the engine in benchmarks and tests.
type testHooks struct {
	callback func(id string, at time.Time) // a verified callback arrived
	final    func(id string, at time.Time) // a final status was journaled
}

// newClient makes the gateway client for cfg.
func newClient(cfg Config, cbURL string, log *slog.Logger) (*mapi.Client, error) {
	if cfg.GatewayURL == "" || cfg.EndpointID == "" || cfg.Login == "" {
		return nil, fmt.Errorf("%w: the gateway URL, endpoint id and login must be set (or use demo mode)", ErrConfig)
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

// startCallbacks starts the callback listener when configured (in demo mode
// always, on loopback).
func (e *Engine) startCallbacks(cfg Config) error {
	listen, public := cfg.CallbackListen, cfg.CallbackURL
	if cfg.Demo && listen == "" {
		listen = "127.0.0.1:0"
	}
	if listen == "" {
		return nil
	}
	path := "/"
	if public != "" {
		u, err := url.Parse(public)
		if err != nil || u.Host == "" {
			return fmt.Errorf("%w: KASSA_CALLBACK_URL %q is not a URL", ErrConfig, public)
		}
		if u.Path != "" {
			path = u.Path
		}
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("%w: callback listener on %s: %v", ErrConfig, listen, err)
	}
	if public == "" {
		// Only a loopback listener's URL can be known without configuration.
		if ta, ok := ln.Addr().(*net.TCPAddr); ok && ta.IP.IsLoopback() {
			public = "http://" + ln.Addr().String() + "/kassa/callback"
			path = "/kassa/callback"
		} else {
			e.log.Warn("callback listener without KASSA_CALLBACK_URL: the gateway is not told where to call back; polling only")
		}
	}
	key := mapi.Secret(cfg.ControlKey)
	if cfg.Demo {
		key = demoKey
	}
	mux := http.NewServeMux()
	mux.Handle(path, mapi.NewCallbackHandler(key, e.onCallback, e.log))
	// Callbacks are small GET requests: cap the request line and headers and
	// bound every phase so a slow or hostile client cannot hold connections.
	e.cbSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 32 << 10}
	e.cbURL = public
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		if err := e.cbSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("callback listener stopped", "err", err)
		}
	}()
	e.log.Info("callback listener", "addr", ln.Addr().String(), "url", public)
	return nil
}

// CallbackURL is the public URL sent as server_callback_url ("" when the
// listener is off).
func (e *Engine) CallbackURL() string { return e.cbURL }

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

// Snapshot returns the current published state.
func (e *Engine) Snapshot() Snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.snapLocked()
}

func (e *Engine) snapLocked() Snapshot {
	s := e.snap
	if s.Payment != nil {
		p := *s.Payment
		s.Payment = &p
	}
	return s
}

// Subscribe registers fn to be called with every new snapshot, in order. fn
// is called from an engine goroutine, never while engine locks are held (it
// may call Snapshot or any other method). The returned function
// unsubscribes.
func (e *Engine) Subscribe(fn func(Snapshot)) (cancel func()) {
	e.mu.Lock()
	id := e.nextSub
	e.nextSub++
	e.subs[id] = fn
	e.mu.Unlock()
	return func() {
		e.mu.Lock()
		delete(e.subs, id)
		e.mu.Unlock()
	}
}

// publishLocked queues the current snapshot for subscribers. e.mu held.
func (e *Engine) publishLocked() {
	s := e.snapLocked()
	e.pubMu.Lock()
	if len(e.pubQueue) >= 256 {
		e.pubQueue = e.pubQueue[1:]
	}
	e.pubQueue = append(e.pubQueue, s)
	e.pubMu.Unlock()
	select {
	case e.pubKick <- struct{}{}:
	default:
	}
}

func (e *Engine) publisher() {
	defer e.wg.Done()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-e.pubKick:
		}
		for {
			e.pubMu.Lock()
			if len(e.pubQueue) == 0 {
				e.pubMu.Unlock()
				break
			}
			s := e.pubQueue[0]
			e.pubQueue = e.pubQueue[1:]
			e.pubMu.Unlock()
			e.mu.Lock()
			fns := make([]func(Snapshot), 0, len(e.subs))
			for _, fn := range e.subs {
				fns = append(fns, fn)
			}
			e.mu.Unlock()
			for _, fn := range fns {
				fn(s)
			}
		}
	}
}

// setStage changes the stage and publishes.
func (e *Engine) setStage(st Stage, reason Reason) {
	e.mu.Lock()
	e.setStageLocked(st, reason)
	e.mu.Unlock()
}

func (e *Engine) setStageLocked(st Stage, reason Reason) {
	if e.snap.Stage != st {
		e.snap.StageSince = time.Now()
	}
	e.snap.Stage, e.snap.Reason = st, reason
	e.snap.CanCancel = st == StageWaitingCard || st == StageWaitingReader
	e.publishLocked()
}

// refresh recomputes the unresolved count and Blocked from the journal and
// publishes. changed, when given, are the payments just written (as the
// journal returned them): the shown payment is updated from them without
// reading it again, and left alone if it is not among them. Without
// changed, the shown payment is re-read.
func (e *Engine) refresh(changed ...store.Payment) {
	un, err := e.journal.Unresolved()
	if err != nil {
		e.log.Error("journal: unresolved", "err", err)
		return
	}
	e.mu.Lock()
	shownID := ""
	if e.snap.Payment != nil {
		shownID = e.snap.Payment.ClientOrderID
	}
	e.mu.Unlock()
	var shown *store.Payment
	if shownID != "" {
		if changed == nil {
			if p, err := e.journal.Get(shownID); err == nil {
				shown = &p
			}
		} else {
			for i := range changed {
				if changed[i].ClientOrderID == shownID {
					shown = &changed[i]
				}
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	blocked := false
	for _, p := range un {
		if p.ClientOrderID == e.current {
			continue
		}
		if p.TerminalID != "" && p.TerminalID != e.cfg.TerminalID {
			continue
		}
		if !e.overridden[p.ClientOrderID] {
			blocked = true
		}
	}
	e.snap.Unresolved = len(un)
	e.snap.Blocked = blocked
	// Keep the shown payment current.
	if shown != nil && e.snap.Payment != nil && e.snap.Payment.ClientOrderID == shown.ClientOrderID {
		v := viewOf(*shown)
		e.snap.Payment = &v
		if e.current != v.ClientOrderID && e.snap.Stage.Final() {
			st := resultStage[v.Status]
			if st != e.snap.Stage {
				e.snap.Stage, e.snap.StageSince = st, time.Now()
			}
			e.snap.Reason = v.Reason
		}
	}
	e.publishLocked()
}

// gatewayContact records whether the gateway answered.
func (e *Engine) gatewayContact(ok bool) {
	e.mu.Lock()
	if ok {
		e.snap.Gateway.LastContact = time.Now()
	}
	changed := e.snap.Gateway.OK != ok
	e.snap.Gateway.OK = ok
	if changed {
		e.publishLocked()
	}
	e.mu.Unlock()
}

func (e *Engine) gw() *mapi.Client {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.client
}

// Payment returns one payment from the journal.
func (e *Engine) Payment(id string) (PaymentView, error) {
	p, err := e.journal.Get(id)
	if errors.Is(err, store.ErrNotFound) {
		return PaymentView{}, errorOf(ErrNotFound, Reason{Cause: CauseNotFound, Detail: id})
	}
	if err != nil {
		return PaymentView{}, err
	}
	return viewOf(p), nil
}

// Today returns today's payments (local business day), newest first.
func (e *Engine) Today() ([]PaymentView, error) {
	ps, err := e.journal.ByDay(time.Now().Format("2006-01-02"))
	if err != nil {
		return nil, err
	}
	return views(ps, true), nil
}

// Unresolved returns the payments whose outcome is not known yet (unknown,
// or in flight), oldest first.
func (e *Engine) Unresolved() ([]PaymentView, error) {
	ps, err := e.journal.Unresolved()
	if err != nil {
		return nil, err
	}
	return views(ps, false), nil
}

func views(ps []store.Payment, newestFirst bool) []PaymentView {
	out := make([]PaymentView, 0, len(ps))
	for _, p := range ps {
		out = append(out, viewOf(p))
	}
	if newestFirst {
		sortNewestFirst(out)
	}
	return out
}

// Config returns the engine's configuration without the control key.
func (e *Engine) Config() Config {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.cfg
	c.ControlKey = ""
	return c
}

// Demo returns the demo controls, nil when there is no simulated reader.
func (e *Engine) Demo() DemoControls {
	if e.demo == nil || e.demo.sim == nil {
		return nil
	}
	return e.demo
}

// Close stops every goroutine the engine started and closes the reader,
// listener, sandbox and journal. Payments still unknown stay in the journal
// and are resolved at the next start.
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
	e.mu.Lock()
	c := e.client
	e.mu.Unlock()
	if c != nil {
		c.CloseIdleConnections()
	}
	if e.demo != nil {
		e.demo.close()
	}
	var err error
	if e.journal != nil {
		err = e.journal.Close()
	}
	return err
}
