package sandbox

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"kassa/mapi"
	"kassa/mapi/money"
)

// child is one capture or return of an order (MAPI.md §9), as the sandbox
// keeps it. Like an order, its status is a pure function of its fields and
// the time (statusAt), so a restarted sandbox answers as before.
type child struct {
	Type         string      `json:"type"` // capture | cancel | reversal (transaction-type)
	SerialNumber string      `json:"serial_number"`
	AmountMinor  int64       `json:"amount_minor"`
	Comment      string      `json:"comment,omitempty"`
	AcceptedAt   time.Time   `json:"accepted_at"`
	Scale        float64     `json:"scale"`
	Final        mapi.Status `json:"final"` // approved | declined
	Reason       string      `json:"reason,omitempty"`
	Code         string      `json:"code,omitempty"`
	ClosedBy     string      `json:"closed_by,omitempty"`
}

// Child transaction types (transaction-type values, MAPI.md §9).
const (
	txCapture  = "capture"
	txCancel   = "cancel"
	txReversal = "reversal"
)

// childProcessing is how long a capture or return is processing (§9).
const childProcessing = 1 * time.Second

// refundDeclined is the reason of …0531's refunds.
const refundDeclined = "refund declined by issuer"

func (c *child) finalAt() time.Time { return c.AcceptedAt.Add(scaled(childProcessing, c.Scale)) }

// statusAt is the child's status at now.
func (c *child) statusAt(now time.Time) mapi.Status {
	if now.Before(c.finalAt()) {
		return mapi.StatusProcessing
	}
	return c.Final
}

// ledger is what an order is worth at one moment: its approved capture and
// refunds, whether a child is still processing, whether it was released.
type ledger struct {
	parent             mapi.Status
	captured, refunded int64
	capturing, busy    bool
	released           bool
}

// ledgerAt sums the order's children at now.
func (o *order) ledgerAt(now time.Time) ledger {
	l := ledger{parent: o.statusAt(now)}
	for _, c := range o.Children {
		st := c.statusAt(now)
		if st == mapi.StatusProcessing {
			l.busy = true
		}
		switch {
		case c.Type == txCapture && st == mapi.StatusApproved:
			l.captured += c.AmountMinor
		case c.Type == txCapture && st == mapi.StatusProcessing:
			l.capturing = true
		case c.Type == txCancel && st != mapi.StatusDeclined:
			l.released = true
		case c.Type == txReversal && st == mapi.StatusApproved:
			l.refunded += c.AmountMinor
		}
	}
	return l
}

// childNamed finds the child with serial-number sn.
func (o *order) childNamed(sn string) *child {
	for _, c := range o.Children {
		if c.SerialNumber == sn {
			return c
		}
	}
	return nil
}

// holdExpiry is when an approved preauth's hold ends.
func (s *Server) holdExpiry(o *order) time.Time {
	return o.finalAt().Add(s.holdPeriod())
}

// holdPeriod is Options.HoldDays as a duration (not scaled by Speed).
func (s *Server) holdPeriod() time.Duration {
	return time.Duration(s.opts.HoldDays * float64(24*time.Hour))
}

// childCall is a parsed capture or return request.
type childCall struct {
	cid, oid string
	amount   money.Amount // Minor 0: not sent
	comment  string
}

// parseChild checks a capture/return request's fields and its §9 control.
// A failure is the reply to send.
func (s *Server) parseChild(q *request) (childCall, *reply) {
	cc := childCall{cid: q.value("client_orderid"), oid: q.value("orderid"), comment: q.value("comment")}
	q.clientOrderID = cc.cid
	amt, cur := q.value("amount"), q.value("currency")
	if (amt == "") != (cur == "") {
		r := validation(codeInvalid, "Parameters amount and currency go together", cc.cid, s.newSerial())
		return cc, &r
	}
	if amt != "" {
		a, err := money.Parse(amt, cur)
		if err != nil {
			r := validation(codeInvalid, "Invalid amount: "+err.Error(), cc.cid, s.newSerial())
			return cc, &r
		}
		cc.amount = a
	}
	login, control := q.form.Get("login"), q.form.Get("control")
	want := mapi.ChildControl(login, q.form.Get("client_orderid"), q.form.Get("orderid"), cc.amount, s.opts.Key)
	if control == "" || !constantEqual(login, s.opts.Login) || !constantEqual(strings.ToLower(control), want) {
		return cc, &reply{httpStatus: http.StatusForbidden, text: "forbidden: control check failed"}
	}
	var msg string
	switch {
	case q.endpoint != s.opts.EndpointID:
		msg = "Unknown endpoint " + q.endpoint
	case cc.cid == "":
		msg = "Parameter client_orderid is required"
	case cc.oid == "":
		msg = "Parameter orderid is required"
	case len([]rune(cc.comment)) > mapi.MaxCommentLength:
		msg = "Parameter comment is longer than 50 characters"
	case cc.amount.Minor > 0 && cc.amount.Currency != s.opts.Currency:
		msg = "Currency " + cc.amount.Currency + " is not the order's"
	}
	if msg != "" {
		r := validation(codeInvalid, msg, cc.cid, s.newSerial())
		return cc, &r
	}
	return cc, nil
}

// capture serves /api/v2/capture (MAPI.md §9).
func (s *Server) capture(q *request) reply {
	cc, bad := s.parseChild(q)
	if bad != nil {
		return *bad
	}
	return s.addChild(q, cc, func(o *order, l ledger, at time.Time) (*child, string, string) {
		switch {
		case o.Type != CmdPreauth:
			return nil, codeWrongState, "Only a preauth can be captured"
		case l.parent != mapi.StatusApproved:
			return nil, codeWrongState, "The preauth is not approved"
		case l.captured > 0 || l.capturing:
			return nil, codeWrongState, "The preauth is already captured"
		case l.released:
			return nil, codeWrongState, "The hold is released"
		case l.busy:
			return nil, codeWrongState, "Another operation of this order is in progress"
		case !at.Before(s.holdExpiry(o)):
			return nil, codeWrongState, "The hold has expired"
		}
		amount := o.AmountMinor
		if cc.amount.Minor > 0 {
			amount = cc.amount.Minor
		}
		switch {
		case amount > o.AmountMinor:
			return nil, codeAmountExceeds, "The amount exceeds the held amount"
		case amount < o.AmountMinor && o.sc.NoPartial:
			return nil, codePartialUnsupported, "Partial capture is not supported on this gate"
		}
		return &child{Type: txCapture, AmountMinor: amount, Final: mapi.StatusApproved}, "", ""
	})
}

// ret serves /api/v2/return (MAPI.md §9): a cancel of an approved preauth,
// or a reversal of an approved sale or capture.
func (s *Server) ret(q *request) reply {
	cc, bad := s.parseChild(q)
	if bad != nil {
		return *bad
	}
	return s.addChild(q, cc, func(o *order, l ledger, at time.Time) (*child, string, string) {
		switch {
		case l.parent != mapi.StatusApproved:
			return nil, codeWrongState, "The order is not approved"
		case l.busy:
			return nil, codeWrongState, "Another operation of this order is in progress"
		case l.released:
			return nil, codeWrongState, "The hold is released"
		case o.Type == CmdPreauth && l.captured == 0:
			return s.release(o, cc, at)
		}
		return s.reversal(o, l, cc)
	})
}

// release cancels a hold: whole, never with an amount.
func (s *Server) release(o *order, cc childCall, at time.Time) (*child, string, string) {
	switch {
	case !at.Before(s.holdExpiry(o)):
		return nil, codeWrongState, "The hold has expired"
	case cc.amount.Minor > 0:
		return nil, codePartialUnsupported, "A hold is released whole, without an amount"
	}
	return &child{Type: txCancel, AmountMinor: o.AmountMinor, Comment: cc.comment, Final: mapi.StatusApproved}, "", ""
}

// reversal refunds a sale or a capture, wholly or in part, while the
// approved refunds' sum stays within the sale's (or captured) amount.
func (s *Server) reversal(o *order, l ledger, cc childCall) (*child, string, string) {
	base := o.AmountMinor
	if o.Type == CmdPreauth {
		base = l.captured
	}
	left := base - l.refunded
	amount := left
	if cc.amount.Minor > 0 {
		amount = cc.amount.Minor
	}
	switch {
	case left <= 0:
		return nil, codeWrongState, "The order is already refunded in full"
	case amount > left:
		return nil, codeAmountExceeds, "The amount exceeds what is left to refund"
	case amount < base && o.sc.NoPartial:
		return nil, codePartialUnsupported, "Partial refund is not supported on this gate"
	}
	c := &child{Type: txReversal, AmountMinor: amount, Comment: cc.comment, Final: mapi.StatusApproved}
	if o.sc.RefundDeclined {
		c.Final, c.Reason, c.Code = mapi.StatusDeclined, refundDeclined, "05"
	}
	return c, "", ""
}

// addChild finds the order, lets decide make the child (or refuse with a
// code), stores it and answers async-response, maybe held (…0580).
func (s *Server) addChild(q *request, cc childCall, decide func(*order, ledger, time.Time) (*child, string, string)) reply {
	s.mu.Lock()
	o, ok := s.byClient[cc.cid]
	serial := s.serialLocked()
	if !ok || o.PaynetOrderID != cc.oid {
		s.mu.Unlock()
		return validation(codeNotFound, "order not found", cc.cid, serial)
	}
	q.card = maskPAN(o.First6, o.Last4, o.PANLength)
	at := now()
	c, code, msg := decide(o, o.ledgerAt(at), at)
	if c == nil {
		s.mu.Unlock()
		return validation(code, msg, cc.cid, serial, [2]string{"paynet-order-id", o.PaynetOrderID})
	}
	c.SerialNumber, c.AcceptedAt, c.Scale = serial, at, s.scale
	var hold time.Duration
	if o.sc.HoldChild && !o.ChildHeld {
		o.ChildHeld = true
		hold = scaled(holdReplyFor, s.scale)
	}
	o.Children = append(o.Children, c)
	s.mu.Unlock()
	if err := s.save(); err != nil {
		s.mu.Lock()
		o.Children = o.Children[:len(o.Children)-1]
		s.mu.Unlock()
		return reply{kv: [][2]string{{"type", "error"}, {"serial-number", serial}, {"merchant-order-id", cc.cid},
			{"error-message", "Sandbox could not store the request; nothing was done"}, {"error-code", codeInvalid}}}
	}
	s.log.Info("sandbox: child accepted", "command", q.cmd, "client_orderid", cc.cid, "paynet_order_id", o.PaynetOrderID,
		"transaction_type", c.Type, "amount", money.FormatMinor(c.AmountMinor, o.Currency), "serial", serial)
	return reply{took: true, hold: hold, kv: [][2]string{{"type", "async-response"}, {"serial-number", serial},
		{"merchant-order-id", cc.cid}, {"paynet-order-id", o.PaynetOrderID}, {"status", string(mapi.StatusProcessing)}}}
}

// childFields describe a child in a status reply: its type, status, own
// amount, stage and reason (the card fields are the order's).
func (c *child) fields(o *order, st mapi.Status) [][2]string {
	kv := [][2]string{
		{"amount", money.FormatMinor(c.AmountMinor, o.Currency)}, {"currency", o.Currency},
		{"last-four-digits", o.Last4}, {"bin", o.First6}, {"card-type", cardType(o.First6)},
		{"terminal-id", terminalID}, {"order-stage", c.Type + "_" + stage(st)}, {"transaction-type", c.Type},
		{"paynet-processing-date", c.AcceptedAt.UTC().Format("2006-01-02 15:04:05 UTC")}, {"descriptor", descriptor},
	}
	if st.Final() {
		n, _ := strconv.ParseInt(c.SerialNumber[len(c.SerialNumber)-12:], 16, 64)
		kv = append(kv, [2]string{"processor-rrn", strconv.FormatInt(900000000000+n%100000000000, 10)})
	}
	if st == mapi.StatusDeclined {
		kv = append(kv, [2]string{"error-message", c.Reason}, [2]string{"error-code", c.Code})
	}
	return kv
}

// totals are the §9 fields every status reply of an order carries.
func (o *order) totals(l ledger) [][2]string {
	kv := [][2]string{
		{"total-reversal-amount", money.FormatMinor(l.refunded, o.Currency)},
		{"total-capture-amount", money.FormatMinor(l.captured, o.Currency)},
	}
	if !o.sc.NoPartial {
		kv = append(kv, [2]string{"gate-partial-capture", mapi.PartialEnabled}, [2]string{"gate-partial-reversal", mapi.PartialEnabled})
	}
	return kv
}
