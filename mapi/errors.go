package mapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
)

// Every failed call returns exactly one of NotSentError, RefusedError and
// UnknownError (use errors.As, or IsNotSent, IsRefused and IsUnknown).

// NotSentError means nothing reached the gateway: the connection failed, or
// the context ended, before any byte of the request was written, or the
// request was invalid and never left Kassa. A payment was not charged.
type NotSentError struct {
	Op  string // sale, preauth, status, close-day, capture, release, refund, emv-advice
	Err error  // the cause
}

// Error says what happened in words for the cashier.
func (e *NotSentError) Error() string {
	if isChild(e.Op) {
		return fmt.Sprintf("the %s was not sent to the bank, nothing changed: %s; check the network and try again", e.Op, describe(e.Err))
	}
	if isPayment(e.Op) {
		return fmt.Sprintf("the %s was not sent to the bank, the card was not charged: %s; check the network and try again", e.Op, describe(e.Err))
	}
	return fmt.Sprintf("the %s request was not sent to the bank: %s; check the network and try again", e.Op, describe(e.Err))
}

// Unwrap returns the cause.
func (e *NotSentError) Unwrap() error { return e.Err }

// RefusedError means the gateway answered and refused the request: a
// validation-error or error reply, or HTTP 403 (bad signature or control).
// A refused payment was not charged.
type RefusedError struct {
	Op            string // sale, preauth, status, close-day, capture, release, refund, emv-advice
	HTTPStatus    int    // 200 for validation-error/error replies, 403 for a refused signature
	Type          string // validation-error, error, or "" for HTTP 403
	Code          string // error-code, e.g. CodeDuplicate
	Message       string // error-message, or the 403 body, as the gateway wrote it
	PaynetOrderID string // the existing order for a duplicate; usually empty
	SerialNumber  string // serial-number of the refused request, when given
}

// Error says what happened in words for the cashier, with the gateway's message.
func (e *RefusedError) Error() string {
	var what string
	switch {
	case e.HTTPStatus == 403:
		what = "the bank gateway refused the terminal's signature (HTTP 403); check the login and control key in Settings"
	case e.Message != "":
		what = fmt.Sprintf("the bank gateway refused it: %s (%s %s)", e.Message, e.Type, e.Code)
	default:
		what = fmt.Sprintf("the bank gateway refused it (%s %s)", e.Type, e.Code)
	}
	if isPayment(e.Op) && !e.Duplicate() {
		return fmt.Sprintf("%s not charged: %s", e.Op, what)
	}
	if isChild(e.Op) {
		return fmt.Sprintf("%s not done: %s", e.Op, what)
	}
	return fmt.Sprintf("%s: %s", e.Op, what)
}

// NotFound reports whether the gateway knows no such order (error-code 3).
func (e *RefusedError) NotFound() bool { return e.Code == CodeNotFound }

// WrongState reports whether the order was in the wrong state for the
// request (error-code 4): already captured or released, not approved, hold
// expired, or not at the EMV stage.
func (e *RefusedError) WrongState() bool { return e.Code == CodeWrongState }

// AmountExceeds reports whether the amount was more than is left to capture
// or refund (error-code 5).
func (e *RefusedError) AmountExceeds() bool { return e.Code == CodeAmountExceeds }

// PartialUnsupported reports whether the gate refused a partial capture or
// refund (error-code 6).
func (e *RefusedError) PartialUnsupported() bool { return e.Code == CodePartialUnsupported }

// Duplicate reports whether the client_orderid was already used (error-code
// 2); PaynetOrderID then names the existing order, whose status decides.
func (e *RefusedError) Duplicate() bool { return e.Code == CodeDuplicate }

// UnknownError means the request may have reached the gateway but no usable
// answer came back: a timeout or reset after writing, an HTTP status other
// than 200 and 403, or a reply that could not be read or understood. The
// outcome of a payment is unknown: resolve it with Status, never charge again.
type UnknownError struct {
	Op         string // sale, preauth, status, close-day, capture, release, refund, emv-advice
	HTTPStatus int    // the HTTP status, or 0 when no reply came
	Err        error  // the cause
}

// Error says what happened and what to do next, in words for the cashier.
func (e *UnknownError) Error() string {
	if isChild(e.Op) {
		return fmt.Sprintf("the %s may have reached the bank, its outcome is unknown: %s; do not send it again, check its status", e.Op, describe(e.Err))
	}
	if isPayment(e.Op) {
		return fmt.Sprintf("the %s may have reached the bank, its outcome is unknown: %s; do not charge again, check its status", e.Op, describe(e.Err))
	}
	return fmt.Sprintf("the %s request may have reached the bank, no usable answer: %s; try again later", e.Op, describe(e.Err))
}

// Unwrap returns the cause.
func (e *UnknownError) Unwrap() error { return e.Err }

// IsNotSent reports whether err is (or wraps) a *NotSentError.
func IsNotSent(err error) bool {
	var e *NotSentError
	return errors.As(err, &e)
}

// IsRefused reports whether err is (or wraps) a *RefusedError.
func IsRefused(err error) bool {
	var e *RefusedError
	return errors.As(err, &e)
}

// IsUnknown reports whether err is (or wraps) an *UnknownError.
func IsUnknown(err error) bool {
	var e *UnknownError
	return errors.As(err, &e)
}

func isPayment(op string) bool { return op == opSale || op == opPreauth }

// isChild reports whether op is a capture, release or refund.
func isChild(op string) bool {
	return op == OpCapture.String() || op == OpRelease.String() || op == OpRefund.String()
}

// Operation names, as in errors and logs.
const (
	opSale     = "sale"
	opPreauth  = "preauth"
	opStatus   = "status"
	opCloseDay = "close-day"
	opAdvice   = "emv-advice"
)

// describe puts a transport error in a cashier's words; the full cause stays
// in the error's Err field and goes to the log.
func describe(err error) string {
	var (
		dns     *net.DNSError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		certErr *tls.CertificateVerificationError
		netErr  net.Error
		uerr    *url.Error
	)
	switch {
	case err == nil:
		return "no cause given"
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer in time"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, ErrMalformedReply):
		return "the reply could not be understood"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the bank gateway refused the connection (check its address in Settings)"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, syscall.EPIPE):
		return "the connection broke"
	case errors.As(err, &dns):
		return "the bank gateway's address could not be found (check the network and the address in Settings)"
	case errors.As(err, &unknown), errors.As(err, &host), errors.As(err, &certErr):
		return "the bank gateway's certificate is not trusted"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "no answer in time"
	case errors.As(err, &uerr):
		return uerr.Err.Error()
	}
	return err.Error()
}
