package pos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/google/uuid"
	"github.com/zalando/go-keyring"

	"kassa/device"
	"kassa/mapi"
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

// ApplyConfig saves cfg (never the control key: a new ControlKey goes to
// the OS keyring, or stays in memory when the keyring is unavailable) and
// reopens the reader and the gateway client with it. An empty ControlKey
// keeps the current key. Demo mode and the data directory do not change on
// a running engine.
func (e *Engine) ApplyConfig(ctx context.Context, cfg Config) error {
	if _, err := ParseAmount("1", cfg.Currency); err != nil && cfg.Currency != "" {
		return fmt.Errorf("%w: currency %q", ErrConfig, cfg.Currency)
	}
	e.mu.Lock()
	old := e.cfg
	e.mu.Unlock()
	cfg.Demo, cfg.DataDir = old.Demo, old.DataDir
	cfg.ResultWait, cfg.PollInterval, cfg.NotFoundGrace, cfg.NoReader = old.ResultWait, old.PollInterval, old.NotFoundGrace, old.NoReader
	if cfg.TerminalID == "" {
		cfg.TerminalID = old.TerminalID
	}
	if cfg.ManagerPINHash == "" {
		cfg.ManagerPINHash = old.ManagerPINHash
	}
	if cfg.CashierPINHash == "" {
		cfg.CashierPINHash = old.CashierPINHash
	}
	var keyErr error
	if cfg.ControlKey == "" {
		cfg.ControlKey = old.ControlKey
	} else if cfg.ControlKey != old.ControlKey && !cfg.Demo {
		if err := keyring.Set(KeyringService, keyringUser(cfg), cfg.ControlKey); err != nil {
			keyErr = fmt.Errorf("%w: %v", ErrKeyringUnavailable, err)
		}
	}
	cfg.fillDefaults()
	if cfg.Demo {
		// The embedded sandbox stays the gateway.
		cfg.GatewayURL, cfg.EndpointID, cfg.Login, cfg.ControlKey = old.GatewayURL, old.EndpointID, old.Login, old.ControlKey
	}
	client, err := newClient(cfg, e.cbURL, e.log)
	if err != nil {
		return err
	}
	file := cfg
	if cfg.Demo {
		// Keep the live gateway settings of the file.
		if err := updateConfigFile(func(c *Config) {
			gw, ep, lg := c.GatewayURL, c.EndpointID, c.Login
			dd := c.DataDir
			*c = cfg
			c.GatewayURL, c.EndpointID, c.Login, c.DataDir = gw, ep, lg, dd
		}); err != nil {
			return err
		}
	} else if err := updateConfigFile(func(c *Config) {
		dd := c.DataDir
		*c = file
		c.DataDir = dd
	}); err != nil {
		return err
	}
	e.mu.Lock()
	readerChanged := cfg.Reader != old.Reader
	e.cfg = cfg
	e.client = client
	e.snap.Gateway.URL = cfg.GatewayURL
	e.snap.Currency = cfg.Currency
	var r *device.Reader
	if readerChanged && !cfg.Demo {
		r = e.reader
		e.reader = nil
	}
	e.publishLocked()
	e.mu.Unlock()
	if r != nil {
		_ = r.Close()
		if !cfg.NoReader && cfg.Reader != "sim" {
			go func() { _, _ = e.openReader(e.ctx) }()
		}
	}
	if keyErr != nil {
		return &Error{Reason: Reason{Cause: CauseKeyNotSaved, Detail: keyErr.Error()}, Err: keyErr}
	}
	return nil
}

// TestReader opens the reader on port (a path or "auto") and reports its
// status; for the engine's own port (or "" or "sim") it reports the open
// reader, opening it if needed.
func (e *Engine) TestReader(ctx context.Context, port string) (ReaderStatus, error) {
	cur := e.Config().Reader
	if port == "" || port == cur || port == "sim" || e.demo != nil {
		r, err := e.openReader(ctx)
		if err != nil {
			return ReaderStatus{State: ReaderStateNotFound, Problem: ReaderProblemOf(err), Port: port}, err
		}
		return readerStatus(r.Info(), device.StateConnected, e.demo != nil && e.demo.sim != nil), nil
	}
	r, err := device.Open(ctx, device.Options{Port: port, Logger: e.log})
	if err != nil {
		p := ReaderProblemOf(err)
		return ReaderStatus{State: ReaderStateNotFound, Problem: p, Port: port},
			errorOf(ErrNoReader, Reason{Cause: CauseReaderUnavailable, Reader: p, Detail: err.Error()})
	}
	defer r.Close()
	return readerStatus(r.Info(), device.StateConnected, false), nil
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
