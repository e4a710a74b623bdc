package pos

import (
	"context"
	"errors"
	"time"

	"kassa/store/central"
)

// shipFlushTimeout bounds how long Close keeps trying to bring the store
// database up to date before the process exits (issue 15: "a short,
// bounded time"); shipping never delays a payment.
const shipFlushTimeout = 3 * time.Second

// StoreLink is the lane's link to the store database (KASSA_CENTRAL_DB).
type StoreLink struct {
	Enabled     bool      // a store database is configured
	Backlog     int       // journal events not yet committed there; -1 not known yet
	LastContact time.Time // the last round the database answered
	Refused     bool      // the database refused an event: a manager must look (kassa central verify)
}

// startShipping starts shipping the journal to the store database in the
// background when one is configured (nothing happens otherwise).
func (e *Engine) startShipping() {
	e.ship = central.Start(e.ctx, e.journal, e.cfg.TerminalID, e.log.With("component", "central"))
	if e.ship == nil {
		return
	}
	e.wg.Add(1)
	go e.watchShipping()
}

// shipWatchInterval is how often the status bar's backlog is brought up to
// date while the journal ships.
const shipWatchInterval = 2 * time.Second

// watchShipping publishes a snapshot whenever the link to the store
// database changes (backlog, refusal), until the engine closes.
func (e *Engine) watchShipping() {
	defer e.wg.Done()
	t := time.NewTicker(shipWatchInterval)
	defer t.Stop()
	last := e.StoreLink()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-t.C:
		}
		if now := e.StoreLink(); now.Backlog != last.Backlog || now.Refused != last.Refused {
			last = now
			e.mu.Lock()
			e.publishLocked()
			e.mu.Unlock()
		}
	}
}

// notifyShipping tells the shipper that the journal has new events; it
// never blocks.
func (e *Engine) notifyShipping() { e.ship.Notify() }

// stopShipping makes a last bounded attempt to ship what is left, then
// waits for the shipper's goroutine (its context is the engine's, already
// cancelled by shutdown).
func (e *Engine) stopShipping() {
	if e.ship == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), shipFlushTimeout)
	if err := e.ship.Flush(ctx); err != nil && !errors.Is(err, central.ErrNotConfigured) {
		e.log.Warn("store database: events left to ship at the next start", "err", err)
	}
	cancel()
	<-e.ship.Done()
	e.ship.Close()
}

// StoreLink reports the lane's link to the store database.
func (e *Engine) StoreLink() StoreLink {
	st := e.ship.Status()
	return StoreLink{Enabled: st.Enabled, Backlog: st.Backlog, LastContact: st.LastContact, Refused: st.Refused != nil}
}
