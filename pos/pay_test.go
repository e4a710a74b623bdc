package pos

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"kassa/device/emv"
	"kassa/device/sred"
	"kassa/mapi"
	"kassa/mapi/sandbox"
	"kassa/store"
)

// TestTestCards runs every test card of MAPI.md §7 to its right state in
// each wait mode: callback only, polling only, and both.
func TestTestCards(t *testing.T) {
	want := map[string]Status{
		cardVisa: StatusApproved, cardMC: StatusApproved, cardMir: StatusApproved,
		cardDeclined: StatusDeclined, cardError: StatusFailed, cardFiltered: StatusFiltered,
		cardSlow: StatusApproved, cardNoCB: StatusApproved, cardTwiceCB: StatusApproved,
		cardHeld: StatusApproved, cardUnknown: StatusApproved, cardInvalid: StatusDeclined,
	}
	order := []string{cardVisa, cardMC, cardMir, cardDeclined, cardError, cardFiltered, cardSlow, cardNoCB, cardTwiceCB, cardHeld, cardUnknown, cardInvalid}
	for _, mode := range []string{callbackOnly, pollingOnly, callbackAndPo} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			sb := startSandbox(t, sandbox.Options{})
			cfg := testConfig(t, sb.URL, mode)
			if mode == callbackOnly {
				cfg.ResultWait = 4 * time.Second
			}
			e := startEngine(t, cfg)
			for i, card := range order {
				exp := want[card]
				if mode == callbackOnly && card == cardNoCB {
					exp = StatusUnknown // no callback and no polling: only recovery finds it
				}
				v := pay(t, e, card, int64(1000+i))
				if v.Status != exp {
					p, _ := e.Journal().Get(v.ClientOrderID)
					t.Errorf("%s card %s: status %q, want %q (reason %q; events %v)", mode, card, v.Status, exp, v.Reason, eventTypes(p))
				}
				if exp == StatusUnknown {
					// Resolve it so the next payment is not blocked.
					if err := e.Recover(context.Background()); err != nil {
						t.Fatal(err)
					}
					if got, _ := e.Payment(v.ClientOrderID); got.Status != StatusApproved {
						t.Errorf("after Recover: %s card %s: %q", mode, card, got.Status)
					}
				}
				o, ok := sb.Server.Order(v.ClientOrderID)
				if !ok {
					t.Errorf("%s: sandbox has no order %s", card, v.ClientOrderID)
				} else if o.PaynetOrderID != "" {
					if got, _ := e.Payment(v.ClientOrderID); got.PaynetOrderID != o.PaynetOrderID {
						t.Errorf("%s: paynet order id %q, sandbox %q", card, got.PaynetOrderID, o.PaynetOrderID)
					}
				}
				if v.Status == StatusApproved && v.ApprovalCode == "" {
					t.Errorf("%s: approved without approval code", card)
				}
				if v.MaskedPAN == "" || strings.Contains(v.MaskedPAN, card) || !strings.Contains(v.MaskedPAN, "*") || !strings.HasSuffix(v.MaskedPAN, card[12:]) {
					t.Errorf("%s: masked card %q", card, v.MaskedPAN)
				}
			}
			// Every payment is in the journal once, final.
			un, _ := e.Journal().Unresolved()
			if len(un) != 0 {
				t.Errorf("%d unresolved payments left", len(un))
			}
			if n := len(sb.Server.Orders()); n != len(order) {
				t.Errorf("sandbox has %d orders, want %d (one per payment)", n, len(order))
			}
		})
	}
}

// TestUnknownThenResolved: no final answer within ResultWait → Pay returns
// unknown, new payments are blocked, and the background resolver settles it
// by itself (the snapshot changes without a call).
func TestUnknownThenResolved(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, pollingOnly)
	cfg.ResultWait = 300 * time.Millisecond
	e := startEngine(t, cfg)
	var mu sync.Mutex
	var stages, delivered []Stage
	// Every stage the checkout passes (stageOf's results, in order)…
	e.hooks.Store(&testHooks{stage: func(s Stage) {
		mu.Lock()
		stages = append(stages, s)
		mu.Unlock()
	}})
	// …and what subscribers get: the latest snapshot after each change.
	cancel := e.Subscribe(func(s Snapshot) {
		mu.Lock()
		if len(delivered) == 0 || delivered[len(delivered)-1] != s.Stage {
			delivered = append(delivered, s.Stage)
		}
		mu.Unlock()
	})
	defer cancel()
	v := pay(t, e, cardUnknown, 12700)
	if v.Status != StatusUnknown {
		t.Fatalf("status %s, want unknown", v.Status)
	}
	if !v.Reason.Cause.Unknown() { // ui: "DO NOT charge again"
		t.Errorf("reason %q", v.Reason)
	}
	s := e.Snapshot()
	if s.Stage != StageUnknown || !s.Blocked || s.Unresolved != 1 {
		t.Errorf("snapshot %s blocked=%v unresolved=%d", s.Stage, s.Blocked, s.Unresolved)
	}
	if _, err := e.Pay(context.Background(), Sale, Amount{Minor: 100, Currency: "RUB"}, ""); !errors.Is(err, ErrBlocked) {
		t.Errorf("second Pay while unknown: %v, want ErrBlocked", err)
	}
	waitFor(t, 10*time.Second, "background resolution", func() bool {
		s := e.Snapshot()
		return s.Payment != nil && s.Payment.Status == StatusApproved && s.Stage == StageApproved && !s.Blocked
	})
	p, _ := e.Journal().Get(v.ClientOrderID)
	if countEvents(p, store.EventUnknown) != 1 || countEvents(p, store.EventResolved) != 1 {
		t.Errorf("events %v", eventTypes(p))
	}
	// Subscribers get the change too (delivered asynchronously, the latest last).
	waitFor(t, 5*time.Second, "the approved snapshot delivered", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(delivered) > 0 && delivered[len(delivered)-1] == StageApproved
	})
	mu.Lock()
	got := fmt.Sprint(stages)
	mu.Unlock()
	for _, st := range []Stage{StageWaitingCard, StageSending, StageWaitingBank, StageUnknown, StageApproved} {
		if !strings.Contains(got, st.String()) {
			t.Errorf("stages %s lack %s", got, st)
		}
	}
}

// TestHeldReply: the sale reply is held past the client's timeout → unknown
// → resolved by status with the client_orderid.
func TestHeldReply(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, pollingOnly)
	cfg.ResultWait = 100 * time.Millisecond
	e := startEngine(t, cfg)
	v := pay(t, e, cardHeld, 99400)
	if v.Status != StatusUnknown {
		t.Fatalf("status %s, want unknown", v.Status)
	}
	waitFor(t, 10*time.Second, "resolution", func() bool {
		got, _ := e.Payment(v.ClientOrderID)
		return got.Status == StatusApproved
	})
	got, _ := e.Payment(v.ClientOrderID)
	if got.PaynetOrderID == "" || got.ApprovalCode == "" {
		t.Errorf("resolved without ids: %+v", got)
	}
}

// TestCancelWhileWaitingForCard: nothing is journaled or sent.
func TestCancelWhileWaitingForCard(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, pollingOnly)
	cfg.SimAutoSwipe = -1
	e := startEngine(t, cfg)
	errc := make(chan error, 1)
	go func() {
		_, err := e.Pay(context.Background(), Sale, Amount{Minor: 500, Currency: "RUB"}, "")
		errc <- err
	}()
	waitFor(t, 10*time.Second, "waiting for card", func() bool {
		s := e.Snapshot()
		return s.Stage == StageWaitingCard && s.CanCancel
	})
	if !e.Cancel() {
		t.Fatal("Cancel returned false while waiting for the card")
	}
	select {
	case err := <-errc:
		if !errors.Is(err, ErrCancelled) {
			t.Fatalf("Pay: %v, want ErrCancelled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Pay did not return after Cancel")
	}
	if ps, _ := e.Journal().Latest(10); len(ps) != 0 {
		t.Errorf("journal has %d payments after cancel", len(ps))
	}
	if n := sb.Server.Requests("sale"); n != 0 {
		t.Errorf("sandbox got %d sale requests", n)
	}
	if e.Cancel() {
		t.Error("Cancel with nothing running returned true")
	}
	// The reader still works: a manual swipe completes the next payment.
	if err := e.Demo().SetCard(cardVisa); err != nil {
		t.Fatal(err)
	}
	done := make(chan PaymentView, 1)
	go func() {
		v, _ := e.Pay(context.Background(), Sale, Amount{Minor: 600, Currency: "RUB"}, "")
		done <- v
	}()
	waitFor(t, 10*time.Second, "waiting for card again", func() bool { return e.Snapshot().Stage == StageWaitingCard })
	time.Sleep(50 * time.Millisecond)
	if err := e.Demo().Swipe(); err != nil {
		t.Fatal(err)
	}
	select {
	case v := <-done:
		if v.Status != StatusApproved {
			t.Errorf("after cancel, next payment: %s", v.Status)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("payment after cancel did not finish")
	}
}

// TestNotSent: the gateway cannot be reached → failed, not charged.
func TestNotSent(t *testing.T) {
	cfg := testConfig(t, "http://127.0.0.1:1/paynet", pollingOnly)
	e := startEngine(t, cfg)
	v := pay(t, e, cardVisa, 100)
	if v.Status != StatusFailed || v.Reason.Cause != CauseBankUnreachable { // not charged
		t.Errorf("status %s reason %q", v.Status, v.Reason)
	}
	if s := e.Snapshot(); s.Stage != StageFailed || s.Blocked {
		t.Errorf("stage %s blocked %v", s.Stage, s.Blocked)
	}
}

// swipeBlob is the encrypted-data of a swipe of pan, as the simulated
// reader makes it.
func swipeBlob(t *testing.T, pan string) string {
	t.Helper()
	ksn, err := sred.ParseKSN("FFFF9876543210E00001")
	if err != nil {
		t.Fatal(err)
	}
	track := ";" + pan + "=2812101000000000?"
	ct, err := sred.Encrypt(sred.TestBDK, ksn, track)
	if err != nil {
		t.Fatal(err)
	}
	masked, err := sred.Mask(track)
	if err != nil {
		t.Fatal(err)
	}
	// READER-PROTOCOL.md §8: the hex of the reader's whole §6 template.
	b, err := emv.Build(emv.KindSwipe, emv.Fields{CardStatus: []byte{0x00, 0x05}, SRED: ct, KSN: ksn[:], MaskedTrack2: masked})
	if err != nil {
		t.Fatal(err)
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

// TestIntentOnlyIsMaybeSent: the request goes out right after the fsynced
// intent with no journal write between, so a payment whose journal holds
// only its intent (a crash before, during or just after the request) may
// have reached the gateway. Recovery asks the gateway: an order it has ends
// with its result; "not found" stays unknown through the grace period and
// then ends "not charged"; an order the gateway had acknowledged is never
// made "not charged" by "not found". Journals of earlier versions (intent,
// then "sent") resolve the same way.
func TestIntentOnlyIsMaybeSent(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	e := startEngine(t, testConfig(t, sb.URL, pollingOnly))
	j := e.Journal()
	begin := func(id string, evs ...store.Event) {
		t.Helper()
		if err := j.Begin(store.Payment{ClientOrderID: id, Kind: store.KindSale, AmountMinor: 100, Currency: "RUB", MaskedPAN: "411111******1111"}); err != nil {
			t.Fatal(err)
		}
		if len(evs) > 0 {
			if _, err := j.RecordAll(id, evs...); err != nil {
				t.Fatal(err)
			}
		}
	}
	neverSent := "7d5b8f8e-2f3c-4a51-9a7e-0c1d2e3f4a5b"
	begin(neverSent)
	oldSent := "8d5b8f8e-2f3c-4a51-9a7e-0c1d2e3f4a5b"
	begin(oldSent, store.Event{Type: store.EventSent, Status: store.StatusSent})
	acked := "9d5b8f8e-2f3c-4a51-9a7e-0c1d2e3f4a5b"
	begin(acked, store.Event{Type: store.EventAccepted, Fields: map[string]string{store.FieldPaynetOrderID: "990001"}})
	// Intent only, but the request reached the gateway before the crash.
	reached := "ad5b8f8e-2f3c-4a51-9a7e-0c1d2e3f4a5b"
	begin(reached)
	client, err := mapi.New(mapi.Config{BaseURL: sb.URL, EndpointID: "1", Login: "demo", ControlKey: "demo-control-key", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer client.CloseIdleConnections()
	if _, err := client.Sale(context.Background(), mapi.PaymentRequest{ClientOrderID: reached, Amount: Amount{Minor: 100, Currency: "RUB"},
		Description: "test", EncryptedType: mapi.EncryptedTypeMiura, EncryptedData: swipeBlob(t, cardVisa),
		PhoneID: "T1", IPAddress: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}

	if err := e.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Not found within the grace period: unknown, never "not charged" yet.
	for _, id := range []string{neverSent, oldSent, acked} {
		if v, _ := e.Payment(id); v.Status != StatusUnknown {
			t.Errorf("%s within grace: %s %q", id, v.Status, v.Reason)
		}
	}
	waitFor(t, 10*time.Second, "the payment that reached the gateway to resolve", func() bool {
		v, _ := e.Payment(reached)
		return v.Status == StatusApproved
	})
	// After the grace period: not charged, unless the gateway had accepted it.
	e.mu.Lock()
	e.cfg.NotFoundGrace = time.Millisecond
	e.mu.Unlock()
	if err := e.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{neverSent, oldSent} {
		if v, _ := e.Payment(id); v.Status != StatusFailed || v.Reason.Cause != CauseNoRecordAtBank {
			t.Errorf("%s after grace: %s %q", id, v.Status, v.Reason)
		}
	}
	if v, _ := e.Payment(acked); v.Status != StatusUnknown {
		t.Errorf("acknowledged order, not found after grace: %s %q (want unknown)", v.Status, v.Reason)
	}
	if n := sb.Server.Requests(sandbox.CmdSale); n != 1 {
		t.Errorf("%d sale requests: recovery must never send a payment again", n)
	}
}

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]int64{"10.42": 1042, "10,42": 1042, " 10 ": 1000, "0.01": 1} {
		a, err := ParseAmount(in, "RUB")
		if err != nil || a.Minor != want || a.Currency != "RUB" {
			t.Errorf("%q: %v %v", in, a, err)
		}
	}
	for _, in := range []string{"0", "-1", "1.234", "abc", ""} {
		if _, err := ParseAmount(in, "RUB"); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
