package mapi

import (
	"context"
	"net/url"
	"strconv"

	"kassa/mapi/money"
)

// CloseDayRequest closes the business day (MAPI.md §5) with Kassa's own
// totals from the journal. Both sums must be in the endpoint's currency.
type CloseDayRequest struct {
	RequestID             string // day_close_request_id: 8-32 letters and digits, journaled before sending
	SaleApprovedCount     int64
	SaleApprovedSum       money.Amount
	ReversalApprovedCount int64
	ReversalApprovedSum   money.Amount
}

// CloseDayResult is the gateway's close-day reply, with its counts and sums
// parsed. Status is CloseDayFinished, CloseDayProcessing (ask again with the
// same RequestID) or CloseDayError.
type CloseDayResult struct {
	Status                string // finished, processing or error
	GateID                string // gateId
	IsDayClosing          bool   // isDayClosing: the gate is blocked while closing
	GateCloseDate         string // gateCloseDate, YYYY-MM-DD
	EndpointID            string // epntId
	SaleApprovedCount     int64
	SaleAmount            money.Amount
	ReversalApprovedCount int64
	ReversalAmount        money.Amount
	Code39                string // the bank's result code
	RRN                   string
	RequestSerialNumber   string // theRequestSerialNumber
	Raw                   url.Values
}

// CloseDay sends close-day (/api/v2/close-day, OAuth-signed). A repeated
// RequestID returns the gateway's stored reply, so asking again after an
// *UnknownError or a processing status is safe. A reply with status error is
// returned as a result, not an error; a type=error reply is a *RefusedError.
func (c *Client) CloseDay(ctx context.Context, req CloseDayRequest) (_ *CloseDayResult, err error) {
	l := c.track(ctx, opCloseDay, req.RequestID)
	defer func() { l.done(err) }()
	if !ValidRequestID(req.RequestID) {
		return nil, notSent(opCloseDay, "the close-day request id must be 8 to 32 letters and digits")
	}
	cur := req.SaleApprovedSum.Currency
	if cur == "" {
		cur = req.ReversalApprovedSum.Currency
	}
	if _, cerr := money.Exponent(cur); cerr != nil {
		return nil, notSent(opCloseDay, "%v", cerr)
	}
	switch {
	case req.ReversalApprovedSum.Currency != "" && req.ReversalApprovedSum.Currency != cur,
		req.SaleApprovedSum.Currency != "" && req.SaleApprovedSum.Currency != cur:
		return nil, notSent(opCloseDay, "the sums are in different currencies")
	case req.SaleApprovedCount < 0 || req.ReversalApprovedCount < 0 || req.SaleApprovedSum.Minor < 0 || req.ReversalApprovedSum.Minor < 0:
		return nil, notSent(opCloseDay, "negative totals")
	}
	form := url.Values{
		"day_close_request_id":    {req.RequestID},
		"sale_approved_count":     {strconv.FormatInt(req.SaleApprovedCount, 10)},
		"sale_approved_sum":       {money.FormatMinor(req.SaleApprovedSum.Minor, cur)},
		"reversal_approved_count": {strconv.FormatInt(req.ReversalApprovedCount, 10)},
		"reversal_approved_sum":   {money.FormatMinor(req.ReversalApprovedSum.Minor, cur)},
	}
	v, err := c.roundTrip(ctx, l, "api/v2/close-day", form, true)
	if err != nil {
		return nil, err
	}
	r := &CloseDayResult{
		Status:              v.Get("status"),
		GateID:              v.Get("gateId"),
		GateCloseDate:       v.Get("gateCloseDate"),
		EndpointID:          v.Get("epntId"),
		Code39:              v.Get("code39"),
		RRN:                 v.Get("RRN"),
		RequestSerialNumber: v.Get("theRequestSerialNumber"),
		SaleAmount:          money.Amount{Currency: cur},
		ReversalAmount:      money.Amount{Currency: cur},
		Raw:                 v,
	}
	switch r.Status {
	case CloseDayFinished, CloseDayProcessing, CloseDayError:
	default:
		return nil, unknownReply(opCloseDay, "close-day status %q", clip(r.Status))
	}
	if s := v.Get("isDayClosing"); s != "" {
		b, perr := strconv.ParseBool(s)
		if perr != nil {
			return nil, unknownReply(opCloseDay, "isDayClosing %q", clip(s))
		}
		r.IsDayClosing = b
	}
	for _, f := range []struct {
		key string
		dst *int64
	}{{"saleApprovedCount", &r.SaleApprovedCount}, {"reversalApprovedCount", &r.ReversalApprovedCount}} {
		if s := v.Get(f.key); s != "" {
			n, perr := strconv.ParseInt(s, 10, 64)
			if perr != nil || n < 0 {
				return nil, unknownReply(opCloseDay, "%s %q", f.key, clip(s))
			}
			*f.dst = n
		}
	}
	for _, f := range []struct {
		key string
		dst *money.Amount
	}{{"saleAmount", &r.SaleAmount}, {"reversalAmount", &r.ReversalAmount}} {
		if s := v.Get(f.key); s != "" {
			a, perr := parseWireAmount(s, cur)
			if perr != nil {
				return nil, unknownReply(opCloseDay, "%s %q: %v", f.key, clip(s), perr)
			}
			*f.dst = a
		}
	}
	return r, nil
}
