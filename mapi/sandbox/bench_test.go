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
