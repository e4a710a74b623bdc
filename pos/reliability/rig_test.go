package reliability

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"kassa/mapi"
	"kassa/mapi/faultproxy"
	"kassa/mapi/sandbox"
	"kassa/pos"
	"kassa/pos/demo"
)

// Test cards of MAPI.md §7.
const (
	cardVisa     = "4111111111111111"
	cardMC       = "5555555555554444"
	cardDeclined = "4000000000000002"
	cardSlow     = "4000000000000077"
)

// rig is one terminal: the sandbox, the fault proxy in front of it and an
// engine with the simulated reader talking to the proxy.
type rig struct {
	sb  *sandbox.Running
	px  *faultproxy.Proxy
	e   *pos.Engine
	cfg pos.Config
}

// rigConfig is a live-mode configuration against gatewayURL with short
// timeouts, the simulated reader and polling (no callbacks unless asked).
func rigConfig(t testing.TB, gatewayURL string) pos.Config {
	return pos.Config{
		DataDir: t.TempDir(), GatewayURL: gatewayURL, EndpointID: "1", Login: "demo", ControlKey: "demo-control-key",
		Reader: "sim", Currency: "RUB", TerminalID: "reliability", TerminalName: "Reliability till",
		SaleTimeout: 400 * time.Millisecond, ResultWait: 3 * time.Second, PollInterval: 50 * time.Millisecond,
		NotFoundGrace: 300 * time.Millisecond, SimAutoSwipe: 2 * time.Millisecond,
	}
}

// logger is the engines' logger: debug level, every line scanned for card
// data (zz_logscan_test.go, checked after every test); on stderr too with KASSA_TEST_LOG set.
func logger() *slog.Logger {
	var out io.Writer = io.Discard
	if os.Getenv("KASSA_TEST_LOG") != "" {
		out = os.Stderr
	}
	return scanLogger(out)
}

// newRig starts a sandbox, a proxy and an engine; edit changes the config.
func newRig(t testing.TB, edit func(*pos.Config)) *rig {
	return newRigWith(t, sandbox.Options{Speed: 50}, edit)
}

// newRigWith is newRig with the sandbox's options.
func newRigWith(t testing.TB, opts sandbox.Options, edit func(*pos.Config)) *rig {
	t.Helper()
	opts.CallbackRetry = []time.Duration{20 * time.Millisecond, 50 * time.Millisecond}
	sb, err := sandbox.Start(context.Background(), "127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	px, err := faultproxy.Start(sb.URL, faultproxy.Options{Delay: 900 * time.Millisecond, TrickleEvery: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { px.Close() })
	cfg := rigConfig(t, px.URL())
	if edit != nil {
		edit(&cfg)
	}
	e, err := demo.Start(context.Background(), cfg, logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if err := e.WaitRecovered(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &rig{sb: sb, px: px, e: e, cfg: cfg}
}

// pay takes one payment with the card.
func (r *rig) pay(t testing.TB, kind pos.Kind, card string, minor int64) (pos.PaymentView, error) {
	t.Helper()
	if err := r.e.Demo().SetCard(card); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return r.e.Pay(ctx, kind, pos.Amount{Minor: minor, Currency: "RUB"}, "")
}

// settle waits (up to d) for the payment to be final in the journal,
// nudging the engine's recovery, and returns it.
func (r *rig) settle(t testing.TB, id string, d time.Duration) pos.PaymentView {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		v, err := r.e.Payment(id)
		if err != nil {
			t.Fatalf("payment %s: %v", id, err)
		}
		if v.Status.Final() || time.Now().After(deadline) {
			return v
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = r.e.Recover(ctx)
		cancel()
		time.Sleep(20 * time.Millisecond)
	}
}

// verdict is one payment's outcome judged against the sandbox's record.
type verdict struct {
	wrong, double, lost, unknown bool
	why                          string
}

// judge compares what the engine showed (shown, right after Pay) and
// journaled (final, after settling) with the sandbox's own record of the
// order: money moved at most once, approved exactly when the sandbox
// approved, "not charged" only when the sandbox has no charge, a final
// status never changed.
func (r *rig) judge(cmd, id string, shown, final pos.PaymentView) verdict {
	var v verdict
	n := len(r.sb.Server.Accepted(cmd, id))
	o, ok := r.sb.Server.Order(id)
	charged := ok && o.Status == mapi.StatusApproved
	switch {
	case n > 1:
		v.double, v.why = true, "the sandbox took the payment more than once"
	case !final.Status.Final():
		v.unknown, v.why = true, "still "+final.Status.String()+" after settling"
	case final.Status.Charged() != charged:
		v.wrong, v.lost, v.why = true, charged && !final.Status.Charged(), "journal says "+final.Status.String()+", sandbox says "+string(o.Status)
	case shown.Status.Final() && shown.Status != final.Status:
		v.wrong, v.why = true, "shown "+shown.Status.String()+", later "+final.Status.String()
	}
	return v
}
