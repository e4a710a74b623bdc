package sandbox

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kassa/device/emv"
	"kassa/mapi"
	"kassa/mapi/money"
)

// noNetwork is a callback client that never leaves the process: fuzzed
// callback URLs must not reach any address.
var noNetwork = &http.Client{Transport: &http.Transport{
	DialContext: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no network in fuzzing")
	},
}}

// FuzzRequest feeds arbitrary bodies, correctly signed (OAuth for sale and
// close-day, control for status), to every command: the sandbox must never
// panic and must answer 200 with a well-formed reply of a known type, or a
// plain 4xx.
func FuzzRequest(f *testing.F) {
	sale := url.Values{"client_orderid": {"F1"}, "amount": {"10.42"}, "currency": {"RUB"}, "encrypted-type": {"miura"},
		"encrypted-data": {cardBlob(f, "4111111111111111", "2812")}, "server_callback_url": {"http://127.0.0.1:9/cb"}}
	f.Add(uint8(0), sale.Encode())
	f.Add(uint8(1), strings.Replace(sale.Encode(), "4111", "4000", 1))
	f.Add(uint8(0), "client_orderid=F2&amount=010.00&currency=RUB&encrypted-type=miura&encrypted-data=DFAE0200")
	f.Add(uint8(2), "login=demo&client_orderid=F1&orderid=")
	f.Add(uint8(2), "login=demo&client_orderid=F1&by-request-sn=x")
	f.Add(uint8(3), "day_close_request_id=DAY00001&sale_approved_sum=0.00")
	f.Add(uint8(3), "day_close_request_id=DAY00001&sale_approved_count=-1")
	f.Add(uint8(0), "%zz&&==")
	f.Add(uint8(4), "login=demo&client_orderid=F1&orderid=1&amount=1.00&currency=RUB")
	f.Add(uint8(4), "login=demo&client_orderid=F1&orderid=1&amount=1.00")
	f.Add(uint8(5), "login=demo&client_orderid=F1&orderid=1&comment=refund")
	f.Add(uint8(5), "login=demo&client_orderid=F1&orderid=1&amount=0.001&currency=RUB&comment=x")
	chipE4 := newChip(f, "4012345678909", 1050, false).template(emv.KindOnline, nil, nil)
	chipSale := url.Values{"client_orderid": {"F3"}, "amount": {"10.50"}, "currency": {"RUB"}, "encrypted-type": {"miura"}, "encrypted-data": {chipE4}}
	f.Add(uint8(0), chipSale.Encode())
	f.Add(uint8(0), strings.Replace(chipSale.Encode(), "E4", "E3", 1))
	f.Add(uint8(6), url.Values{"client_orderid": {"F3"}, "orderid": {"1"}, "encrypted-type": {"miura"},
		"encrypted-data": {newChip(f, "4012345678909", 1050, false).template(emv.KindApproved, &emv.ARCApproved, nil)}}.Encode())
	f.Add(uint8(6), "client_orderid=F3&orderid=1&encrypted-type=miura&encrypted-data=E300")
	s := New(Options{Instant: true, HTTPClient: noNetwork, CallbackTries: 1})
	f.Cleanup(func() { s.Close() })
	cmds := []string{"mapi/v1/sale", "mapi/v1/preauth", "api/v2/status", "api/v2/close-day", "api/v2/capture", "api/v2/return", "mapi/v1/emv-advice"}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		cmd := cmds[int(which)%len(cmds)]
		target := "http://127.0.0.1/paynet/" + cmd + "/1"
		req := httptest.NewRequest("POST", target, strings.NewReader(body))
		form, err := url.ParseQuery(body)
		if err == nil {
			switch cmd {
			case "api/v2/status":
				form.Set("control", mapi.StatusControl(form.Get("login"), form.Get("client_orderid"), form.Get("orderid"), DefaultKey))
				req = httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
			case "api/v2/capture", "api/v2/return":
				a, _ := money.Parse(strings.TrimSpace(form.Get("amount")), strings.TrimSpace(form.Get("currency")))
				form.Set("control", mapi.ChildControl(form.Get("login"), form.Get("client_orderid"), form.Get("orderid"), a, DefaultKey))
				req = httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
			default:
				h, _ := handSign("POST", target, form, DefaultLogin, DefaultKey, "n", time.Now().Unix())
				req.Header.Set("Authorization", h)
			}
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		switch {
		case w.Code == 200:
			if w.Header().Get("Content-Type") != "text/html;charset=utf-8" {
				t.Fatalf("content type %q", w.Header().Get("Content-Type"))
			}
			v, err := mapi.ParseReply(w.Body.Bytes())
			if err != nil {
				t.Fatalf("reply does not parse: %v %q", err, w.Body.String())
			}
			switch v.Get("type") {
			case "async-response", "status-response", "validation-error", "error":
			case "":
				if cmd != "api/v2/close-day" || v.Get("status") == "" {
					t.Fatalf("reply without type: %q", w.Body.String())
				}
			default:
				t.Fatalf("reply type %q", v.Get("type"))
			}
		case w.Code >= 400 && w.Code < 500:
		default:
			t.Fatalf("HTTP %d %q", w.Code, w.Body.String())
		}
	})
}

// FuzzDataFile feeds arbitrary data files to a sandbox: it must either
// refuse the file (and leave it untouched) or serve it without panicking.
func FuzzDataFile(f *testing.F) {
	good := `{"version":1,"next_order":5,"next_serial":1,"next_close":1,"orders":[{"client_orderid":"a","paynet_order_id":"4",` +
		`"serial_number":"s","type":"sale","amount_minor":1042,"currency":"RUB","scenario":"approved","first6":"411111",` +
		`"last4":"1111","expiry":"2812","pan_length":16,"accepted_at":"2026-01-01T00:00:00Z","scale":1,` +
		`"callbacks":[{"due":"2026-01-01T00:00:01Z","attempts":29}],"callback_url":"http://127.0.0.1:9/",` +
		`"children":[{"type":"reversal","serial_number":"00000000-0000-0000-0000-000000000002","amount_minor":100,` +
		`"accepted_at":"2026-01-01T00:00:02Z","scale":1,"final":"approved"}]}],` +
		`"closes":[{"request_id":"DAY00001","finish_at":"2026-01-01T00:00:00Z"}]}`
	f.Add([]byte(good))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"orders":[null]}`))
	f.Add([]byte(`{"version":1,"orders":[{"client_orderid":"a","scenario":"approved","pan_length":99999999999}]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(strings.Replace(good, `"type":"reversal"`, `"type":"refund"`, 1)))
	chip := strings.Replace(good, `"scale":1,`, `"scale":1,"emv":{"entry":"chip","stage":true,"arc":"00","issuer_response":"910A48AAD066D5116B8B3030",`+
		`"AID":"A0000000031010","CID":"80"},`, 1)
	f.Add([]byte(chip))
	f.Add([]byte(strings.Replace(chip, `"entry":"chip"`, `"entry":"swipe"`, 1)))
	f.Add([]byte(strings.Replace(good, `"scale":1,`, `"scale":1,"override":{"status":"processing"},`, 1)))
	f.Add([]byte(strings.Replace(good, `"amount_minor":100`, `"amount_minor":-100`, 1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		file := filepath.Join(t.TempDir(), "d.json")
		os.WriteFile(file, b, 0o600)
		s, err := NewServer(Options{DataFile: file, HTTPClient: noNetwork, CallbackTries: 1})
		defer s.Close()
		if err != nil {
			if got, _ := os.ReadFile(file); string(got) != string(b) {
				t.Fatal("a refused data file was changed")
			}
			return
		}
		for _, o := range s.Orders() {
			s.Order(o.ClientOrderID)
		}
		req := httptest.NewRequest("POST", "/paynet/api/v2/status/1",
			strings.NewReader("login=demo&client_orderid=a&control="+mapi.StatusControl("demo", "a", "", DefaultKey)))
		s.ServeHTTP(httptest.NewRecorder(), req)
	})
}
