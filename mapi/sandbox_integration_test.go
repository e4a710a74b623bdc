package mapi_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"kassa/device/emv"
	"kassa/device/sred"
	"kassa/mapi"
	"kassa/mapi/money"
	"kassa/mapi/sandbox"
)

// swipe encrypts a test card as the reader does and returns the hex of its
// whole E1 template (READER-PROTOCOL.md §6-8).
func swipe(t *testing.T, pan string) string {
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
	b, err := emv.Build(emv.KindSwipe, emv.Fields{CardStatus: []byte{0x00, 0x05}, SRED: ct, KSN: ksn[:], MaskedTrack2: masked})
	if err != nil {
		t.Fatal(err)
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

// The client against the real local gateway (mapi/sandbox): sale, callback,
// status, duplicate, unknown order, wrong key, held reply, close day. The
// whole exchange is logged at debug level without the key or card data.
func TestAgainstSandbox(t *testing.T) {
	const key = mapi.Secret("integration-control-key-77")
	var logs bytes.Buffer
	var logMu sync.Mutex
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &logMu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	gw := httptest.NewServer(sandbox.New(sandbox.Options{Login: "kassa", Key: key, EndpointID: "7", Speed: 50,
		CallbackRetry: []time.Duration{20 * time.Millisecond}}))
	defer gw.Close()

	events := make(chan mapi.CallbackEvent, 4)
	cb := httptest.NewServer(mapi.NewCallbackHandler(key, func(_ context.Context, ev mapi.CallbackEvent) error {
		events <- ev
		return nil
	}, log))
	defer cb.Close()

	c, err := mapi.New(mapi.Config{BaseURL: gw.URL + "/paynet/", EndpointID: "7", Login: "kassa", ControlKey: key,
		Timeout: 400 * time.Millisecond, Logger: log, SDKVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	ctx := context.Background()
	blob := swipe(t, "4111111111111111")
	req := mapi.PaymentRequest{
		ClientOrderID: uuid.NewString(), Amount: money.Amount{Minor: 1050, Currency: "RUB"},
		EncryptedType: sred.EncryptedType, EncryptedData: blob, PhoneID: "T1",
		Merchant: mapi.Merchant{City: "Moscow", Country: "RU"}, CallbackURL: cb.URL + "/callback",
	}
	acc, err := c.Sale(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if acc.PaynetOrderID == "" || acc.Status != mapi.StatusProcessing {
		t.Fatalf("accepted %+v", acc)
	}

	select {
	case ev := <-events:
		if ev.Status != mapi.StatusApproved || ev.ClientOrderID != req.ClientOrderID || ev.OrderID != acc.PaynetOrderID || ev.LastFourDigits != "1111" {
			t.Errorf("callback %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no callback")
	}
	for _, sr := range []mapi.StatusRequest{{ClientOrderID: req.ClientOrderID, PaynetOrderID: acc.PaynetOrderID}, {ClientOrderID: req.ClientOrderID}} {
		st, err := c.Status(ctx, sr)
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != mapi.StatusApproved || st.Amount != req.Amount || st.LastFourDigits != "1111" || st.ApprovalCode == "" || st.PaynetOrderID != acc.PaynetOrderID {
			t.Errorf("status %+v", st)
		}
	}

	var re *mapi.RefusedError
	if _, err := c.Sale(ctx, req); !errors.As(err, &re) || !re.Duplicate() || re.PaynetOrderID != acc.PaynetOrderID {
		t.Errorf("second sale with the same id: %v", err)
	}
	if _, err := c.Status(ctx, mapi.StatusRequest{ClientOrderID: uuid.NewString()}); !errors.As(err, &re) || !re.NotFound() {
		t.Errorf("status of an unknown order: %v", err)
	}
	bad, _ := mapi.New(mapi.Config{BaseURL: gw.URL + "/paynet", EndpointID: "7", Login: "kassa", ControlKey: key + "x", Logger: log})
	defer bad.CloseIdleConnections()
	other := req
	other.ClientOrderID = uuid.NewString()
	if _, err := bad.Sale(ctx, other); !errors.As(err, &re) || re.HTTPStatus != 403 {
		t.Errorf("sale with a wrong key: %v", err)
	}
	if _, err := bad.Status(ctx, mapi.StatusRequest{ClientOrderID: req.ClientOrderID}); !errors.As(err, &re) || re.HTTPStatus != 403 {
		t.Errorf("status with a wrong key: %v", err)
	}

	// The held reply (…0994): the client times out, the outcome is unknown,
	// and status by client_orderid alone resolves it without a second sale.
	held := req
	held.ClientOrderID = uuid.NewString()
	held.EncryptedData = swipe(t, "4000000000000994")
	held.CallbackURL = ""
	if _, err := c.Sale(ctx, held); !mapi.IsUnknown(err) {
		t.Fatalf("held sale: %v, want unknown", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := c.Status(ctx, mapi.StatusRequest{ClientOrderID: held.ClientOrderID})
		if err == nil && st.Status.Final() {
			if st.Status != mapi.StatusApproved {
				t.Errorf("held sale resolved as %s", st.Status)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("held sale not resolved: %v %+v", err, st)
		}
		time.Sleep(50 * time.Millisecond)
	}

	var cd *mapi.CloseDayResult
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		cd, err = c.CloseDay(ctx, mapi.CloseDayRequest{RequestID: "Z0000000001", SaleApprovedCount: 2, SaleApprovedSum: money.Amount{Minor: 2100, Currency: "RUB"}})
		if err != nil {
			t.Fatal(err)
		}
		if cd.Status != mapi.CloseDayProcessing || time.Now().After(deadline) {
			break
		}
	}
	if cd.Status != mapi.CloseDayFinished || cd.SaleApprovedCount != 2 || cd.SaleAmount != (money.Amount{Minor: 2100, Currency: "RUB"}) {
		t.Errorf("close day %+v", cd)
	}

	logMu.Lock()
	out := logs.String()
	logMu.Unlock()
	if strings.Contains(out, key.Reveal()) || strings.Contains(out, blob) {
		t.Error("the log shows the key or card data")
	}
	for _, want := range []string{"command=sale", "outcome=unknown", "outcome=refused", "command=close-day", "callback accepted"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if s := fmt.Sprintf("%v %+v %#v", c, c, c); strings.Contains(s, key.Reveal()) {
		t.Errorf("client shows the key: %s", s)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
