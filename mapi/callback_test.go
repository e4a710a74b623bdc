package mapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// callbackQuery is a valid callback for an approved sale.
func callbackQuery() url.Values {
	q := url.Values{
		"status": {"approved"}, "orderid": {"4242"}, "merchant_order": {"CID-1"}, "client_orderid": {"CID-1"},
		"type": {"sale"}, "amount": {"10.50"}, "descriptor": {"KASSA"}, "name": {"IVAN PETROV"}, "email": {"a@b.c"},
		"approval-code": {"242805"}, "last-four-digits": {"1111"}, "bin": {"411111"}, "card-type": {"VISA"},
		"processor-rrn": {"510321889824"}, "merchantdata": {"md"},
	}
	q.Set("control", CallbackControl("approved", "4242", "CID-1", testKey))
	return q
}

type sink struct {
	mu     sync.Mutex
	events []CallbackEvent
	fail   error
}

func (s *sink) fn(_ context.Context, ev CallbackEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.events = append(s.events, ev)
	return nil
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}

func TestCallbackHandler(t *testing.T) {
	var logs bytes.Buffer
	s := &sink{}
	srv := httptest.NewServer(NewCallbackHandler(testKey, s.fn, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	defer srv.Close()
	get := func(method, rawQuery string) int {
		req, _ := http.NewRequest(method, srv.URL+"/callback?"+rawQuery, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	without := func(k string) string { q := callbackQuery(); q.Del(k); return q.Encode() }
	with := func(k, v string) string { q := callbackQuery(); q.Set(k, v); return q.Encode() }
	repeated := func(k string) string { q := callbackQuery(); q.Add(k, q.Get(k)); return q.Encode() }
	signed := func(status string) string {
		q := callbackQuery()
		q.Set("status", status)
		q.Set("control", CallbackControl(status, "4242", "CID-1", testKey))
		return q.Encode()
	}

	tests := []struct {
		name   string
		method string
		query  string
		want   int
		events int // total events handed to fn after the request
	}{
		{"valid", "GET", callbackQuery().Encode(), 200, 1},
		{"valid repeat", "GET", callbackQuery().Encode(), 200, 1},
		{"upper-case control", "GET", with("control", strings.ToUpper(callbackQuery().Get("control"))), 200, 1},
		{"wrong control", "GET", with("control", strings.Repeat("ab", 20)), 403, 1},
		{"control of another key", "GET", with("control", CallbackControl("approved", "4242", "CID-1", testKey+"x")), 403, 1},
		{"forged status", "GET", with("status", "declined"), 403, 1},
		{"forged order", "GET", with("client_orderid", "CID-2"), 403, 1},
		{"non-hex control", "GET", with("control", strings.Repeat("zz", 20)), 400, 1},
		{"short control", "GET", with("control", "abcd"), 400, 1},
		{"missing status", "GET", without("status"), 400, 1},
		{"missing orderid", "GET", without("orderid"), 400, 1},
		{"missing client_orderid", "GET", without("client_orderid"), 400, 1},
		{"missing control", "GET", without("control"), 400, 1},
		{"repeated status", "GET", repeated("status"), 400, 1},
		{"bad escape", "GET", "status=%zz", 400, 1},
		{"unknown status, signed", "GET", signed("maybe"), 400, 1},
		{"POST", "POST", callbackQuery().Encode(), 400, 1},
		{"too large", "GET", callbackQuery().Encode() + "&pad=" + strings.Repeat("a", MaxCallbackSize), 400, 1},
		{"declined, a new event", "GET", signed("declined"), 200, 2},
	}
	for _, tt := range tests {
		if got := get(tt.method, tt.query); got != tt.want {
			t.Errorf("%s: HTTP %d, want %d", tt.name, got, tt.want)
		}
		if n := s.count(); n != tt.events {
			t.Errorf("%s: fn saw %d events, want %d", tt.name, n, tt.events)
		}
	}
	ev := s.events[0]
	want := CallbackEvent{Status: StatusApproved, OrderID: "4242", MerchantOrder: "CID-1", ClientOrderID: "CID-1", Type: "sale", TransactionType: TxSale,
		Amount: "10.50", Descriptor: "KASSA", Name: "IVAN PETROV", Email: "a@b.c", ApprovalCode: "242805", LastFourDigits: "1111",
		BIN: "411111", CardType: "VISA", ProcessorRRN: "510321889824", MerchantData: "md", Raw: ev.Raw}
	if fmt.Sprintf("%+v", ev) != fmt.Sprintf("%+v", want) {
		t.Errorf("event\n%+v\nwant\n%+v", ev, want)
	}
	if ev.Raw.Has("control") || ev.Raw.Get("amount") != "10.50" {
		t.Errorf("raw %v", ev.Raw)
	}
	if strings.Contains(logs.String(), testKey.Reveal()) || strings.Contains(fmt.Sprintf("%v %+v", NewCallbackHandler(testKey, s.fn, nil), NewCallbackHandler(testKey, s.fn, nil)), testKey.Reveal()) {
		t.Error("key shown")
	}

	// fn failing: 500, so the gateway retries; the retry is handed over again.
	s.fail = errors.New("journal not writable")
	q := signed("error")
	if got := get("GET", q); got != 500 {
		t.Errorf("fn error: HTTP %d, want 500", got)
	}
	s.fail = nil
	if got := get("GET", q); got != 200 || s.count() != 3 {
		t.Errorf("retry after fn error: HTTP %d, %d events", got, s.count())
	}
}

func FuzzCallbackHandler(f *testing.F) {
	f.Add("GET", callbackQuery().Encode())
	f.Add("GET", "status=approved&orderid=1&client_orderid=2&control="+CallbackControl("approved", "1", "2", testKey))
	f.Add("GET", "status=approved&orderid=1&client_orderid=2&control=zz")
	f.Add("POST", "a=%zz;b")
	f.Add("GET", "")
	f.Fuzz(func(t *testing.T, method, rawQuery string) {
		var got []CallbackEvent
		h := NewCallbackHandler(testKey, func(_ context.Context, ev CallbackEvent) error { got = append(got, ev); return nil }, slog.New(slog.DiscardHandler))
		req := httptest.NewRequest("GET", "/cb", nil)
		req.Method = method
		req.URL.RawQuery = rawQuery
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch w.Code {
		case 200:
			if len(got) != 1 {
				t.Fatalf("200 with %d events", len(got))
			}
			ev := got[0]
			if method != "GET" || !ev.Status.Valid() ||
				!strings.EqualFold(strings.TrimSpace(req.URL.Query().Get("control")), CallbackControl(string(ev.Status), ev.OrderID, ev.ClientOrderID, testKey)) {
				t.Fatalf("accepted an unverified callback %q", rawQuery)
			}
		case 400, 403:
			if len(got) != 0 {
				t.Fatalf("HTTP %d but fn was called", w.Code)
			}
		default:
			t.Fatalf("HTTP %d", w.Code)
		}
	})
}

// A capture's or a return's callback is typed and marked ForChild (MAPI.md
// §6): answered 200 once its control verifies, for the engine to poll.
func TestCallbackForChild(t *testing.T) {
	s := &sink{}
	srv := httptest.NewServer(NewCallbackHandler(testKey, s.fn, quietLog()))
	defer srv.Close()
	for _, tt := range []struct {
		typ   string
		tx    TransactionType
		child bool
	}{{"sale", TxSale, false}, {"preauth", TxPreauth, false}, {"reversal", TxReversal, true}, {"capture", TxCapture, true}, {"", TxNone, true}} {
		q := callbackQuery()
		q.Set("type", tt.typ)
		if tt.typ == "" {
			q.Del("type")
		}
		q.Set("orderid", "child-"+tt.typ)
		q.Set("control", CallbackControl("approved", "child-"+tt.typ, "CID-1", testKey))
		resp, err := srv.Client().Get(srv.URL + "/cb?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%q: HTTP %d", tt.typ, resp.StatusCode)
		}
		ev := s.events[len(s.events)-1]
		if ev.TransactionType != tt.tx || ev.ForChild() != tt.child {
			t.Errorf("%q: %v, ForChild %v", tt.typ, ev.TransactionType, ev.ForChild())
		}
	}
}
