package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"kassa/device/emv"
	"kassa/mapi"
	"kassa/mapi/money"
)

// Error codes of the sandbox (MAPI.md §8).
const (
	codeInvalid   = "1" // invalid or missing parameter, undecryptable card data
	codeDuplicate = "2" // client_orderid already used
	codeNotFound  = "3" // order not found
	// §9, §10:
	codeWrongState         = "4" // already captured/released, parent not approved, hold expired, not at the EMV stage
	codeAmountExceeds      = "5" // amount exceeds what is left
	codePartialUnsupported = "6" // partial operation not supported on this gate
)

// mandatory lists the sale/preauth fields the sandbox requires (MAPI.md §8).
var mandatory = []string{"client_orderid", "amount", "currency", "encrypted-type", "encrypted-data"}

// maxClientOrderID is the length limit of client_orderid (String 128).
const maxClientOrderID = 128

// verifyOAuth checks the OAuth 1.0a signature of a request against the URL
// the sandbox was reached at.
func (s *Server) verifyOAuth(q *request) error {
	if err := mapi.VerifyOAuth(q.r, q.form, s.opts.Login, s.opts.Key); err != nil {
		return err
	}
	if s.opts.MaxClockSkew > 0 {
		ts, err := oauthTimestamp(q.r, q.form)
		if err != nil {
			return err
		}
		if d := time.Since(time.Unix(ts, 0)); d > s.opts.MaxClockSkew || d < -s.opts.MaxClockSkew {
			return fmt.Errorf("oauth_timestamp is %s away from the sandbox clock", d.Round(time.Second))
		}
	}
	return nil
}

// oauthTimestamp finds oauth_timestamp in the Authorization header (or a
// body copy). The signature is already verified, so the value is genuine.
func oauthTimestamp(r *http.Request, form url.Values) (int64, error) {
	v := form.Get("oauth_timestamp")
	if h, err := mapi.ParseOAuthHeader(r.Header.Get("Authorization")); err == nil && h["oauth_timestamp"] != "" {
		v = h["oauth_timestamp"]
	}
	ts, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("missing or malformed oauth_timestamp")
	}
	return ts, nil
}

func validation(code, msg, clientOrderID, serial string, extra ...[2]string) reply {
	kv := [][2]string{{"type", "validation-error"}, {"serial-number", serial}, {"merchant-order-id", clientOrderID}}
	kv = append(kv, extra...)
	kv = append(kv, [2]string{"error-message", msg}, [2]string{"error-code", code})
	return reply{kv: kv}
}

func (s *Server) newSerial() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serialLocked()
}

// payment serves sale and preauth (MAPI.md §3, §8).
func (s *Server) payment(q *request) reply {
	if err := s.verifyOAuth(q); err != nil {
		return reply{httpStatus: http.StatusForbidden, text: "forbidden: OAuth signature check failed"}
	}
	cid := q.value("client_orderid")
	q.clientOrderID = cid
	if q.endpoint != s.opts.EndpointID {
		return validation(codeInvalid, "Unknown endpoint "+q.endpoint, cid, s.newSerial())
	}
	for _, k := range mandatory {
		if q.value(k) == "" {
			return validation(codeInvalid, "Parameter "+k+" is required", cid, s.newSerial())
		}
	}
	if len(cid) > maxClientOrderID {
		return validation(codeInvalid, "Parameter client_orderid is longer than 128 characters", cid, s.newSerial())
	}
	// The duplicate check runs before amount validation (MAPI.md §8).
	s.mu.Lock()
	if o, dup := s.byClient[cid]; dup {
		serial := s.serialLocked()
		s.mu.Unlock()
		return validation(codeDuplicate, "Duplicate client_orderid "+cid, cid, serial, [2]string{"paynet-order-id", o.PaynetOrderID})
	}
	s.mu.Unlock()
	cur := q.value("currency")
	if cur != s.opts.Currency {
		return validation(codeInvalid, fmt.Sprintf("Currency %s is not served by endpoint %s (it takes %s)", cur, q.endpoint, s.opts.Currency), cid, s.newSerial())
	}
	amt, err := money.Parse(q.value("amount"), cur)
	if err != nil {
		return validation(codeInvalid, "Invalid amount: "+err.Error(), cid, s.newSerial())
	}
	c, bad := s.openCard(q.value("encrypted-type"), q.value("encrypted-data"))
	if c == nil {
		return validation(codeInvalid, bad, cid, s.newSerial())
	}
	defer c.t.Wipe()
	q.card = c.masked.String()
	cb := q.value("server_callback_url")
	if cb != "" {
		u, err := url.Parse(cb)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return validation(codeInvalid, "Invalid server_callback_url", cid, s.newSerial())
		}
	}
	sc := scenarioFor(c.pan)
	var e *emvOrder
	var over *outcome
	if c.t.Kind != emv.KindSwipe {
		e, over = s.chipOrder(c)
	}

	s.mu.Lock()
	if o, dup := s.byClient[cid]; dup { // a concurrent request won the race
		serial := s.serialLocked()
		s.mu.Unlock()
		return validation(codeDuplicate, "Duplicate client_orderid "+cid, cid, serial, [2]string{"paynet-order-id", o.PaynetOrderID})
	}
	at := now()
	o := &order{
		ClientOrderID: cid, PaynetOrderID: strconv.FormatInt(s.st.NextOrder, 10), SerialNumber: s.serialLocked(),
		Type: q.cmd, AmountMinor: amt.Minor, Currency: amt.Currency,
		Description: q.value("order_desc"), MerchantData: q.value("merchant_data"), CallbackURL: cb,
		Scenario: sc.Name, First6: c.masked.First6, Last4: c.masked.Last4, Expiry: c.masked.Expiry, PANLength: len(c.pan),
		ReaderSerial: c.t.Fields.Serial, AcceptedAt: at, Scale: s.scale, sc: sc, EMV: e, Override: over,
	}
	s.st.NextOrder++
	if cb != "" {
		final := o.finalAt()
		for i := 0; i < sc.Callbacks; i++ {
			o.Callbacks = append(o.Callbacks, &delivery{Due: final.Add(time.Duration(i) * scaled(sc.Repeat, s.scale))})
		}
	}
	s.st.Orders = append(s.st.Orders, o)
	s.byClient[cid] = o
	s.mu.Unlock()

	if err := s.save(); err != nil {
		s.mu.Lock()
		delete(s.byClient, cid)
		s.st.Orders = slices.DeleteFunc(s.st.Orders, func(x *order) bool { return x == o })
		serial := s.serialLocked()
		s.mu.Unlock()
		return reply{kv: [][2]string{{"type", "error"}, {"serial-number", serial}, {"merchant-order-id", cid},
			{"error-message", "Sandbox could not store the order; nothing was charged"}, {"error-code", codeInvalid}}}
	}
	s.mu.Lock()
	for _, d := range o.Callbacks {
		s.scheduleLocked(o, d, at)
	}
	s.mu.Unlock()
	s.log.Info("sandbox: order accepted", "command", q.cmd, "client_orderid", cid, "paynet_order_id", o.PaynetOrderID,
		"amount", amt.String(), "card", q.card, "scenario", sc.Name, "callback", cb != "")
	return reply{
		took: true,
		hold: scaled(sc.Hold, s.scale),
		kv: [][2]string{{"type", "async-response"}, {"serial-number", o.SerialNumber}, {"merchant-order-id", cid},
			{"paynet-order-id", o.PaynetOrderID}, {"status", string(mapi.StatusProcessing)}},
	}
}

// status serves /api/v2/status (MAPI.md §4, §8): by client_orderid, with or
// without orderid.
func (s *Server) status(q *request) reply {
	login, cid, oid, control := q.form.Get("login"), q.form.Get("client_orderid"), q.form.Get("orderid"), q.form.Get("control")
	q.clientOrderID = cid
	want := mapi.StatusControl(login, cid, oid, s.opts.Key)
	if control == "" || !constantEqual(login, s.opts.Login) || !constantEqual(strings.ToLower(control), want) {
		return reply{httpStatus: http.StatusForbidden, text: "forbidden: control check failed"}
	}
	cid, oid = strings.TrimSpace(cid), strings.TrimSpace(oid)
	serial := s.newSerial()
	if q.endpoint != s.opts.EndpointID {
		return validation(codeInvalid, "Unknown endpoint "+q.endpoint, cid, serial)
	}
	if cid == "" {
		return validation(codeInvalid, "Parameter client_orderid is required", cid, serial)
	}
	sn := q.value("by-request-sn")
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.byClient[cid]
	if !ok || (oid != "" && oid != o.PaynetOrderID) {
		return validation(codeNotFound, "order not found", cid, serial)
	}
	// Without by-request-sn: the order's latest transaction; with it, that
	// request's (the order's own serial-number is its sale or preauth).
	var c *child
	switch {
	case sn == "" && len(o.Children) > 0:
		c = o.Children[len(o.Children)-1]
	case sn != "" && sn != o.SerialNumber:
		if c = o.childNamed(sn); c == nil {
			return validation(codeNotFound, "request "+sn+" not found", cid, serial)
		}
	}
	q.card = maskPAN(o.First6, o.Last4, o.PANLength)
	at := now()
	out := o.outcomeAt(at)
	st := out.Status
	fields := o.fields(out, false)
	if c != nil {
		st = c.statusAt(at)
		fields = c.fields(o, st)
	}
	kv := [][2]string{{"type", "status-response"}, {"serial-number", serial}, {"merchant-order-id", cid},
		{"paynet-order-id", o.PaynetOrderID}, {"status", string(st)}}
	kv = append(kv, fields...)
	kv = append(kv, o.totals(o.ledgerAt(at))...)
	if sn != "" {
		kv = append(kv, [2]string{"by-request-sn", sn})
	}
	return reply{kv: kv}
}

// fields are the card and receipt fields of an order in status st, in the
// status-response spelling (callback false) or the callback one.
func (o *order) fields(out outcome, callback bool) [][2]string {
	st := out.Status
	final := st.Final()
	amount := money.FormatMinor(o.AmountMinor, o.Currency)
	var kv [][2]string
	add := func(k, v string) {
		if v != "" {
			kv = append(kv, [2]string{k, v})
		}
	}
	approval, rrn, receipt := o.receiptIDs()
	errMsg, errCode := "", ""
	if final && st != mapi.StatusApproved {
		errMsg, errCode = out.Reason, out.Code
	}
	if !final || st != mapi.StatusApproved {
		approval = ""
	}
	if callback {
		add("amount", amount)
		add("descriptor", descriptor)
		add("error_code", errCode)
		add("error_message", errMsg)
		add("approval-code", approval)
		add("last-four-digits", o.Last4)
		add("bin", o.First6)
		add("card-type", cardType(o.First6))
		if final {
			add("processor-rrn", rrn)
		}
		add("merchantdata", o.MerchantData)
		return kv
	}
	add("amount", amount)
	add("currency", o.Currency)
	add("last-four-digits", o.Last4)
	add("bin", o.First6)
	add("card-type", cardType(o.First6))
	add("card-exp-month", expMonth(o.Expiry))
	add("card-exp-year", expYear(o.Expiry))
	add("approval-code", approval)
	if final {
		add("processor-rrn", rrn)
		add("receipt-id", receipt)
		code := errCode
		if st == mapi.StatusApproved {
			code = "00"
		}
		add("auth-response-code", code)
	}
	add("terminal-id", terminalID)
	if out.Stage {
		add("order-stage", o.stageName())
	} else {
		add("order-stage", o.Type+"_"+stage(st))
	}
	add("transaction-type", o.Type)
	add("paynet-processing-date", o.AcceptedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	add("descriptor", descriptor)
	add("error-message", errMsg)
	add("error-code", errCode)
	return append(kv, o.emvFields(out)...)
}

// Fixed reply values of the sandbox.
const (
	descriptor = "KASSA SANDBOX"
	terminalID = "SANDBOX1"
)

func stage(st mapi.Status) string {
	switch st {
	case mapi.StatusProcessing:
		return "processing"
	case mapi.StatusUnknown:
		return "unknown"
	}
	return string(st)
}

func expMonth(yymm string) string {
	if len(yymm) != 4 {
		return ""
	}
	return yymm[2:]
}

func expYear(yymm string) string {
	if len(yymm) != 4 {
		return ""
	}
	return "20" + yymm[:2]
}

// receiptIDs derives an approval code, an RRN and a receipt id from the
// order id, so they are the same after a restart.
func (o *order) receiptIDs() (approval, rrn, receipt string) {
	n, _ := strconv.ParseInt(o.PaynetOrderID, 10, 64)
	approval = fmt.Sprintf("%06d", n%1000000)
	rrn = fmt.Sprintf("%012d", n%1000000000000)
	receipt = fmt.Sprintf("5a4b0000-0000-4000-8000-%012x", n)
	return
}

// closeDay serves /api/v2/close-day (MAPI.md §5, §8).
func (s *Server) closeDay(q *request) reply {
	if err := s.verifyOAuth(q); err != nil {
		return reply{httpStatus: http.StatusForbidden, text: "forbidden: OAuth signature check failed"}
	}
	id := q.value("day_close_request_id")
	q.clientOrderID = id
	fail := func(msg string) reply {
		return reply{kv: [][2]string{{"type", "error"}, {"serial-number", s.newSerial()}, {"error-message", msg}, {"error-code", codeInvalid}}}
	}
	if q.endpoint != s.opts.EndpointID {
		return fail("Unknown endpoint " + q.endpoint)
	}
	if !mapi.ValidRequestID(id) {
		return fail("Parameter day_close_request_id must be 8 to 32 letters or digits")
	}
	for _, k := range []string{"sale_approved_count", "reversal_approved_count"} {
		if v := q.value(k); v != "" && !isDigits(v) {
			return fail("Parameter " + k + " must be a whole number")
		}
	}
	for _, k := range []string{"sale_approved_sum", "reversal_approved_sum"} {
		if v := q.value(k); v != "" && !validSum(v, s.opts.Currency) {
			return fail("Parameter " + k + " must be an amount in " + s.opts.Currency)
		}
	}
	at := now()
	s.mu.Lock()
	c, ok := s.closes[id]
	changed := false
	if !ok {
		c = &closeDay{RequestID: id, SerialNumber: s.serialLocked(), Number: s.st.NextClose, CreatedAt: at,
			FinishAt: at.Add(scaled(closeDayProcessing, s.scale))}
		s.st.NextClose++
		s.closes[id] = c
		s.st.Closes = append(s.st.Closes, c)
		changed = true
	}
	if !c.Finished && !at.Before(c.FinishAt) {
		s.finishCloseLocked(c)
		changed = true
	}
	kv := c.Reply
	if !c.Finished {
		kv = s.closeReplyLocked(c, "processing", true)
	}
	s.mu.Unlock()
	if changed {
		if err := s.save(); err != nil {
			return fail("Sandbox could not store the close-day; try again with the same id")
		}
	}
	return reply{kv: kv, took: changed}
}

// finishCloseLocked totals the transactions final at c.FinishAt that no
// earlier finished close-day covered (MAPI.md §8, §9): approved sales and
// captures (at the captured amount) as sales, approved refunds as reversals,
// each partial refund one; preauths and releases are not counted.
func (s *Server) finishCloseLocked(c *closeDay) {
	var count, sum int64
	for _, o := range s.st.Orders {
		if o.ClosedBy != "" || o.AcceptedAt.After(c.FinishAt) {
			continue
		}
		st := o.statusAt(c.FinishAt)
		if !st.Final() {
			continue
		}
		o.ClosedBy = c.RequestID
		c.Orders = append(c.Orders, o.ClientOrderID)
		if o.Type == CmdSale && st == mapi.StatusApproved {
			count++
			sum += o.AmountMinor
		}
	}
	var rcount, rsum int64
	for _, o := range s.st.Orders {
		for _, ch := range o.Children {
			if ch.ClosedBy != "" || ch.finalAt().After(c.FinishAt) {
				continue
			}
			ch.ClosedBy = c.RequestID
			switch {
			case ch.Final != mapi.StatusApproved:
			case ch.Type == txCapture:
				count++
				sum += ch.AmountMinor
			case ch.Type == txReversal:
				rcount++
				rsum += ch.AmountMinor
			}
		}
	}
	c.Finished = true
	kv := s.closeReplyLocked(c, "finished", false)
	kv = append(kv,
		[2]string{"saleApprovedCount", strconv.FormatInt(count, 10)},
		[2]string{"saleAmount", money.FormatMinor(sum, s.opts.Currency)},
		[2]string{"reversalApprovedCount", strconv.FormatInt(rcount, 10)},
		[2]string{"reversalAmount", money.FormatMinor(rsum, s.opts.Currency)},
		[2]string{"code39", "00"},
		[2]string{"RRN", strconv.FormatInt(c.Number, 10)},
	)
	c.Reply = kv
}

func (s *Server) closeReplyLocked(c *closeDay, status string, closing bool) [][2]string {
	return [][2]string{{"status", status}, {"gateId", s.opts.EndpointID}, {"isDayClosing", strconv.FormatBool(closing)},
		{"gateCloseDate", c.CreatedAt.Local().Format("2006-01-02")}, {"epntId", s.opts.EndpointID},
		{"theRequestSerialNumber", c.SerialNumber}}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// validSum accepts a merchant's total: zero or a valid amount.
func validSum(v, cur string) bool {
	if _, err := money.Parse(v, cur); err == nil {
		return true
	}
	ip, frac, dot := strings.Cut(v, ".")
	exp, err := money.Exponent(cur)
	return err == nil && ip == "0" && (!dot || (frac != "" && len(frac) <= exp && strings.Trim(frac, "0") == ""))
}
