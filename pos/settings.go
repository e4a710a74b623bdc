package pos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/google/uuid"
	"github.com/zalando/go-keyring"

	"kassa/device"
	"kassa/mapi"
	"kassa/store"
)

// saveConfig writes the PIN hashes of cfg into the config file, leaving the
// file's other settings (and environment overrides) as they are.
func (e *Engine) saveConfig(cfg Config) error {
	return updateConfigFile(func(c *Config) {
		c.ManagerPINHash, c.CashierPINHash = cfg.ManagerPINHash, cfg.CashierPINHash
	})
}

func updateConfigFile(fn func(*Config)) error {
	var c Config
	if b, err := os.ReadFile(ConfigPath()); err == nil {
		if err := json.Unmarshal(b, &c); err != nil {
			return fmt.Errorf("config file %s: %w", ConfigPath(), err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	fn(&c)
	return saveFile(c)
}

// ApplyConfig saves the settings the manager changed in cfg (never the
// control key: a new ControlKey goes to the OS keyring, or stays in memory
// when the keyring is unavailable) and reopens the reader and the gateway
// client with it. An empty ControlKey keeps the current key. Demo mode,
// the data directory and the advanced timings do not change on a running
// engine; environment overrides are never written to the file.
func (e *Engine) ApplyConfig(ctx context.Context, cfg Config) error {
	if _, err := ParseAmount("1", cfg.Currency); err != nil && cfg.Currency != "" {
		return fmt.Errorf("%w: currency %q", ErrConfig, cfg.Currency)
	}
	if _, err := cfg.PrinterSetup(); err != nil { // issue 16
		return err
	}
	e.mu.Lock()
	old := e.cfg
	e.mu.Unlock()
	cfg = keepRuntime(cfg, old)
	if cfg.HoldPeriod != old.HoldPeriod { // an environment override left alone may be any duration
		if err := validHoldPeriod(cfg.HoldPeriod); err != nil {
			return err
		}
	}
	keyErr := saveKey(cfg, old)
	if cfg.ControlKey == "" {
		cfg.ControlKey = old.ControlKey
	}
	cfg.fillDefaults()
	if cfg.Demo {
		// The embedded sandbox stays the gateway.
		cfg.GatewayURL, cfg.EndpointID, cfg.Login, cfg.ControlKey = old.GatewayURL, old.EndpointID, old.Login, old.ControlKey
	}
	client, err := e.newGateway(cfg)
	if err != nil {
		return err
	}
	if err := updateConfigFile(func(file *Config) { copyChanged(file, cfg, old) }); err != nil {
		return err
	}
	if what := changedSettings(cfg, old); len(what) > 0 {
		if err := e.journal.Note(store.EventSettings, e.Who(ctx), map[string]string{store.FieldWhat: strings.Join(what, ",")}); err != nil {
			e.log.Error("journal: settings change", "err", err)
		}
	}
	e.useConfig(cfg, old, client)
	if keyErr != nil {
		return &Error{Reason: Reason{Cause: CauseKeyNotSaved, Detail: keyErr.Error()}, Err: keyErr}
	}
	return nil
}

// keepRuntime keeps what a running engine does not change: demo mode, the
// data directory, the advanced timings, the terminal id and the PINs and the
// hold period not given.
func keepRuntime(cfg, old Config) Config {
	cfg.Demo, cfg.DataDir, cfg.NoReader, cfg.SimAutoSwipe = old.Demo, old.DataDir, old.NoReader, old.SimAutoSwipe
	cfg.ResultWait, cfg.PollInterval, cfg.NotFoundGrace = old.ResultWait, old.PollInterval, old.NotFoundGrace
	if cfg.HoldPeriod == 0 {
		cfg.HoldPeriod = old.HoldPeriod
	}
	if cfg.TerminalID == "" {
		cfg.TerminalID = old.TerminalID
	}
	if cfg.ManagerPINHash == "" {
		cfg.ManagerPINHash = old.ManagerPINHash
	}
	if cfg.CashierPINHash == "" {
		cfg.CashierPINHash = old.CashierPINHash
	}
	return cfg
}

// saveKey stores a new control key in the OS keyring (live mode).
func saveKey(cfg, old Config) error {
	if cfg.ControlKey == "" || cfg.ControlKey == old.ControlKey || cfg.Demo {
		return nil
	}
	if err := keyring.Set(KeyringService, keyringUser(cfg), cfg.ControlKey); err != nil {
		return fmt.Errorf("%w: %v", ErrKeyringUnavailable, err)
	}
	return nil
}

// settingsFields are the config file's fields that Settings edits (never
// the data directory, demo mode or the advanced timings).
var settingsFields = []func(c *Config) any{
	func(c *Config) any { return &c.GatewayURL },
	func(c *Config) any { return &c.EndpointID },
	func(c *Config) any { return &c.Login },
	func(c *Config) any { return &c.Reader },
	func(c *Config) any { return &c.CallbackListen },
	func(c *Config) any { return &c.CallbackURL },
	func(c *Config) any { return &c.Currency },
	func(c *Config) any { return &c.TerminalName },
	func(c *Config) any { return &c.SaleTimeout },
	func(c *Config) any { return &c.Merchant },
	func(c *Config) any { return &c.Language },
	func(c *Config) any { return &c.CashierPINHash },
	func(c *Config) any { return &c.ManagerPINHash },
	// issue 16: the receipt printer
	func(c *Config) any { return &c.Printer },
	func(c *Config) any { return &c.PrinterWidth },
	func(c *Config) any { return &c.PrinterCodePage },
	func(c *Config) any { return &c.PrintAfter },
	func(c *Config) any { return &c.HoldPeriod }, // polish (issue 11): hold_period_days
}

// copyChanged writes into the file's config only the settings that differ
// between cfg and the running config old (environment overrides in old
// that the manager left alone stay out of the file).
func copyChanged(file *Config, cfg, old Config) {
	for _, field := range settingsFields {
		nv, ov := reflect.ValueOf(field(&cfg)).Elem(), reflect.ValueOf(field(&old)).Elem()
		if !reflect.DeepEqual(nv.Interface(), ov.Interface()) {
			reflect.ValueOf(field(file)).Elem().Set(nv)
		}
	}
}

// changedSettings names (by their JSON keys) the settings that differ
// between cfg and old, for the journal's settings event (issue 13).
func changedSettings(cfg, old Config) []string {
	var out []string
	rt := reflect.TypeOf(cfg)
	for _, field := range settingsFields {
		nv, ov := reflect.ValueOf(field(&cfg)).Elem(), reflect.ValueOf(field(&old)).Elem()
		if reflect.DeepEqual(nv.Interface(), ov.Interface()) {
			continue
		}
		addr := reflect.ValueOf(field(&cfg)).Pointer()
		for i := 0; i < rt.NumField(); i++ {
			if reflect.ValueOf(&cfg).Elem().Field(i).Addr().Pointer() == addr {
				name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
				if name == "" {
					name = rt.Field(i).Name
				}
				out = append(out, name)
			}
		}
	}
	return out
}

// useConfig makes cfg the running configuration; a changed reader port is
// reopened.
func (e *Engine) useConfig(cfg, old Config, client Gateway) {
	e.mu.Lock()
	e.cfg = cfg
	e.client = client
	e.snap.Gateway.URL = cfg.GatewayURL
	e.snap.Currency = cfg.Currency
	if cfg.Printer != old.Printer {
		e.snap.Printer = printerStatusOf(cfg)
		select {
		case e.printerChanged <- struct{}{}:
		default:
		}
	}
	var r Reader
	if cfg.Reader != old.Reader && !cfg.Demo {
		r = e.reader
		e.reader = nil
	}
	e.publishLocked()
	e.mu.Unlock()
	if r != nil {
		_ = r.Close()
		if !cfg.NoReader && !e.parts.simulated {
			e.reopenReader()
		}
	}
}

// TestReader opens the reader on port (a path or "auto") and reports its
// status; for the engine's own port (or "" or "sim") it reports the open
// reader, opening it if needed.
func (e *Engine) TestReader(ctx context.Context, port string) (ReaderStatus, error) {
	cur := e.Config().Reader
	if port == "" || port == cur || port == "sim" || e.parts.simulated {
		r, err := e.openReader(ctx)
		if err != nil {
			return ReaderStatus{State: ReaderStateNotFound, Problem: ReaderProblemOf(err), Port: port}, err
		}
		return e.readerStatus(r.Info(), device.StateConnected), nil
	}
	r, err := device.Open(ctx, device.Options{Port: port, Logger: e.log})
	if err != nil {
		p := ReaderProblemOf(err)
		return ReaderStatus{State: ReaderStateNotFound, Problem: p, Port: port},
			errorOf(ErrNoReader, Reason{Cause: CauseReaderUnavailable, Reader: p, Detail: err.Error()})
	}
	defer r.Close()
	return ReaderStatus{State: ReaderStateConnected, Serial: r.Info().Serial, Battery: r.Info().Battery.Percent,
		Charging: r.Info().Battery.Charging, Port: r.Info().Port}, nil
}

// TestGateway checks that cfg reaches the gateway and is accepted: a status
// call for a made-up order must come back "order not found" (a bad key or
// login gets 403). An empty ControlKey uses the current key.
func (e *Engine) TestGateway(ctx context.Context, cfg Config) error {
	if cfg.ControlKey == "" {
		e.mu.Lock()
		cfg.ControlKey = e.cfg.ControlKey
		e.mu.Unlock()
	}
	cfg.fillDefaults()
	c, err := newClient(cfg, "", e.log)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, cfg.SaleTimeout)
	defer cancel()
	_, err = c.Status(cctx, mapi.StatusRequest{ClientOrderID: uuid.NewString()})
	var refused *mapi.RefusedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &refused) && refused.NotFound():
		return nil
	case errors.As(err, &refused):
		return errorOf(ErrGatewayRefused, Reason{Cause: CauseGatewayRefused, Code: refused.Code, Message: refused.Message, Detail: err.Error()})
	}
	return errorOf(ErrGatewayUnreachable, Reason{Cause: CauseGatewayUnreachable, Detail: err.Error()})
}

// ListPorts lists serial ports for Settings (Miura readers first are marked
// by the driver's label).
func ListPorts() ([]string, error) {
	ps, err := device.ListPorts()
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out, nil
}
