// Package ui is Kassa's Fyne GUI: the checkout a cashier uses all day, the
// payment history, close day and settings for the manager, and the demo
// mode's simulated reader panel.
//
// It holds no payment logic: every action is a call on the pos engine, and
// every screen shows what the engine publishes (Snapshot) or returns.
//
// Threading: widgets are only touched on Fyne's goroutine. Taps and keys
// arrive there; engine callbacks and the goroutines that run long engine
// calls (Pay, CloseDay, TestReader, TestGateway, ...) hand their results
// over with fyne.Do (Options.Do in tests). Every goroutine the UI starts
// ends when the UI closes (its context is cancelled and Close waits).
package ui

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"

	"kassa/pos"
)

// Main starts the GUI with the command-line arguments (`--demo`): it loads
// the configuration, starts the engine, opens the window and runs until the
// window is closed, then closes the engine.
func Main(args []string) error {
	fs := flag.NewFlagSet("kassa", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "demo mode: embedded sandbox gateway and simulated reader")
	if err := fs.Parse(args); err != nil {
		return err
	}
	started := time.Now()

	cfg, cfgErr := pos.LoadConfig(*demo)
	setupLanguage(languageOverride(cfg.Language))
	a := app.NewWithID("kassa.terminal")
	a.Settings().SetTheme(kassaTheme{})
	if cfgErr != nil {
		showStartError(a, cfgErr)
		return cfgErr
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := context.WithCancel(context.Background())
	defer stop()

	eng, err := pos.Start(ctx, cfg, log)
	if err != nil {
		// The window still opens to say what is wrong: a cashier has no
		// terminal to read stderr from.
		showStartError(a, err)
		return err
	}
	u := New(a, eng, Options{})
	if os.Getenv("KASSA_READY") != "" {
		u.notifyReady(os.Stderr, started)
	}
	u.win.SetOnClosed(func() {
		u.Close()
	})
	u.win.ShowAndRun()
	u.Close()
	return eng.Close()
}

// showStartError shows why Kassa could not start, in a window.
func showStartError(a fyne.App, err error) {
	w := a.NewWindow("Kassa")
	w.SetContent(container.NewPadded(errorPanel(lang.L("Kassa could not start"), err.Error())))
	w.Resize(fyne.NewSize(640, 320))
	w.ShowAndRun()
}

// Options tune a UI; the zero value is what Main uses.
type Options struct {
	// Window to use; nil makes a new one from the app.
	Window fyne.Window
	// Do runs fn on Fyne's goroutine; nil means fyne.Do. Tests pass a queue
	// that they drain on the test goroutine.
	Do func(fn func())
	// ReceiptDir is where receipts and Z reports are saved as PDF; "" means
	// the engine's data directory (its "receipts" folder).
	ReceiptDir string
	// NoOpen leaves saved PDFs unopened (tests).
	NoOpen bool
}

// UI is the Kassa window: one struct per screen, navigated in one body.
type UI struct {
	app  fyne.App
	win  fyne.Window
	eng  *pos.Engine
	do   func(func())
	opts Options

	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	unsub   func()
	closed  bool     // set by Close (on Fyne's goroutine)
	onClose []func() // run by Close
	once    sync.Once

	snap    pos.Snapshot // last snapshot; UI goroutine only
	paying  bool         // a Pay call is running; UI goroutine only
	locked  bool         // the cashier locked the terminal; UI goroutine only
	current screen

	body     *fyne.Container
	top      *topBar
	banner   *bannerBar
	checkout *checkoutScreen
	pay      *payingScreen
	result   *resultScreen
	receipt  *receiptScreen
	history  *historyScreen
	closeDay *closeDayScreen
	settings *settingsScreen
	pin      *pinScreen
	demo     *demoPanel
}

// screen is one full-window view below the top bar.
type screen interface {
	// view returns the screen's root object (built once).
	view() fyne.CanvasObject
}

// shower is a screen that wants to know when it is shown or hidden.
type shower interface {
	shown()
	hidden()
}

// New builds the Kassa window on an existing app and engine (tests use the
// test app). Show it with Window().Show(); call Close when done (Main does).
func New(a fyne.App, eng *pos.Engine, opts Options) *UI {
	u := &UI{app: a, eng: eng, opts: opts, do: opts.Do, win: opts.Window}
	if u.do == nil {
		u.do = fyne.Do
	}
	if u.win == nil {
		u.win = a.NewWindow("Kassa")
	}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	if !langLoaded.Load() {
		setupLanguage(languageOverride(eng.Config().Language))
	}

	u.top = newTopBar(u)
	u.banner = newBannerBar(u)
	u.demo = newDemoPanel(u)
	u.checkout = newCheckoutScreen(u)
	u.pay = newPayingScreen(u)
	u.result = newResultScreen(u)
	u.receipt = newReceiptScreen(u)
	u.history = newHistoryScreen(u)
	u.closeDay = newCloseDayScreen(u)
	u.settings = newSettingsScreen(u)
	u.pin = newPINScreen(u)

	u.body = container.NewStack()
	u.win.SetContent(container.NewBorder(
		container.NewVBox(u.top.view(), u.banner.view()), u.top.statusBar, nil, nil, u.body))
	u.win.Resize(fyne.NewSize(1100, 740))
	u.win.SetTitle(u.title())
	u.win.Canvas().SetOnTypedRune(u.typedRune)
	u.win.Canvas().SetOnTypedKey(u.typedKey)

	u.show(u.checkout)
	if cfg := eng.Config(); !cfg.Demo && eng.HasPIN(pos.Cashier) {
		u.lock() // a cashier PIN is set: Kassa starts locked
	}
	// Each notification re-reads the engine's latest snapshot on Fyne's
	// goroutine: an update queued before an earlier read can never roll the
	// screens back to an older state.
	u.unsub = eng.Subscribe(func(pos.Snapshot) {
		u.later(func() { u.applySnapshot(u.eng.Snapshot()) })
	})
	u.applySnapshot(eng.Snapshot())
	return u
}

// Window is the UI's window.
func (u *UI) Window() fyne.Window { return u.win }

// Close cancels every running UI action, stops the UI's goroutines and
// waits for them (at most a few seconds). It does not close the engine.
func (u *UI) Close() {
	u.once.Do(func() {
		u.closed = true
		if u.unsub != nil {
			u.unsub()
		}
		for _, f := range u.onClose {
			f()
		}
		u.cancel()
		done := make(chan struct{})
		go func() { u.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			fyne.LogError("Kassa UI", errors.New("UI goroutines still running after 5 s"))
		}
	})
}

// goroutine runs fn in a goroutine that Close waits for. fn must return
// soon after ctx is cancelled.
func (u *UI) goroutine(fn func(ctx context.Context)) {
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		fn(u.ctx)
	}()
}

// later hands fn to Fyne's goroutine unless the UI has been closed.
func (u *UI) later(fn func()) {
	if u.ctx.Err() != nil {
		return
	}
	u.do(func() {
		if u.closed {
			return
		}
		fn()
	})
}

// every calls fn on Fyne's goroutine every d until stop is closed or the UI
// closes.
func (u *UI) every(d time.Duration, stop <-chan struct{}, fn func()) {
	u.goroutine(func(ctx context.Context) {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				u.later(fn)
			case <-stop:
				return
			case <-ctx.Done():
				return
			}
		}
	})
}

func (u *UI) title() string {
	if u.eng.Snapshot().Demo {
		return "Kassa — " + lang.L("DEMO")
	}
	return "Kassa"
}

// show replaces the body with a screen.
func (u *UI) show(s screen) {
	if u.current == s {
		return
	}
	if h, ok := u.current.(shower); ok {
		h.hidden()
	}
	u.current = s
	u.body.Objects = []fyne.CanvasObject{s.view()}
	u.body.Refresh()
	if h, ok := s.(shower); ok {
		h.shown()
	}
	u.top.update(u.snap)
	u.win.Canvas().Unfocus()
}

// home goes back to the checkout.
func (u *UI) home() { u.show(u.checkout) }

// applySnapshot spreads a new engine snapshot over the screens.
func (u *UI) applySnapshot(s pos.Snapshot) {
	if u.closed {
		return
	}
	u.snap = s
	u.top.update(s)
	u.banner.update(s)
	u.demo.update(s)
	u.checkout.update(s)
	u.pay.update(s)
	u.result.update(s)
}

// typedRune routes typed characters (digits) to the screen that takes them.
func (u *UI) typedRune(r rune) {
	switch u.current {
	case u.checkout:
		u.checkout.typed(r)
	case u.pin:
		u.pin.typed(r)
	}
}

// typedKey routes keys: Backspace, Enter = Sale, F2 = Preauth, Esc = Cancel.
func (u *UI) typedKey(ev *fyne.KeyEvent) {
	switch u.current {
	case u.checkout:
		u.checkout.key(ev.Name)
	case u.pay:
		if ev.Name == fyne.KeyEscape {
			u.pay.cancelTapped()
		}
	case u.result:
		u.result.key(ev.Name)
	case u.pin:
		u.pin.key(ev.Name)
	case u.receipt, u.history, u.closeDay, u.settings:
		if ev.Name == fyne.KeyEscape && !u.paying {
			u.home()
		}
	}
}

// startPayment runs one payment through the engine on a goroutine and shows
// its progress and then its result.
func (u *UI) startPayment(kind pos.Kind, amount pos.Amount) {
	if u.paying {
		return
	}
	u.paying = true
	u.pay.start(kind, amount)
	u.show(u.pay)
	u.goroutine(func(ctx context.Context) {
		view, err := u.eng.Pay(ctx, kind, amount, "")
		u.later(func() {
			u.paying = false
			u.pay.stop()
			u.demo.resetFault()
			u.paymentDone(kind, amount, view, err)
		})
	})
}

// paymentDone shows what Pay returned.
func (u *UI) paymentDone(kind pos.Kind, amount pos.Amount, view pos.PaymentView, err error) {
	switch {
	case errors.Is(err, pos.ErrCancelled) && view.Status != "approved" && view.Status != "unknown":
		u.checkout.notice(lang.L("Payment cancelled — the card was not charged."), false)
		u.home()
	case view.ClientOrderID != "":
		u.result.showPayment(view, err)
		u.show(u.result)
	default:
		u.result.showNotStarted(kind, amount, err)
		u.show(u.result)
	}
}

// lock hides the checkout behind the cashier PIN (a manager's PIN opens it
// too); it does nothing while a payment runs.
func (u *UI) lock() {
	if u.paying {
		return
	}
	u.locked = true
	u.pin.ask(pos.Cashier, lang.L("Locked"), func() {
		u.locked = false
		u.home()
	})
	u.show(u.pin)
}

// askPIN shows the PIN screen for a role and calls ok once the right PIN
// was entered; Cancel goes back to the checkout.
func (u *UI) askPIN(role pos.Role, title string, ok func()) {
	u.pin.ask(role, title, ok)
	u.show(u.pin)
}

// notifyReady writes "ready <ms>" to w once the checkout is usable: the
// window's first frame is up and the engine has finished its start
// (recovery included). The start-up benchmark (startup_test.go) waits for
// that line; the times of both halves follow it.
func (u *UI) notifyReady(w io.Writer, since time.Time) {
	var mu sync.Mutex
	var window, engine time.Duration
	said := false
	check := func() {
		if window > 0 && engine > 0 && !said {
			said = true
			fmt.Fprintf(w, "ready %d (window %d ms, engine %d ms)\n", time.Since(since).Milliseconds(),
				window.Milliseconds(), engine.Milliseconds())
		}
	}
	usable := func(s pos.Snapshot) bool {
		return s.Stage != pos.StageStarting && s.Stage != pos.StageRecovering
	}
	engineReady := func() {
		mu.Lock()
		defer mu.Unlock()
		if engine == 0 {
			engine = time.Since(since)
		}
		check()
	}
	u.app.Lifecycle().SetOnStarted(func() {
		// One more pass through the event loop: the first frame is drawn.
		fyne.Do(func() {
			mu.Lock()
			defer mu.Unlock()
			window = time.Since(since)
			check()
		})
	})
	cancel := u.eng.Subscribe(func(s pos.Snapshot) {
		if usable(s) {
			engineReady()
		}
	})
	u.onClose = append(u.onClose, cancel)
	if usable(u.eng.Snapshot()) {
		engineReady()
	}
}
