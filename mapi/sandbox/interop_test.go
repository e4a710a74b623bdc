package sandbox

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"kassa/mapi"
	"kassa/mapi/money"
)

var quiet = slog.New(slog.DiscardHandler)

// TestWithClient drives the sandbox with Kassa's own gateway client and
// callback listener (package mapi): every error class it must tell apart
// comes out of the sandbox as intended.
func TestWithClient(t *testing.T) {
	checkLeaks(t)
	var mu sync.Mutex
	var events []mapi.CallbackEvent
	cbh := mapi.NewCallbackHandler(DefaultKey, func(_ context.Context, ev mapi.CallbackEvent) error {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, ev)
		return nil
	}, quiet)
	cb := httptest.NewServer(cbh)
	defer cb.Close()
	g := start(t, Options{Speed: 20})
	c, err := mapi.New(mapi.Config{BaseURL: g.run.URL, EndpointID: "1", Login: DefaultLogin, ControlKey: DefaultKey, Timeout: 500 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pay := func(id, pan string) mapi.PaymentRequest {
		return mapi.PaymentRequest{ClientOrderID: id, Amount: money.Amount{Minor: 1042, Currency: "RUB"},
			EncryptedType: "miura", EncryptedData: cardBlob(t, pan, "2812"), CallbackURL: cb.URL}
	}
	acc, err := c.Sale(ctx, pay("cl-1", "4111111111111111"))
	if err != nil || acc.PaynetOrderID == "" || acc.Status != mapi.StatusProcessing {
		t.Fatalf("Sale: %+v %v", acc, err)
	}
	var st *mapi.StatusResult
	waitFor(t, 3*time.Second, "approved", func() bool {
		st, err = c.Status(ctx, mapi.StatusRequest{ClientOrderID: "cl-1"})
		return err == nil && st.Status == mapi.StatusApproved
	})
	if st.PaynetOrderID != acc.PaynetOrderID || st.Amount.Minor != 1042 || st.LastFourDigits != "1111" || st.ApprovalCode == "" {
		t.Errorf("status %+v", st)
	}
	waitFor(t, 3*time.Second, "callback through mapi's listener", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(events) == 1 && events[0].Status == mapi.StatusApproved && events[0].ClientOrderID == "cl-1"
	})

	var ref *mapi.RefusedError
	if _, err := c.Sale(ctx, pay("cl-1", "4111111111111111")); !errors.As(err, &ref) || !ref.Duplicate() || ref.PaynetOrderID != acc.PaynetOrderID {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := c.Status(ctx, mapi.StatusRequest{ClientOrderID: "nope"}); !errors.As(err, &ref) || !ref.NotFound() {
		t.Errorf("not found: %v", err)
	}
	// Held reply (…0994, 2.25 s here) past the client's 500 ms: unknown, then
	// resolved by status.
	if _, err := c.Sale(ctx, pay("cl-held", "4000000000000994")); !mapi.IsUnknown(err) {
		t.Errorf("held reply: %v, want unknown", err)
	}
	waitFor(t, 3*time.Second, "held sale approved", func() bool {
		st, err := c.Status(ctx, mapi.StatusRequest{ClientOrderID: "cl-held"})
		return err == nil && st.Status == mapi.StatusApproved
	})
	g.run.Server.FailNext(CmdSale, FaultServerError)
	if _, err := c.Sale(ctx, pay("cl-500", "4111111111111111")); !mapi.IsUnknown(err) {
		t.Errorf("500: %v, want unknown", err)
	}
	bad, _ := mapi.New(mapi.Config{BaseURL: g.run.URL, EndpointID: "1", Login: DefaultLogin, ControlKey: "wrong", Logger: quiet})
	if _, err := bad.Sale(ctx, pay("cl-403", "4111111111111111")); !mapi.IsRefused(err) {
		t.Errorf("wrong key: %v, want refused", err)
	}
	var cd *mapi.CloseDayResult
	waitFor(t, 3*time.Second, "close-day finished", func() bool {
		cd, err = c.CloseDay(ctx, mapi.CloseDayRequest{RequestID: "CLIENTDAY1", SaleApprovedCount: 1,
			SaleApprovedSum: money.Amount{Minor: 1042, Currency: "RUB"}, ReversalApprovedSum: money.Amount{Currency: "RUB"}})
		return err == nil && cd.Status == mapi.CloseDayFinished
	})
	if cd.SaleApprovedCount != 3 || cd.SaleAmount.Minor != 3*1042 {
		t.Errorf("close-day %+v (cl-1, cl-held and cl-500 are approved sales)", cd)
	}
}
