package sandbox

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"kassa/mapi"
)

// speed keeps the suite fast: 1 s of §8 time is 50 ms.
const speed = 20

func sc(d time.Duration) time.Duration { return d / speed }

// TestCards runs every test card of MAPI.md §7 through sale and status and
// checks its outcome, its timing (§8) and its callbacks.
func TestCards(t *testing.T) {
	checkLeaks(t)
	h := &hook{}
	cb := httptest.NewServer(h)
	t.Cleanup(cb.Close) // after the parallel subtests
	g := start(t, Options{Speed: speed})
	tests := []struct {
		pan       string
		pending   mapi.Status
		final     mapi.Status
		after     time.Duration // at speed 1
		callbacks int
		errMsg    string
	}{
		{"4111111111111111", "processing", "approved", time.Second, 1, ""},
		{"5555555555554444", "processing", "approved", time.Second, 1, ""},
		{"2200000000000004", "processing", "approved", time.Second, 1, ""},
		{"4000000000000002", "processing", "declined", time.Second, 1, "Insufficient funds"},
		{"4000000000000119", "processing", "error", time.Second, 1, "Processing error at the acquirer"},
		{"4000000000000259", "processing", "filtered", time.Second, 1, "Declined by fraud control"},
		{"4000000000000077", "processing", "approved", 20 * time.Second, 1, ""},
		{"4000000000000341", "processing", "approved", time.Second, 0, ""},
		{"4000000000000432", "processing", "approved", time.Second, 2, ""},
		{"4000000000000994", "processing", "approved", time.Second, 1, ""},
		{"4000000000000127", "unknown", "approved", 60 * time.Second, 1, ""},
		{"4242424242424242", "processing", "declined", time.Second, 1, "Invalid card number"},
	}
	for _, tc := range tests {
		t.Run(tc.pan, func(t *testing.T) {
			t.Parallel()
			g := *g
			g.t = t
			id := "card-" + tc.pan
			t0 := time.Now()
			r := g.sale("sale", id, "10.42", tc.pan, "server_callback_url", cb.URL+"/cb?shop=1")
			t1 := time.Now()
			if r.Get("type") != "async-response" || r.Get("status") != "processing" || r.Get("paynet-order-id") == "" || r.Get("merchant-order-id") != id {
				t.Fatalf("sale reply %v", r)
			}
			if tc.pan == "4000000000000994" {
				if held := t1.Sub(t0); held < sc(45*time.Second) {
					t.Errorf("held reply came after %v, want ≥ %v", held, sc(45*time.Second))
				}
			}
			sawPending := false
			var final url.Values
			for final == nil {
				q0 := time.Now()
				s := g.status(id, r.Get("paynet-order-id"))
				q1 := time.Now()
				st := mapi.Status(s.Get("status"))
				switch {
				case st == tc.pending:
					sawPending = true
					if q0.Sub(t1) > sc(tc.after) {
						t.Fatalf("still %s %v after the sale reply, want %s after %v", st, q0.Sub(t1), tc.final, sc(tc.after))
					}
				case st == tc.final:
					if q1.Sub(t0) < sc(tc.after) {
						t.Fatalf("%s after %v, want not before %v", st, q1.Sub(t0), sc(tc.after))
					}
					final = s
				default:
					t.Fatalf("status %q, want %s then %s", st, tc.pending, tc.final)
				}
				if q1.Sub(t0) > 10*time.Second {
					t.Fatal("no final status")
				}
				time.Sleep(5 * time.Millisecond)
			}
			if tc.after > time.Second && !sawPending {
				t.Errorf("never saw %s", tc.pending)
			}
			if final.Get("error-message") != tc.errMsg {
				t.Errorf("error-message %q, want %q", final.Get("error-message"), tc.errMsg)
			}
			if final.Get("last-four-digits") != tc.pan[12:] || final.Get("bin") != tc.pan[:6] || final.Get("amount") != "10.42" || final.Get("currency") != "RUB" {
				t.Errorf("card fields %v", final)
			}
			if tc.final == "approved" && (len(final.Get("approval-code")) != 6 || final.Get("processor-rrn") == "" || final.Get("receipt-id") == "") {
				t.Errorf("approved without approval code, rrn, receipt id: %v", final)
			}
			// Callbacks: none, one, or two 10 s (scaled) apart; wait past the last.
			time.Sleep(sc(tc.after) + sc(12*time.Second) + 200*time.Millisecond - time.Since(t0))
			hits := h.hits(id)
			if len(hits) != tc.callbacks {
				t.Fatalf("%d callbacks, want %d", len(hits), tc.callbacks)
			}
			for _, x := range hits {
				if x.method != "GET" || x.q.Get("status") != string(tc.final) || x.q.Get("shop") != "1" {
					t.Errorf("callback %s %v", x.method, x.q)
				}
			}
			if tc.callbacks == 2 {
				// Planned 10 s apart; the first may arrive a little late.
				if gap := hits[1].at.Sub(hits[0].at); gap < sc(9*time.Second) {
					t.Errorf("second callback %v after the first, want ≥ %v", gap, sc(10*time.Second))
				}
			}
		})
	}
}

// TestRealSpeed checks one ordinary card at the real §8 timing (~1 s).
func TestRealSpeed(t *testing.T) {
	checkLeaks(t)
	h := &hook{}
	cb := httptest.NewServer(h)
	defer cb.Close()
	g := start(t, Options{})
	t0 := time.Now()
	r := g.sale("sale", "real-1", "99.90", "5555555555554444", "server_callback_url", cb.URL)
	if s := g.status("real-1", r.Get("paynet-order-id")); s.Get("status") != "processing" {
		t.Fatalf("right after the sale: %v", s)
	}
	waitFor(t, 3*time.Second, "approved", func() bool { return g.status("real-1", "").Get("status") == "approved" })
	if d := time.Since(t0); d < time.Second || d > 2*time.Second {
		t.Errorf("approved after %v, want about 1 s", d)
	}
	waitFor(t, 2*time.Second, "callback", func() bool { return len(h.hits("real-1")) == 1 })
}

// TestSignature: a sale signed by an independent OAuth 1.0a implementation is
// accepted; every kind of wrong signature gets 403 with no order created.
func TestSignature(t *testing.T) {
	g := start(t, Options{})
	u := g.run.URL + "/mapi/v1/sale/" + g.ep
	f := saleForm(t, "sig-ok", "10.00", "4111111111111111")
	ts := time.Now().Unix()
	good, _ := handSign("POST", u, f, g.login, g.key, "abc", ts)
	code, body, _ := g.raw(context.Background(), u, good, f.Encode())
	if v := g.reply(code, body); v.Get("type") != "async-response" {
		t.Fatalf("independently signed sale refused: %v", v)
	}
	// The client's signer (mapi.OAuthHeader) works too.
	f2 := saleForm(t, "sig-mapi", "10.00", "4111111111111111")
	code, body, _ = g.raw(context.Background(), u, mapi.OAuthHeader("POST", u, f2, g.login, mapi.Secret(g.key), mapi.NewNonce(), ts), f2.Encode())
	if v := g.reply(code, body); v.Get("type") != "async-response" {
		t.Fatalf("mapi-signed sale refused: %v", v)
	}
	// Body copies of oauth_* are accepted without being counted twice.
	f3 := saleForm(t, "sig-body", "10.00", "4111111111111111")
	h3, sig3 := handSign("POST", u, f3, g.login, g.key, "n3", ts)
	f3b := url.Values{}
	for k, v := range f3 {
		f3b[k] = v
	}
	f3b.Set("oauth_consumer_key", g.login)
	f3b.Set("oauth_nonce", "n3")
	f3b.Set("oauth_signature_method", "HMAC-SHA1")
	f3b.Set("oauth_timestamp", fmt.Sprint(ts))
	f3b.Set("oauth_version", "1.0")
	f3b.Set("oauth_signature", sig3)
	if code, body, _ = g.raw(context.Background(), u, h3, f3b.Encode()); code != 200 {
		t.Fatalf("body copies of oauth_*: HTTP %d %s", code, body)
	}

	bad := func(id string) (string, string) {
		f := saleForm(t, id, "10.00", "4111111111111111")
		return f.Encode(), id
	}
	tests := []struct {
		name string
		auth func(body string) string
	}{
		{"missing header", func(string) string { return "" }},
		{"wrong key", func(b string) string {
			f, _ := url.ParseQuery(b)
			h, _ := handSign("POST", u, f, g.login, "not-the-key", "n", ts)
			return h
		}},
		{"wrong login", func(b string) string {
			f, _ := url.ParseQuery(b)
			h, _ := handSign("POST", u, f, "someone", g.key, "n", ts)
			return h
		}},
		{"bad signature", func(b string) string {
			f, _ := url.ParseQuery(b)
			h, sig := handSign("POST", u, f, g.login, g.key, "n", ts)
			return strings.Replace(h, pct(sig), pct("AAAA"+sig[4:]), 1)
		}},
		{"body changed after signing", func(b string) string {
			f, _ := url.ParseQuery(b)
			f.Set("amount", "1.00")
			h, _ := handSign("POST", u, f, g.login, g.key, "n", ts)
			return h
		}},
		{"signed for another URL", func(b string) string {
			f, _ := url.ParseQuery(b)
			h, _ := handSign("POST", strings.Replace(u, "/sale/", "/preauth/", 1), f, g.login, g.key, "n", ts)
			return h
		}},
		{"garbage header", func(string) string { return "OAuth oauth_signature=" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, id := bad("sig-" + strings.ReplaceAll(tc.name, " ", "-"))
			code, text, hdr := g.raw(context.Background(), u, tc.auth(body), body)
			if code != http.StatusForbidden || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") || text == "" {
				t.Fatalf("HTTP %d %q, want 403 with a short text", code, text)
			}
			if _, ok := g.run.Server.Order(id); ok {
				t.Fatal("a refused request created an order")
			}
		})
	}
}

// TestCheckValue: the MAPI.md §2 OAuth check value is accepted when the
// sandbox is reached at the check value's URL (over TLS on loopback, with
// that Host), with its old fixed timestamp; one changed character is 403.
func TestCheckValue(t *testing.T) {
	s := New(Options{Login: "merchantlogin", Key: "F9F65098-1111-1111-1111-621611111111", EndpointID: "1111"})
	defer s.Close()
	ts := httptest.NewTLSServer(s)
	defer ts.Close()
	form := url.Values{"client_orderid": {"902B4FF5"}, "amount": {"10.42"}, "currency": {"RUB"},
		"order_desc": {"test order"}, "encrypted-data": {"AB01CD"}, "encrypted-type": {"MIURA"}}
	const checkURL = "https://sandbox.payneteasy.com/paynet/mapi/v1/sale/1111"
	h, sig := handSign("POST", checkURL, form, "merchantlogin", "F9F65098-1111-1111-1111-621611111111", "y3qlvMPky7g", 1669966913)
	if sig != "UKnqV/516fcY3wVqkr7/4ieISUk=" {
		t.Fatalf("test signer gives %s, MAPI.md §2 says UKnqV/516fcY3wVqkr7/4ieISUk=", sig)
	}
	send := func(auth string) (int, url.Values) {
		req, _ := http.NewRequest("POST", ts.URL+"/paynet/mapi/v1/sale/1111", strings.NewReader(form.Encode()))
		req.Host = "sandbox.payneteasy.com"
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", auth)
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b := new(strings.Builder)
		fmt.Fprint(b, "")
		buf := make([]byte, 4096)
		n, _ := resp.Body.Read(buf)
		v, _ := mapi.ParseReply(buf[:n])
		return resp.StatusCode, v
	}
	code, v := send(h)
	// The signature is accepted; the arbitrary card data of the check value
	// is then refused as a parameter error, not as 403.
	if code != 200 || v.Get("type") != "validation-error" || v.Get("error-code") != "1" {
		t.Fatalf("check value: HTTP %d %v", code, v)
	}
	if code, _ := send(strings.Replace(h, "UKnqV", "UKnqW", 1)); code != 403 {
		t.Fatalf("changed signature: HTTP %d, want 403", code)
	}
}

// TestClockSkew: with MaxClockSkew set, an old timestamp is refused.
func TestClockSkew(t *testing.T) {
	g := start(t, Options{MaxClockSkew: time.Minute})
	u := g.run.URL + "/mapi/v1/sale/" + g.ep
	f := saleForm(t, "skew-1", "10.00", "4111111111111111")
	h, _ := handSign("POST", u, f, g.login, g.key, "n", time.Now().Add(-time.Hour).Unix())
	if code, _, _ := g.raw(context.Background(), u, h, f.Encode()); code != 403 {
		t.Fatalf("hour-old timestamp: HTTP %d, want 403", code)
	}
	h, _ = handSign("POST", u, f, g.login, g.key, "n", time.Now().Unix())
	if code, body, _ := g.raw(context.Background(), u, h, f.Encode()); code != 200 {
		t.Fatalf("fresh timestamp: HTTP %d %s", code, body)
	}
}

// TestReplyBytes: the reply is form-encoded with a raw \n after every value
// and the exact Content-Type header.
func TestReplyBytes(t *testing.T) {
	g := start(t, Options{Instant: true})
	code, body, hdr := g.post(context.Background(), "mapi/v1/sale", saleForm(t, "bytes-1", "10.42", "4111111111111111"))
	if code != 200 {
		t.Fatalf("HTTP %d", code)
	}
	if got := hdr["Content-Type"]; len(got) != 1 || got[0] != "text/html;charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	re := regexp.MustCompile(`^type=async-response\n&serial-number=00000000-0000-0000-0000-[0-9a-f]{12}\n&merchant-order-id=bytes-1\n&paynet-order-id=[0-9]+\n&status=processing\n$`)
	if !re.MatchString(body) {
		t.Errorf("reply bytes %q", body)
	}
	_, body, _ = g.post(context.Background(), "mapi/v1/sale", saleForm(t, "bytes-1", "10.42", "4111111111111111"))
	re = regexp.MustCompile(`^type=validation-error\n&serial-number=[-0-9a-f]+\n&merchant-order-id=bytes-1\n&paynet-order-id=[0-9]+\n&error-message=Duplicate\+client_orderid\+bytes-1\n&error-code=2\n$`)
	if !re.MatchString(body) {
		t.Errorf("duplicate reply bytes %q", body)
	}
}

// TestValidation covers the §8 error codes 1, 2 and 3.
func TestValidation(t *testing.T) {
	g := start(t, Options{Instant: true})
	first := g.sale("sale", "dup-1", "10.00", "4111111111111111")
	tests := []struct {
		name   string
		change func(url.Values)
		code   string
	}{
		{"missing client_orderid", func(f url.Values) { f.Del("client_orderid") }, "1"},
		{"missing amount", func(f url.Values) { f.Del("amount") }, "1"},
		{"blank amount", func(f url.Values) { f.Set("amount", "  ") }, "1"},
		{"missing currency", func(f url.Values) { f.Del("currency") }, "1"},
		{"missing encrypted-type", func(f url.Values) { f.Del("encrypted-type") }, "1"},
		{"missing encrypted-data", func(f url.Values) { f.Del("encrypted-data") }, "1"},
		{"wrong encrypted-type", func(f url.Values) { f.Set("encrypted-type", "MIURA") }, "1"},
		{"encrypted-data not hex", func(f url.Values) { f.Set("encrypted-data", "ZZ") }, "1"},
		{"encrypted-data truncated", func(f url.Values) { f.Set("encrypted-data", f.Get("encrypted-data")[:40]) }, "1"},
		{"DFAE22 of another card", func(f url.Values) {
			f.Set("encrypted-data", blobWithMask(t, "4111111111111111", "2812", "4111111111111112"))
		}, "1"},
		{"DFAE22 with another first 6", func(f url.Values) {
			f.Set("encrypted-data", blobWithMask(t, "4111111111111111", "2812", "4111121111111111"))
		}, "1"},
		{"client_orderid too long", func(f url.Values) { f.Set("client_orderid", strings.Repeat("x", 129)) }, "1"},
		{"bad callback URL", func(f url.Values) { f.Set("server_callback_url", "ftp://x/") }, "1"},
		{"duplicate", func(f url.Values) { f.Set("client_orderid", "dup-1") }, "2"},
		{"duplicate checked before amount", func(f url.Values) { f.Set("client_orderid", "dup-1"); f.Set("amount", "-1") }, "2"},
		{"lowercase hex accepted", func(f url.Values) { f.Set("encrypted-data", strings.ToLower(f.Get("encrypted-data"))) }, ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := saleForm(t, fmt.Sprintf("val-%d", i), "10.00", "4111111111111111")
			tc.change(f)
			code, body, _ := g.post(context.Background(), "mapi/v1/sale", f)
			v := g.reply(code, body)
			if tc.code == "" {
				if v.Get("type") != "async-response" {
					t.Fatalf("refused: %v", v)
				}
				return
			}
			if v.Get("type") != "validation-error" || v.Get("error-code") != tc.code || v.Get("error-message") == "" {
				t.Fatalf("reply %v, want validation-error code %s", v, tc.code)
			}
			if tc.code == "2" && v.Get("paynet-order-id") != first.Get("paynet-order-id") {
				t.Errorf("duplicate reply names order %q, want the existing %q", v.Get("paynet-order-id"), first.Get("paynet-order-id"))
			}
			if tc.code == "1" && v.Get("paynet-order-id") != "" {
				t.Errorf("a refused sale has an order id")
			}
		})
	}
	if n := len(g.run.Server.Orders()); n != 2 {
		t.Errorf("%d orders, want 2 (only accepted sales use up an id)", n)
	}
	// Unknown endpoint.
	f := saleForm(t, "ep-1", "10.00", "4111111111111111")
	u := g.run.URL + "/mapi/v1/sale/999"
	h, _ := handSign("POST", u, f, g.login, g.key, "n", time.Now().Unix())
	code, body, _ := g.raw(context.Background(), u, h, f.Encode())
	if v := g.reply(code, body); v.Get("error-code") != "1" {
		t.Errorf("unknown endpoint: %v", v)
	}
}

// TestAmounts covers every amount rule of MAPI.md §8.
func TestAmounts(t *testing.T) {
	rub := start(t, Options{Instant: true})
	jpy := start(t, Options{Instant: true, Currency: "JPY", EndpointID: "7"})
	tests := []struct {
		g        *gw
		amount   string
		currency string
		ok       bool
	}{
		{rub, "10.42", "RUB", true},
		{rub, "10.4", "RUB", true},
		{rub, "10", "RUB", true},
		{rub, "0.01", "RUB", true},
		{rub, " 10.42 ", "RUB", true}, // the gateway trims values
		{rub, "10.421", "RUB", false},
		{rub, "-10.00", "RUB", false},
		{rub, "+10.00", "RUB", false},
		{rub, "1e3", "RUB", false},
		{rub, "1E3", "RUB", false},
		{rub, "010.00", "RUB", false},
		{rub, "00.50", "RUB", false},
		{rub, "0", "RUB", false},
		{rub, "0.00", "RUB", false},
		{rub, "10.", "RUB", false},
		{rub, ".50", "RUB", false},
		{rub, "10,00", "RUB", false},
		{rub, "1 000", "RUB", false},
		{rub, "0x10", "RUB", false},
		{rub, "99999999999999999999", "RUB", false},
		{rub, "10.00", "XXY", false}, // unknown currency
		{rub, "10.00", "rub", false},
		{rub, "10.00", "USD", false}, // not the endpoint's
		{jpy, "1000", "JPY", true},
		{jpy, "1000.0", "JPY", false},
		{jpy, "1000.00", "JPY", false},
	}
	for i, tc := range tests {
		t.Run(tc.currency+"/"+tc.amount, func(t *testing.T) {
			g := *tc.g
			g.t = t
			f := saleForm(t, fmt.Sprintf("amt-%d", i), tc.amount, "4111111111111111")
			f.Set("currency", tc.currency)
			code, body, _ := g.post(context.Background(), "mapi/v1/sale", f)
			v := g.reply(code, body)
			if tc.ok != (v.Get("type") == "async-response") {
				t.Fatalf("amount %q %s: %v", tc.amount, tc.currency, v)
			}
			if !tc.ok && v.Get("error-code") != "1" {
				t.Fatalf("error-code %q, want 1", v.Get("error-code"))
			}
		})
	}
	o, _ := rub.run.Server.Order("amt-1")
	if o.Amount.Minor != 1040 || o.Amount.Currency != "RUB" {
		t.Errorf("10.4 RUB stored as %+v", o.Amount)
	}
}

// TestStatus: by client_orderid alone (orderid left out or empty), 403 on a
// bad control, code 3 for unknown orders.
func TestStatus(t *testing.T) {
	g := start(t, Options{Instant: true})
	r := g.sale("preauth", "st-1", "5.00", "4111111111111111")
	oid := r.Get("paynet-order-id")
	for _, tc := range []struct {
		name    string
		orderid string
		send    bool
	}{{"with orderid", oid, true}, {"orderid empty", "", true}, {"orderid missing", "", false}} {
		code, body := g.statusRaw("st-1", tc.orderid, mapi.StatusControl(g.login, "st-1", tc.orderid, mapi.Secret(g.key)), tc.send)
		v := g.reply(code, body)
		if v.Get("type") != "status-response" || v.Get("status") != "approved" || v.Get("paynet-order-id") != oid ||
			v.Get("transaction-type") != "preauth" || v.Get("order-stage") != "preauth_approved" {
			t.Errorf("%s: %v", tc.name, v)
		}
	}
	// Independent control: sha1(login + client_orderid + orderid + key).
	sum := sha1.Sum([]byte(g.login + "st-1" + oid + g.key))
	if code, body := g.statusRaw("st-1", oid, strings.ToUpper(hex.EncodeToString(sum[:])), true); code != 200 {
		t.Errorf("independent (upper-case) control: HTTP %d %s", code, body)
	}
	for _, tc := range []struct{ name, id, orderid, control string }{
		{"wrong control", "st-1", oid, mapi.StatusControl(g.login, "st-1", oid, "other-key")},
		{"control for another order", "st-1", oid, mapi.StatusControl(g.login, "st-2", oid, mapi.Secret(g.key))},
		{"missing control", "st-1", oid, ""},
		{"not hex", "st-1", oid, "zz"},
	} {
		if code, _ := g.statusRaw(tc.id, tc.orderid, tc.control, true); code != 403 {
			t.Errorf("%s: HTTP %d, want 403", tc.name, code)
		}
	}
	// Wrong login with a control made for it.
	f := url.Values{"login": {"intruder"}, "client_orderid": {"st-1"}, "control": {mapi.StatusControl("intruder", "st-1", "", mapi.Secret(g.key))}}
	if code, _, _ := g.raw(context.Background(), g.run.URL+"/api/v2/status/"+g.ep, "", f.Encode()); code != 403 {
		t.Errorf("wrong login: HTTP %d", code)
	}
	for _, tc := range []struct{ name, id, orderid string }{
		{"unknown client_orderid", "nope", ""},
		{"orderid of another order", "st-1", "12345"},
	} {
		v := g.status(tc.id, tc.orderid)
		if v.Get("type") != "validation-error" || v.Get("error-code") != "3" || v.Get("error-message") != "order not found" {
			t.Errorf("%s: %v", tc.name, v)
		}
	}
	if v := g.status("", ""); v.Get("error-code") != "1" {
		t.Errorf("empty client_orderid: %v", v)
	}
}

// TestCallbackControl: the callback carries MAPI.md §6's parameters and a
// control a merchant can verify.
func TestCallbackControl(t *testing.T) {
	h := &hook{}
	cb := httptest.NewServer(h)
	defer cb.Close()
	g := start(t, Options{Instant: true})
	r := g.sale("sale", "cbc-1", "12.30", "4000000000000002", "server_callback_url", cb.URL, "merchant_data", "till 3")
	waitFor(t, 2*time.Second, "callback", func() bool { return len(h.hits("cbc-1")) == 1 })
	q := h.hits("cbc-1")[0].q
	sum := sha1.Sum([]byte("declined" + r.Get("paynet-order-id") + "cbc-1" + g.key))
	want := map[string]string{
		"status": "declined", "orderid": r.Get("paynet-order-id"), "merchant_order": "cbc-1", "client_orderid": "cbc-1",
		"type": "sale", "amount": "12.30", "error_message": "Insufficient funds", "error_code": "51",
		"last-four-digits": "0002", "bin": "400000", "card-type": "VISA", "merchantdata": "till 3",
		"control": hex.EncodeToString(sum[:]),
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("callback %s = %q, want %q", k, q.Get(k), v)
		}
	}
	if _, ok := q["approval-code"]; ok {
		t.Error("a declined callback has an approval code")
	}
	for k, v := range q {
		if v[0] == "" {
			t.Errorf("empty parameter %s sent", k)
		}
	}
}

// TestCallbackRetry: failed callbacks are retried on the schedule until a 200;
// after CallbackTries attempts the sandbox gives up.
func TestCallbackRetry(t *testing.T) {
	checkLeaks(t)
	h := &hook{fail: 3}
	cb := httptest.NewServer(h)
	defer cb.Close()
	g := start(t, Options{Speed: 50}) // default schedule: 1, 2, 4 s → 20, 40, 80 ms
	g.sale("sale", "retry-1", "1.00", "4111111111111111", "server_callback_url", cb.URL)
	waitFor(t, 5*time.Second, "4 attempts", func() bool { return len(h.hits("retry-1")) == 4 })
	hits := h.hits("retry-1")
	for i, want := range []time.Duration{20, 40, 80} {
		if gap := hits[i+1].at.Sub(hits[i].at); gap < want*time.Millisecond {
			t.Errorf("retry %d after %v, want ≥ %v", i+1, gap, want*time.Millisecond)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(h.hits("retry-1")); n != 4 {
		t.Errorf("%d attempts; a 200 must end the retries", n)
	}
	o, _ := g.run.Server.Order("retry-1")
	if o.CallbackAttempts != 4 || o.CallbacksDelivered != 1 {
		t.Errorf("order view %+v", o)
	}

	h2 := &hook{fail: 1000}
	cb2 := httptest.NewServer(h2)
	defer cb2.Close()
	g2 := start(t, Options{Instant: true, CallbackRetry: []time.Duration{time.Millisecond, 5 * time.Millisecond}, CallbackTries: 6})
	g2.sale("sale", "retry-2", "1.00", "4111111111111111", "server_callback_url", cb2.URL)
	waitFor(t, 5*time.Second, "6 attempts", func() bool { return len(h2.hits("retry-2")) == 6 })
	time.Sleep(100 * time.Millisecond)
	if n := len(h2.hits("retry-2")); n != 6 {
		t.Errorf("%d attempts, want CallbackTries=6", n)
	}
	hits = h2.hits("retry-2")
	if gap := hits[5].at.Sub(hits[4].at); gap < 5*time.Millisecond {
		t.Errorf("the last pause repeats: gap %v, want ≥ 5ms", gap)
	}
}

// TestDefaultRetrySchedule pins the §8 schedule: 1, 2, 4, 8, 16, then 60 s,
// up to 30 tries.
func TestDefaultRetrySchedule(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	want := []time.Duration{1, 2, 4, 8, 16, 60, 60, 60}
	for i, w := range want {
		if got := s.retryDelay(i + 1); got != w*time.Second {
			t.Errorf("pause after attempt %d: %v, want %v", i+1, got, w*time.Second)
		}
	}
	if s.opts.CallbackTries != 30 {
		t.Errorf("tries %d, want 30", s.opts.CallbackTries)
	}
}

// TestRestart: with a DataFile, a restarted sandbox knows the orders, their
// timings, the close-days and delivers callbacks still pending.
func TestRestart(t *testing.T) {
	checkLeaks(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "sandbox.json")
	h := &hook{fail: 1000} // the merchant is down before the restart
	cb := httptest.NewServer(h)
	defer cb.Close()
	opts := Options{Speed: 10, DataFile: file, CallbackRetry: []time.Duration{50 * time.Millisecond}}

	run1, err := Start(context.Background(), "127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	g1 := &gw{t: t, run: run1, login: DefaultLogin, key: DefaultKey, ep: DefaultEndpoint, client: &http.Client{}}
	slow := g1.sale("sale", "rs-slow", "20.00", "4000000000000077", "server_callback_url", cb.URL) // approved after 2 s
	g1.sale("sale", "rs-fast", "30.00", "4111111111111111", "server_callback_url", cb.URL)         // 100 ms
	waitFor(t, 3*time.Second, "failing callback attempts", func() bool { return len(h.hits("rs-fast")) >= 2 })
	if g1.status("rs-slow", "").Get("status") != "processing" {
		t.Fatal("slow card not processing")
	}
	if err := run1.Close(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(file); strings.Contains(string(b), "4000000000000077") || strings.Contains(string(b), DefaultKey) {
		t.Fatal("data file holds a clear PAN or the control key")
	}
	h.mu.Lock()
	h.fail = 0 // the merchant is back
	h.mu.Unlock()

	run2, err := Start(context.Background(), "127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer run2.Close()
	g2 := &gw{t: t, run: run2, login: DefaultLogin, key: DefaultKey, ep: DefaultEndpoint, client: &http.Client{}}
	v := g2.status("rs-slow", slow.Get("paynet-order-id"))
	if v.Get("status") != "processing" || v.Get("paynet-order-id") != slow.Get("paynet-order-id") {
		t.Fatalf("after restart: %v", v)
	}
	if g2.status("rs-fast", "").Get("status") != "approved" {
		t.Fatal("fast card not approved after restart")
	}
	waitFor(t, 5*time.Second, "slow card approved", func() bool { return g2.status("rs-slow", "").Get("status") == "approved" })
	if o, _ := run2.Server.Order("rs-slow"); time.Since(o.AcceptedAt) < 2*time.Second {
		t.Errorf("approved %v after acceptance, want ≥ 2 s", time.Since(o.AcceptedAt))
	}
	waitFor(t, 3*time.Second, "callbacks delivered after restart", func() bool {
		a, _ := run2.Server.Order("rs-fast")
		b, _ := run2.Server.Order("rs-slow")
		return a.CallbacksDelivered == 1 && b.CallbacksDelivered == 1
	})
	// A duplicate is still refused after the restart.
	if r := g2.sale("sale", "rs-fast", "30.00", "4111111111111111"); r.Get("error-code") != "2" {
		t.Errorf("duplicate after restart: %v", r)
	}
	// Without a data file, a restart forgets.
	run3, err := Start(context.Background(), "127.0.0.1:0", Options{Instant: true})
	if err != nil {
		t.Fatal(err)
	}
	defer run3.Close()
	g3 := &gw{t: t, run: run3, login: DefaultLogin, key: DefaultKey, ep: DefaultEndpoint, client: &http.Client{}}
	if g3.status("rs-fast", "").Get("error-code") != "3" {
		t.Error("memory-only sandbox knows another's order")
	}
}

// TestCorruptDataFile: a damaged data file is reported and left untouched.
func TestCorruptDataFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sandbox.json")
	os.WriteFile(file, []byte(`{"version":1,"orders":[{"client_orderid":"x","scenario":"???"}]`), 0o600)
	if _, err := Start(context.Background(), "127.0.0.1:0", Options{DataFile: file}); err == nil || !strings.Contains(err.Error(), "unreadable") {
		t.Fatalf("Start: %v, want an unreadable data file error", err)
	}
	s := New(Options{DataFile: file})
	defer s.Close()
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("POST", "/paynet/api/v2/status/1", nil))
	if w.Code != 503 || !strings.Contains(w.Body.String(), file) {
		t.Errorf("HTTP %d %q", w.Code, w.Body.String())
	}
	if b, _ := os.ReadFile(file); !strings.HasPrefix(string(b), `{"version":1,"orders":[{"client_orderid":"x"`) {
		t.Error("the damaged file was overwritten")
	}
}

// TestCloseDay: totals of approved sales since the previous finished close
// (preauths and declines not counted), processing first, repeats get the
// stored reply.
func TestCloseDay(t *testing.T) {
	g := start(t, Options{Speed: 50}) // processing for 40 ms; cards final after 20 ms
	g.sale("sale", "cd-1", "10.42", "4111111111111111")
	g.sale("sale", "cd-2", "5.08", "5555555555554444")
	g.sale("sale", "cd-3", "7.00", "4000000000000002")    // declined
	g.sale("preauth", "cd-4", "9.00", "4111111111111111") // preauth
	g.sale("sale", "cd-5", "3.00", "4000000000000077")    // still processing at close
	time.Sleep(50 * time.Millisecond)
	closeDay := func(id string) url.Values {
		code, body, _ := g.post(context.Background(), "api/v2/close-day", url.Values{
			"day_close_request_id": {id}, "sale_approved_count": {"2"}, "sale_approved_sum": {"15.50"},
			"reversal_approved_count": {"0"}, "reversal_approved_sum": {"0.00"},
		})
		return g.reply(code, body)
	}
	v := closeDay("DAY0000001")
	if v.Get("status") != "processing" || v.Get("isDayClosing") != "true" {
		t.Fatalf("first call: %v", v)
	}
	var fin url.Values
	waitFor(t, 2*time.Second, "finished", func() bool {
		fin = closeDay("DAY0000001")
		return fin.Get("status") == "finished"
	})
	want := map[string]string{"saleApprovedCount": "2", "saleAmount": "15.50", "reversalApprovedCount": "0",
		"reversalAmount": "0.00", "isDayClosing": "false", "gateCloseDate": time.Now().Format("2006-01-02"), "epntId": "1"}
	for k, w := range want {
		if fin.Get(k) != w {
			t.Errorf("%s = %q, want %q (%v)", k, fin.Get(k), w, fin)
		}
	}
	// A repeat returns the stored reply, byte for byte.
	code1, body1, _ := g.post(context.Background(), "api/v2/close-day", url.Values{"day_close_request_id": {"DAY0000001"}})
	g.sale("sale", "cd-6", "1.00", "4111111111111111")
	time.Sleep(50 * time.Millisecond)
	code2, body2, _ := g.post(context.Background(), "api/v2/close-day", url.Values{"day_close_request_id": {"DAY0000001"}})
	if code1 != 200 || code2 != 200 || body1 != body2 {
		t.Errorf("repeat differs:\n%q\n%q", body1, body2)
	}
	// The next day covers only what became final since: cd-5 (approved
	// after 400 ms) and cd-6.
	time.Sleep(400 * time.Millisecond)
	var next url.Values
	waitFor(t, 2*time.Second, "second close finished", func() bool {
		next = closeDay("DAY0000002")
		return next.Get("status") == "finished"
	})
	if next.Get("saleApprovedCount") != "2" || next.Get("saleAmount") != "4.00" {
		t.Errorf("second close: %v", next)
	}
	if o, _ := g.run.Server.Order("cd-1"); o.ClosedBy != "DAY0000001" {
		t.Errorf("cd-1 closed by %q", o.ClosedBy)
	}
	for _, tc := range []struct{ name, id, extra string }{
		{"too short", "ABC1234", ""},
		{"too long", strings.Repeat("A", 33), ""},
		{"not alphanumeric", "DAY-00001", ""},
		{"missing", "", ""},
		{"bad count", "DAY0000009", "x"},
	} {
		f := url.Values{"day_close_request_id": {tc.id}}
		if tc.extra != "" {
			f.Set("sale_approved_count", tc.extra)
		}
		code, body, _ := g.post(context.Background(), "api/v2/close-day", f)
		if v := g.reply(code, body); v.Get("type") != "error" || v.Get("error-code") != "1" {
			t.Errorf("%s: %v", tc.name, v)
		}
	}
	u := g.run.URL + "/api/v2/close-day/1"
	f := url.Values{"day_close_request_id": {"DAY0000003"}}
	h, _ := handSign("POST", u, f, g.login, "wrong", "n", time.Now().Unix())
	if code, _, _ := g.raw(context.Background(), u, h, f.Encode()); code != 403 {
		t.Errorf("close-day with a bad signature: HTTP %d", code)
	}
}

// TestHeldReply: …0994's order exists at once, its reply is held, and a
// client that gives up frees the handler at once.
func TestHeldReply(t *testing.T) {
	checkLeaks(t)
	g := start(t, Options{Speed: 10}) // held 4.5 s
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	code, _, _ := g.post(ctx, "mapi/v1/sale", saleForm(t, "held-1", "10.00", "4000000000000994"))
	if code != 0 || time.Since(t0) > 2*time.Second {
		t.Fatalf("client timeout: HTTP %d after %v", code, time.Since(t0))
	}
	if _, ok := g.run.Server.Order("held-1"); !ok {
		t.Fatal("the held sale created no order")
	}
	waitFor(t, 2*time.Second, "approved", func() bool { return g.status("held-1", "").Get("status") == "approved" })
	// A held reply does not block Close.
	go g.post(context.Background(), "mapi/v1/sale", saleForm(t, "held-2", "10.00", "4000000000000994"))
	waitFor(t, 2*time.Second, "held-2 accepted", func() bool { _, ok := g.run.Server.Order("held-2"); return ok })
	t1 := time.Now()
	g.run.Close()
	if d := time.Since(t1); d > time.Second {
		t.Errorf("Close took %v with a held reply", d)
	}
}

// TestFaults: the test hooks make the next request fail after it took effect.
func TestFaults(t *testing.T) {
	g := start(t, Options{Instant: true})
	g.run.Server.FailNext(CmdSale, FaultServerError)
	code, _, _ := g.post(context.Background(), "mapi/v1/sale", saleForm(t, "f-1", "1.00", "4111111111111111"))
	if code != 500 {
		t.Fatalf("HTTP %d, want 500", code)
	}
	if _, ok := g.run.Server.Order("f-1"); !ok {
		t.Fatal("no order behind the 500")
	}
	g.run.Server.FailNext(CmdSale, FaultDrop)
	code, _, _ = g.post(context.Background(), "mapi/v1/sale", saleForm(t, "f-2", "1.00", "4111111111111111"))
	if code != 0 {
		t.Fatalf("HTTP %d, want a dropped connection", code)
	}
	if _, ok := g.run.Server.Order("f-2"); !ok {
		t.Fatal("no order behind the dropped reply")
	}
	g.run.Server.FailNext(CmdStatus, FaultServerError)
	if code, _ := g.statusRaw("f-1", "", mapi.StatusControl(g.login, "f-1", "", mapi.Secret(g.key)), false); code != 500 {
		t.Errorf("status fault: HTTP %d", code)
	}
	if v := g.status("f-1", ""); v.Get("status") != "approved" {
		t.Errorf("fault not one-shot: %v", v)
	}
	if n := g.run.Server.Requests(CmdSale); n != 2 {
		t.Errorf("Requests(sale) = %d", n)
	}
	if n := g.run.Server.Requests(CmdStatus); n != 2 {
		t.Errorf("Requests(status) = %d", n)
	}
}

// TestNoSecretsInLogs: a full exchange logs neither the control key, nor
// encrypted-data, nor a clear PAN.
func TestNoSecretsInLogs(t *testing.T) {
	var logs logBuffer
	h := &hook{fail: 1}
	cb := httptest.NewServer(h)
	defer cb.Close()
	g := start(t, Options{Instant: true, Key: "s3cr3t-control-key", Logger: logs.logger(), CallbackRetry: []time.Duration{time.Millisecond}})
	f := saleForm(t, "log-1", "10.00", "4111111111111111")
	f.Set("server_callback_url", cb.URL)
	g.post(context.Background(), "mapi/v1/sale", f)
	g.status("log-1", "")
	g.post(context.Background(), "api/v2/close-day", url.Values{"day_close_request_id": {"LOGDAY001"}})
	bad := saleForm(t, "log-2", "10.00", "4111111111111111")
	bad.Set("encrypted-data", blobWithMask(t, "4111111111111111", "2812", "4111111111111112"))
	g.post(context.Background(), "mapi/v1/sale", bad)
	waitFor(t, 2*time.Second, "callback", func() bool { return len(h.hits("log-1")) == 2 })
	g.run.Close()
	out := logs.String()
	for _, secret := range []string{"s3cr3t-control-key", "4111111111111111", f.Get("encrypted-data")[:40], bad.Get("encrypted-data")[:40]} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "411111******1111") {
		t.Errorf("log lacks the masked PAN:\n%s", out)
	}
}

// TestConcurrentDuplicates: many simultaneous sales with one client_orderid
// create exactly one order.
func TestConcurrentDuplicates(t *testing.T) {
	g := start(t, Options{Instant: true})
	var wg sync.WaitGroup
	var mu sync.Mutex
	types := map[string]int{}
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body, _ := g.post(context.Background(), "mapi/v1/sale", saleForm(t, "race-1", "1.00", "4111111111111111"))
			v, _ := mapi.ParseReply([]byte(body))
			mu.Lock()
			types[fmt.Sprint(code, v.Get("type"), v.Get("error-code"))]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if types["200async-response"] != 1 || types["200validation-error2"] != 9 {
		t.Errorf("replies %v, want one accepted and nine duplicates", types)
	}
}

// TestRoutes: unknown paths are 404, other methods 405.
func TestRoutes(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	for _, tc := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/paynet/mapi/v1/sale/1", 405},
		{"POST", "/paynet/mapi/v1/refund/1", 404},
		{"POST", "/paynet/mapi/v1/sale", 404},
		{"POST", "/other/mapi/v1/sale/1", 404},
		{"POST", "/paynet/mapi/v1/sale/1/extra", 404},
	} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if w.Code != tc.code {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, w.Code, tc.code)
		}
	}
	big := strings.NewReader("a=" + strings.Repeat("x", maxBody))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("POST", "/paynet/mapi/v1/sale/1", big))
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: %d", w.Code)
	}
}

// TestDataFileWriteFails: when the data file cannot be written, the sale is
// refused with type=error and leaves no order behind.
func TestDataFileWriteFails(t *testing.T) {
	file := filepath.Join(t.TempDir(), "missing-dir", "sandbox.json")
	g := start(t, Options{Instant: true, DataFile: file})
	r := g.sale("sale", "nf-1", "1.00", "4111111111111111")
	if r.Get("type") != "error" || r.Get("paynet-order-id") != "" || !strings.Contains(r.Get("error-message"), "nothing was charged") {
		t.Fatalf("reply %v", r)
	}
	if _, ok := g.run.Server.Order("nf-1"); ok {
		t.Fatal("order kept although it was not stored")
	}
	if v := g.status("nf-1", ""); v.Get("error-code") != "3" {
		t.Errorf("status %v", v)
	}
}
