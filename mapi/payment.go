package mapi

import (
	"context"
	"net/url"
	"strings"

	"kassa/mapi/money"
)

// Merchant holds the merchant's defaults sent with every sale (card-present
// sales have no payer address).
type Merchant struct {
	Address1, City, ZipCode, Country, Email, Phone string
}

// PaymentRequest is a sale or preauth (MAPI.md §3). Empty optional fields are
// left out of the request.
type PaymentRequest struct {
	ClientOrderID string       // a UUID journaled before the call; never reused
	Amount        money.Amount // must be positive, in a known currency
	Description   string       // order_desc; empty: DefaultSaleDescription/DefaultPreauthDescription
	EncryptedType string       // from the reader: "miura" (READER-PROTOCOL.md §8)
	EncryptedData string       // from the reader: upper-case hex; never logged
	PhoneID       string       // the terminal's id
	SDKVersion    string       // sent verbatim as sdk-version when set; empty: "kassa-" + Config.SDKVersion
	IPAddress     string       // the counter PC's address; empty: DefaultIPAddress
	Merchant      Merchant
	CallbackURL   string // server_callback_url; only when the listener has a public URL
	MerchantData  string // merchant_data
}

// Accepted is the gateway's async-response to a sale or preauth: the order
// exists and is being processed. Its outcome comes from Status or a callback.
type Accepted struct {
	SerialNumber    string     // serial-number of this request
	MerchantOrderID string     // merchant-order-id (our client_orderid)
	PaynetOrderID   string     // paynet-order-id: the gateway's order id
	Status          Status     // usually processing
	Raw             url.Values // the whole reply
}

// Sale sends a sale (/mapi/v1/sale, OAuth-signed) once. On error, see the
// package doc: *UnknownError means the payment must be resolved with Status
// by its ClientOrderID, never charged again.
func (c *Client) Sale(ctx context.Context, req PaymentRequest) (*Accepted, error) {
	return c.pay(ctx, opSale, req)
}

// Preauth sends a preauthorisation (/mapi/v1/preauth) once; as Sale.
func (c *Client) Preauth(ctx context.Context, req PaymentRequest) (*Accepted, error) {
	return c.pay(ctx, opPreauth, req)
}

func (c *Client) pay(ctx context.Context, op string, req PaymentRequest) (_ *Accepted, err error) {
	l := c.track(ctx, op, req.ClientOrderID)
	defer func() { l.done(err) }()
	form, err := c.paymentForm(op, req)
	if err != nil {
		return nil, err
	}
	v, err := c.roundTrip(ctx, l, "mapi/v1/"+op, form, true)
	if err != nil {
		return nil, err
	}
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
	case a.PaynetOrderID == "":
		return nil, unknownReply(op, "no paynet-order-id")
	case a.MerchantOrderID != "" && a.MerchantOrderID != req.ClientOrderID:
		return nil, unknownReply(op, "the reply is for order %q, not %q", clip(a.MerchantOrderID), req.ClientOrderID)
	case !a.Status.Valid():
		return nil, unknownReply(op, "status %q", clip(string(a.Status)))
	}
	return a, nil
}

// paymentForm checks req and builds the §3 fields.
func (c *Client) paymentForm(op string, req PaymentRequest) (url.Values, error) {
	switch {
	case strings.TrimSpace(req.ClientOrderID) == "":
		return nil, notSent(op, "no client order id")
	case req.Amount.Minor <= 0:
		return nil, notSent(op, "the amount must be greater than zero")
	case req.EncryptedType == "" || req.EncryptedData == "":
		return nil, notSent(op, "no card data from the reader")
	}
	if _, err := money.Exponent(req.Amount.Currency); err != nil {
		return nil, notSent(op, "%v", err)
	}
	desc := req.Description
	if desc == "" {
		desc = DefaultSaleDescription
		if op == opPreauth {
			desc = DefaultPreauthDescription
		}
	}
	sdk := req.SDKVersion
	if sdk == "" {
		sdk = c.sdk
	}
	ip := req.IPAddress
	if ip == "" {
		ip = DefaultIPAddress
	}
	form := url.Values{}
	for _, f := range [][2]string{
		{"client_orderid", req.ClientOrderID},
		{"order_desc", desc},
		{"amount", req.Amount.Major()},
		{"currency", req.Amount.Currency},
		{"encrypted-type", req.EncryptedType},
		{"encrypted-data", req.EncryptedData},
		{"phone-id", req.PhoneID},
		{"sdk-version", sdk},
		{"ipaddress", ip},
		{"address1", req.Merchant.Address1},
		{"city", req.Merchant.City},
		{"zip_code", req.Merchant.ZipCode},
		{"country", req.Merchant.Country},
		{"email", req.Merchant.Email},
		{"phone", req.Merchant.Phone},
		{"server_callback_url", req.CallbackURL},
		{"merchant_data", req.MerchantData},
	} {
		if f[1] != "" {
			form.Set(f[0], f[1])
		}
	}
	return form, nil
}
