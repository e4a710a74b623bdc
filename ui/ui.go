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
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"kassa/assets"
	"kassa/pos"
)

// Launch is what Main needs from the composition root (main.go): the
// configuration (or why it could not be loaded) and how to start the
// engine with its parts.
type Launch struct {
	Config    pos.Config
	ConfigErr error // shown in the window instead of the checkout
	// Start starts the engine (with the demo parts in demo mode); Main
	// runs it on a goroutine while the window comes up.
	Start func(ctx context.Context) (*pos.Engine, error)
}

// Main opens the GUI and runs until the window is closed, then closes the
// engine. Without a display it returns ErrNoDisplay at once.
//
// The window and its GL context come up on the main goroutine while the
// engine starts and the screens are built on another (neither touches the
// other's objects); the checkout replaces a start-up placeholder as soon as
// both are done. On a small machine this halves the time to a usable
// checkout.
func Main(l Launch) error {
	if !hasDisplay() {
		return ErrNoDisplay
	}
	started := time.Now()
	// Start-up allocates tens of MB of font tables at once; collecting
	// less often until the checkout is up saves CPU the window needs.
	gc := debug.SetGCPercent(400)

	setupLanguage(languageOverride(l.Config.Language))
	a := app.NewWithID("kassa.terminal")
	// A plain `go build` carries no FyneApp.toml metadata: set the icon here.
	a.SetIcon(fyne.NewStaticResource("kassa.png", assets.Icon))
	a.Settings().SetTheme(kassaTheme{})
	if l.ConfigErr != nil {
		showStartError(a, l.ConfigErr)
		return l.ConfigErr
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()

	w := a.NewWindow("Kassa")
	w.Resize(windowSize)
	w.SetContent(splash())
	var u *UI // set on Fyne's goroutine
	type result struct {
		eng *pos.Engine
		err error
	}
	startDone := make(chan result, 1)
	go func() {
		eng, err := l.Start(ctx)
		engineAt := time.Since(started)
		startDone <- result{eng, err}
		if err != nil {
			// The window says what is wrong: a cashier has no terminal to
			// read stderr from.
			fyne.Do(func() { w.SetContent(container.NewPadded(startErrorPanel(err))) })
			return
		}
		built := build(a, eng, Options{Window: w})
		builtAt := time.Since(started)
		fyne.Do(func() {
			u = built
			u.attach()
			debug.SetGCPercent(gc)
			if os.Getenv("KASSA_READY") != "" {
				u.notifyReady(os.Stderr, started, engineAt, builtAt)
			}
		})
	}()
	w.SetOnClosed(func() {
		if u != nil {
			u.Close()
		}
	})
	w.ShowAndRun()
	if u != nil {
		u.Close()
	}
	stop()
	r := <-startDone
	if r.err != nil {
		return r.err
	}
	return r.eng.Close()
}

// windowSize is the window's first size: it fits a 1024×768 screen with
// its task bar.
var windowSize = fyne.NewSize(1024, 720)

// splash is the window's content for the moment the screens are built: one
// plain label (the bold and large faces load with the screens, off the main
// goroutine).
func splash() fyne.CanvasObject {
	return container.NewCenter(widget.NewLabel("Kassa · " + tr("Starting") + "…"))
}

// showStartError shows why Kassa could not start, in a window.
func showStartError(a fyne.App, err error) {
	w := a.NewWindow("Kassa")
	w.SetContent(container.NewPadded(startErrorPanel(err)))
	w.Resize(fyne.NewSize(640, 320))
	w.ShowAndRun()
}

// startErrorPanel says why Kassa could not start: in words, then the
// error itself for support (nobody else can act on it).
func startErrorPanel(err error) fyne.CanvasObject {
	return errorPanel(tr("Kassa could not start"), settingsErr(err)+"\n\n"+tr("Details for support:")+" "+err.Error())
}

// Options tune a UI; the zero value is what Main uses.
type Options struct {
	// Window to use; nil makes a new one from the app.
	Window fyne.Window
	// Do runs fn on Fyne's goroutine; nil means fyne.Do. Tests pass a queue
	// that they drain on the test goroutine.
	Do func(fn func())
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

	checkTimer *time.Timer // starts the engine's journal check (journalCheckAfter)

	snap    pos.Snapshot // last snapshot; UI goroutine only
	paying  bool         // a Pay call is running; UI goroutine only
	locked  bool         // the cashier locked the terminal; UI goroutine only
	current screen

	content        fyne.CanvasObject
	attached       bool // content is in the window
	body           *fyne.Container
	top            *topBar
	banner         *bannerBar
	announce       *announceBar
	checkout       *checkoutScreen
	pay            *payingScreen
	result         *resultScreen
	receipt        *receiptScreen
	history        *historyScreen
	closeDay       *closeDayScreen
	settings       *settingsScreen
	pin            *pinScreen
	demo           *demoPanel
	child          *childScreen // capture, release, refund (issue 11)
	holds          *holdsScreen // the open-holds board (issue 11)
	store          *storeScreen // issue 15: the manager's Store view (store.go)
	cashierScreens              // issue 13: sign-in, shift, X report, past Z reports
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
	u := build(a, eng, opts)
	u.attach()
	return u
}

// build makes every screen without touching the window, so it may run
// off Fyne's goroutine while the window starts (Main); attach then puts
// them in the window on Fyne's goroutine.
func build(a fyne.App, eng *pos.Engine, opts Options) *UI {
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

	u.buildCashierScreens() // before the top bar, which shows the shift button
	u.top = newTopBar(u)
	u.banner = newBannerBar(u)
	u.announce = newAnnounceBar(u)
	u.demo = newDemoPanel(u)
	u.checkout = newCheckoutScreen(u)
	u.pay = newPayingScreen(u)
	u.result = newResultScreen(u)
	u.receipt = newReceiptScreen(u)
	u.history = newHistoryScreen(u)
	u.closeDay = newCloseDayScreen(u)
	u.settings = newSettingsScreen(u)
	u.store = newStoreScreen(u) // issue 15
	u.pin = newPINScreen(u)
	u.child = newChildScreen(u) // issue 11
	u.holds = newHoldsScreen(u)

	u.body = container.NewStack()
	u.content = container.NewBorder(
		container.NewVBox(u.top.view(), u.announce.view(), u.banner.view()), u.top.statusBar, nil, nil, u.body)
	u.show(u.checkout)
	u.applySnapshot(eng.Snapshot())
	return u
}

// attach puts the built screens in the window and follows the engine; on
// Fyne's goroutine.
func (u *UI) attach() {
	u.attached = true
	u.win.SetContent(u.content)
	u.win.Resize(windowSize)
	u.win.SetTitle(u.title())
	u.win.Canvas().SetOnTypedRune(u.typedRune)
	u.win.Canvas().SetOnTypedKey(u.typedKey)
	u.eng.RequireShifts() // GUI payments need a signed-in cashier's shift (not in demo mode)
	if cfg := u.eng.Config(); !cfg.Demo && u.eng.HasPIN(pos.Cashier) {
		u.lock() // cashiers exist: Kassa starts locked, at the sign-in
	}
	// Each notification re-reads the engine's latest snapshot on Fyne's
	// goroutine: an update queued before an earlier read can never roll the
	// screens back to an older state.
	u.unsub = u.eng.Subscribe(func(pos.Snapshot) {
		u.later(func() { u.applySnapshot(u.eng.Snapshot()) })
	})
	u.applySnapshot(u.eng.Snapshot())
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
		return "Kassa — " + tr("DEMO")
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
	u.unfocus()
}

// unfocus gives typed keys back to the window's handlers (the checkout's
// amount, the PIN) once the screens are in the window.
func (u *UI) unfocus() {
	if u.attached {
		u.win.Canvas().Unfocus()
	}
}

// home goes back to the checkout.
func (u *UI) home() { u.show(u.checkout) }

// journalCheckAfter is how long after the checkout is usable the UI starts
// the engine's check of the whole journal (pos.Engine.StartJournalCheck):
// the first frames are drawn before the check takes a core.
const journalCheckAfter = 2 * time.Second

// applySnapshot spreads a new engine snapshot over the screens.
func (u *UI) applySnapshot(s pos.Snapshot) {
	if u.closed {
		return
	}
	u.snap = s
	if s.Stage != pos.StageStarting && s.Stage != pos.StageRecovering && u.checkTimer == nil {
		// The checkout is usable: check the whole journal (once) when the
		// window has drawn; a payment before that starts the check itself.
		u.checkTimer = time.AfterFunc(journalCheckAfter, u.eng.StartJournalCheck)
		u.onClose = append(u.onClose, func() { u.checkTimer.Stop() })
	}
	u.top.update(s)
	u.banner.update(s)
	u.announce.update(s)
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
	case u.child:
		u.child.typed(r)
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
	case u.child:
		u.child.key(ev.Name)
	case u.receipt, u.history, u.closeDay, u.settings, u.holds, u.store:
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
	case errors.Is(err, pos.ErrCancelled) && view.Status != pos.StatusApproved && view.Status != pos.StatusUnknown:
		u.checkout.notice(tr("Payment cancelled — the card was not charged."), false)
		u.checkout.keep(amount) // the cashier can start it again as it is
		u.home()
	case view.ClientOrderID != "":
		u.result.showPayment(view, err)
		u.show(u.result)
		u.result.autoPrint(view) // issue 16: receipts after approval
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
	if u.eng.HasPIN(pos.Cashier) { // named cashiers: sign out, then the names (issue 13)
		u.eng.SignOut()
		u.show(u.signIn)
		return
	}
	u.pin.ask(pos.Cashier, tr("Locked"), func() {
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

// notifyReady writes "ready <ms>" to w once the checkout is usable: its
// first frame is up and the engine has finished its start (recovery
// included); the times at which pos.Start returned and the screens were
// built follow. The start-up benchmark (startup_test.go) waits for that
// line. Call it on Fyne's goroutine right after attach.
func (u *UI) notifyReady(w io.Writer, since time.Time, engineAt, builtAt time.Duration) {
	var mu sync.Mutex
	var frame, recovered time.Duration
	said := false
	check := func() {
		if frame > 0 && recovered > 0 && !said {
			said = true
			fmt.Fprintf(w, "ready %d (engine started %d ms, screens built %d ms, checkout drawn %d ms, recovery done %d ms)\n",
				time.Since(since).Milliseconds(), engineAt.Milliseconds(), builtAt.Milliseconds(),
				frame.Milliseconds(), recovered.Milliseconds())
		}
	}
	usable := func(s pos.Snapshot) bool {
		return s.Stage != pos.StageStarting && s.Stage != pos.StageRecovering
	}
	engineReady := func() {
		mu.Lock()
		defer mu.Unlock()
		if recovered == 0 {
			recovered = time.Since(since)
		}
		check()
	}
	// The next pass through Fyne's event loop comes after the checkout's
	// first frame.
	fyne.Do(func() {
		mu.Lock()
		defer mu.Unlock()
		frame = time.Since(since)
		check()
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
