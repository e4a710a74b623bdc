// Package demo builds demo mode's parts — the embedded sandbox gateway and
// the simulated card reader — and hands them to the engine (pos.Start). The
// engine itself knows nothing of them: main and the headless commands start
// the engine through Start here.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"kassa/device"
	"kassa/device/sim"
	"kassa/device/sred"
	"kassa/mapi/sandbox"
	"kassa/pos"
	"kassa/pos/demo/simlink"
)

// Demo mode's embedded sandbox credentials.
const (
	Login      = "demo"
	Key        = "demo-control-key"
	EndpointID = "1"
)

// Cashiers are demo mode's people (issue 13): two cashiers and a manager,
// added to a demo journal that has none yet.
var Cashiers = []pos.NewCashier{
	{Name: "Anna", PIN: pos.DemoCashierPIN, Role: pos.Cashier},
	{Name: "Boris", PIN: pos.DemoCashier2PIN, Role: pos.Cashier},
	{Name: "Maria", PIN: pos.DemoManagerPIN, Role: pos.Manager},
}

// faultReplug is the demo control that plugs the simulated reader back in
// after the unplug fault.
const faultReplug = "replug"

// cardLabels describes the sandbox's test cards (MAPI.md §7).
var cardLabels = map[string]string{
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
	// Chip test cards (issue 12, READER-PROTOCOL.md §12.5).
	"4012345678909":    "Visa chip card — approved (the §12.4 vectors)",
	"4000000000000705": "chip: online PIN on the reader (1234), approved",
	"4000000000000879": "chip declines after the bank approved",
	"4000000000000945": "chip unreadable → swipe (fallback)",
}

// Start starts the engine for cfg: in demo mode (cfg.Demo) with the
// embedded sandbox as its gateway and the simulated reader, with
// KASSA_READER=sim (cfg.Reader "sim") with the simulated reader only, and
// otherwise as it is.
func Start(ctx context.Context, cfg pos.Config, log *slog.Logger, opts ...pos.Option) (*pos.Engine, error) {
	if !cfg.Demo && cfg.Reader != "sim" {
		return pos.Start(ctx, cfg, log, opts...)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d, cfg, err := newParts(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	opts = append([]pos.Option{pos.WithReader(d.open, true), pos.WithDemo(d), pos.WithOnClose(d.close)}, opts...)
	if cfg.Demo {
		opts = append([]pos.Option{pos.WithCashiers(Cashiers...)}, opts...)
	}
	return pos.Start(ctx, cfg, log, opts...)
}

// parts are the embedded sandbox (demo mode) and the simulated reader. They
// are the engine's DemoControls.
type parts struct {
	sandbox *sandbox.Running
	sim     *sim.Reader
	link    simlink.Link
	stop    context.CancelFunc
}

// newParts starts the parts and returns cfg pointed at them.
func newParts(ctx context.Context, cfg pos.Config, log *slog.Logger) (*parts, pos.Config, error) {
	life, stop := context.WithCancel(context.WithoutCancel(ctx))
	d := &parts{stop: stop}
	if cfg.Demo {
		if cfg.DataDir == "" {
			cfg.DataDir = pos.ConfigDir()
		}
		run, err := sandbox.Start(life, "127.0.0.1:0", sandbox.Options{
			Login: Login, Key: Key, EndpointID: EndpointID, Currency: cfg.Currency,
			DataFile: filepath.Join(cfg.DataDir, "demo-sandbox.json"), Logger: log.With("component", "demo-sandbox"),
		})
		if err != nil {
			stop()
			return nil, cfg, fmt.Errorf("demo gateway: %w", err)
		}
		d.sandbox = run
		cfg.GatewayURL, cfg.EndpointID, cfg.Login, cfg.ControlKey = run.URL, EndpointID, Login, Key
	}
	entry := sim.PresentSwipe // KASSA_READER=sim: swipe-only hosts keep working
	if cfg.Demo {
		entry = sim.PresentTap // demo mode presents by tap unless the demo panel says otherwise
	}
	d.sim = sim.New(sim.Config{BDK: sred.TestBDK, Card: "4111111111111111", AutoSwipe: cfg.SimAutoSwipe, Entry: entry,
		Logger: log.With("component", "sim-reader")})
	link, err := simlink.New(life, d.sim)
	if err != nil {
		d.close()
		return nil, cfg, fmt.Errorf("simulated reader: %w", err)
	}
	d.link = link
	return d, cfg, nil
}

func (d *parts) open(ctx context.Context, opts device.Options) (pos.Reader, error) {
	r, err := d.link.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (d *parts) close() {
	if d.link != nil {
		d.link.Close()
	}
	if d.sandbox != nil {
		_ = d.sandbox.Close()
	}
	d.stop()
}

// Cards lists the simulated reader's test cards with what the sandbox does.
func (d *parts) Cards() []pos.DemoCard {
	var out []pos.DemoCard
	for _, pan := range d.sim.Cards() {
		l := cardLabels[pan]
		if l == "" {
			l = "declined (invalid card)"
		}
		out = append(out, pos.DemoCard{PAN: pan, Label: l})
	}
	return out
}

// SetCard picks the card the simulated reader swipes next.
func (d *parts) SetCard(pan string) error {
	return d.sim.SetCard(strings.ReplaceAll(strings.TrimSpace(pan), " ", ""))
}

// Faults lists the simulated reader's faults ("none" clears) and "replug",
// which plugs the reader back in after "unplug".
func (d *parts) Faults() []string {
	var out []string
	for _, f := range sim.Faults() {
		out = append(out, string(f))
	}
	return append(out, faultReplug)
}

// SetFault makes the simulated reader misbehave on the next read (see
// device/sim for each fault), or plugs it back in ("replug").
func (d *parts) SetFault(name string) error {
	if name == faultReplug {
		return d.link.Replug()
	}
	f, err := sim.ParseFault(name)
	if err != nil {
		return fmt.Errorf("unknown fault %q", name)
	}
	d.sim.SetFault(f)
	return nil
}

// Swipe swipes the current card now (when the reader waits for one).
func (d *parts) Swipe() error { return d.sim.Swipe() }

// Entry is how the simulated reader presents the card by itself: "swipe",
// "insert" or "tap".
func (d *parts) Entry() string { return d.sim.Entry().String() }

// Present presents the current card now, as Entry says (when the reader
// waits for one).
func (d *parts) Present() error { return d.sim.Present(d.sim.Entry()) }

// SetEntry picks how the simulated reader presents the card by itself
// (swipe, insert or tap).
func (d *parts) SetEntry(entry string) error {
	p, err := sim.ParsePresentation(strings.TrimSpace(entry))
	if err != nil {
		return fmt.Errorf("unknown presentation %q (swipe, insert or tap)", entry)
	}
	d.sim.SetEntry(p)
	return nil
}
