package mapi

import (
	"context"
	"net/url"
	"strings"
)

// EncryptedTypeMiura is the encrypted-type of every Miura card and advice:
// encrypted-data is the hex of the reader's whole template (READER-PROTOCOL.md
// §8, MAPI.md §10).
const EncryptedTypeMiura = "miura"

// AdviceRequest is the card's answer after CONTINUE, for
// /mapi/v1/emv-advice (MAPI.md §10). It is journaled before the call.
type AdviceRequest struct {
	ClientOrderID string // the payment's client_orderid
	PaynetOrderID string // its paynet-order-id (required)
	// Template is encrypted-data: upper-case hex of the card's E3 (TC) or
	// E5 (AAC) template as the reader sent it; never logged.
	Template string
}

// EMVAdvice sends the card's answer once (/mapi/v1/emv-advice, OAuth-signed
// like a sale). The final status follows by polling. Errors as Sale; a
// *RefusedError whose WrongState is true, to a resend, means the first
// advice arrived: poll status. Resending on an *UnknownError is the
// caller's choice (MAPI.md §10: until 60 s after the EMV stage began).
func (c *Client) EMVAdvice(ctx context.Context, req AdviceRequest) (_ *Accepted, err error) {
	l := c.track(ctx, opAdvice, req.ClientOrderID)
	defer func() { l.done(err) }()
	switch {
	case strings.TrimSpace(req.ClientOrderID) == "":
		return nil, notSent(opAdvice, "no client order id")
	case strings.TrimSpace(req.PaynetOrderID) == "":
		return nil, notSent(opAdvice, "no gateway order id")
	case req.Template == "":
		return nil, notSent(opAdvice, "no card answer from the reader")
	}
	form := url.Values{
		"login": {c.login}, "client_orderid": {req.ClientOrderID}, "orderid": {req.PaynetOrderID},
		"encrypted-type": {EncryptedTypeMiura}, "encrypted-data": {req.Template},
	}
	v, err := c.roundTrip(ctx, l, "mapi/v1/emv-advice", form, true)
	if err != nil {
		return nil, err
	}
	return adviceAccepted(v, req)
}

// adviceAccepted reads the async-response to an emv-advice.
func adviceAccepted(v url.Values, req AdviceRequest) (*Accepted, error) {
	if t := v.Get("type"); t != "async-response" {
		return nil, unknownReply(opAdvice, "reply type %q, want async-response", clip(t))
	}
	a := &Accepted{
		SerialNumber:    v.Get("serial-number"),
		MerchantOrderID: v.Get("merchant-order-id"),
		PaynetOrderID:   v.Get("paynet-order-id"),
		Status:          Status(v.Get("status")),
		Raw:             v,
	}
	if a.Status == "" {
		a.Status = DecisionSaleMissingStatus
	}
	switch {
	case a.MerchantOrderID != "" && a.MerchantOrderID != req.ClientOrderID:
		return nil, unknownReply(opAdvice, "the reply is for order %q, not %q", clip(a.MerchantOrderID), req.ClientOrderID)
	case a.PaynetOrderID != "" && a.PaynetOrderID != req.PaynetOrderID:
		return nil, unknownReply(opAdvice, "the reply is for gateway order %q, not %q", clip(a.PaynetOrderID), req.PaynetOrderID)
	case !a.Status.Valid():
		return nil, unknownReply(opAdvice, "status %q", clip(string(a.Status)))
	}
	if a.PaynetOrderID == "" {
		a.PaynetOrderID = req.PaynetOrderID
	}
	return a, nil
}
