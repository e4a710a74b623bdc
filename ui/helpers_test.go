package ui

import (
	"context"
	"image/color"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"kassa/pos"
	"kassa/pos/demo"
)

// pump stands in for fyne.Do in tests: engine goroutines queue UI updates
// and the test goroutine runs them, so the widgets are only ever touched by
// one goroutine (as on Fyne's main thread) and the race detector stays quiet.
type pump struct {
	mu sync.Mutex
	q  []func()
}

func (p *pump) Do(fn func()) {
	p.mu.Lock()
	p.q = append(p.q, fn)
	p.mu.Unlock()
}

// drain runs every queued update; it reports whether there were any.
func (p *pump) drain() bool {
	ran := false
	for {
		p.mu.Lock()
		q := p.q
		p.q = nil
		p.mu.Unlock()
		if len(q) == 0 {
			return ran
		}
		for _, fn := range q {
			fn()
		}
		ran = true
	}
}

// harness is a Kassa window on the test driver over a demo engine (the
// embedded sandbox and the simulated reader), in a temporary data dir.
type harness struct {
	t   *testing.T
	app fyne.App
	eng *pos.Engine
	u   *UI
	p   *pump
	dir string
}

// tuning shortens the engine's waits for tests.
type tuning struct {
	saleTimeout  time.Duration
	resultWait   time.Duration
	pollInterval time.Duration
	printer      string            // KASSA_PRINTER; "" the PDF, printed by a stand-in for lp
	journal      func(path string) // makes the demo journal before the engine starts
}

func newHarness(t *testing.T, tn tuning) *harness {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("KASSA_DATA_DIR", filepath.Join(dir, "data"))
	for _, k := range []string{"KASSA_GATEWAY_URL", "KASSA_READER", "KASSA_CONTROL_KEY", "KASSA_CALLBACK_LISTEN", "KASSA_CALLBACK_URL", "KASSA_LANG",
		"KASSA_PRINTER", "KASSA_PRINTER_WIDTH", "KASSA_PRINTER_CODEPAGE", "KASSA_PRINT_AFTER"} {
		t.Setenv(k, "")
		_ = os.Unsetenv(k)
	}
	fakeLP(t, dir)
	if tn.printer != "" {
		t.Setenv("KASSA_PRINTER", tn.printer)
	}
	if tn.journal != nil {
		if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
			t.Fatal(err)
		}
		tn.journal(filepath.Join(dir, "data", "demo-journal.db"))
	}
	cfg, err := pos.LoadConfig(true)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	cfg.Merchant = pos.Merchant{Name: "Coffee & Co", Address1: "Tverskaya 1", City: "Moscow", ZipCode: "125009", Country: "RU"}
	if tn.saleTimeout > 0 {
		cfg.SaleTimeout = tn.saleTimeout
	}
	if tn.resultWait > 0 {
		cfg.ResultWait = tn.resultWait
	}
	if tn.pollInterval > 0 {
		cfg.PollInterval = tn.pollInterval
	} else {
		cfg.PollInterval = 300 * time.Millisecond
	}

	a := test.NewTempApp(t)
	a.Settings().SetTheme(fixedVariant{v: theme.VariantLight})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	eng, err := demo.Start(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("demo.Start: %v", err)
	}
	t.Cleanup(func() {
		if err := eng.Close(); err != nil {
			t.Logf("engine close: %v", err)
		}
	})
	p := &pump{}
	w := test.NewWindow(nil)
	u := New(a, eng, Options{Window: w, Do: p.Do, NoOpen: true})
	t.Cleanup(func() {
		u.Close()
		w.Close()
	})
	w.Resize(fyne.NewSize(1100, 740))
	h := &harness{t: t, app: a, eng: eng, u: u, p: p, dir: dir}
	h.waitFor(20*time.Second, "the checkout is ready", func() bool {
		s := u.snap
		return s.Stage != pos.StageStarting && s.Stage != pos.StageRecovering
	})
	return h
}

// waitFor runs queued UI updates until cond holds or the time is up.
func (h *harness) waitFor(d time.Duration, what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(d)
	for {
		h.p.drain()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out after %s waiting until %s (screen %T, stage %q)", d, what, h.u.current, h.u.snap.Stage)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// settle runs queued updates for a moment (for screenshots).
func (h *harness) settle(d time.Duration) {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		h.p.drain()
		time.Sleep(10 * time.Millisecond)
	}
	h.p.drain()
}

func (h *harness) canvas() fyne.Canvas { return h.u.win.Canvas() }

// typeKeys types runes on the window (no widget focused: the checkout's
// keyboard handler gets them).
func (h *harness) typeKeys(s string) {
	test.TypeOnCanvas(h.canvas(), s)
}

// press sends one named key to the window.
func (h *harness) press(k fyne.KeyName) {
	h.canvas().OnTypedKey()(&fyne.KeyEvent{Name: k})
}

// tapKeys taps the checkout's on-screen keys.
func (h *harness) tapKeys(keys ...string) {
	for _, k := range keys {
		b, ok := h.u.checkout.keys[k]
		if !ok {
			h.t.Fatalf("no key %q", k)
		}
		test.Tap(b)
	}
}

// useCard picks the simulated reader's next card by its last four digits.
func (h *harness) useCard(last4 string) {
	h.t.Helper()
	if !h.u.demo.selectCard(last4) {
		h.t.Fatalf("no demo card ending in %s (cards: %v)", last4, h.u.demo.cards)
	}
}

// typeCard types a card number into the demo panel and presses Enter.
func (h *harness) typeCard(pan string) {
	h.u.demo.card.SetText(pan)
	h.u.demo.card.OnSubmitted(pan)
}

// enterPIN types a PIN on the PIN screen and confirms.
func (h *harness) enterPIN(pin string) {
	h.typeKeys(pin)
	h.press(fyne.KeyReturn)
}

// fixedVariant is Kassa's theme pinned to light or dark (the test app has
// no OS preference); screenshots use the light one.
type fixedVariant struct {
	kassaTheme
	v fyne.ThemeVariant
}

func (f fixedVariant) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return f.kassaTheme.Color(n, f.v)
}

// fakeLP puts a stand-in for the OS print command first on PATH (no test
// prints on the machine's real printer): it accepts every job and writes
// the file's path to dir/lp-jobs, or fails while dir/lp-fails exists.
func fakeLP(t *testing.T, dir string) {
	t.Helper()
	bin := filepath.Join(dir, "bin")
	script := "#!/bin/sh\n[ -e '" + dir + "/lp-fails' ] && { echo 'lp: Error - no default destination available.' >&2; exit 1; }\n" +
		"echo \"$2\" >> '" + dir + "/lp-jobs'\necho 'request id is fake-1 (1 file(s))'\n"
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "lp"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// lpJobs lists the files the stand-in lp printed.
func (h *harness) lpJobs() []string {
	b, _ := os.ReadFile(filepath.Join(h.dir, "lp-jobs"))
	return strings.Fields(string(b))
}

// lpFails makes the stand-in lp fail (or work again).
func (h *harness) lpFails(fail bool) {
	path := filepath.Join(h.dir, "lp-fails")
	if fail {
		os.WriteFile(path, nil, 0o600)
	} else {
		os.Remove(path)
	}
}
