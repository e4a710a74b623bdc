// Package mapi is Kassa's client for the Elecsnet mPOS API (the PaynetEasy
// gateway, docs: /work/shared/MAPI.md): sale and preauth with card data from
// the reader, status, close day, capture and return (release of a hold,
// refund; §9), the chip card's emv-advice (§10), and a listener for the
// gateway's callbacks.
//
// Every failure of a call is exactly one of three error types, so the caller
// can always tell what a cashier may be told:
//
//   - *NotSentError: nothing reached the gateway; the card was not charged.
//   - *RefusedError: the gateway answered and refused; not charged.
//   - *UnknownError: the request may have reached the gateway; the outcome is
//     unknown and must be resolved with Status, never by charging again.
//
// Signing (OAuth 1.0a HMAC-SHA1 and the SHA-1 controls) and the reply format
// live here once and are shared with the local gateway in mapi/sandbox.
// The merchant control key is a Secret: it never appears in logs, errors or
// formatted values.
package mapi
