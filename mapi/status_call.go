package mapi

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"kassa/mapi/money"
)

// StatusRequest asks for the status of an order. PaynetOrderID may be empty
// when the sale reply never arrived: the gateway then looks the order up by
// ClientOrderID (a MAPI.md §4 decision).
type StatusRequest struct {
	ClientOrderID string // required
	PaynetOrderID string // the paynet-order-id, when known
	BySerial      string // by-request-sn: the status of one earlier request; usually empty
}

// StatusResult is a status-response (MAPI.md §4, §9) with every card and
// receipt field; fields the gateway left out are empty. With
// StatusRequest.BySerial it describes that request's transaction (its type,
// status and amount), else the order's latest transaction.
type StatusResult struct {
	Status Status
	Amount money.Amount // zero when the reply has no amount or currency

	PaynetOrderID, MerchantOrderID, SerialNumber string

	// TransactionType is the transaction described (transaction-type):
	// the order's sale or preauth, or a capture, cancel or reversal child.
	TransactionType TransactionType
	// TotalReversal is total-reversal-amount: the approved refunds so far
	// (zero, in the reply's currency, when absent).
	TotalReversal money.Amount
	// TotalCapture is total-capture-amount: the approved capture (zero when
	// absent or before a capture).
	TotalCapture money.Amount
	// GatePartialCapture, GatePartialReversal: the gate allows partial
	// captures, partial refunds (gate-partial-* = enabled).
	GatePartialCapture, GatePartialReversal bool
	// BySerial is the by-request-sn the reply describes, when it says so.
	BySerial string

	LastFourDigits   string       // last-four-digits
	BIN              string       // bin
	CardType         string       // card-type, e.g. VISA
	CardholderName   string       // cardholder-name
	ApprovalCode     string       // approval-code
	ProcessorRRN     string       // processor-rrn
	ReceiptID        string       // receipt-id
	TerminalID       string       // terminal-id
	OrderStage       string       // order-stage as sent, e.g. sale_approved
	ProcessingDate   string       // paynet-processing-date
	AuthResponseCode ResponseCode // auth-response-code: "00" approved
	Descriptor       string       // descriptor
	ErrorMessage     string       // error-message: the reason of a decline or error
	ErrorCode        string       // error-code

	// Stage is what Kassa reads from order-stage: StageEMVValidating means
	// a contact card waits for CONTINUE and the advice (MAPI.md §10).
	Stage OrderStage
	// IssuerResponse is emv-issuer-response decoded: the issuer's BER-TLVs
	// (91 ARPC ‖ ARC, maybe 71/72 scripts) for CONTINUE; nil when absent.
	IssuerResponse []byte
	// EMV holds the chip or contactless receipt fields; nil when none.
	EMV *EMVFields

	Raw url.Values // the whole reply
}

// Status asks the gateway for an order's status (/api/v2/status, SHA-1
// control). An order the gateway does not know is a *RefusedError whose
// NotFound is true.
func (c *Client) Status(ctx context.Context, req StatusRequest) (_ *StatusResult, err error) {
	l := c.track(ctx, opStatus, req.ClientOrderID)
	defer func() { l.done(err) }()
	if strings.TrimSpace(req.ClientOrderID) == "" {
		return nil, notSent(opStatus, "no client order id")
	}
	form := url.Values{
		"login":          {c.login},
		"client_orderid": {req.ClientOrderID},
		"control":        {StatusControl(c.login, req.ClientOrderID, req.PaynetOrderID, *c.key)},
	}
	if req.PaynetOrderID != "" {
		form.Set("orderid", req.PaynetOrderID)
	}
	if req.BySerial != "" {
		form.Set("by-request-sn", req.BySerial)
	}
	v, err := c.roundTrip(ctx, l, "api/v2/status", form, false)
	if err != nil {
		return nil, err
	}
	return parseStatus(v, req)
}

// parseStatus reads a status reply (already past roundTrip's error types)
// for req. Anything Kassa cannot use is an *UnknownError.
func parseStatus(v url.Values, req StatusRequest) (*StatusResult, error) {
	if t := v.Get("type"); t != "status-response" {
		return nil, unknownReply(opStatus, "reply type %q, want status-response", clip(t))
	}
	r := &StatusResult{
		Status:              Status(v.Get("status")),
		PaynetOrderID:       v.Get("paynet-order-id"),
		MerchantOrderID:     v.Get("merchant-order-id"),
		SerialNumber:        v.Get("serial-number"),
		TransactionType:     ParseTransactionType(v.Get("transaction-type")),
		GatePartialCapture:  v.Get("gate-partial-capture") == PartialEnabled,
		GatePartialReversal: v.Get("gate-partial-reversal") == PartialEnabled,
		BySerial:            v.Get("by-request-sn"),
		LastFourDigits:      v.Get("last-four-digits"),
		BIN:                 v.Get("bin"),
		CardType:            v.Get("card-type"),
		CardholderName:      v.Get("cardholder-name"),
		ApprovalCode:        v.Get("approval-code"),
		ProcessorRRN:        v.Get("processor-rrn"),
		ReceiptID:           v.Get("receipt-id"),
		TerminalID:          v.Get("terminal-id"),
		OrderStage:          v.Get("order-stage"),
		ProcessingDate:      v.Get("paynet-processing-date"),
		AuthResponseCode:    ResponseCode(v.Get("auth-response-code")),
		Stage:               ParseOrderStage(v.Get("order-stage")),
		Descriptor:          v.Get("descriptor"),
		ErrorMessage:        either(v, "error-message", "error_message"),
		ErrorCode:           either(v, "error-code", "error_code"),
		Raw:                 v,
	}
	switch {
	case !r.Status.Valid():
		return nil, unknownReply(opStatus, "status %q", clip(string(r.Status)))
	case r.MerchantOrderID != "" && r.MerchantOrderID != req.ClientOrderID:
		return nil, unknownReply(opStatus, "the reply is for order %q, not %q", clip(r.MerchantOrderID), req.ClientOrderID)
	case req.PaynetOrderID != "" && r.PaynetOrderID != "" && r.PaynetOrderID != req.PaynetOrderID:
		return nil, unknownReply(opStatus, "the reply is for gateway order %q, not %q", clip(r.PaynetOrderID), req.PaynetOrderID)
	case r.BySerial != "" && r.BySerial != req.BySerial:
		return nil, unknownReply(opStatus, "the reply is for request %q, not %q", clip(r.BySerial), clip(req.BySerial))
	}
	if !validResponseCode(string(r.AuthResponseCode)) {
		return nil, unknownReply(opStatus, "auth-response-code %q", clip(string(r.AuthResponseCode)))
	}
	if err := r.parseAmounts(v); err != nil {
		return nil, err
	}
	var err error
	if r.IssuerResponse, err = parseIssuerResponse(v.Get("emv-issuer-response")); err != nil {
		return nil, err
	}
	if r.EMV, err = parseEMVFields(v); err != nil {
		return nil, err
	}
	return r, nil
}

// parseAmounts reads amount and the §9 totals, all in the reply's currency.
func (r *StatusResult) parseAmounts(v url.Values) error {
	cur := v.Get("currency")
	for _, f := range []struct {
		key string
		dst *money.Amount
	}{{"amount", &r.Amount}, {"total-reversal-amount", &r.TotalReversal}, {"total-capture-amount", &r.TotalCapture}} {
		s := v.Get(f.key)
		switch {
		case s == "" || (cur == "" && f.key == "amount"):
			continue // an amount without currency was always ignored
		case cur == "":
			return unknownReply(opStatus, "%s without currency", f.key)
		}
		a, err := parseWireAmount(s, cur)
		if err != nil {
			return unknownReply(opStatus, "%s %q %q: %v", f.key, clip(s), clip(cur), err)
		}
		*f.dst = a
	}
	if cur != "" {
		for _, a := range []*money.Amount{&r.TotalReversal, &r.TotalCapture} {
			a.Currency = cur
		}
	}
	return nil
}

// parseWireAmount reads a major-unit amount of the gateway's replies; unlike
// money.Parse it accepts zero ("0", "0.00").
func parseWireAmount(s, cur string) (money.Amount, error) {
	a, err := money.Parse(s, cur)
	if errors.Is(err, money.ErrZero) {
		return money.Amount{Currency: cur}, nil
	}
	return a, err
}
