package pos

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"kassa/mapi"
	"kassa/mapi/sandbox"
	"kassa/store"
)

// TestDuplicateAndLateCallback: the second, late callback changes nothing.
func TestDuplicateAndLateCallback(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	e := startEngine(t, testConfig(t, sb.URL, callbackOnly))
	v := pay(t, e, cardTwiceCB, 4321)
	if v.Status != StatusApproved {
		t.Fatalf("status %s", v.Status)
	}
	waitFor(t, 5*time.Second, "second callback", func() bool {
		o, _ := sb.Server.Order(v.ClientOrderID)
		return o.CallbacksDelivered >= 2
	})
	time.Sleep(100 * time.Millisecond)
	p, err := e.Journal().Get(v.ClientOrderID)
	if err != nil {
		t.Fatal(err)
	}
	if n := countEvents(p, store.EventFinal) + countEvents(p, store.EventResolved); n != 1 {
		t.Errorf("%d final events, want 1: %v", n, eventTypes(p))
	}
	if n := countEvents(p, store.EventAlert); n != 0 {
		t.Errorf("%d alerts: %v", n, eventTypes(p))
	}
	if p.Status != store.StatusApproved {
		t.Errorf("status %s", p.Status)
	}
}

// signedCallback sends a callback GET signed with key.
func signedCallback(t *testing.T, cbURL string, key mapi.Secret, status, orderID, clientOrderID string) int {
	t.Helper()
	q := url.Values{"status": {status}, "orderid": {orderID}, "client_orderid": {clientOrderID},
		"merchant_order": {clientOrderID}, "type": {"sale"}, "amount": {"10.00"},
		"control": {mapi.CallbackControl(status, orderID, clientOrderID, key)}}
	resp, err := http.Get(cbURL + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestForgedCallback: a callback with a bad signature, a foreign order id or
// an unknown client_orderid changes nothing; even a correctly signed one is
// only a hint confirmed by status.
func TestForgedCallback(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, callbackOnly)
	cfg.ResultWait = 300 * time.Millisecond
	e := startEngine(t, cfg)
	v := pay(t, e, cardNoCB, 1000) // approved at the gateway, no callback, no polling
	if v.Status != StatusUnknown {
		t.Fatalf("status %s, want unknown", v.Status)
	}
	o, _ := sb.Server.Order(v.ClientOrderID)
	cb := e.CallbackURL()
	if code := signedCallback(t, cb, "wrong-key", "declined", o.PaynetOrderID, v.ClientOrderID); code != http.StatusForbidden {
		t.Errorf("forged callback: HTTP %d, want 403", code)
	}
	signedCallback(t, cb, "demo-control-key", "declined", "999999", v.ClientOrderID)                   // another order id
	signedCallback(t, cb, "demo-control-key", "approved", "1", "0b4e7b0e-0000-4000-8000-000000000000") // unknown payment
	time.Sleep(200 * time.Millisecond)
	got, _ := e.Payment(v.ClientOrderID)
	if got.Status != StatusUnknown {
		t.Fatalf("after forged callbacks: %s", got.Status)
	}
	p, _ := e.Journal().Get(v.ClientOrderID)
	if countEvents(p, store.EventAlert) != 1 {
		t.Errorf("want one alert for the foreign order id: %v", eventTypes(p))
	}
	// A signed callback that lies ("declined") is confirmed by status: the
	// gateway says approved, and approved is recorded.
	if code := signedCallback(t, cb, "demo-control-key", "declined", o.PaynetOrderID, v.ClientOrderID); code != http.StatusOK {
		t.Errorf("signed callback: HTTP %d", code)
	}
	waitFor(t, 5*time.Second, "confirmation", func() bool {
		got, _ := e.Payment(v.ClientOrderID)
		return got.Status == StatusApproved
	})
}
