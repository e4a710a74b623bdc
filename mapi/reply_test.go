package mapi

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParseReply(t *testing.T) {
	tests := []struct {
		name string
		body string
		want url.Values
	}{
		{"gateway format", "type=async-response\n&serial-number=00000000-0000-0000-0000-0000005b2a8a\n&paynet-order-id=42\n",
			url.Values{"type": {"async-response"}, "serial-number": {"00000000-0000-0000-0000-0000005b2a8a"}, "paynet-order-id": {"42"}}},
		{"no final newline", "type=status-response\n&status=approved",
			url.Values{"type": {"status-response"}, "status": {"approved"}}},
		{"CRLF and spaces trimmed", " type = error \r\n&error-message=Parameter+client_orderid+is+required\r\n",
			url.Values{"type": {"error"}, "error-message": {"Parameter client_orderid is required"}}},
		{"unknown keys kept, semicolon in value", "type=status-response\n&x-new=a;b\n",
			url.Values{"type": {"status-response"}, "x-new": {"a;b"}}},
		{"empty pairs and keys skipped", "&&type=error\n&=orphan\n&\n",
			url.Values{"type": {"error"}}},
		{"repeated key keeps order", "a=1\n&a=2\n", url.Values{"a": {"1", "2"}}},
		{"escaped newline in value trimmed", "m=%0Ahi%0A\n", url.Values{"m": {"hi"}}},
		{"empty body", "", url.Values{}},
	}
	for _, tt := range tests {
		got, err := ParseReply([]byte(tt.body))
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: ParseReply(%q) = %v, %v; want %v", tt.name, tt.body, got, err, tt.want)
		}
	}
	for _, bad := range []string{"type=%zz", "%G1=x", "a=b\x00", strings.Repeat("a", MaxReplySize+1)} {
		if _, err := ParseReply([]byte(bad)); !errors.Is(err, ErrMalformedReply) {
			t.Errorf("ParseReply(%.20q): %v, want ErrMalformedReply", bad, err)
		}
	}
}

func TestEncodeReply(t *testing.T) {
	got := string(EncodeReply([][2]string{{"type", "validation-error"}, {"error-message", "order not found & gone"}, {"error-code", "3"}}))
	want := "type=validation-error\n&error-message=order+not+found+%26+gone\n&error-code=3\n"
	if got != want {
		t.Errorf("EncodeReply = %q, want %q", got, want)
	}
	v, err := ParseReply([]byte(got))
	if err != nil || v.Get("error-message") != "order not found & gone" || v.Get("error-code") != "3" {
		t.Errorf("round trip: %v %v", v, err)
	}
}

func FuzzParseReply(f *testing.F) {
	for _, s := range []string{
		"type=async-response\n&serial-number=1\n&merchant-order-id=a\n&paynet-order-id=2\n&status=processing\n",
		"type=status-response\n&status=approved\n&amount=10.42\n&currency=RUB\n&last-four-digits=1111",
		"type=validation-error\n&error-message=order+not+found\n&error-code=3\n",
		"status=finished\n&gateId=1\n&isDayClosing=false\n&saleAmount=10.00\n",
		"&&=x&a=%zz", "a=%e2%82%ac;b=c", "<html>502 Bad Gateway</html>", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := ParseReply(body)
		if err != nil {
			return
		}
		// Encoding what was parsed and parsing it again gives the same values.
		var kv [][2]string
		for k, vs := range v {
			if k == "" || strings.TrimSpace(k) != k {
				t.Fatalf("untrimmed or empty key %q", k)
			}
			for _, x := range vs {
				if strings.TrimSpace(x) != x {
					t.Fatalf("untrimmed value %q", x)
				}
				kv = append(kv, [2]string{k, x})
			}
		}
		v2, err := ParseReply(EncodeReply(kv))
		if len(EncodeReply(kv)) > MaxReplySize {
			return
		}
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if !reflect.DeepEqual(v, v2) {
			t.Fatalf("round trip changed %v into %v", v, v2)
		}
	})
}
