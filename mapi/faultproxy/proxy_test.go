package faultproxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestFaults sends one request per fault through the proxy to a counting
// upstream: whether it was forwarded, and what the client got.
func TestFaults(t *testing.T) {
	var hits atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		io.WriteString(w, "type=async-response\nserial-number="+strings.Repeat("x", int(n))+"\n")
	}))
	defer up.Close()
	p, err := Start(up.URL+"/paynet", Options{Delay: 400 * time.Millisecond, TrickleEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	hc := &http.Client{Timeout: 200 * time.Millisecond} // below Options.Delay
	// A trickled reply takes a millisecond a byte or more (far more on a
	// loaded machine): its client waits long enough to read it all.
	patient := &http.Client{Timeout: 10 * time.Second}
	get := func(hc *http.Client) (int, string, error) {
		resp, err := hc.Post(p.URL()+"/mapi/v1/sale/1", "application/x-www-form-urlencoded", strings.NewReader("a=b"))
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	if code, _, err := get(hc); err != nil || code != 200 {
		t.Fatalf("no fault: %d %v", code, err)
	}
	for _, tc := range []struct {
		f       Fault
		wantErr bool
		code    int
	}{
		{Refused, true, 0}, {ResetBefore, true, 0}, {ResetAfter, true, 0}, {Delay, true, 0},
		{Truncated, true, 200}, {Garbage, false, 200}, {HTTP500, false, 500}, {HTTP502, false, 502},
		{HTTP503, false, 503}, {HTTP404, false, 404}, {WrongReply, false, 200}, {Trickle, false, 200},
	} {
		hc.CloseIdleConnections()
		before := hits.Load()
		p.Arm(OpSale, tc.f, 1)
		c := hc
		if tc.f == Trickle {
			c = patient
		}
		code, body, err := get(c)
		if (err != nil) != tc.wantErr || (!tc.wantErr && code != tc.code) {
			t.Errorf("%v: code %d err %v", tc.f, code, err)
		}
		if fwd := hits.Load() > before; fwd != tc.f.Forwards() {
			t.Errorf("%v: forwarded %v, want %v", tc.f, fwd, tc.f.Forwards())
		}
		if tc.f == WrongReply && !strings.HasSuffix(strings.TrimSpace(body), strings.Repeat("x", int(hits.Load())-1)) {
			t.Errorf("wrong-reply: got %q, want the previous reply", body)
		}
		if tc.f == Refused {
			if err := p.Listen(); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := p.Injected()[Garbage]; n != 1 {
		t.Errorf("injected garbage %d, want 1", n)
	}
}

func TestFaultNames(t *testing.T) {
	for _, f := range Faults() {
		if g, ok := ParseFault(f.String()); !ok || g != f {
			t.Errorf("ParseFault(%q) = %v, %v", f, g, ok)
		}
	}
}
