package pos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"kassa/device/sred"
	"kassa/mapi"
	"kassa/mapi/sandbox"
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
		"KASSA_TEST_CRASHPOINT"} {
		os.Unsetenv(k)
	}
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
	e, err := Start(context.Background(), cfg, testLogger(t))
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

// TestTestCards runs every test card of MAPI.md §7 to its right state in
// each wait mode: callback only, polling only, and both.
func TestTestCards(t *testing.T) {
	want := map[string]Status{
		cardVisa: StatusApproved, cardMC: StatusApproved, cardMir: StatusApproved,
		cardDeclined: StatusDeclined, cardError: StatusFailed, cardFiltered: StatusFiltered,
		cardSlow: StatusApproved, cardNoCB: StatusApproved, cardTwiceCB: StatusApproved,
		cardHeld: StatusApproved, cardUnknown: StatusApproved, cardInvalid: StatusDeclined,
	}
	order := []string{cardVisa, cardMC, cardMir, cardDeclined, cardError, cardFiltered, cardSlow, cardNoCB, cardTwiceCB, cardHeld, cardUnknown, cardInvalid}
	for _, mode := range []string{callbackOnly, pollingOnly, callbackAndPo} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			sb := startSandbox(t, sandbox.Options{})
			cfg := testConfig(t, sb.URL, mode)
			if mode == callbackOnly {
				cfg.ResultWait = 4 * time.Second
			}
			e := startEngine(t, cfg)
			for i, card := range order {
				exp := want[card]
				if mode == callbackOnly && card == cardNoCB {
					exp = StatusUnknown // no callback and no polling: only recovery finds it
				}
				v := pay(t, e, card, int64(1000+i))
				if v.Status != exp {
					p, _ := e.Journal().Get(v.ClientOrderID)
					t.Errorf("%s card %s: status %q, want %q (reason %q; events %v)", mode, card, v.Status, exp, v.Reason, eventTypes(p))
				}
				if exp == StatusUnknown {
					// Resolve it so the next payment is not blocked.
					if err := e.Recover(context.Background()); err != nil {
						t.Fatal(err)
					}
					if got, _ := e.Payment(v.ClientOrderID); got.Status != StatusApproved {
						t.Errorf("after Recover: %s card %s: %q", mode, card, got.Status)
					}
				}
				o, ok := sb.Server.Order(v.ClientOrderID)
				if !ok {
					t.Errorf("%s: sandbox has no order %s", card, v.ClientOrderID)
				} else if o.PaynetOrderID != "" {
					if got, _ := e.Payment(v.ClientOrderID); got.PaynetOrderID != o.PaynetOrderID {
						t.Errorf("%s: paynet order id %q, sandbox %q", card, got.PaynetOrderID, o.PaynetOrderID)
					}
				}
				if v.Status == StatusApproved && v.ApprovalCode == "" {
					t.Errorf("%s: approved without approval code", card)
				}
				if v.MaskedPAN == "" || strings.Contains(v.MaskedPAN, card) || !strings.Contains(v.MaskedPAN, "*") || !strings.HasSuffix(v.MaskedPAN, card[12:]) {
					t.Errorf("%s: masked card %q", card, v.MaskedPAN)
				}
			}
			// Every payment is in the journal once, final.
			un, _ := e.Journal().Unresolved()
			if len(un) != 0 {
				t.Errorf("%d unresolved payments left", len(un))
			}
			if n := len(sb.Server.Orders()); n != len(order) {
				t.Errorf("sandbox has %d orders, want %d (one per payment)", n, len(order))
			}
		})
	}
}

// TestDuplicateAndLateCallback: the second, late callback changes nothing.
func TestDuplicateAndLateCallback(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	e := startEngine(t, testConfig(t, sb.URL, callbackOnly))
	v := pay(t, e, cardTwiceCB, 4321)
	if v.Status != StatusApproved {
		t.Fatalf("status %s", v.Status)
	}
	waitFor(t, 5*time.Second, "second callback", func() bool {
		o, _ := sb.Server.Order(v.ClientOrderID)
		return o.CallbacksDelivered >= 2
	})
	time.Sleep(100 * time.Millisecond)
	p, err := e.Journal().Get(v.ClientOrderID)
	if err != nil {
		t.Fatal(err)
	}
	if n := countEvents(p, store.EventFinal) + countEvents(p, store.EventResolved); n != 1 {
		t.Errorf("%d final events, want 1: %v", n, eventTypes(p))
	}
	if n := countEvents(p, store.EventAlert); n != 0 {
		t.Errorf("%d alerts: %v", n, eventTypes(p))
	}
	if p.Status != store.StatusApproved {
		t.Errorf("status %s", p.Status)
	}
}

// TestUnknownThenResolved: no final answer within ResultWait → Pay returns
// unknown, new payments are blocked, and the background resolver settles it
// by itself (the snapshot changes without a call).
func TestUnknownThenResolved(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, pollingOnly)
	cfg.ResultWait = 300 * time.Millisecond
	e := startEngine(t, cfg)
	var mu sync.Mutex
	var stages []Stage
	cancel := e.Subscribe(func(s Snapshot) {
		mu.Lock()
		if len(stages) == 0 || stages[len(stages)-1] != s.Stage {
			stages = append(stages, s.Stage)
		}
		mu.Unlock()
	})
	defer cancel()
	v := pay(t, e, cardUnknown, 12700)
	if v.Status != StatusUnknown {
		t.Fatalf("status %s, want unknown", v.Status)
	}
	if !v.Reason.Cause.Unknown() { // ui: "DO NOT charge again"
		t.Errorf("reason %q", v.Reason)
	}
	s := e.Snapshot()
	if s.Stage != StageUnknown || !s.Blocked || s.Unresolved != 1 {
		t.Errorf("snapshot %s blocked=%v unresolved=%d", s.Stage, s.Blocked, s.Unresolved)
	}
	if _, err := e.Pay(context.Background(), Sale, Amount{Minor: 100, Currency: "RUB"}, ""); !errors.Is(err, ErrBlocked) {
		t.Errorf("second Pay while unknown: %v, want ErrBlocked", err)
	}
	waitFor(t, 10*time.Second, "background resolution", func() bool {
		s := e.Snapshot()
		return s.Payment != nil && s.Payment.Status == StatusApproved && s.Stage == StageApproved && !s.Blocked
	})
	p, _ := e.Journal().Get(v.ClientOrderID)
	if countEvents(p, store.EventUnknown) != 1 || countEvents(p, store.EventResolved) != 1 {
		t.Errorf("events %v", eventTypes(p))
	}
	// Subscribers get the change too (delivered asynchronously, in order).
	waitFor(t, 5*time.Second, "the approved snapshot delivered", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(stages) > 0 && stages[len(stages)-1] == StageApproved
	})
	mu.Lock()
	got := fmt.Sprint(stages)
	mu.Unlock()
	for _, st := range []Stage{StageWaitingCard, StageSending, StageWaitingBank, StageUnknown, StageApproved} {
		if !strings.Contains(got, st.String()) {
			t.Errorf("stages %s lack %s", got, st)
		}
	}
}

// TestHeldReply: the sale reply is held past the client's timeout → unknown
// → resolved by status with the client_orderid.
func TestHeldReply(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, pollingOnly)
	cfg.ResultWait = 100 * time.Millisecond
	e := startEngine(t, cfg)
	v := pay(t, e, cardHeld, 99400)
	if v.Status != StatusUnknown {
		t.Fatalf("status %s, want unknown", v.Status)
	}
	waitFor(t, 10*time.Second, "resolution", func() bool {
		got, _ := e.Payment(v.ClientOrderID)
		return got.Status == StatusApproved
	})
	got, _ := e.Payment(v.ClientOrderID)
	if got.PaynetOrderID == "" || got.ApprovalCode == "" {
		t.Errorf("resolved without ids: %+v", got)
	}
}

// TestCancelWhileWaitingForCard: nothing is journaled or sent.
func TestCancelWhileWaitingForCard(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, pollingOnly)
	cfg.SimAutoSwipe = -1
	e := startEngine(t, cfg)
	errc := make(chan error, 1)
	go func() {
		_, err := e.Pay(context.Background(), Sale, Amount{Minor: 500, Currency: "RUB"}, "")
		errc <- err
	}()
	waitFor(t, 10*time.Second, "waiting for card", func() bool {
		s := e.Snapshot()
		return s.Stage == StageWaitingCard && s.CanCancel
	})
	if !e.Cancel() {
		t.Fatal("Cancel returned false while waiting for the card")
	}
	select {
	case err := <-errc:
		if !errors.Is(err, ErrCancelled) {
			t.Fatalf("Pay: %v, want ErrCancelled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Pay did not return after Cancel")
	}
	if ps, _ := e.Journal().Latest(10); len(ps) != 0 {
		t.Errorf("journal has %d payments after cancel", len(ps))
	}
	if n := sb.Server.Requests("sale"); n != 0 {
		t.Errorf("sandbox got %d sale requests", n)
	}
	if e.Cancel() {
		t.Error("Cancel with nothing running returned true")
	}
	// The reader still works: a manual swipe completes the next payment.
	if err := e.Demo().SetCard(cardVisa); err != nil {
		t.Fatal(err)
	}
	done := make(chan PaymentView, 1)
	go func() {
		v, _ := e.Pay(context.Background(), Sale, Amount{Minor: 600, Currency: "RUB"}, "")
		done <- v
	}()
	waitFor(t, 10*time.Second, "waiting for card again", func() bool { return e.Snapshot().Stage == StageWaitingCard })
	time.Sleep(50 * time.Millisecond)
	if err := e.demo.Swipe(); err != nil {
		t.Fatal(err)
	}
	select {
	case v := <-done:
		if v.Status != StatusApproved {
			t.Errorf("after cancel, next payment: %s", v.Status)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("payment after cancel did not finish")
	}
}

// signedCallback sends a callback GET signed with key.
func signedCallback(t *testing.T, cbURL string, key mapi.Secret, status, orderID, clientOrderID string) int {
	t.Helper()
	q := url.Values{"status": {status}, "orderid": {orderID}, "client_orderid": {clientOrderID},
		"merchant_order": {clientOrderID}, "type": {"sale"}, "amount": {"10.00"},
		"control": {mapi.CallbackControl(status, orderID, clientOrderID, key)}}
	resp, err := http.Get(cbURL + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestForgedCallback: a callback with a bad signature, a foreign order id or
// an unknown client_orderid changes nothing; even a correctly signed one is
// only a hint confirmed by status.
func TestForgedCallback(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, callbackOnly)
	cfg.ResultWait = 300 * time.Millisecond
	e := startEngine(t, cfg)
	v := pay(t, e, cardNoCB, 1000) // approved at the gateway, no callback, no polling
	if v.Status != StatusUnknown {
		t.Fatalf("status %s, want unknown", v.Status)
	}
	o, _ := sb.Server.Order(v.ClientOrderID)
	cb := e.CallbackURL()
	if code := signedCallback(t, cb, "wrong-key", "declined", o.PaynetOrderID, v.ClientOrderID); code != http.StatusForbidden {
		t.Errorf("forged callback: HTTP %d, want 403", code)
	}
	signedCallback(t, cb, "demo-control-key", "declined", "999999", v.ClientOrderID)                   // another order id
	signedCallback(t, cb, "demo-control-key", "approved", "1", "0b4e7b0e-0000-4000-8000-000000000000") // unknown payment
	time.Sleep(200 * time.Millisecond)
	got, _ := e.Payment(v.ClientOrderID)
	if got.Status != StatusUnknown {
		t.Fatalf("after forged callbacks: %s", got.Status)
	}
	p, _ := e.Journal().Get(v.ClientOrderID)
	if countEvents(p, store.EventAlert) != 1 {
		t.Errorf("want one alert for the foreign order id: %v", eventTypes(p))
	}
	// A signed callback that lies ("declined") is confirmed by status: the
	// gateway says approved, and approved is recorded.
	if code := signedCallback(t, cb, "demo-control-key", "declined", o.PaynetOrderID, v.ClientOrderID); code != http.StatusOK {
		t.Errorf("signed callback: HTTP %d", code)
	}
	waitFor(t, 5*time.Second, "confirmation", func() bool {
		got, _ := e.Payment(v.ClientOrderID)
		return got.Status == StatusApproved
	})
}

// TestRecoveryAtStart: an unknown payment left by one engine is resolved by
// the next one's start-up check, a visible stage.
func TestRecoveryAtStart(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, callbackOnly)
	cfg.ResultWait = 200 * time.Millisecond
	e1 := startEngine(t, cfg)
	v := pay(t, e1, cardNoCB, 3410)
	if v.Status != StatusUnknown {
		t.Fatalf("status %s", v.Status)
	}
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}
	cfg2 := cfg
	cfg2.CallbackListen = ""
	e2, err := Start(context.Background(), cfg2, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	if s := e2.Snapshot(); s.Stage != StageRecovering {
		t.Errorf("first stage %s, want recovering", s.Stage)
	}
	if err := e2.WaitRecovered(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _ := e2.Payment(v.ClientOrderID)
	if got.Status != StatusApproved {
		t.Errorf("after recovery: %s", got.Status)
	}
	if s := e2.Snapshot(); s.Stage != StageReady || s.Blocked || s.Unresolved != 0 {
		t.Errorf("snapshot after recovery: %s blocked=%v unresolved=%d", s.Stage, s.Blocked, s.Unresolved)
	}
	if ids := e2.Recovered(); len(ids) != 1 || ids[0] != v.ClientOrderID {
		t.Errorf("Recovered() = %v", ids)
	}
}

// TestRecoveryUnreachable: an unresolved payment the gateway cannot answer
// stays unknown and visible; recovery does not hang.
func TestRecoveryUnreachable(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, callbackOnly)
	cfg.ResultWait = 200 * time.Millisecond
	e1 := startEngine(t, cfg)
	v := pay(t, e1, cardNoCB, 3411)
	e1.Close()
	cfg.GatewayURL = "http://127.0.0.1:1/paynet" // nothing listens there
	cfg.CallbackListen = ""
	start := time.Now()
	e2 := startEngine(t, cfg)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("recovery took %v", d)
	}
	s := e2.Snapshot()
	if s.Stage != StageReady || !s.Blocked || s.Unresolved != 1 {
		t.Errorf("snapshot %s blocked=%v unresolved=%d", s.Stage, s.Blocked, s.Unresolved)
	}
	got, _ := e2.Payment(v.ClientOrderID)
	if got.Status != StatusUnknown {
		t.Errorf("status %s", got.Status)
	}
	if s.Gateway.OK {
		t.Error("gateway reported OK")
	}
}

// TestOverride: a manager lets new payments start despite an unknown one;
// the decision is journaled.
func TestOverride(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, callbackOnly)
	cfg.ResultWait = 200 * time.Millisecond
	e := startEngine(t, cfg)
	v := pay(t, e, cardNoCB, 3412)
	if !e.Snapshot().Blocked {
		t.Fatal("not blocked after an unknown payment")
	}
	if err := e.Override("", "x"); err == nil {
		t.Error("override without a manager accepted")
	}
	if err := e.Override("Anna (manager)", "customer paid cash; bank line down"); err != nil {
		t.Fatal(err)
	}
	if e.Snapshot().Blocked {
		t.Fatal("still blocked after override")
	}
	p, _ := e.Journal().Get(v.ClientOrderID)
	if countEvents(p, store.EventOverride) != 1 {
		t.Errorf("events %v", eventTypes(p))
	}
	pv, _ := e.Payment(v.ClientOrderID)
	found := false
	for _, ev := range pv.Events {
		if strings.Contains(ev.Detail, "Anna") && strings.Contains(ev.Detail, "bank line down") {
			found = true
		}
	}
	if !found {
		t.Errorf("override not visible in events: %+v", pv.Events)
	}
	if v2 := pay(t, e, cardVisa, 100); v2.Status != StatusApproved {
		t.Errorf("payment after override: %s", v2.Status)
	}
	// The override survives a restart.
	e.Close()
	cfg.GatewayURL = "http://127.0.0.1:1/paynet"
	cfg.CallbackListen = ""
	e2 := startEngine(t, cfg)
	if e2.Snapshot().Blocked {
		t.Error("blocked again after restart")
	}
}

// TestNotSent: the gateway cannot be reached → failed, not charged.
func TestNotSent(t *testing.T) {
	cfg := testConfig(t, "http://127.0.0.1:1/paynet", pollingOnly)
	e := startEngine(t, cfg)
	v := pay(t, e, cardVisa, 100)
	if v.Status != StatusFailed || v.Reason.Cause != CauseBankUnreachable { // not charged
		t.Errorf("status %s reason %q", v.Status, v.Reason)
	}
	if s := e.Snapshot(); s.Stage != StageFailed || s.Blocked {
		t.Errorf("stage %s blocked %v", s.Stage, s.Blocked)
	}
}

// swipeBlob is the encrypted-data of a swipe of pan, as the simulated
// reader makes it.
func swipeBlob(t *testing.T, pan string) string {
	t.Helper()
	ksn, err := sred.ParseKSN("FFFF9876543210E00001")
	if err != nil {
		t.Fatal(err)
	}
	track := ";" + pan + "=2812101000000000?"
	ct, err := sred.Encrypt(sred.TestBDK, ksn, track)
	if err != nil {
		t.Fatal(err)
	}
	masked, err := sred.Mask(track)
	if err != nil {
		t.Fatal(err)
	}
	return sred.Blob{Ciphertext: ct, KSN: ksn, MaskedTrack2: masked, ReaderSerial: "SIM00001"}.Hex()
}

// TestIntentOnlyIsMaybeSent: the request goes out right after the fsynced
// intent with no journal write between, so a payment whose journal holds
// only its intent (a crash before, during or just after the request) may
// have reached the gateway. Recovery asks the gateway: an order it has ends
// with its result; "not found" stays unknown through the grace period and
// then ends "not charged"; an order the gateway had acknowledged is never
// made "not charged" by "not found". Journals of earlier versions (intent,
// then "sent") resolve the same way.
func TestIntentOnlyIsMaybeSent(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	e := startEngine(t, testConfig(t, sb.URL, pollingOnly))
	j := e.Journal()
	begin := func(id string, evs ...store.Event) {
		t.Helper()
		if err := j.Begin(store.Payment{ClientOrderID: id, Kind: store.KindSale, AmountMinor: 100, Currency: "RUB", MaskedPAN: "411111******1111"}); err != nil {
			t.Fatal(err)
		}
		if len(evs) > 0 {
			if _, err := j.RecordAll(id, evs...); err != nil {
				t.Fatal(err)
			}
		}
	}
	neverSent := "7d5b8f8e-2f3c-4a51-9a7e-0c1d2e3f4a5b"
	begin(neverSent)
	oldSent := "8d5b8f8e-2f3c-4a51-9a7e-0c1d2e3f4a5b"
	begin(oldSent, store.Event{Type: store.EventSent, Status: store.StatusSent})
	acked := "9d5b8f8e-2f3c-4a51-9a7e-0c1d2e3f4a5b"
	begin(acked, store.Event{Type: store.EventAccepted, Fields: map[string]string{store.FieldPaynetOrderID: "990001"}})
	// Intent only, but the request reached the gateway before the crash.
	reached := "ad5b8f8e-2f3c-4a51-9a7e-0c1d2e3f4a5b"
	begin(reached)
	client, err := mapi.New(mapi.Config{BaseURL: sb.URL, EndpointID: "1", Login: "demo", ControlKey: "demo-control-key", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer client.CloseIdleConnections()
	if _, err := client.Sale(context.Background(), mapi.PaymentRequest{ClientOrderID: reached, Amount: Amount{Minor: 100, Currency: "RUB"},
		Description: "test", EncryptedType: sred.EncryptedType, EncryptedData: swipeBlob(t, cardVisa),
		PhoneID: "T1", IPAddress: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}

	if err := e.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Not found within the grace period: unknown, never "not charged" yet.
	for _, id := range []string{neverSent, oldSent, acked} {
		if v, _ := e.Payment(id); v.Status != StatusUnknown {
			t.Errorf("%s within grace: %s %q", id, v.Status, v.Reason)
		}
	}
	waitFor(t, 10*time.Second, "the payment that reached the gateway to resolve", func() bool {
		v, _ := e.Payment(reached)
		return v.Status == StatusApproved
	})
	// After the grace period: not charged, unless the gateway had accepted it.
	e.mu.Lock()
	e.cfg.NotFoundGrace = time.Millisecond
	e.mu.Unlock()
	if err := e.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{neverSent, oldSent} {
		if v, _ := e.Payment(id); v.Status != StatusFailed || v.Reason.Cause != CauseNoRecordAtBank {
			t.Errorf("%s after grace: %s %q", id, v.Status, v.Reason)
		}
	}
	if v, _ := e.Payment(acked); v.Status != StatusUnknown {
		t.Errorf("acknowledged order, not found after grace: %s %q (want unknown)", v.Status, v.Reason)
	}
	if n := sb.Server.Requests(sandbox.CmdSale); n != 1 {
		t.Errorf("%d sale requests: recovery must never send a payment again", n)
	}
}

// TestCloseDay: totals from the journal, the request id journaled, the
// gateway's reply compared; refused while payments are unresolved.
func TestCloseDay(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, callbackAndPo)
	e := startEngine(t, cfg)
	pay(t, e, cardVisa, 1042)
	pay(t, e, cardMC, 2000)
	pay(t, e, cardDeclined, 5000)
	pv, err := e.PreviewCloseDay()
	if err != nil {
		t.Fatal(err)
	}
	if len(pv.Totals) != 1 || pv.Totals[0].SaleCount != 2 || pv.Totals[0].SaleSum.Minor != 3042 {
		t.Fatalf("preview %+v", pv.Totals)
	}
	var steps []Reason
	rep, err := e.CloseDay(context.Background(), false, func(s Reason) { steps = append(steps, s) })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != store.BatchFinished || !rep.Agree || len(rep.Differences) != 0 {
		t.Fatalf("report %+v", rep)
	}
	if rep.Theirs.SaleCount != 2 || rep.Theirs.SaleSum.Minor != 3042 || rep.ChainHead == "" || rep.RequestID == "" {
		t.Errorf("report %+v", rep)
	}
	b, err := e.Journal().Batch(rep.RequestID)
	if err != nil || b.Status != store.BatchFinished {
		t.Errorf("batch %+v %v", b, err)
	}
	if pv, _ := e.PreviewCloseDay(); pv.Totals[0].SaleCount != 0 {
		t.Errorf("open day after close: %+v", pv.Totals)
	}
	z := e.ZReport(rep)
	if !strings.Contains(z.Text(), rep.RequestID) {
		t.Error("Z report lacks the request id")
	}

	// A payment the journal has but the gateway closed in the previous batch
	// cannot be made here; instead: an unresolved payment refuses the close.
	cfg2 := cfg
	_ = cfg2
	id := "9d5b8f8e-2f3c-4a51-9a7e-0c1d2e3f4a5b"
	if err := e.Journal().Begin(store.Payment{ClientOrderID: id, Kind: store.KindSale, AmountMinor: 100, Currency: "RUB"}); err != nil {
		t.Fatal(err)
	}
	e.Journal().Record(id, store.Event{Type: store.EventSent, Status: store.StatusSent})
	if _, err := e.CloseDay(context.Background(), false, nil); !errors.Is(err, ErrUnresolved) {
		t.Errorf("close with unresolved: %v", err)
	}
	rep, err = e.CloseDay(context.Background(), true, nil)
	if err != nil || rep.Status != store.BatchFinished || rep.Warning.Cause != CauseDayUnresolvedLeft {
		t.Errorf("forced close: %+v %v", rep, err)
	}
}

// TestCloseDayDifference: the journal and the gateway disagree → reported.
func TestCloseDayDifference(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, callbackAndPo)
	e := startEngine(t, cfg)
	pay(t, e, cardVisa, 1000)
	// A second terminal's sale on the same endpoint: the gateway counts it,
	// this journal does not.
	cfg2 := testConfig(t, sb.URL, callbackAndPo)
	e2 := startEngine(t, cfg2)
	pay(t, e2, cardVisa, 500)
	e2.Close()
	rep, err := e.CloseDay(context.Background(), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Agree || len(rep.Differences) != 2 {
		t.Fatalf("want 2 differences: %+v", rep)
	}
	if rep.Differences[0].Field != "sale count" || rep.Differences[0].Ours != "1" || rep.Differences[0].Theirs != "2" {
		t.Errorf("differences %+v", rep.Differences)
	}
}

func TestPINs(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	e := startEngine(t, testConfig(t, sb.URL, pollingOnly))
	if e.CheckPIN(Manager, "1234") || e.HasPIN(Manager) {
		t.Error("live mode has a default manager PIN")
	}
	if err := e.SetPIN(Manager, "12"); err == nil {
		t.Error("short PIN accepted")
	}
	if err := e.SetPIN(Manager, "482913"); err != nil {
		t.Fatal(err)
	}
	if !e.CheckPIN(Manager, "482913") || e.CheckPIN(Manager, "482914") || e.CheckPIN(Cashier, "482913") {
		t.Error("CheckPIN wrong")
	}
	h := e.Config().ManagerPINHash
	if h == "" || strings.Contains(h, "482913") {
		t.Errorf("hash %q", h)
	}
	b, _ := os.ReadFile(ConfigPath())
	if !strings.Contains(string(b), h) || strings.Contains(string(b), "demo-control-key") {
		t.Errorf("config file: %s", b)
	}
	if !checkPIN("", DemoManagerPIN, true, Manager) || !checkPIN("", DemoCashierPIN, true, Cashier) || checkPIN("", "1234", false, Manager) {
		t.Error("demo defaults")
	}
}

func TestReceiptDuplicate(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	e := startEngine(t, testConfig(t, sb.URL, callbackAndPo))
	v := pay(t, e, cardVisa, 1050)
	r1, err := e.Receipt(v.ClientOrderID, CustomerCopy)
	if err != nil {
		t.Fatal(err)
	}
	m1, _ := e.Receipt(v.ClientOrderID, MerchantCopy)
	r2, _ := e.Receipt(v.ClientOrderID, CustomerCopy)
	if r1.Duplicate || m1.Duplicate || !r2.Duplicate {
		t.Errorf("duplicate flags: %v %v %v", r1.Duplicate, m1.Duplicate, r2.Duplicate)
	}
	if r1.Amount != "10.50" || r1.ApprovalCode == "" || r1.MaskedPAN == "" || r1.Status != StatusApproved.String() {
		t.Errorf("receipt %+v", r1)
	}
	if !strings.Contains(r2.Text(), "DUPLICATE") {
		t.Error("reprint text lacks DUPLICATE")
	}
	pv, _ := e.Payment(v.ClientOrderID)
	if pv.Reprints != 1 || pv.Status != StatusApproved {
		t.Errorf("reprints %d status %s", pv.Reprints, pv.Status)
	}
	// Journaled as receipt events (not as overrides, which a manager's
	// list would show).
	p, _ := e.Journal().Get(v.ClientOrderID)
	if n, o := countEvents(p, store.EventReceipt), countEvents(p, store.EventOverride); n != 3 || o != 0 {
		t.Errorf("%d receipt and %d override events: %v", n, o, eventTypes(p))
	}
	// Prints at the same moment: exactly one is the original.
	w := pay(t, e, cardMC, 1060)
	var wg sync.WaitGroup
	dups := make(chan bool, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.Receipt(w.ClientOrderID, MerchantCopy)
			if err != nil {
				t.Error(err)
			}
			dups <- r.Duplicate
		}()
	}
	wg.Wait()
	close(dups)
	originals := 0
	for d := range dups {
		if !d {
			originals++
		}
	}
	if originals != 1 {
		t.Errorf("%d of 4 simultaneous prints were not stamped DUPLICATE, want 1", originals)
	}
	if _, err := e.Receipt("00000000-0000-4000-8000-000000000000", CustomerCopy); !errors.Is(err, ErrNotFound) {
		t.Errorf("receipt of an unknown payment: %v", err)
	}
}

func TestSearchAndToday(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	e := startEngine(t, testConfig(t, sb.URL, callbackAndPo))
	v1 := pay(t, e, cardVisa, 1042)
	v2 := pay(t, e, cardMC, 777)
	today, err := e.Today()
	if err != nil || len(today) != 2 || today[0].ClientOrderID != v2.ClientOrderID {
		t.Fatalf("today %v %v", len(today), err)
	}
	for q, want := range map[string]string{"10.42": v1.ClientOrderID, "4444": v2.ClientOrderID, v1.ClientOrderID: v1.ClientOrderID, v2.PaynetOrderID: v2.ClientOrderID} {
		got, err := e.Search(q)
		if err != nil || len(got) != 1 || got[0].ClientOrderID != want {
			t.Errorf("Search(%q) = %d results, %v", q, len(got), err)
		}
	}
}

// TestDemoMode: no gateway configured → the embedded sandbox and the
// simulated reader, with a separate journal.
func TestDemoMode(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DataDir: dir, Demo: true, SimAutoSwipe: 5 * time.Millisecond}
	e := startEngine(t, cfg)
	s := e.Snapshot()
	if !s.Demo || !s.Gateway.Demo || e.Demo() == nil {
		t.Fatal("not in demo mode")
	}
	if len(e.Demo().Cards()) < 10 || len(e.Demo().Faults()) == 0 {
		t.Errorf("demo cards %v", e.Demo().Cards())
	}
	v := pay(t, e, cardDeclined, 1234)
	// ui says "Declined by the bank" and "another card" for CauseDeclined.
	if v.Status != StatusDeclined || v.Reason.Cause != CauseDeclined || v.Reason.Message == "" {
		t.Errorf("demo sale: %s %+v", v.Status, v.Reason)
	}
	for _, f := range []string{"demo-journal.db", "demo-sandbox.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "journal.db")); err == nil {
		t.Error("demo mode wrote the live journal")
	}
	r, _ := e.Receipt(v.ClientOrderID, CustomerCopy)
	if !r.Demo {
		t.Error("demo receipt not marked")
	}
}

// TestCloseStopsGoroutines: every goroutine the engine started stops on Close.
func TestCloseStopsGoroutines(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, callbackAndPo)
	cfg.ResultWait = 100 * time.Millisecond
	e, err := Start(context.Background(), cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	e.WaitRecovered(context.Background())
	e.Subscribe(func(Snapshot) {})
	pay(t, e, cardVisa, 100)
	v := pay(t, e, cardUnknown, 100)
	_ = v // still resolving in the background when Close comes
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	waitFor(t, 5*time.Second, "engine goroutines to stop", func() bool {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		stacks := string(buf[:n])
		return !strings.Contains(stacks, "kassa/pos.(*") && !strings.Contains(stacks, "kassa/device.(*") &&
			!strings.Contains(stacks, "kassa/device/sim.")
	})
	if _, err := e.Pay(context.Background(), Sale, Amount{Minor: 1, Currency: "RUB"}, ""); !errors.Is(err, ErrClosed) {
		t.Errorf("Pay after Close: %v", err)
	}
}

// TestStageNames: every stage has its name (the words are ui/words').
func TestStageNames(t *testing.T) {
	for _, s := range []Stage{StageStarting, StageRecovering, StageReady, StageWaitingReader, StageWaitingCard, StageSending,
		StageWaitingBank, StageApproved, StageDeclined, StageFailed, StageUnknown} {
		if s.String() == "" || strings.HasPrefix(s.String(), "stage(") {
			t.Errorf("%d has no name", s)
		}
	}
	if StageRecovering.String() != "recovering" || StageWaitingCard.String() != "waiting-card" {
		t.Error("stage names changed")
	}
}

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]int64{"10.42": 1042, "10,42": 1042, " 10 ": 1000, "0.01": 1} {
		a, err := ParseAmount(in, "RUB")
		if err != nil || a.Minor != want || a.Currency != "RUB" {
			t.Errorf("%q: %v %v", in, a, err)
		}
	}
	for _, in := range []string{"0", "-1", "1.234", "abc", ""} {
		if _, err := ParseAmount(in, "RUB"); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestLoadConfigEnv(t *testing.T) {
	t.Setenv("KASSA_GATEWAY_URL", "https://gw.example/paynet")
	t.Setenv("KASSA_ENDPOINT_ID", "77")
	t.Setenv("KASSA_LOGIN", "merchant")
	t.Setenv("KASSA_CONTROL_KEY", "secret-key")
	t.Setenv("KASSA_SALE_TIMEOUT", "12s")
	t.Setenv("KASSA_CURRENCY", "usd")
	t.Setenv("KASSA_DATA_DIR", t.TempDir())
	cfg, err := LoadConfig(false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Demo || cfg.EndpointID != "77" || cfg.ControlKey != "secret-key" || cfg.SaleTimeout != 12*time.Second || cfg.Currency != "USD" || cfg.TerminalID == "" {
		t.Errorf("config %+v", cfg)
	}
	// The terminal id is kept; the key never reaches the file.
	cfg2, _ := LoadConfig(false)
	if cfg2.TerminalID != cfg.TerminalID {
		t.Error("terminal id not kept")
	}
	if err := SaveConfig(cfg); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(ConfigPath())
	if strings.Contains(string(b), "secret-key") {
		t.Error("control key written to the config file")
	}
	t.Setenv("KASSA_GATEWAY_URL", "")
	os.Unsetenv("KASSA_GATEWAY_URL")
	os.Remove(ConfigPath())
	cfg3, _ := LoadConfig(false)
	if !cfg3.Demo {
		t.Error("no gateway configured, but not demo")
	}
	t.Setenv("KASSA_SALE_TIMEOUT", "soon")
	if _, err := LoadConfig(true); err == nil {
		t.Error("bad KASSA_SALE_TIMEOUT accepted")
	}
}

// TestLogsCarryNoSecrets: at debug level, a whole sale logs no clear PAN,
// no control key and no encrypted card data.
func TestLogsCarryNoSecrets(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	var buf syncBuffer
	cfg := testConfig(t, sb.URL, callbackAndPo)
	e, err := Start(context.Background(), cfg, slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.WaitRecovered(context.Background())
	v := pay(t, e, cardVisa, 1234)
	pay(t, e, cardHeld, 1235) // unknown path: errors are logged
	e.Close()
	logs := buf.String()
	if v.Status != StatusApproved || !strings.Contains(logs, "level=") {
		t.Fatalf("status %s; %d bytes of logs", v.Status, len(logs))
	}
	for _, bad := range []string{cardVisa, cardHeld, "demo-control-key", "DFAE02", "dfae02"} {
		if strings.Contains(logs, bad) {
			t.Errorf("logs contain %q", bad)
		}
	}
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

// TestSettings: TestGateway tells good credentials from bad; ApplyConfig
// saves the settings (never the key) and takes effect.
func TestSettings(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, pollingOnly)
	e := startEngine(t, cfg)
	if err := e.TestGateway(context.Background(), cfg); err != nil {
		t.Errorf("good credentials: %v", err)
	}
	bad := cfg
	bad.ControlKey = "wrong"
	if err := e.TestGateway(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("bad key: %v", err)
	}
	down := cfg
	down.GatewayURL = "http://127.0.0.1:1/paynet"
	if err := e.TestGateway(context.Background(), down); err == nil || !strings.Contains(err.Error(), "cannot be reached") {
		t.Errorf("unreachable: %v", err)
	}
	st, err := e.TestReader(context.Background(), "")
	if err != nil || st.State != ReaderStateSimulated || st.Serial == "" {
		t.Errorf("TestReader: %+v %v", st, err)
	}
	nc := e.Config()
	nc.Merchant.Name = "Кофейня «Ромашка»"
	nc.ControlKey = ""
	if err := e.ApplyConfig(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	if e.Config().Merchant.Name != nc.Merchant.Name {
		t.Error("merchant name not applied")
	}
	b, _ := os.ReadFile(ConfigPath())
	if !strings.Contains(string(b), "Ромашка") || strings.Contains(string(b), "demo-control-key") {
		t.Errorf("config file: %s", b)
	}
	// The kept key still works.
	if v := pay(t, e, cardVisa, 100); v.Status != StatusApproved {
		t.Errorf("sale after ApplyConfig: %s", v.Status)
	}
	if r, _ := e.Receipt(pay(t, e, cardMC, 200).ClientOrderID, MerchantCopy); r.Merchant != nc.Merchant.Name {
		t.Errorf("receipt merchant %q", r.Merchant)
	}
}

// TestReaderUnplugged: the reader disappears while waiting for the card →
// failed, not charged; after a replug the next payment works.
func TestReaderUnplugged(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, pollingOnly)
	cfg.SimAutoSwipe = 300 * time.Millisecond
	e := startEngine(t, cfg)
	if err := e.Demo().SetFault("unplug"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := e.Pay(ctx, Sale, Amount{Minor: 100, Currency: "RUB"}, "")
	if err == nil {
		t.Fatal("payment succeeded with the reader unplugged")
	}
	s := e.Snapshot()
	if c := s.Reason.Cause; s.Stage != StageFailed || (c != CauseReaderUnavailable && c != CauseCardUnreadable) { // not charged
		t.Errorf("stage %s reason %q", s.Stage, s.Reason)
	}
	if ps, _ := e.Journal().Latest(5); len(ps) != 0 {
		t.Errorf("journaled %d payments", len(ps))
	}
	if err := e.Demo().SetFault("replug"); err != nil {
		t.Fatal(err)
	}
	if v := pay(t, e, cardVisa, 100); v.Status != StatusApproved {
		t.Errorf("after replug: %s", v.Status)
	}
	if err := e.Demo().SetFault("no-such-fault"); err == nil {
		t.Error("unknown fault accepted")
	}
}

// TestKeyring: without KASSA_CONTROL_KEY the key comes from the OS keyring
// (mocked here), saved by StoreControlKey; the config file never holds it.
func TestKeyring(t *testing.T) {
	t.Setenv("KASSA_GATEWAY_URL", "https://gw.example/paynet")
	t.Setenv("KASSA_LOGIN", "shop-7")
	t.Setenv("KASSA_ENDPOINT_ID", "7")
	os.Unsetenv("KASSA_CONTROL_KEY")
	if err := StoreControlKey("from-the-keyring"); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ControlKey != "from-the-keyring" || cfg.Demo {
		t.Errorf("key %q demo %v", cfg.ControlKey, cfg.Demo)
	}
	if err := SaveConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(ConfigPath()); strings.Contains(string(b), "from-the-keyring") {
		t.Error("key in the config file")
	}
	os.Remove(ConfigPath())
}
