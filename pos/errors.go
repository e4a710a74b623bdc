package pos

import "errors"

// Errors returned by the engine, usually inside an *Error with the Reason.
var (
	errAmountNotPositive = errors.New("amount must be greater than zero")
	// ErrBlocked: a payment with an unknown outcome blocks new payments on
	// this terminal until it resolves or a manager overrides.
	ErrBlocked = errors.New("new payments blocked: an earlier payment's result is not known yet")
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
	// ErrNoReader: the card reader could not be opened.
	ErrNoReader = errors.New("card reader not available")
	// ErrCardRead: the card could not be read (nothing journaled).
	ErrCardRead = errors.New("card read failed")
	// ErrJournal: the journal could not be written (nothing sent).
	ErrJournal = errors.New("journal write failed")
	// ErrCurrency: the amount is in another currency than the terminal's.
	ErrCurrency = errors.New("wrong currency")
	// ErrGatewayRefused: the gateway refused the credentials or the request
	// (TestGateway).
	ErrGatewayRefused = errors.New("gateway refused the credentials or request")
	// ErrGatewayUnreachable: the gateway cannot be reached (TestGateway).
	ErrGatewayUnreachable = errors.New("gateway cannot be reached")
	// ErrSignIn: the cashier could not sign in (wrong PIN, disabled; issue 13).
	ErrSignIn = errors.New("sign-in refused")
	// ErrCashier: a change to the cashiers was refused (issue 13).
	ErrCashier = errors.New("cashier change refused")
	// ErrNoShift: a GUI payment needs an open shift (issue 13).
	ErrNoShift = errors.New("no shift is open")
	// ErrConfig: the configuration is incomplete or wrong.
	ErrConfig = errors.New("configuration error")
	// ErrNotPrinted: the receipt or report did not reach the paper (issue 16).
	ErrNotPrinted = errors.New("not printed")
)
