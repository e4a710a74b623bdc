package pos

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"kassa/device"
	"kassa/device/sim"
	"kassa/device/sred"
	"kassa/mapi/sandbox"
)

// Demo mode's embedded sandbox credentials.
const (
	demoLogin    = "demo"
	demoKey      = "demo-control-key"
	demoEndpoint = "1"
)

// demoParts are the embedded sandbox (demo mode) and the simulated reader
// (demo mode or KASSA_READER=sim).
type demoParts struct {
	gatewayURL string
	sandbox    *sandbox.Running
	sim        *sim.Reader
	link       simLink
}

// simLink is how the simulated reader is attached: a pseudo-terminal on
// unix (the real serial path), an in-memory pipe elsewhere.
type simLink interface {
	open(ctx context.Context, opts device.Options) (*device.Reader, error)
	replug() error
	close()
}

// demoCardLabels describes the sandbox's test cards (MAPI.md §7).
var demoCardLabels = map[string]string{
	"4111111111111111": "Visa — approved",
	"5555555555554444": "Mastercard — approved",
	"2200000000000004": "Mir — approved",
	"4000000000000002": "declined (insufficient funds)",
	"4000000000000119": "error",
	"4000000000000259": "filtered (fraud control)",
	"4000000000000077": "processing 20 s, then approved",
	"4000000000000341": "approved, no callback (polling finds it)",
	"4000000000000432": "approved, callback twice (second late)",
	"4000000000000994": "reply held past the timeout → unknown, then approved",
	"4000000000000127": "unknown for 60 s, then approved",
}

// faultReplug is the demo control that plugs the simulated reader back in
// after the unplug fault.
const faultReplug = "replug"

func startDemo(ctx context.Context, e *Engine, cfg Config) (*demoParts, error) {
	d := &demoParts{}
	if cfg.Demo {
		run, err := sandbox.Start(ctx, "127.0.0.1:0", sandbox.Options{
			Login: demoLogin, Key: demoKey, EndpointID: demoEndpoint, Currency: cfg.Currency,
			DataFile: filepath.Join(cfg.DataDir, "demo-sandbox.json"), Logger: e.log.With("component", "demo-sandbox"),
		})
		if err != nil {
			return nil, fmt.Errorf("demo gateway: %w", err)
		}
		d.sandbox = run
		d.gatewayURL = run.URL
	}
	d.sim = sim.New(sim.Config{BDK: sred.TestBDK, Card: "4111111111111111", AutoSwipe: cfg.SimAutoSwipe, Logger: e.log.With("component", "sim-reader")})
	link, err := newSimLink(e.ctx, d.sim)
	if err != nil {
		d.close()
		return nil, fmt.Errorf("simulated reader: %w", err)
	}
	d.link = link
	return d, nil
}

func (d *demoParts) openReader(ctx context.Context, opts device.Options) (*device.Reader, error) {
	return d.link.open(ctx, opts)
}

func (d *demoParts) close() {
	if d.link != nil {
		d.link.close()
	}
	if d.sandbox != nil {
		_ = d.sandbox.Close()
	}
}

// Cards lists the simulated reader's test cards with what the sandbox does.
func (d *demoParts) Cards() []DemoCard {
	var out []DemoCard
	for _, pan := range d.sim.Cards() {
		l := demoCardLabels[pan]
		if l == "" {
			l = "declined (invalid card)"
		}
		out = append(out, DemoCard{PAN: pan, Label: l})
	}
	return out
}

// SetCard picks the card the simulated reader swipes next.
func (d *demoParts) SetCard(pan string) error {
	return d.sim.SetCard(strings.ReplaceAll(strings.TrimSpace(pan), " ", ""))
}

// Faults lists the simulated reader's faults ("none" clears) and "replug",
// which plugs the reader back in after "unplug".
func (d *demoParts) Faults() []string {
	var out []string
	for _, f := range sim.Faults() {
		out = append(out, string(f))
	}
	return append(out, faultReplug)
}

// SetFault makes the simulated reader misbehave on the next read (see
// device/sim for each fault), or plugs it back in ("replug").
func (d *demoParts) SetFault(name string) error {
	if name == faultReplug {
		return d.link.replug()
	}
	f, err := sim.ParseFault(name)
	if err != nil {
		return fmt.Errorf("unknown fault %q", name)
	}
	d.sim.SetFault(f)
	return nil
}

// Swipe swipes the current card now (when the reader waits for one).
func (d *demoParts) Swipe() error { return d.sim.Swipe() }
