// Package pos is Kassa's checkout engine: one engine that the GUI and the
// headless commands both use. It ties the card reader (device), the gateway
// client (mapi) and the journal (store) together and holds every rule of
// MAPI.md §3–§6 about payment outcomes. It knows nothing about Fyne.
package pos

import (
	"context"
	"errors"
	"log/slog"
	"sync"
)

// Errors returned by the engine.
var (
	errAmountNotPositive = errors.New("amount must be greater than zero")
	// ErrBlocked: a payment with an unknown outcome blocks new payments on
	// this terminal until it resolves or a manager overrides.
	ErrBlocked = errors.New("an earlier payment's result is not known yet: new payments are blocked until it is resolved or a manager overrides")
	// ErrBusy: a payment or close-day is already running.
	ErrBusy = errors.New("a payment is already in progress")
	// ErrCancelled: the payment was cancelled before anything was sent.
	ErrCancelled = errors.New("payment cancelled: not charged")
	// ErrRecovering: the engine is still checking earlier payments.
	ErrRecovering = errors.New("still checking earlier payments")
	// ErrClosed: the engine was closed.
	ErrClosed = errors.New("engine closed")
	// ErrUnresolved: close-day refused while payments are unresolved.
	ErrUnresolved = errors.New("some payments are not resolved yet")
	// ErrNotFound: no such payment in the journal.
	ErrNotFound = errors.New("payment not found")
	errTodo     = errors.New("not implemented yet")
)

// Engine is the checkout engine. Create it with Start; all methods are safe
// for concurrent use.
type Engine struct {
	cfg Config
	log *slog.Logger

	mu   sync.Mutex
	snap Snapshot
	subs map[int]func(Snapshot)
	next int
}

// Start opens the journal, the reader, the gateway client and the callback
// listener (when configured), and starts resolving unresolved payments in
// the background (StageRecovering). In demo mode it starts the embedded
// sandbox and the simulated reader.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Engine, error) {
	return nil, errTodo
}

// Snapshot returns the current published state.
func (e *Engine) Snapshot() Snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.snap
}

// Subscribe registers fn to be called with every new snapshot. fn is called
// from engine goroutines, never while engine locks are held (it may call
// Snapshot or any other method). The returned function unsubscribes.
func (e *Engine) Subscribe(fn func(Snapshot)) (cancel func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.subs == nil {
		e.subs = map[int]func(Snapshot){}
	}
	id := e.next
	e.next++
	e.subs[id] = fn
	return func() {
		e.mu.Lock()
		delete(e.subs, id)
		e.mu.Unlock()
	}
}

// Pay runs one payment: card read on the reader (amount shown; cancellable),
// journal intent, the gateway request, then waiting for the final status. It
// blocks until the payment is final or unknown (after Config.ResultWait);
// an unknown payment keeps resolving in the background. The returned view
// is valid whenever the payment reached the journal, also with an error.
func (e *Engine) Pay(ctx context.Context, kind Kind, amount Amount, desc string) (PaymentView, error) {
	return PaymentView{}, errTodo
}

// Cancel cancels the running payment if it can still be cancelled (before
// the request is sent) and reports whether it could.
func (e *Engine) Cancel() bool { return false }

// Override lets new payments start although a payment's outcome is unknown.
// The manager's name and reason are journaled on every unknown payment.
func (e *Engine) Override(manager, reason string) error { return errTodo }

// Recover resolves every unresolved journal entry by status now.
func (e *Engine) Recover(ctx context.Context) error { return errTodo }

// Lookup asks the gateway for a payment's status by client_orderid and
// records the answer in the journal.
func (e *Engine) Lookup(ctx context.Context, clientOrderID string) (PaymentView, error) {
	return PaymentView{}, errTodo
}

// Payment returns one payment from the journal.
func (e *Engine) Payment(id string) (PaymentView, error) { return PaymentView{}, errTodo }

// Today returns today's payments, newest first.
func (e *Engine) Today() ([]PaymentView, error) { return nil, errTodo }

// Search finds payments by amount ("10.42"), last four digits ("1111") or
// order id (client_orderid or paynet order id).
func (e *Engine) Search(text string) ([]PaymentView, error) { return nil, errTodo }

// PreviewCloseDay computes the open day's totals from the journal and lists
// unresolved payments.
func (e *Engine) PreviewCloseDay() (CloseDayPreview, error) { return CloseDayPreview{}, errTodo }

// CloseDay closes the day with the gateway: refuses while payments are
// unresolved unless force is set (then it warns), journals the request id,
// sends the totals, polls while processing, records the reply and reports
// every difference. progress gets human-readable steps (may be nil).
func (e *Engine) CloseDay(ctx context.Context, force bool, progress func(string)) (CloseDayReport, error) {
	return CloseDayReport{}, errTodo
}

// CheckPIN checks a PIN for a role. Demo defaults: manager 1234, cashier
// 0000. In live mode with no PIN set for the role it returns false.
func (e *Engine) CheckPIN(role Role, pin string) bool { return false }

// SetPIN sets a role's PIN (stored as a salted hash in the config file).
func (e *Engine) SetPIN(role Role, pin string) error { return errTodo }

// HasPIN reports whether a PIN is set for the role (demo defaults count).
func (e *Engine) HasPIN(role Role) bool { return false }

// Config returns the engine's configuration (without the control key).
func (e *Engine) Config() Config {
	c := e.cfg
	c.ControlKey = ""
	return c
}

// ApplyConfig saves cfg and reopens the reader and the gateway client with
// it. An empty ControlKey keeps the current key.
func (e *Engine) ApplyConfig(ctx context.Context, cfg Config) error { return errTodo }

// TestReader opens the reader on port (a path, "auto" or "sim") and reports
// its status; with the engine's own port it reports the open reader.
func (e *Engine) TestReader(ctx context.Context, port string) (ReaderStatus, error) {
	return ReaderStatus{}, errTodo
}

// TestGateway checks that cfg reaches the gateway and is accepted (a status
// call for a made-up order must come back "order not found").
func (e *Engine) TestGateway(ctx context.Context, cfg Config) error { return errTodo }

// ListPorts lists serial ports for Settings.
func ListPorts() ([]string, error) { return nil, errTodo }

// Demo returns the demo controls, nil outside demo mode.
func (e *Engine) Demo() DemoControls { return nil }

// Close stops every goroutine the engine started and closes the reader,
// listener, sandbox and journal.
func (e *Engine) Close() error { return nil }
