package mapi

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"kassa/mapi/money"
)

// CaptureRequest captures an approved preauth (MAPI.md §9), wholly or in
// part. The child is journaled before the call; there is no idempotency key.
type CaptureRequest struct {
	ClientOrderID string       // the preauth's client_orderid
	PaynetOrderID string       // the preauth's paynet-order-id (required)
	Amount        money.Amount // zero Minor: the whole hold (no amount sent); else ≤ the held amount
}

// ReturnRequest releases a hold (Operation OpRelease, never with an amount)
// or refunds an approved sale or capture (OpRefund), through /api/v2/return.
type ReturnRequest struct {
	Operation     Operation    // OpRelease or OpRefund
	ClientOrderID string       // the original order's client_orderid
	PaynetOrderID string       // the original order's paynet-order-id (required)
	Amount        money.Amount // refund only; zero Minor: all that is left (MAPI.md §9: send it after any refund)
	Comment       string       // ≤ MaxCommentLength characters; empty: "refund" or "release"
}

// ChildControl is the SHA-1 control of capture and return (MAPI.md §9):
// lower-case hex of sha1(login + clientOrderID + orderID [+ minor units +
// currency] + key), the bracket only when amount is sent (Minor > 0).
func ChildControl(login, clientOrderID, orderID string, amount money.Amount, key Secret) string {
	s := login + clientOrderID + orderID
	if amount.Minor > 0 {
		s += strconv.FormatInt(amount.Minor, 10) + amount.Currency
	}
	return sha1Hex(s + key.Reveal())
}

// Capture sends /api/v2/capture once (SHA-1 control). The result is only
// the gateway's acceptance: the child's outcome comes from Status with
// BySerial = the returned SerialNumber. Errors as Sale: an *UnknownError
// means the capture may exist and is resolved by Status, never sent again.
func (c *Client) Capture(ctx context.Context, req CaptureRequest) (*Accepted, error) {
	return c.child(ctx, OpCapture, req.ClientOrderID, req.PaynetOrderID, req.Amount, "")
}

// Return sends /api/v2/return once (SHA-1 control): a release of a hold or a
// refund, as req.Operation says. Result and errors as Capture.
func (c *Client) Return(ctx context.Context, req ReturnRequest) (*Accepted, error) {
	if req.Operation != OpRelease && req.Operation != OpRefund {
		return nil, notSent(req.Operation.String(), "return is a release or a refund")
	}
	comment := req.Comment
	if strings.TrimSpace(comment) == "" {
		comment = operations[req.Operation].comment
	}
	return c.child(ctx, req.Operation, req.ClientOrderID, req.PaynetOrderID, req.Amount, comment)
}

func (c *Client) child(ctx context.Context, op Operation, cid, oid string, amount money.Amount, comment string) (_ *Accepted, err error) {
	name := op.String()
	l := c.track(ctx, name, cid)
	defer func() { l.done(err) }()
	form, err := c.childForm(op, cid, oid, amount, comment)
	if err != nil {
		return nil, err
	}
	v, err := c.roundTrip(ctx, l, operations[op].path, form, false)
	if err != nil {
		return nil, err
	}
	return childAccepted(name, v, cid, oid)
}

// childForm checks a capture or return and builds its §9 fields.
func (c *Client) childForm(op Operation, cid, oid string, amount money.Amount, comment string) (url.Values, error) {
	name := op.String()
	switch {
	case strings.TrimSpace(cid) == "":
		return nil, notSent(name, "no client order id")
	case strings.TrimSpace(oid) == "":
		return nil, notSent(name, "no gateway order id")
	case amount.Minor < 0:
		return nil, notSent(name, "the amount must not be negative")
	case op == OpRelease && amount.Minor != 0:
		return nil, notSent(name, "a hold is released whole, without an amount")
	case utf8.RuneCountInString(comment) > MaxCommentLength:
		return nil, notSent(name, "the comment is longer than %d characters", MaxCommentLength)
	}
	form := url.Values{"login": {c.login}, "client_orderid": {cid}, "orderid": {oid}}
	if amount.Minor > 0 {
		if _, err := money.Exponent(amount.Currency); err != nil {
			return nil, notSent(name, "%v", err)
		}
		form.Set("amount", amount.Major())
		form.Set("currency", amount.Currency)
	}
	if op != OpCapture {
		form.Set("comment", comment)
	}
	form.Set("control", ChildControl(c.login, cid, oid, amount, *c.key))
	return form, nil
}

// childAccepted reads the async-response to a capture or return.
func childAccepted(op string, v url.Values, cid, oid string) (*Accepted, error) {
	if t := v.Get("type"); t != "async-response" {
		return nil, unknownReply(op, "reply type %q, want async-response", clip(t))
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
	case a.SerialNumber == "":
		// Without it the child cannot be told apart: resolve it as unknown.
		return nil, unknownReply(op, "no serial-number")
	case a.MerchantOrderID != "" && a.MerchantOrderID != cid:
		return nil, unknownReply(op, "the reply is for order %q, not %q", clip(a.MerchantOrderID), cid)
	case a.PaynetOrderID != "" && a.PaynetOrderID != oid:
		return nil, unknownReply(op, "the reply is for gateway order %q, not %q", clip(a.PaynetOrderID), oid)
	case !a.Status.Valid():
		return nil, unknownReply(op, "status %q", clip(string(a.Status)))
	}
	if a.PaynetOrderID == "" {
		a.PaynetOrderID = oid
	}
	return a, nil
}
