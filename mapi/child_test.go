package mapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"kassa/mapi/money"
)

// The four check values of MAPI.md §9 (and reference/v2-lifecycle.md §7).
func TestChildControlCheckValues(t *testing.T) {
	const key Secret = "D5F82EC1-8575-4482-AD89-97X6X0X20X22"
	for _, tt := range []struct {
		amount money.Amount
		want   string
	}{
		{money.Amount{}, "a1e4d9ff23f0243c45b93733ea028d6eed82328a"},
		{money.Amount{Minor: 1042, Currency: "RUB"}, "df84b8b43ae4a44be5f7369f5574bda8499a58b0"},
		{money.Amount{Minor: 9910, Currency: "EUR"}, "d7d8c0175aa763419f8e5049d2989564343fcf30"},
		{money.Amount{Minor: 1000, Currency: "JPY"}, "ae089221308d5c1ce6bdcc451ec9cde7e8b463aa"},
	} {
		if got := ChildControl("test-login", "CLIENT-112233", "PAYNET-112233", tt.amount, key); got != tt.want {
			t.Errorf("control with %v = %s, want %s", tt.amount, got, tt.want)
		}
	}
	if ChildControl("test-login", "CLIENT-112233", "PAYNET-112233", money.Amount{}, key) != StatusControl("test-login", "CLIENT-112233", "PAYNET-112233", key) {
		t.Error("the control without amount is not the status control")
	}
}

func TestEnums(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{OpCapture.String(), "capture"}, {OpRelease.String(), "release"}, {OpRefund.String(), "refund"},
		{Operation(0).String(), "operation(0)"}, {Operation(9).String(), "operation(9)"},
		{TxSale.String(), "sale"}, {TxPreauth.String(), "preauth"}, {TxCapture.String(), "capture"},
		{TxCancel.String(), "cancel"}, {TxReversal.String(), "reversal"}, {TxVoid.String(), "void"},
		{TxChargeback.String(), "chargeback"}, {TxNone.String(), ""}, {TransactionType(99).String(), "other"},
	} {
		if tt.got != tt.want {
			t.Errorf("%q, want %q", tt.got, tt.want)
		}
	}
	for s, want := range map[string]TransactionType{"": TxNone, "sale": TxSale, "capture": TxCapture, "cancel": TxCancel,
		"reversal": TxReversal, "sale-form": TxOther, "other": TxOther, "Sale": TxOther} {
		if got := ParseTransactionType(s); got != want {
			t.Errorf("ParseTransactionType(%q) = %v, want %v", s, got, want)
		}
	}
	for _, tt := range []struct {
		op   Operation
		tx   TransactionType
		want bool
	}{
		{OpCapture, TxCapture, true}, {OpCapture, TxReversal, false}, {OpRelease, TxCancel, true},
		{OpRelease, TxReversal, true}, {OpRefund, TxReversal, true}, {OpRefund, TxCancel, false},
		{OpRefund, TxSale, false}, {Operation(0), TxCapture, false},
	} {
		if got := tt.op.Produces(tt.tx); got != tt.want {
			t.Errorf("%v.Produces(%v) = %v", tt.op, tt.tx, got)
		}
	}
	if TxSale.Child() || TxPreauth.Child() || !TxCapture.Child() || !TxReversal.Child() || !TxCancel.Child() {
		t.Error("Child")
	}
}

// childGateway verifies the §9 control of each request and accepts it.
func childGateway(t *testing.T) *gateway {
	return newGateway(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
		var amt money.Amount
		if form.Get("amount") != "" {
			a, err := money.Parse(form.Get("amount"), form.Get("currency"))
			if err != nil {
				http.Error(w, "bad amount", 400)
				return
			}
			amt = a
		}
		if form.Get("control") != ChildControl(form.Get("login"), form.Get("client_orderid"), form.Get("orderid"), amt, testKey) {
			http.Error(w, "bad control", http.StatusForbidden)
			return
		}
		reply(w, [2]string{"type", "async-response"}, [2]string{"serial-number", "sn-child-1"},
			[2]string{"merchant-order-id", form.Get("client_orderid")}, [2]string{"paynet-order-id", form.Get("orderid")},
			[2]string{"status", "processing"})
	})
}

// What Capture and Return put on the wire, for each §9 operation.
func TestCaptureAndReturnRequests(t *testing.T) {
	g := childGateway(t)
	c := newTestClient(t, g.srv.URL+"/paynet", quietLog())
	rub := func(m int64) money.Amount { return money.Amount{Minor: m, Currency: "RUB"} }
	base := url.Values{"login": {testLogin}, "client_orderid": {"CID-1"}, "orderid": {"4242"}}
	with := func(extra ...string) url.Values {
		v := url.Values{}
		for k, x := range base {
			v[k] = x
		}
		for i := 0; i < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	for _, tt := range []struct {
		name string
		call func() (*Accepted, error)
		path string
		want url.Values
	}{
		{"full capture", func() (*Accepted, error) {
			return c.Capture(context.Background(), CaptureRequest{ClientOrderID: "CID-1", PaynetOrderID: "4242"})
		}, "/paynet/api/v2/capture/1111", with("control", ChildControl(testLogin, "CID-1", "4242", money.Amount{}, testKey))},
		{"partial capture", func() (*Accepted, error) {
			return c.Capture(context.Background(), CaptureRequest{ClientOrderID: "CID-1", PaynetOrderID: "4242", Amount: rub(700)})
		}, "/paynet/api/v2/capture/1111", with("amount", "7.00", "currency", "RUB", "control", ChildControl(testLogin, "CID-1", "4242", rub(700), testKey))},
		{"release", func() (*Accepted, error) {
			return c.Return(context.Background(), ReturnRequest{Operation: OpRelease, ClientOrderID: "CID-1", PaynetOrderID: "4242"})
		}, "/paynet/api/v2/return/1111", with("comment", "release", "control", ChildControl(testLogin, "CID-1", "4242", money.Amount{}, testKey))},
		{"full refund", func() (*Accepted, error) {
			return c.Return(context.Background(), ReturnRequest{Operation: OpRefund, ClientOrderID: "CID-1", PaynetOrderID: "4242", Comment: "damaged goods"})
		}, "/paynet/api/v2/return/1111", with("comment", "damaged goods", "control", ChildControl(testLogin, "CID-1", "4242", money.Amount{}, testKey))},
		{"partial refund", func() (*Accepted, error) {
			return c.Return(context.Background(), ReturnRequest{Operation: OpRefund, ClientOrderID: "CID-1", PaynetOrderID: "4242", Amount: rub(1042)})
		}, "/paynet/api/v2/return/1111", with("amount", "10.42", "currency", "RUB", "comment", "refund", "control", ChildControl(testLogin, "CID-1", "4242", rub(1042), testKey))},
	} {
		a, err := tt.call()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if a.SerialNumber != "sn-child-1" || a.PaynetOrderID != "4242" || a.Status != StatusProcessing {
			t.Errorf("%s: accepted %+v", tt.name, a)
		}
		r, form := g.last()
		if r.URL.Path != tt.path || r.Method != "POST" || r.Header.Get("Authorization") != "" {
			t.Errorf("%s: %s %s, authorization %q", tt.name, r.Method, r.URL.Path, r.Header.Get("Authorization"))
		}
		if !reflect.DeepEqual(form, tt.want) {
			t.Errorf("%s: sent\n%v\nwant\n%v", tt.name, form, tt.want)
		}
	}
}

// Requests Kassa can tell are wrong never leave it.
func TestChildRefusedBeforeSending(t *testing.T) {
	g := childGateway(t)
	c := newTestClient(t, g.srv.URL+"/paynet", quietLog())
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"release with amount": func() error {
			_, err := c.Return(ctx, ReturnRequest{Operation: OpRelease, ClientOrderID: "C", PaynetOrderID: "1", Amount: money.Amount{Minor: 1, Currency: "RUB"}})
			return err
		},
		"return as capture": func() error {
			_, err := c.Return(ctx, ReturnRequest{Operation: OpCapture, ClientOrderID: "C", PaynetOrderID: "1"})
			return err
		},
		"no orderid": func() error { _, err := c.Capture(ctx, CaptureRequest{ClientOrderID: "C"}); return err },
		"no client_orderid": func() error {
			_, err := c.Return(ctx, ReturnRequest{Operation: OpRefund, PaynetOrderID: "1"})
			return err
		},
		"negative": func() error {
			_, err := c.Capture(ctx, CaptureRequest{ClientOrderID: "C", PaynetOrderID: "1", Amount: money.Amount{Minor: -5, Currency: "RUB"}})
			return err
		},
		"bad currency": func() error {
			_, err := c.Capture(ctx, CaptureRequest{ClientOrderID: "C", PaynetOrderID: "1", Amount: money.Amount{Minor: 5, Currency: "XYZ"}})
			return err
		},
		"long comment": func() error {
			_, err := c.Return(ctx, ReturnRequest{Operation: OpRefund, ClientOrderID: "C", PaynetOrderID: "1", Comment: strings.Repeat("я", 51)})
			return err
		},
	} {
		if err := call(); outcome(err) != "not-sent" {
			t.Errorf("%s: %v (%s)", name, err, outcome(err))
		}
	}
	g.mu.Lock()
	n := len(g.reqs)
	g.mu.Unlock()
	if n != 0 {
		t.Errorf("%d requests left Kassa", n)
	}
	if _, err := c.Return(ctx, ReturnRequest{Operation: OpRefund, ClientOrderID: "C", PaynetOrderID: "1", Comment: strings.Repeat("я", 50)}); err != nil {
		t.Errorf("50-character comment: %v", err)
	}
}

// Every failure of a capture or return is one of the three error types,
// through the same request path as a sale, with words for a child.
func TestChildErrorClasses(t *testing.T) {
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedURL := "http://" + closed.Addr().String() + "/paynet"
	closed.Close()
	for _, tt := range []struct {
		name   string
		handle func(w http.ResponseWriter, r *http.Request, form url.Values)
		base   string
		want   string
		check  func(*RefusedError) bool
		words  string
	}{
		{name: "connection refused", base: closedURL, want: "not-sent", words: "the refund was not sent to the bank, nothing changed"},
		{name: "403", handle: func(w http.ResponseWriter, r *http.Request, _ url.Values) { http.Error(w, "forbidden", 403) },
			want: "refused", check: func(e *RefusedError) bool { return e.HTTPStatus == 403 }, words: "refund not done"},
		{name: "amount exceeds, underscore spelling", handle: func(w http.ResponseWriter, r *http.Request, _ url.Values) {
			reply(w, [2]string{"type", "validation-error"}, [2]string{"error_message", "amount exceeds"}, [2]string{"error_code", "5"})
		}, want: "refused", check: func(e *RefusedError) bool { return e.AmountExceeds() && e.Message == "amount exceeds" }, words: "refund not done"},
		{name: "wrong state", handle: func(w http.ResponseWriter, r *http.Request, _ url.Values) {
			reply(w, [2]string{"type", "validation-error"}, [2]string{"error-message", "already refunded"}, [2]string{"error-code", "4"})
		}, want: "refused", check: func(e *RefusedError) bool { return e.WrongState() && !e.PartialUnsupported() }},
		{name: "partial unsupported", handle: func(w http.ResponseWriter, r *http.Request, _ url.Values) {
			reply(w, [2]string{"type", "error"}, [2]string{"error-code", "6"})
		}, want: "refused", check: func(e *RefusedError) bool { return e.PartialUnsupported() }},
		{name: "no serial-number", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			reply(w, [2]string{"type", "async-response"}, [2]string{"paynet-order-id", f.Get("orderid")})
		}, want: "unknown", words: "do not send it again"},
		{name: "other order", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			reply(w, [2]string{"type", "async-response"}, [2]string{"serial-number", "s"}, [2]string{"paynet-order-id", "999"})
		}, want: "unknown"},
		{name: "bad status", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			reply(w, [2]string{"type", "async-response"}, [2]string{"serial-number", "s"}, [2]string{"status", "maybe"})
		}, want: "unknown"},
		{name: "status-response type", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			reply(w, [2]string{"type", "status-response"}, [2]string{"serial-number", "s"})
		}, want: "unknown"},
		{name: "502", handle: func(w http.ResponseWriter, r *http.Request, _ url.Values) { http.Error(w, "bad gateway", 502) }, want: "unknown"},
		{name: "timeout after writing", handle: func(w http.ResponseWriter, r *http.Request, _ url.Values) { time.Sleep(600 * time.Millisecond) }, want: "unknown", words: "no answer in time"},
		{name: "reset after writing", handle: func(w http.ResponseWriter, r *http.Request, _ url.Values) {
			c := hijack(w)
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}, want: "unknown"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base := tt.base
			if base == "" {
				g := newGateway(t, tt.handle)
				base = g.srv.URL + "/paynet"
			}
			c := newTestClient(t, base, quietLog())
			_, err := c.Return(context.Background(), ReturnRequest{Operation: OpRefund, ClientOrderID: "CID-1", PaynetOrderID: "4242", Amount: money.Amount{Minor: 100, Currency: "RUB"}})
			if got := outcome(err); got != tt.want {
				t.Fatalf("%s: %v, want %s", got, err, tt.want)
			}
			var re *RefusedError
			if tt.check != nil && (!errors.As(err, &re) || !tt.check(re)) {
				t.Errorf("refusal %+v", re)
			}
			if tt.words != "" && !strings.Contains(err.Error(), tt.words) {
				t.Errorf("%q does not say %q", err, tt.words)
			}
		})
	}
}

// The §9 status fields of a child, by-request-sn echoed.
func TestStatusChildFields(t *testing.T) {
	g := newGateway(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
		reply(w, [2]string{"type", "status-response"}, [2]string{"status", "approved"}, [2]string{"amount", "3.00"},
			[2]string{"currency", "RUB"}, [2]string{"paynet-order-id", "4242"}, [2]string{"merchant-order-id", "CID-1"},
			[2]string{"transaction-type", "reversal"}, [2]string{"total-reversal-amount", "5.50"},
			[2]string{"total-capture-amount", "0.00"}, [2]string{"gate-partial-capture", "enabled"},
			[2]string{"gate-partial-reversal", "enabled"}, [2]string{"by-request-sn", form.Get("by-request-sn")})
	})
	c := newTestClient(t, g.srv.URL+"/paynet", quietLog())
	r, err := c.Status(context.Background(), StatusRequest{ClientOrderID: "CID-1", PaynetOrderID: "4242", BySerial: "sn-7"})
	if err != nil {
		t.Fatal(err)
	}
	if r.TransactionType != TxReversal || r.Amount != (money.Amount{Minor: 300, Currency: "RUB"}) ||
		r.TotalReversal != (money.Amount{Minor: 550, Currency: "RUB"}) || r.TotalCapture != (money.Amount{Currency: "RUB"}) ||
		!r.GatePartialCapture || !r.GatePartialReversal || r.BySerial != "sn-7" {
		t.Errorf("result %+v", r)
	}
	_, form := g.last()
	if form.Get("by-request-sn") != "sn-7" || form.Get("control") != StatusControl(testLogin, "CID-1", "4242", testKey) {
		t.Errorf("sent %v", form)
	}
}

// Status replies Kassa cannot use are *UnknownError, never a wrong result.
func TestStatusChildFieldsMalformed(t *testing.T) {
	req := StatusRequest{ClientOrderID: "CID-1", BySerial: "sn-1"}
	ok := url.Values{"type": {"status-response"}, "status": {"approved"}, "currency": {"RUB"}}
	for name, extra := range map[string][2]string{
		"total without currency": {"total-reversal-amount", "1.00"},
		"bad total":              {"total-capture-amount", "-1"},
		"too many decimals":      {"total-reversal-amount", "1.001"},
		"other request":          {"by-request-sn", "sn-2"},
	} {
		v := url.Values{}
		for k, x := range ok {
			v[k] = x
		}
		v.Set(extra[0], extra[1])
		if name == "total without currency" {
			v.Del("currency")
		}
		if _, err := parseStatus(v, req); outcome(err) != "unknown" {
			t.Errorf("%s: %v", name, err)
		}
	}
	if r, err := parseStatus(ok, req); err != nil || r.TransactionType != TxNone || r.GatePartialCapture {
		t.Errorf("minimal reply: %+v %v", r, err)
	}
}

// FuzzStatusReply feeds arbitrary bytes through the reply parser and the
// status reader: no panic, and a result is consistent with its reply.
func FuzzStatusReply(f *testing.F) {
	for _, s := range []string{
		"type=status-response\n&status=approved\n&amount=10.42\n&currency=RUB\n&transaction-type=reversal\n&total-reversal-amount=5.00\n&total-capture-amount=0.00\n&gate-partial-capture=enabled\n&gate-partial-reversal=enabled\n&by-request-sn=sn-1\n",
		"type=status-response\n&status=processing\n&transaction-type=capture\n&currency=JPY\n&total-capture-amount=1000\n",
		"type=status-response\n&status=declined\n&transaction-type=cancel\n&error_message=no\n&error_code=4\n",
		"type=status-response\n&status=approved\n&total-reversal-amount=1\n",
		"type=status-response\n&status=approved\n&currency=RUB\n&total-reversal-amount=1.001\n",
		"type=status-response\n&status=approved\n&merchant-order-id=other\n",
		"type=async-response\n&status=approved\n", "", "type=status-response",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := ParseReply(body)
		if err != nil {
			return
		}
		r, err := parseStatus(v, StatusRequest{ClientOrderID: "CID-1", PaynetOrderID: "4242", BySerial: "sn-1"})
		if err != nil {
			if !IsUnknown(err) {
				t.Fatalf("error of the wrong type: %v", err)
			}
			return
		}
		switch {
		case !r.Status.Valid():
			t.Fatalf("invalid status %q accepted", r.Status)
		case r.TotalReversal.Minor < 0 || r.TotalCapture.Minor < 0 || r.Amount.Minor < 0:
			t.Fatalf("negative amounts %+v", r)
		case r.TransactionType.String() != v.Get("transaction-type") && r.TransactionType != TxOther:
			t.Fatalf("transaction type %v from %q", r.TransactionType, v.Get("transaction-type"))
		case r.BySerial != "" && r.BySerial != "sn-1":
			t.Fatalf("reply for another request accepted")
		}
	})
}

// FuzzAcceptedReply: the async-response readers of capture, return and
// emv-advice never panic, fail only with *UnknownError, and accept only a
// reply for the request's order with a valid status.
func FuzzAcceptedReply(f *testing.F) {
	for _, s := range []string{
		"type=async-response\n&serial-number=sn-1\n&merchant-order-id=CID-1\n&paynet-order-id=4242\n&status=processing\n",
		"type=async-response\n&serial-number=sn-1\n",
		"type=async-response\n&paynet-order-id=4242\n",
		"type=async-response\n&serial-number=s\n&paynet-order-id=999\n",
		"type=async-response\n&serial-number=s\n&status=maybe\n",
		"type=status-response\n&serial-number=s\n", "", "&&=",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := ParseReply(body)
		if err != nil {
			return
		}
		check := func(a *Accepted, err error) {
			if err != nil {
				if !IsUnknown(err) {
					t.Fatalf("error of the wrong type: %v", err)
				}
				return
			}
			if a.PaynetOrderID != "4242" || !a.Status.Valid() || (a.MerchantOrderID != "" && a.MerchantOrderID != "CID-1") {
				t.Fatalf("accepted %+v from %q", a, body)
			}
		}
		a, err := childAccepted("refund", v, "CID-1", "4242")
		if err == nil && a.SerialNumber == "" {
			t.Fatal("a child accepted without serial-number")
		}
		check(a, err)
		check(adviceAccepted(v, AdviceRequest{ClientOrderID: "CID-1", PaynetOrderID: "4242", Template: "E3"}))
	})
}
