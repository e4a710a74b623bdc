package sandbox

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kassa/mapi"
	"kassa/mapi/money"
)

// life drives §9 against a sandbox on loopback with Kassa's own client.
type life struct {
	t   *testing.T
	g   *gw
	c   *mapi.Client
	ctx context.Context
}

func newLife(t *testing.T, opts Options) *life {
	t.Helper()
	if opts.Speed == 0 {
		opts.Speed = speed
	}
	g := start(t, opts)
	c, err := mapi.New(mapi.Config{BaseURL: g.run.URL, EndpointID: g.ep, Login: g.login, ControlKey: mapi.Secret(g.key),
		Timeout: 500 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return &life{t: t, g: g, c: c, ctx: context.Background()}
}

func rub(minor int64) money.Amount { return money.Amount{Minor: minor, Currency: "RUB"} }

// pay makes an approved (or final) sale or preauth and returns its order id.
func (l *life) pay(cmd, id, pan string, minor int64, cb string) string {
	l.t.Helper()
	req := mapi.PaymentRequest{ClientOrderID: id, Amount: rub(minor), EncryptedType: "miura",
		EncryptedData: cardBlob(l.t, pan, "2812"), CallbackURL: cb}
	call := l.c.Sale
	if cmd == CmdPreauth {
		call = l.c.Preauth
	}
	a, err := call(l.ctx, req)
	if err != nil {
		l.t.Fatalf("%s %s: %v", cmd, id, err)
	}
	l.final(id, a.PaynetOrderID, "")
	return a.PaynetOrderID
}

// final polls status (by sn when given) until final.
func (l *life) final(id, oid, sn string) *mapi.StatusResult {
	l.t.Helper()
	var st *mapi.StatusResult
	waitFor(l.t, 5*time.Second, "final status of "+id+" "+sn, func() bool {
		var err error
		st, err = l.c.Status(l.ctx, mapi.StatusRequest{ClientOrderID: id, PaynetOrderID: oid, BySerial: sn})
		if err != nil {
			l.t.Fatalf("status %s %s: %v", id, sn, err)
		}
		return st.Status.Final()
	})
	return st
}

func (l *life) capture(id, oid string, minor int64) (*mapi.Accepted, error) {
	var a money.Amount
	if minor > 0 {
		a = rub(minor)
	}
	return l.c.Capture(l.ctx, mapi.CaptureRequest{ClientOrderID: id, PaynetOrderID: oid, Amount: a})
}

func (l *life) refund(id, oid string, minor int64) (*mapi.Accepted, error) {
	var a money.Amount
	if minor > 0 {
		a = rub(minor)
	}
	return l.c.Return(l.ctx, mapi.ReturnRequest{Operation: mapi.OpRefund, ClientOrderID: id, PaynetOrderID: oid, Amount: a, Comment: "test"})
}

func (l *life) release(id, oid string) (*mapi.Accepted, error) {
	return l.c.Return(l.ctx, mapi.ReturnRequest{Operation: mapi.OpRelease, ClientOrderID: id, PaynetOrderID: oid})
}

// done runs a child that must be accepted and returns its final status,
// after checking that it was processing first.
func (l *life) done(what string, a *mapi.Accepted, err error, id, oid string) *mapi.StatusResult {
	l.t.Helper()
	if err != nil {
		l.t.Fatalf("%s: %v", what, err)
	}
	if a.Status != mapi.StatusProcessing || a.SerialNumber == "" || a.PaynetOrderID != oid {
		l.t.Fatalf("%s accepted %+v", what, a)
	}
	st, err := l.c.Status(l.ctx, mapi.StatusRequest{ClientOrderID: id, PaynetOrderID: oid, BySerial: a.SerialNumber})
	if err != nil || st.Status != mapi.StatusProcessing {
		l.t.Fatalf("%s right after acceptance: %+v %v", what, st, err)
	}
	return l.final(id, oid, a.SerialNumber)
}

// refused checks a *RefusedError with the code.
func (l *life) refused(what string, err error, code string) {
	l.t.Helper()
	var re *mapi.RefusedError
	if !errors.As(err, &re) || re.Code != code {
		l.t.Errorf("%s: %v, want refusal code %s", what, err, code)
	}
}

func (l *life) check(what string, st *mapi.StatusResult, tx mapi.TransactionType, status mapi.Status, amount, captured, refunded int64) {
	l.t.Helper()
	if st.TransactionType != tx || st.Status != status || st.Amount != rub(amount) || st.TotalCapture != rub(captured) || st.TotalReversal != rub(refunded) {
		l.t.Errorf("%s: %v %v %v captured %v refunded %v, want %v %v %d captured %d refunded %d",
			what, st.TransactionType, st.Status, st.Amount, st.TotalCapture, st.TotalReversal, tx, status, amount, captured, refunded)
	}
}

// Full capture: processing ~1 s then approved, counted once; no second
// capture, no release after it, no callback for the child.
func TestCaptureFull(t *testing.T) {
	checkLeaks(t)
	h := &hook{}
	cb := httptest.NewServer(h)
	defer cb.Close()
	l := newLife(t, Options{})
	oid := l.pay(CmdPreauth, "cap-1", "4111111111111111", 1000, cb.URL)
	t0 := time.Now()
	a, err := l.capture("cap-1", oid, 0)
	st := l.done("capture", a, err, "cap-1", oid)
	if d := time.Since(t0); d < sc(time.Second) {
		t.Errorf("capture final after %v, want ≥ %v", d, sc(time.Second))
	}
	l.check("capture", st, mapi.TxCapture, mapi.StatusApproved, 1000, 1000, 0)
	if st.OrderStage != "capture_approved" || !st.GatePartialCapture || !st.GatePartialReversal {
		t.Errorf("stage %q, partial %v %v", st.OrderStage, st.GatePartialCapture, st.GatePartialReversal)
	}
	latest, _ := l.c.Status(l.ctx, mapi.StatusRequest{ClientOrderID: "cap-1", PaynetOrderID: oid})
	l.check("latest", latest, mapi.TxCapture, mapi.StatusApproved, 1000, 1000, 0)
	parent, _ := l.c.Status(l.ctx, mapi.StatusRequest{ClientOrderID: "cap-1", BySerial: l.orderSerial("cap-1")})
	l.check("by the preauth's serial", parent, mapi.TxPreauth, mapi.StatusApproved, 1000, 1000, 0)
	_, err = l.capture("cap-1", oid, 0)
	l.refused("second capture", err, mapi.CodeWrongState)
	_, err = l.capture("cap-1", oid, 500)
	l.refused("second partial capture", err, mapi.CodeWrongState)
	time.Sleep(sc(3 * time.Second))
	if n := len(h.hits("cap-1")); n != 1 {
		t.Errorf("%d callbacks, want the preauth's 1 only", n)
	}
	if n := len(l.g.run.Server.ChildRequests("cap-1")); n != 1 {
		t.Errorf("%d children logged, want 1", n)
	}
}

func (l *life) orderSerial(id string) string {
	o, ok := l.g.run.Server.Order(id)
	if !ok {
		l.t.Fatalf("no order %s", id)
	}
	return o.SerialNumber
}

// Partial capture: once, ≤ the hold; the rest is released; refunds of it
// are bounded by the captured amount.
func TestCapturePartialThenRefund(t *testing.T) {
	l := newLife(t, Options{})
	oid := l.pay(CmdPreauth, "cap-2", "5555555555554444", 1000, "")
	_, err := l.capture("cap-2", oid, 1001)
	l.refused("capture over the hold", err, mapi.CodeAmountExceeds)
	a, err := l.capture("cap-2", oid, 700)
	l.check("partial capture", l.done("capture", a, err, "cap-2", oid), mapi.TxCapture, mapi.StatusApproved, 700, 700, 0)
	_, err = l.capture("cap-2", oid, 300)
	l.refused("capture of the rest", err, mapi.CodeWrongState)
	// A return without amount on a captured preauth is a refund of the
	// whole capture (the gateway picks the type), never a release.
	if _, err := l.release("cap-2", oid); err != nil {
		t.Fatal(err)
	}
	st := l.final("cap-2", oid, "")
	l.check("return after capture", st, mapi.TxReversal, mapi.StatusApproved, 700, 700, 700)
	_, err = l.refund("cap-2", oid, 1)
	l.refused("refund over the captured amount", err, mapi.CodeWrongState)
	if o, _ := l.g.run.Server.Order("cap-2"); o.Captured != rub(700) || o.Refunded != rub(700) || len(o.Children) != 2 {
		t.Errorf("order %+v", o)
	}
}

// Release: a cancel of the whole hold; nothing after it.
func TestRelease(t *testing.T) {
	l := newLife(t, Options{})
	oid := l.pay(CmdPreauth, "rel-1", "2200000000000004", 1500, "")
	a, err := l.release("rel-1", oid)
	st := l.done("release", a, err, "rel-1", oid)
	l.check("release", st, mapi.TxCancel, mapi.StatusApproved, 1500, 0, 0)
	if st.OrderStage != "cancel_approved" {
		t.Errorf("stage %q", st.OrderStage)
	}
	_, err = l.capture("rel-1", oid, 0)
	l.refused("capture after release", err, mapi.CodeWrongState)
	_, err = l.release("rel-1", oid)
	l.refused("second release", err, mapi.CodeWrongState)
	_, err = l.refund("rel-1", oid, 100)
	l.refused("refund of a released hold", err, mapi.CodeWrongState)

	oid2 := l.pay(CmdPreauth, "rel-2", "4111111111111111", 1500, "")
	code, body, _ := l.g.childRaw("return", "rel-2", oid2, "15.00", "RUB", "release", "")
	if v := l.g.reply(code, body); v.Get("error-code") != mapi.CodePartialUnsupported {
		t.Errorf("release with an amount: %v", v)
	}
}

// Refunds: whole, several partial ones within the sale, the latest and each
// one by serial.
func TestRefunds(t *testing.T) {
	l := newLife(t, Options{})
	oid := l.pay(CmdSale, "ref-1", "4111111111111111", 1000, "")
	a, err := l.refund("ref-1", oid, 0)
	l.check("full refund", l.done("refund", a, err, "ref-1", oid), mapi.TxReversal, mapi.StatusApproved, 1000, 0, 1000)
	_, err = l.refund("ref-1", oid, 0)
	l.refused("second full refund", err, mapi.CodeWrongState)
	_, err = l.refund("ref-1", oid, 1)
	l.refused("refund after a full one", err, mapi.CodeWrongState)

	oid = l.pay(CmdSale, "ref-2", "4111111111111111", 1000, "")
	var serials []string
	for i, m := range []int64{300, 250} {
		a, err := l.refund("ref-2", oid, m)
		l.check("partial refund", l.done("refund", a, err, "ref-2", oid), mapi.TxReversal, mapi.StatusApproved, m, 0, []int64{300, 550}[i])
		serials = append(serials, a.SerialNumber)
	}
	_, err = l.refund("ref-2", oid, 451)
	l.refused("refund over what is left", err, mapi.CodeAmountExceeds)
	a, err = l.refund("ref-2", oid, 450)
	l.check("last refund", l.done("refund", a, err, "ref-2", oid), mapi.TxReversal, mapi.StatusApproved, 450, 0, 1000)
	first := l.final("ref-2", oid, serials[0])
	l.check("first refund by serial", first, mapi.TxReversal, mapi.StatusApproved, 300, 0, 1000)
	sale := l.final("ref-2", oid, l.orderSerial("ref-2"))
	l.check("the sale by its serial", sale, mapi.TxSale, mapi.StatusApproved, 1000, 0, 1000)
	_, err = l.c.Status(l.ctx, mapi.StatusRequest{ClientOrderID: "ref-2", BySerial: "00000000-0000-0000-0000-00000000ffff"})
	l.refused("unknown by-request-sn", err, mapi.CodeNotFound)
	if n := len(l.g.run.Server.ChildRequests("ref-2")); n != 3 {
		t.Errorf("%d children logged, want 3", n)
	}
}

// Every §9 refusal of the sandbox, and that none of them creates a child.
func TestChildRefusals(t *testing.T) {
	l := newLife(t, Options{})
	sale := l.pay(CmdSale, "no-1", "4111111111111111", 1000, "")
	declined := l.pay(CmdSale, "no-2", "4000000000000002", 1000, "")
	_, err := l.capture("no-1", sale, 0)
	l.refused("capture of a sale", err, mapi.CodeWrongState)
	_, err = l.refund("no-2", declined, 0)
	l.refused("refund of a declined sale", err, mapi.CodeWrongState)
	_, err = l.refund("nobody", "1", 0)
	l.refused("unknown order", err, mapi.CodeNotFound)
	_, err = l.refund("no-1", "999", 0)
	l.refused("wrong orderid", err, mapi.CodeNotFound)

	// A preauth still processing.
	a, err := l.c.Preauth(l.ctx, mapi.PaymentRequest{ClientOrderID: "no-3", Amount: rub(500), EncryptedType: "miura", EncryptedData: cardBlob(t, "4000000000000077", "2812")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.capture("no-3", a.PaynetOrderID, 0)
	l.refused("capture of a processing preauth", err, mapi.CodeWrongState)

	// Another child still processing.
	if _, err := l.refund("no-1", sale, 100); err != nil {
		t.Fatal(err)
	}
	_, err = l.refund("no-1", sale, 100)
	l.refused("refund while another is processing", err, mapi.CodeWrongState)

	// Wire-level refusals the client never sends.
	for _, tc := range []struct {
		name, amount, currency, comment, control string
		code                                     string
		http                                     int
	}{
		{"amount without currency", "1.00", "", "refund", "", mapi.CodeInvalid, 200},
		{"malformed amount", "1.001", "RUB", "refund", "", mapi.CodeInvalid, 200},
		{"other currency", "1.00", "EUR", "refund", "", mapi.CodeInvalid, 200},
		{"comment too long", "", "", strings.Repeat("x", 51), "", mapi.CodeInvalid, 200},
		{"bad control", "", "", "refund", strings.Repeat("0", 40), "", 403},
		{"amount not signed", "1.00", "RUB", "refund", mapi.ChildControl(l.g.login, "no-1", sale, money.Amount{}, mapi.Secret(l.g.key)), "", 403},
	} {
		code, body, _ := l.g.childRaw("return", "no-1", sale, tc.amount, tc.currency, tc.comment, tc.control)
		if code != tc.http {
			t.Errorf("%s: HTTP %d %s", tc.name, code, body)
			continue
		}
		if code == 200 {
			if v := l.g.reply(code, body); v.Get("type") != "validation-error" || v.Get("error-code") != tc.code {
				t.Errorf("%s: %v", tc.name, v)
			}
		}
	}
	code, body, _ := l.g.childRaw("capture", "no-1", "", "", "", "", "")
	if v := l.g.reply(code, body); v.Get("error-code") != mapi.CodeInvalid {
		t.Errorf("capture without orderid: %v", v)
	}
	for _, id := range []string{"no-2", "no-3"} {
		if n := len(l.g.run.Server.ChildRequests(id)); n != 0 {
			t.Errorf("%s: %d children from refusals", id, n)
		}
	}
	if n := len(l.g.run.Server.ChildRequests("no-1")); n != 1 {
		t.Errorf("no-1: %d children, want the one refund", n)
	}
}

// childRaw posts a capture or return with hand-made fields; control ""
// computes the right one.
func (g *gw) childRaw(cmd, id, oid, amount, currency, comment, control string) (int, string, any) {
	g.t.Helper()
	f := url.Values{"login": {g.login}, "client_orderid": {id}}
	if oid != "" {
		f.Set("orderid", oid)
	}
	var a money.Amount
	if amount != "" {
		f.Set("amount", amount)
		a, _ = money.Parse(amount, currency)
	}
	if currency != "" {
		f.Set("currency", currency)
	}
	if comment != "" {
		f.Set("comment", comment)
	}
	if control == "" {
		control = mapi.ChildControl(g.login, id, oid, a, mapi.Secret(g.key))
	}
	f.Set("control", control)
	code, body, h := g.raw(context.Background(), g.run.URL+"/api/v2/"+cmd+"/"+g.ep, "", f.Encode())
	return code, body, h
}

// The three §9 test cards.
func TestChildCards(t *testing.T) {
	checkLeaks(t)
	l := newLife(t, Options{})

	// …0531: every refund declined; the sale stays approved.
	oid := l.pay(CmdSale, "card-531", "4000000000000531", 1000, "")
	a, err := l.refund("card-531", oid, 400)
	st := l.done("refund", a, err, "card-531", oid)
	l.check("declined refund", st, mapi.TxReversal, mapi.StatusDeclined, 400, 0, 0)
	if st.ErrorMessage != "refund declined by issuer" {
		t.Errorf("reason %q", st.ErrorMessage)
	}
	l.check("the sale", l.final("card-531", oid, l.orderSerial("card-531")), mapi.TxSale, mapi.StatusApproved, 1000, 0, 0)
	a, err = l.refund("card-531", oid, 0)
	l.check("declined full refund", l.done("refund", a, err, "card-531", oid), mapi.TxReversal, mapi.StatusDeclined, 1000, 0, 0)

	// …0614: no partial operations; whole ones work, also with the amount.
	oid = l.pay(CmdPreauth, "card-614", "4000000000000614", 1000, "")
	if st := l.final("card-614", oid, ""); st.GatePartialCapture || st.GatePartialReversal || st.Raw.Has("gate-partial-capture") {
		t.Errorf("gate-partial-* on …0614: %v", st.Raw)
	}
	_, err = l.capture("card-614", oid, 999)
	l.refused("partial capture", err, mapi.CodePartialUnsupported)
	a, err = l.capture("card-614", oid, 1000)
	l.check("whole capture with amount", l.done("capture", a, err, "card-614", oid), mapi.TxCapture, mapi.StatusApproved, 1000, 1000, 0)
	_, err = l.refund("card-614", oid, 500)
	l.refused("partial refund", err, mapi.CodePartialUnsupported)
	a, err = l.refund("card-614", oid, 0)
	l.check("whole refund", l.done("refund", a, err, "card-614", oid), mapi.TxReversal, mapi.StatusApproved, 1000, 1000, 1000)

	// …0580: the first child's reply is held past the client's timeout:
	// unknown, yet created once; status resolves it; the next is not held.
	oid = l.pay(CmdSale, "card-580", "4000000000000580", 1000, "")
	_, err = l.refund("card-580", oid, 300)
	if !mapi.IsUnknown(err) {
		t.Fatalf("held refund: %v, want unknown", err)
	}
	latest := l.final("card-580", oid, "")
	l.check("held refund resolved by status", latest, mapi.TxReversal, mapi.StatusApproved, 300, 0, 300)
	a, err = l.refund("card-580", oid, 200)
	l.check("second refund", l.done("refund", a, err, "card-580", oid), mapi.TxReversal, mapi.StatusApproved, 200, 0, 500)
	if n := len(l.g.run.Server.ChildRequests("card-580")); n != 2 {
		t.Errorf("%d children logged, want 2", n)
	}
}

// Hold expiry with a short hold period: no capture or release after it.
func TestHoldExpiry(t *testing.T) {
	const hold = 400 * time.Millisecond
	l := newLife(t, Options{HoldDays: hold.Seconds() / 86400})
	early := l.pay(CmdPreauth, "hold-1", "4111111111111111", 1000, "")
	late := l.pay(CmdPreauth, "hold-2", "4111111111111111", 1000, "")
	a, err := l.capture("hold-1", early, 0)
	l.done("capture in time", a, err, "hold-1", early)
	o, _ := l.g.run.Server.Order("hold-2")
	if d := o.HoldExpires.Sub(o.FinalAt); d < hold-time.Millisecond || d > hold+time.Millisecond {
		t.Errorf("hold expires %v after approval, want %v", d, hold)
	}
	time.Sleep(time.Until(o.HoldExpires) + 10*time.Millisecond)
	_, err = l.capture("hold-2", late, 0)
	l.refused("capture after expiry", err, mapi.CodeWrongState)
	_, err = l.release("hold-2", late)
	l.refused("release after expiry", err, mapi.CodeWrongState)
	// A captured hold's refund does not expire.
	a, err = l.refund("hold-1", early, 100)
	l.done("refund of a capture after the hold period", a, err, "hold-1", early)
	if def := New(Options{}); def.Options().HoldDays != DefaultHoldDays {
		t.Errorf("default hold %v days", def.Options().HoldDays)
	} else {
		def.Close()
	}
}

// Close day counts approved captures as sales (at the captured amount) and
// approved refunds as reversals (each partial one), nothing for preauths,
// releases or declined children; each in the close after it became final.
func TestCloseDayWithChildren(t *testing.T) {
	l := newLife(t, Options{})
	s1 := l.pay(CmdSale, "z-1", "4111111111111111", 1000, "")
	p1 := l.pay(CmdPreauth, "z-2", "4111111111111111", 2000, "")
	p2 := l.pay(CmdPreauth, "z-3", "4111111111111111", 3000, "")
	s2 := l.pay(CmdSale, "z-4", "4000000000000531", 500, "")
	for _, step := range []func() (*mapi.Accepted, error){
		func() (*mapi.Accepted, error) { return l.refund("z-1", s1, 300) },
		func() (*mapi.Accepted, error) { return l.refund("z-1", s1, 200) },
		func() (*mapi.Accepted, error) { return l.capture("z-2", p1, 1500) },
		func() (*mapi.Accepted, error) { return l.release("z-3", p2) },
		func() (*mapi.Accepted, error) { return l.refund("z-4", s2, 0) }, // declined
	} {
		a, err := step()
		if err != nil {
			t.Fatal(err)
		}
		l.final(a.MerchantOrderID, a.PaynetOrderID, a.SerialNumber)
	}
	a, err := l.refund("z-2", p1, 500) // refund of the capture
	if err != nil {
		t.Fatal(err)
	}
	l.final("z-2", p1, a.SerialNumber)
	cd := l.closeDay("ZDAY00001")
	want := map[string]string{"saleApprovedCount": "3", "saleAmount": "30.00", "reversalApprovedCount": "3", "reversalAmount": "10.00"}
	for k, w := range want {
		if cd.Get(k) != w {
			t.Errorf("%s = %q, want %q", k, cd.Get(k), w)
		}
	}
	// Only what became final since: one more refund.
	a, err = l.refund("z-1", s1, 100)
	if err != nil {
		t.Fatal(err)
	}
	l.final("z-1", s1, a.SerialNumber)
	cd = l.closeDay("ZDAY00002")
	if cd.Get("saleApprovedCount") != "0" || cd.Get("reversalApprovedCount") != "1" || cd.Get("reversalAmount") != "1.00" {
		t.Errorf("second close %v", cd)
	}
	if o, _ := l.g.run.Server.Order("z-1"); o.Children[0].ClosedBy != "ZDAY00001" || o.Children[2].ClosedBy != "ZDAY00002" {
		t.Errorf("children closed by %+v", o.Children)
	}
}

func (l *life) closeDay(id string) url.Values {
	l.t.Helper()
	var r *mapi.CloseDayResult
	waitFor(l.t, 3*time.Second, "close-day finished", func() bool {
		var err error
		r, err = l.c.CloseDay(l.ctx, mapi.CloseDayRequest{RequestID: id, SaleApprovedSum: rub(0)})
		if err != nil {
			l.t.Fatal(err)
		}
		return r.Status == mapi.CloseDayFinished
	})
	return r.Raw
}

// The request log shows each child request once, refusals and 403s without
// effect, faults as sent; a restarted sandbox keeps its children.
func TestRequestLogAndRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sandbox.json")
	l := newLife(t, Options{DataFile: file})
	oid := l.pay(CmdSale, "log-1", "4111111111111111", 1000, "")
	l.g.run.Server.FailNext(CmdReturn, FaultDrop)
	if _, err := l.refund("log-1", oid, 100); !mapi.IsUnknown(err) {
		t.Fatalf("dropped refund: %v", err)
	}
	l.final("log-1", oid, "")
	_, err := l.refund("log-1", oid, 2000)
	l.refused("over", err, mapi.CodeAmountExceeds)
	code, _, _ := l.g.childRaw("return", "log-1", oid, "", "", "refund", strings.Repeat("0", 40))
	if code != 403 {
		t.Fatalf("bad control: HTTP %d", code)
	}
	var got []string
	for _, r := range l.g.run.Server.RequestLog() {
		if r.Command == CmdReturn {
			got = append(got, r.Amount+" "+r.ReplyType+" "+r.ErrorCode+" "+map[bool]string{true: "took", false: "-"}[r.TookEffect])
		}
	}
	if strings.Join(got, "|") != "1.00 async-response  took|20.00 validation-error 5 -|   -" {
		t.Errorf("log %q", got)
	}
	if n := len(l.g.run.Server.ChildRequests("log-1")); n != 1 {
		t.Errorf("%d children", n)
	}
	l.g.run.Close()
	s, err := NewServer(Options{DataFile: file, Speed: speed})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	o, _ := s.Order("log-1")
	if len(o.Children) != 1 || o.Refunded != rub(100) || o.Children[0].Status != mapi.StatusApproved {
		t.Errorf("after restart %+v", o)
	}
}
