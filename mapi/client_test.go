package mapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kassa/mapi/money"
)

const (
	testLogin    = "merchantlogin"
	testKey      = Secret("Sup3r-S3cret-Control-Key-0042")
	testCardData = "DFAE02CAFEBABE00DEADBEEF0123456789ABCDEF"
)

// gateway is a loopback HTTP server standing in for the gateway; handle sees
// each request with its parsed form.
type gateway struct {
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []*http.Request
	forms  []url.Values
	handle func(w http.ResponseWriter, r *http.Request, form url.Values)
}

func newGateway(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, form url.Values)) *gateway {
	t.Helper()
	g := &gateway{handle: handle}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		g.mu.Lock()
		g.reqs = append(g.reqs, r)
		g.forms = append(g.forms, r.PostForm)
		g.mu.Unlock()
		g.handle(w, r, r.PostForm)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gateway) last() (*http.Request, url.Values) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.reqs) == 0 {
		return nil, nil
	}
	return g.reqs[len(g.reqs)-1], g.forms[len(g.forms)-1]
}

func reply(w http.ResponseWriter, kv ...[2]string) {
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	_, _ = w.Write(EncodeReply(kv))
}

func newTestClient(t *testing.T, base string, log *slog.Logger) *Client {
	t.Helper()
	c, err := New(Config{BaseURL: base, EndpointID: "1111", Login: testLogin, ControlKey: testKey,
		Timeout: 300 * time.Millisecond, Logger: log, SDKVersion: "1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

func payment() PaymentRequest {
	return PaymentRequest{
		ClientOrderID: "6f1c1c0e-0d7e-4a8e-9d0b-3f1a2b3c4d5e",
		Amount:        money.Amount{Minor: 1050, Currency: "RUB"},
		Description:   "Sale at Counter 1",
		EncryptedType: "miura",
		EncryptedData: testCardData,
		PhoneID:       "term-1",
		Merchant:      Merchant{Address1: "Lenina 1", City: "Moscow", ZipCode: "123000", Country: "RU", Email: "shop@example.com"},
	}
}

func accepted(w http.ResponseWriter, form url.Values) {
	reply(w, [2]string{"type", "async-response"}, [2]string{"serial-number", "00000000-0000-0000-0000-0000005b2a8a"},
		[2]string{"merchant-order-id", form.Get("client_orderid")}, [2]string{"paynet-order-id", "4242"}, [2]string{"status", "processing"})
}

func TestSaleAndPreauthRequests(t *testing.T) {
	for _, op := range []string{"sale", "preauth"} {
		g := newGateway(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
			public := "http://" + r.Host + r.URL.Path
			if err := VerifyOAuthURL(r.Method, public, r.Header.Get("Authorization"), form, testLogin, testKey); err != nil {
				http.Error(w, "bad signature", http.StatusForbidden)
				return
			}
			accepted(w, form)
		})
		c := newTestClient(t, g.srv.URL+"/paynet/", quietLog())
		call := c.Sale
		if op == "preauth" {
			call = c.Preauth
		}
		req := payment()
		if op == "preauth" {
			req.Description = "" // falls back to the default
		}
		a, err := call(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		if a.PaynetOrderID != "4242" || a.Status != StatusProcessing || a.MerchantOrderID != req.ClientOrderID || a.SerialNumber == "" {
			t.Errorf("%s: accepted %+v", op, a)
		}
		r, form := g.last()
		if r.Method != "POST" || r.URL.Path != "/paynet/mapi/v1/"+op+"/1111" {
			t.Errorf("%s: %s %s", op, r.Method, r.URL.Path)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("%s: content type %q", op, ct)
		}
		desc := "Sale at Counter 1"
		if op == "preauth" {
			desc = DefaultPreauthDescription
		}
		want := url.Values{
			"client_orderid": {req.ClientOrderID}, "order_desc": {desc}, "amount": {"10.50"}, "currency": {"RUB"},
			"encrypted-type": {"miura"}, "encrypted-data": {testCardData}, "phone-id": {"term-1"},
			"sdk-version": {"kassa-1.2.3"}, "ipaddress": {"127.0.0.1"}, "address1": {"Lenina 1"}, "city": {"Moscow"},
			"zip_code": {"123000"}, "country": {"RU"}, "email": {"shop@example.com"},
		}
		if !reflect.DeepEqual(form, want) {
			t.Errorf("%s: sent\n%v\nwant\n%v", op, form, want)
		}
	}
}

// Exactly the currency's exponent digits go on the wire.
func TestSaleAmountOnTheWire(t *testing.T) {
	g := newGateway(t, func(w http.ResponseWriter, r *http.Request, form url.Values) { accepted(w, form) })
	c := newTestClient(t, g.srv.URL+"/paynet", quietLog())
	for _, tt := range []struct {
		amount money.Amount
		want   string
	}{
		{money.Amount{Minor: 1042, Currency: "RUB"}, "10.42"},
		{money.Amount{Minor: 1000, Currency: "RUB"}, "10.00"},
		{money.Amount{Minor: 5, Currency: "RUB"}, "0.05"},
		{money.Amount{Minor: 1000, Currency: "JPY"}, "1000"},
		{money.Amount{Minor: 1500, Currency: "KWD"}, "1.500"},
	} {
		req := payment()
		req.Amount = tt.amount
		if _, err := c.Sale(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		if _, form := g.last(); form.Get("amount") != tt.want || form.Get("currency") != tt.amount.Currency {
			t.Errorf("%v sent as %s %s, want %s", tt.amount, form.Get("amount"), form.Get("currency"), tt.want)
		}
	}
}

func TestStatusRequestAndResult(t *testing.T) {
	full := [][2]string{
		{"type", "status-response"}, {"status", "approved"}, {"amount", "10.50"}, {"currency", "RUB"},
		{"paynet-order-id", "4242"}, {"merchant-order-id", "CID-1"}, {"serial-number", "sn-1"},
		{"last-four-digits", "1111"}, {"bin", "411111"}, {"card-type", "VISA"}, {"cardholder-name", "IVAN PETROV"},
		{"approval-code", "242805"}, {"processor-rrn", "510321889824"}, {"receipt-id", "r-1"}, {"terminal-id", "T1"},
		{"order-stage", "sale_approved"}, {"transaction-type", "sale"}, {"paynet-processing-date", "2026-11-25 17:14:26 MSK"},
		{"auth-response-code", "00"}, {"descriptor", "KASSA"}, {"error-message", ""}, {"error-code", ""}, {"x-new-field", "kept"},
	}
	g := newGateway(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
		if form.Get("control") != StatusControl(form.Get("login"), form.Get("client_orderid"), form.Get("orderid"), testKey) {
			http.Error(w, "bad control", http.StatusForbidden)
			return
		}
		reply(w, full...)
	})
	c := newTestClient(t, g.srv.URL+"/paynet", quietLog())
	for _, tt := range []struct {
		req  StatusRequest
		want url.Values
	}{
		{StatusRequest{ClientOrderID: "CID-1", PaynetOrderID: "4242"},
			url.Values{"login": {testLogin}, "client_orderid": {"CID-1"}, "orderid": {"4242"}, "control": {StatusControl(testLogin, "CID-1", "4242", testKey)}}},
		{StatusRequest{ClientOrderID: "CID-1"}, // the sale reply never came: no orderid
			url.Values{"login": {testLogin}, "client_orderid": {"CID-1"}, "control": {StatusControl(testLogin, "CID-1", "", testKey)}}},
		{StatusRequest{ClientOrderID: "CID-1", BySerial: "sn-0"},
			url.Values{"login": {testLogin}, "client_orderid": {"CID-1"}, "by-request-sn": {"sn-0"}, "control": {StatusControl(testLogin, "CID-1", "", testKey)}}},
	} {
		res, err := c.Status(context.Background(), tt.req)
		if err != nil {
			t.Fatalf("%+v: %v", tt.req, err)
		}
		r, form := g.last()
		if r.URL.Path != "/paynet/api/v2/status/1111" || r.Header.Get("Authorization") != "" {
			t.Errorf("path %s, authorization %q", r.URL.Path, r.Header.Get("Authorization"))
		}
		if !reflect.DeepEqual(form, tt.want) {
			t.Errorf("sent %v, want %v", form, tt.want)
		}
		want := StatusResult{
			Status: StatusApproved, Amount: money.Amount{Minor: 1050, Currency: "RUB"},
			PaynetOrderID: "4242", MerchantOrderID: "CID-1", SerialNumber: "sn-1",
			LastFourDigits: "1111", BIN: "411111", CardType: "VISA", CardholderName: "IVAN PETROV",
			ApprovalCode: "242805", ProcessorRRN: "510321889824", ReceiptID: "r-1", TerminalID: "T1",
			OrderStage: "sale_approved", TransactionType: TxSale, TotalReversal: money.Amount{Currency: "RUB"}, TotalCapture: money.Amount{Currency: "RUB"}, ProcessingDate: "2026-11-25 17:14:26 MSK",
			AuthResponseCode: "00", Descriptor: "KASSA", Stage: StageOther,
		}
		want.Raw = res.Raw
		if !reflect.DeepEqual(*res, want) {
			t.Errorf("result\n%+v\nwant\n%+v", *res, want)
		}
		if res.Raw.Get("x-new-field") != "kept" {
			t.Error("unknown reply key lost")
		}
	}
}

func TestCloseDay(t *testing.T) {
	g := newGateway(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
		if err := VerifyOAuthURL("POST", "http://"+r.Host+r.URL.Path, r.Header.Get("Authorization"), form, testLogin, testKey); err != nil {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		reply(w, [2]string{"status", "finished"}, [2]string{"gateId", "77"}, [2]string{"isDayClosing", "false"},
			[2]string{"gateCloseDate", "2026-11-25"}, [2]string{"epntId", "1111"}, [2]string{"saleApprovedCount", "3"},
			[2]string{"saleAmount", "31.26"}, [2]string{"reversalApprovedCount", "0"}, [2]string{"reversalAmount", "0.00"},
			[2]string{"code39", "0"}, [2]string{"RRN", "12"}, [2]string{"theRequestSerialNumber", "sn-9"})
	})
	c := newTestClient(t, g.srv.URL+"/paynet", quietLog())
	res, err := c.CloseDay(context.Background(), CloseDayRequest{
		RequestID: "Z20261125A1", SaleApprovedCount: 3, SaleApprovedSum: money.Amount{Minor: 3126, Currency: "RUB"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, form := g.last()
	if r.URL.Path != "/paynet/api/v2/close-day/1111" {
		t.Errorf("path %s", r.URL.Path)
	}
	wantForm := url.Values{"day_close_request_id": {"Z20261125A1"}, "sale_approved_count": {"3"}, "sale_approved_sum": {"31.26"},
		"reversal_approved_count": {"0"}, "reversal_approved_sum": {"0.00"}}
	if !reflect.DeepEqual(form, wantForm) {
		t.Errorf("sent %v", form)
	}
	want := CloseDayResult{Status: CloseDayFinished, GateID: "77", GateCloseDate: "2026-11-25", EndpointID: "1111",
		SaleApprovedCount: 3, SaleAmount: money.Amount{Minor: 3126, Currency: "RUB"}, ReversalAmount: money.Amount{Currency: "RUB"},
		Code39: "0", RRN: "12", RequestSerialNumber: "sn-9", Raw: res.Raw}
	if !reflect.DeepEqual(*res, want) {
		t.Errorf("result\n%+v\nwant\n%+v", *res, want)
	}
	for _, bad := range []CloseDayRequest{
		{RequestID: "short", SaleApprovedSum: money.Amount{Currency: "RUB"}},
		{RequestID: "has-dash-12345", SaleApprovedSum: money.Amount{Currency: "RUB"}},
		{RequestID: "ABCDEFGH12"},
		{RequestID: "ABCDEFGH12", SaleApprovedSum: money.Amount{Currency: "RUB"}, ReversalApprovedSum: money.Amount{Currency: "EUR"}},
		{RequestID: "ABCDEFGH12", SaleApprovedCount: -1, SaleApprovedSum: money.Amount{Currency: "RUB"}},
	} {
		if _, err := c.CloseDay(context.Background(), bad); !IsNotSent(err) {
			t.Errorf("%+v: %v, want not sent", bad, err)
		}
	}
}

// outcome names the three error classes.
func outcome(err error) string {
	n, r, u := IsNotSent(err), IsRefused(err), IsUnknown(err)
	switch {
	case err == nil:
		return "ok"
	case n && !r && !u:
		return "not-sent"
	case r && !n && !u:
		return "refused"
	case u && !n && !r:
		return "unknown"
	}
	return fmt.Sprintf("untyped %T", err)
}

// hijack takes the raw connection of a request.
func hijack(w http.ResponseWriter) net.Conn {
	c, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	return c
}

// Every way the gateway or the network can misbehave ends in exactly one of
// the three error classes, each against a real loopback server.
func TestErrorClasses(t *testing.T) {
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedURL := "http://" + closed.Addr().String() + "/paynet"
	closed.Close() // nothing listens there now: connection refused

	type check func(t *testing.T, err error)
	refusal := func(typ, code, order string, status int) check {
		return func(t *testing.T, err error) {
			var re *RefusedError
			if !errors.As(err, &re) || re.Type != typ || re.Code != code || re.PaynetOrderID != order || re.HTTPStatus != status {
				t.Errorf("refusal %+v", re)
			}
		}
	}
	tests := []struct {
		name    string
		handle  func(w http.ResponseWriter, r *http.Request, form url.Values)
		base    string                 // instead of the server's URL
		ctx     func() context.Context // instead of Background
		mutate  func(*PaymentRequest)
		want    string
		more    check
		statusC bool   // call Status instead of Sale
		words   string // in the error's text for the cashier
	}{
		{name: "connection refused", base: closedURL, want: "not-sent", words: "not charged: the bank gateway refused the connection"},
		{name: "context cancelled before sending", ctx: func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, want: "not-sent", words: "not charged: cancelled"},
		{name: "invalid amount never sent", mutate: func(p *PaymentRequest) { p.Amount.Minor = 0 }, want: "not-sent"},
		{name: "unknown currency never sent", mutate: func(p *PaymentRequest) { p.Amount.Currency = "XYZ" }, want: "not-sent"},
		{name: "no card data never sent", mutate: func(p *PaymentRequest) { p.EncryptedData = "" }, want: "not-sent"},

		{name: "validation-error", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			reply(w, [2]string{"type", "validation-error"}, [2]string{"error-message", "Parameter amount is invalid"}, [2]string{"error-code", "1"})
		}, want: "refused", more: refusal("validation-error", "1", "", 200)},
		{name: "duplicate", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			reply(w, [2]string{"type", "validation-error"}, [2]string{"error-message", "duplicate client_orderid"}, [2]string{"error-code", "2"}, [2]string{"paynet-order-id", "4242"})
		}, want: "refused", more: func(t *testing.T, err error) {
			var re *RefusedError
			if !errors.As(err, &re) || !re.Duplicate() || re.NotFound() || re.PaynetOrderID != "4242" {
				t.Errorf("duplicate: %+v", re)
			}
		}},
		{name: "error reply", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			reply(w, [2]string{"type", "error"}, [2]string{"error-message", "Processing is unavailable"}, [2]string{"error-code", "7"})
		}, want: "refused", more: refusal("error", "7", "", 200)},
		{name: "HTTP 403", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			http.Error(w, "bad signature", http.StatusForbidden)
		}, want: "refused", more: func(t *testing.T, err error) {
			var re *RefusedError
			if !errors.As(err, &re) || re.HTTPStatus != 403 || re.Message != "bad signature" {
				t.Errorf("403: %+v", re)
			}
		}},
		{name: "status: order not found", statusC: true, handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			reply(w, [2]string{"type", "validation-error"}, [2]string{"error-message", "order not found"}, [2]string{"error-code", "3"})
		}, want: "refused", more: func(t *testing.T, err error) {
			var re *RefusedError
			if !errors.As(err, &re) || !re.NotFound() || re.Duplicate() {
				t.Errorf("not found: %+v", re)
			}
		}},

		{name: "timeout after the request was written", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			<-r.Context().Done()
		}, want: "unknown", words: "outcome is unknown: no answer in time; do not charge again"},
		{name: "caller cancels while waiting", ctx: func() context.Context {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			_ = cancel
			return ctx
		}, handle: func(w http.ResponseWriter, r *http.Request, f url.Values) { <-r.Context().Done() }, want: "unknown"},
		{name: "connection reset after reading", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			c := hijack(w)
			_ = c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}, want: "unknown", words: "the connection broke"},
		{name: "connection closed mid-reply", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			c := hijack(w)
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\ntype=async-resp")
			c.Close()
		}, want: "unknown"},
		{name: "HTTP 500", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			http.Error(w, "oops", 500)
		}, want: "unknown", more: func(t *testing.T, err error) {
			var ue *UnknownError
			if !errors.As(err, &ue) || ue.HTTPStatus != 500 {
				t.Errorf("500: %+v", ue)
			}
		}},
		{name: "HTTP 502 from a proxy", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			http.Error(w, "<html>Bad Gateway</html>", 502)
		}, want: "unknown"},
		{name: "HTTP 404", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) { http.NotFound(w, r) }, want: "unknown"},
		{name: "redirect not followed", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
		}, want: "unknown"},
		{name: "unparsable reply", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			_, _ = io.WriteString(w, "type=async-response\n&paynet-order-id=%zz\n")
		}, want: "unknown", words: "the reply could not be understood"},
		{name: "HTML instead of a reply", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			_, _ = io.WriteString(w, "<html><body>Maintenance</body></html>")
		}, want: "unknown"},
		{name: "reply too large", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			_, _ = io.WriteString(w, "type=async-response\n&x="+strings.Repeat("a", MaxReplySize)+"\n")
		}, want: "unknown"},
		{name: "accepted without order id", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			reply(w, [2]string{"type", "async-response"}, [2]string{"status", "processing"})
		}, want: "unknown"},
		{name: "reply for another order", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			reply(w, [2]string{"type", "async-response"}, [2]string{"merchant-order-id", "someone-else"}, [2]string{"paynet-order-id", "1"})
		}, want: "unknown"},
		{name: "unknown status word", handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			reply(w, [2]string{"type", "async-response"}, [2]string{"paynet-order-id", "1"}, [2]string{"status", "maybe"})
		}, want: "unknown"},
		{name: "status: malformed amount", statusC: true, handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			reply(w, [2]string{"type", "status-response"}, [2]string{"status", "approved"}, [2]string{"amount", "1e3"}, [2]string{"currency", "RUB"})
		}, want: "unknown"},
		{name: "status: wrong reply type", statusC: true, handle: func(w http.ResponseWriter, r *http.Request, f url.Values) {
			reply(w, [2]string{"type", "async-response"}, [2]string{"status", "approved"})
		}, want: "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tt.base
			if base == "" {
				h := tt.handle
				if h == nil {
					h = func(w http.ResponseWriter, r *http.Request, f url.Values) { t.Error("the request reached the gateway") }
				}
				base = newGateway(t, h).srv.URL + "/paynet"
			}
			var logs bytes.Buffer
			c := newTestClient(t, base, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx()
			}
			var err error
			if tt.statusC {
				_, err = c.Status(ctx, StatusRequest{ClientOrderID: "CID-1", PaynetOrderID: "4242"})
			} else {
				req := payment()
				if tt.mutate != nil {
					tt.mutate(&req)
				}
				_, err = c.Sale(ctx, req)
			}
			if got := outcome(err); got != tt.want {
				t.Fatalf("%v: outcome %s, want %s", err, got, tt.want)
			}
			if tt.more != nil {
				tt.more(t, err)
			}
			if !strings.Contains(err.Error(), tt.words) {
				t.Errorf("error %q lacks %q", err, tt.words)
			}
			for _, s := range []string{err.Error(), fmt.Sprintf("%v %+v %#v", err, err, err), logs.String()} {
				if strings.Contains(s, testKey.Reveal()) || strings.Contains(s, testCardData) {
					t.Errorf("key or card data shown: %s", s)
				}
			}
			if !strings.Contains(logs.String(), "outcome="+tt.want) {
				t.Errorf("log lacks the outcome: %s", logs.String())
			}
		})
	}
}

// A sale that times out returns after Config.Timeout, not the server's delay.
func TestTimeoutIsPerCall(t *testing.T) {
	g := newGateway(t, func(w http.ResponseWriter, r *http.Request, f url.Values) { <-r.Context().Done() })
	c := newTestClient(t, g.srv.URL+"/paynet", quietLog())
	start := time.Now()
	_, err := c.Sale(context.Background(), payment())
	if !IsUnknown(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("returned after %v", d)
	}
	d, _ := New(Config{BaseURL: "https://h/paynet", EndpointID: "1", Login: "l", ControlKey: "k"})
	if d.timeout != DefaultTimeout || DefaultTimeout != 30*time.Second {
		t.Errorf("default timeout %v", d.timeout)
	}
}

func TestNewValidates(t *testing.T) {
	ok := Config{BaseURL: "https://h/paynet", EndpointID: "1", Login: "l", ControlKey: testKey}
	for _, mut := range []func(*Config){
		func(c *Config) { c.BaseURL = "" },
		func(c *Config) { c.BaseURL = "ftp://h/paynet" },
		func(c *Config) { c.BaseURL = "/paynet" },
		func(c *Config) { c.BaseURL = "https://h/paynet?x=1" },
		func(c *Config) { c.EndpointID = "" },
		func(c *Config) { c.EndpointID = "1/2" },
		func(c *Config) { c.Login = " " },
		func(c *Config) { c.ControlKey = "" },
		func(c *Config) { c.Timeout = -1 },
	} {
		cfg := ok
		mut(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		} else if strings.Contains(err.Error(), testKey.Reveal()) {
			t.Errorf("error shows the key: %v", err)
		}
	}
	if _, err := New(ok); err != nil {
		t.Error(err)
	}
}

// The control key never shows in %v/%+v/%#v of a Config, a Client or a
// Secret, nor in slog output of a full exchange at debug level.
func TestKeyNeverShown(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	g := newGateway(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
		switch {
		case strings.Contains(r.URL.Path, "/sale/"):
			accepted(w, form)
		case strings.Contains(r.URL.Path, "/status/"):
			reply(w, [2]string{"type", "status-response"}, [2]string{"status", "approved"}, [2]string{"paynet-order-id", "4242"})
		default:
			reply(w, [2]string{"status", "finished"})
		}
	})
	cfg := Config{BaseURL: g.srv.URL + "/paynet", EndpointID: "1111", Login: testLogin, ControlKey: testKey, Logger: log, Timeout: time.Second}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	ctx := context.Background()
	if _, err := c.Sale(ctx, payment()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Status(ctx, StatusRequest{ClientOrderID: payment().ClientOrderID}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CloseDay(ctx, CloseDayRequest{RequestID: "ABCDEFGH12", SaleApprovedSum: money.Amount{Currency: "RUB"}}); err != nil {
		t.Fatal(err)
	}
	log.Info("values", "config", cfg, "client", c, "key", cfg.ControlKey)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("values", "config", cfg, "client", c, "key", cfg.ControlKey)
	shown := []string{
		logs.String(),
		fmt.Sprintf("%v %+v %#v %s %q %x", cfg, cfg, cfg, cfg.ControlKey, cfg.ControlKey, cfg.ControlKey),
		fmt.Sprintf("%v %+v %#v %s", c, c, c, c),
		fmt.Sprintf("%v %+v %#v", *c, *c, &cfg),
	}
	for _, s := range shown {
		if strings.Contains(s, testKey.Reveal()) {
			t.Errorf("key shown in: %s", s)
		}
		if strings.Contains(s, testCardData) {
			t.Errorf("card data shown in: %s", s)
		}
	}
	for _, want := range []string{`"command":"sale"`, `"client_orderid":"` + payment().ClientOrderID, `"http_status":200`, `"type":"async-response"`, `"duration"`, `"command":"close-day"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s", want)
		}
	}
}

// No goroutine outlives the calls, timeouts and resets included.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		var n atomic.Int32
		g := newGateway(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
			switch n.Add(1) % 3 {
			case 0:
				accepted(w, form)
			case 1:
				<-r.Context().Done()
			default:
				c := hijack(w)
				c.Close()
			}
		})
		c := newTestClient(t, g.srv.URL+"/paynet", quietLog())
		for range 6 {
			_, _ = c.Sale(context.Background(), payment())
		}
		c.CloseIdleConnections()
		g.srv.Close()
	}()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
