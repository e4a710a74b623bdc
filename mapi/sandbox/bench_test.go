package sandbox

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"kassa/device/emv"
	"kassa/mapi"
)

// BenchmarkLoopbackBaseline is one form POST over loopback to a handler that
// answers a fixed reply: the floor for BenchmarkSale and BenchmarkStatus.
func BenchmarkLoopbackBaseline(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/html;charset=utf-8")
		io.WriteString(w, "type=async-response\n&status=processing\n")
	}))
	defer srv.Close()
	body := saleForm(b, "x", "10.42", "4111111111111111").Encode()
	c := srv.Client()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := c.Post(srv.URL, "application/x-www-form-urlencoded", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkSale is one OAuth-signed sale accepted by an Instant sandbox
// (signature check, DUKPT decryption, order creation), over loopback.
func BenchmarkSale(b *testing.B) {
	run, err := Start(context.Background(), "127.0.0.1:0", Options{Instant: true})
	if err != nil {
		b.Fatal(err)
	}
	defer run.Close()
	blob := cardBlob(b, "4111111111111111", "2812")
	c := &http.Client{}
	u := run.URL + "/mapi/v1/sale/1"
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := url.Values{"client_orderid": {fmt.Sprint("b-", i)}, "amount": {"10.42"}, "currency": {"RUB"},
			"encrypted-type": {"miura"}, "encrypted-data": {blob}}
		h, _ := handSign("POST", u, f, DefaultLogin, DefaultKey, "n", time.Now().Unix())
		req, _ := http.NewRequest("POST", u, strings.NewReader(f.Encode()))
		req.Header.Set("Authorization", h)
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.HasPrefix(string(body), "type=async-response") {
			b.Fatalf("%s", body)
		}
	}
}

// BenchmarkSandboxRatios measures, in one run, a fixed-reply loopback POST
// (the floor), a swipe sale, a chip sale (template decryption and ARQC
// check), a refund and an emv-advice through Kassa's client against an
// Instant sandbox, and reports each as a ratio to the floor.
func BenchmarkSandboxRatios(b *testing.B) {
	floor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/html;charset=utf-8")
		io.WriteString(w, "type=async-response\n&serial-number=1\n&paynet-order-id=1\n&status=processing\n")
	}))
	defer floor.Close()
	run, err := Start(context.Background(), "127.0.0.1:0", Options{Instant: true})
	if err != nil {
		b.Fatal(err)
	}
	defer run.Close()
	client := func(base string) *mapi.Client {
		c, err := mapi.New(mapi.Config{BaseURL: base, EndpointID: "1", Login: DefaultLogin, ControlKey: DefaultKey, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	fc, sb := client(floor.URL+"/paynet"), client(run.URL)
	ctx := context.Background()
	swipe := cardBlob(b, "4111111111111111", "2812")
	card := newChip(b, "4012345678909", 1050, false)
	e4 := card.template(emv.KindOnline, nil, nil)
	e3 := card.template(emv.KindApproved, &emv.ARCApproved, nil)
	sale := func(c *mapi.Client, id, data string) string {
		a, err := c.Sale(ctx, mapi.PaymentRequest{ClientOrderID: id, Amount: rub(1050), EncryptedType: "miura", EncryptedData: data})
		if err != nil {
			b.Fatal(err)
		}
		return a.PaynetOrderID
	}
	ids := make([]string, b.N)
	chipIDs := make([]string, b.N)
	var tFloor, tSwipe, tChip, tRefund, tAdvice time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		sale(fc, "f", swipe)
		t1 := time.Now()
		ids[i] = sale(sb, fmt.Sprint("s-", i), swipe)
		t2 := time.Now()
		chipIDs[i] = sale(sb, fmt.Sprint("c-", i), e4)
		t3 := time.Now()
		if _, err := sb.Return(ctx, mapi.ReturnRequest{Operation: mapi.OpRefund, ClientOrderID: fmt.Sprint("s-", i), PaynetOrderID: ids[i]}); err != nil {
			b.Fatal(err)
		}
		t4 := time.Now()
		if _, err := sb.EMVAdvice(ctx, mapi.AdviceRequest{ClientOrderID: fmt.Sprint("c-", i), PaynetOrderID: chipIDs[i], Template: e3}); err != nil {
			b.Fatal(err)
		}
		t5 := time.Now()
		tFloor, tSwipe, tChip, tRefund, tAdvice = tFloor+t1.Sub(t0), tSwipe+t2.Sub(t1), tChip+t3.Sub(t2), tRefund+t4.Sub(t3), tAdvice+t5.Sub(t4)
	}
	b.StopTimer()
	f := float64(tFloor)
	b.ReportMetric(float64(tSwipe)/f, "swipe-sale/floor")
	b.ReportMetric(float64(tChip)/f, "chip-sale/floor")
	b.ReportMetric(float64(tRefund)/f, "refund/floor")
	b.ReportMetric(float64(tAdvice)/f, "advice/floor")
	b.ReportMetric(float64(tFloor.Microseconds())/float64(b.N), "floor-µs/op")
}
