package mapi

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

const checkKey Secret = "F9F65098-1111-1111-1111-621611111111"

func checkBody() url.Values {
	return url.Values{
		"client_orderid": {"902B4FF5"}, "amount": {"10.42"}, "currency": {"RUB"},
		"order_desc": {"test order"}, "encrypted-data": {"AB01CD"}, "encrypted-type": {"MIURA"},
	}
}

// The OAuth check values of MAPI.md §2 and mapi-research.md §1.3.
func TestOAuthSignCheckValues(t *testing.T) {
	tests := []struct {
		name, url string
		params    url.Values
		want      string
	}{
		{"MAPI §2 sale", "https://sandbox.payneteasy.com/paynet/mapi/v1/sale/1111", checkBody(), "UKnqV/516fcY3wVqkr7/4ieISUk="},
		{"upper-case host and default port normalise away", "HTTPS://Sandbox.PaynetEasy.com:443/paynet/mapi/v1/sale/1111", checkBody(), "UKnqV/516fcY3wVqkr7/4ieISUk="},
		{"research §1.3 second value", "https://sandbox.payneteasy.com/paynet/api/v2/pan-eligibility/send/ENDPOINTID",
			url.Values{"client-order-id": {"1234567890"}, "sending-card-ref-id": {"7654321"}}, "udFHacuQGYTtcCBjpsEPioIV1GM="},
	}
	for _, tt := range tests {
		got := OAuthSign("POST", tt.url, tt.params, "merchantlogin", checkKey, "y3qlvMPky7g", 1669966913)
		if got != tt.want {
			t.Errorf("%s: signature %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestBaseStringCheckValue(t *testing.T) {
	p := checkBody()
	for _, kv := range oauthParams("merchantlogin", "y3qlvMPky7g", 1669966913) {
		p.Set(kv[0], kv[1])
	}
	got, err := BaseString("post", "https://sandbox.payneteasy.com/paynet/mapi/v1/sale/1111", p)
	if err != nil {
		t.Fatal(err)
	}
	const want = "POST&https%3A%2F%2Fsandbox.payneteasy.com%2Fpaynet%2Fmapi%2Fv1%2Fsale%2F1111&amount%3D10.42%26client_orderid%3D902B4FF5%26currency%3DRUB%26encrypted-data%3DAB01CD%26encrypted-type%3DMIURA%26oauth_consumer_key%3Dmerchantlogin%26oauth_nonce%3Dy3qlvMPky7g%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1669966913%26oauth_version%3D1.0%26order_desc%3Dtest%2520order"
	if got != want {
		t.Errorf("base string\n got %s\nwant %s", got, want)
	}
}

// An independent recipe: the base string and HMAC are built by hand here, so
// the signer is not only tested against itself. The inputs exercise
// percent-encoding (reserved characters, UTF-8, '+', '~'), sorting by encoded
// key then value, duplicate keys, a non-default port and a query parameter.
func TestOAuthSignIndependentRecipe(t *testing.T) {
	params := url.Values{
		"b":   {"z", "a b", "a+b"},
		"a~x": {"Ā/é=&"},
		"A":   {"1"},
	}
	got := OAuthSign("POST", "HTTP://Example.COM:8080/p%20q/r?c=%3D", params, "lo gin", "k&y/é", "n0nce", 42)

	// Encoded pairs, sorted by encoded key then encoded value:
	joined := "A=1" +
		"&a~x=%C4%80%2F%C3%A9%3D%26" +
		"&b=a%20b&b=a%2Bb&b=z" +
		"&c=%3D" +
		"&oauth_consumer_key=lo%20gin&oauth_nonce=n0nce&oauth_signature_method=HMAC-SHA1&oauth_timestamp=42&oauth_version=1.0"
	base := "POST&http%3A%2F%2Fexample.com%3A8080%2Fp%2520q%2Fr&" + strings.NewReplacer("%", "%25", "&", "%26", "=", "%3D").Replace(joined)
	mac := hmac.New(sha1.New, []byte("k%26y%2F%C3%A9&"))
	mac.Write([]byte(base))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if got != want {
		t.Errorf("signature %s, want %s (base %s)", got, want, base)
	}
}

func TestNormalizeURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://sandbox.payneteasy.com/paynet/mapi/v1/sale/1111", "https://sandbox.payneteasy.com/paynet/mapi/v1/sale/1111"},
		{"HTTP://EXAMPLE.com:80/a/", "http://example.com/a/"},
		{"http://example.com:443/a", "http://example.com:443/a"},
		{"https://example.com:8443/a?x=1#f", "https://example.com:8443/a"},
		{"http://127.0.0.1:41234", "http://127.0.0.1:41234/"},
		{"http://[::1]:9000/x", "http://[::1]:9000/x"},
	}
	for _, tt := range tests {
		got, _, err := NormalizeURL(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"/relative/path", "::", "http://%zz/"} {
		if _, _, err := NormalizeURL(bad); err == nil {
			t.Errorf("NormalizeURL(%q) succeeded", bad)
		}
	}
}

func TestPercentEncode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abcXYZ019-._~", "abcXYZ019-._~"},
		{"a b+c", "a%20b%2Bc"},
		{"%/=&?", "%25%2F%3D%26%3F"},
		{"é", "%C3%A9"},
	}
	for _, tt := range tests {
		if got := PercentEncode(tt.in); got != tt.want {
			t.Errorf("PercentEncode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOAuthHeaderRoundTrip(t *testing.T) {
	const u = "https://sandbox.payneteasy.com/paynet/mapi/v1/sale/1111"
	h := OAuthHeader("POST", u, checkBody(), "merchantlogin", checkKey, "y3qlvMPky7g", 1669966913)
	if !strings.HasPrefix(h, `OAuth realm="", oauth_version="1.0", oauth_signature_method="HMAC-SHA1", oauth_consumer_key="merchantlogin", oauth_timestamp="1669966913", oauth_nonce="y3qlvMPky7g", oauth_signature="UKnqV%2F516fcY3wVqkr7%2F4ieISUk%3D"`) {
		t.Errorf("header %s", h)
	}
	if strings.Contains(h, checkKey.Reveal()) {
		t.Error("header contains the key")
	}
	body := checkBody()
	withCopies := checkBody()
	for _, kv := range oauthParams("merchantlogin", "y3qlvMPky7g", 1669966913) {
		withCopies.Set(kv[0], kv[1])
	}
	bodyOnly := url.Values{}
	for k, v := range withCopies {
		bodyOnly[k] = v
	}
	bodyOnly.Set("oauth_signature", "UKnqV/516fcY3wVqkr7/4ieISUk=")
	tampered := checkBody()
	tampered.Set("amount", "10.43")
	conflicting := checkBody()
	conflicting.Set("oauth_nonce", "other")
	tests := []struct {
		name      string
		url, auth string
		body      url.Values
		login     string
		key       Secret
		want      error
	}{
		{"header", u, h, body, "merchantlogin", checkKey, nil},
		{"header and body copies", u, h, withCopies, "merchantlogin", checkKey, nil},
		{"body only", u, "", bodyOnly, "merchantlogin", checkKey, nil},
		{"other host", "https://gate.payneteasy.com/paynet/mapi/v1/sale/1111", h, body, "merchantlogin", checkKey, ErrBadSignature},
		{"trailing slash", u + "/", h, body, "merchantlogin", checkKey, ErrBadSignature},
		{"tampered amount", u, h, tampered, "merchantlogin", checkKey, ErrBadSignature},
		{"wrong key", u, h, body, "merchantlogin", checkKey + "1", ErrBadSignature},
		{"wrong login", u, h, body, "other", checkKey, ErrBadSignature},
		{"conflicting body copy", u, h, conflicting, "merchantlogin", checkKey, ErrBadOAuth},
		{"no authorization", u, "", body, "merchantlogin", checkKey, ErrBadOAuth},
		{"not OAuth", u, "Basic abc", body, "merchantlogin", checkKey, ErrBadOAuth},
		{"plaintext method", u, strings.Replace(h, "HMAC-SHA1", "PLAINTEXT", 1), body, "merchantlogin", checkKey, ErrBadOAuth},
	}
	for _, tt := range tests {
		err := VerifyOAuthURL("POST", tt.url, tt.auth, tt.body, tt.login, tt.key)
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), checkKey.Reveal()) {
			t.Errorf("%s: error shows the key", tt.name)
		}
	}
}

// VerifyOAuth takes the URL from a real request received by a loopback server.
func TestVerifyOAuthRequest(t *testing.T) {
	got := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		got <- VerifyOAuth(r, r.PostForm, "merchantlogin", checkKey)
	}))
	defer srv.Close()
	u := srv.URL + "/paynet/mapi/v1/sale/1111"
	for _, sign := range []string{u, srv.URL + "/paynet/mapi/v1/sale/2222"} {
		req, _ := http.NewRequest("POST", u, strings.NewReader(checkBody().Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", OAuthHeader("POST", sign, checkBody(), "merchantlogin", checkKey, NewNonce(), 1))
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		err = <-got
		if (sign == u) != (err == nil) {
			t.Errorf("signed for %s, posted to %s: %v", sign, u, err)
		}
	}
}

func TestParseOAuthHeader(t *testing.T) {
	good := `OAuth realm="", oauth_version="1.0",oauth_nonce="a%20b"`
	m, err := ParseOAuthHeader(good)
	if err != nil || m["oauth_nonce"] != "a b" || m["oauth_version"] != "1.0" || len(m) != 2 {
		t.Errorf("ParseOAuthHeader(%q) = %v, %v", good, m, err)
	}
	for _, bad := range []string{
		"", "OAuth", "Bearer x", `OAuth a="1", a="2"`, `OAuth a="1`, `OAuth a=1`, `OAuth a="1" b="2"`, `OAuth a="%zz"`,
	} {
		if _, err := ParseOAuthHeader(bad); !errors.Is(err, ErrBadOAuth) {
			t.Errorf("ParseOAuthHeader(%q): %v, want ErrBadOAuth", bad, err)
		}
	}
}

func FuzzParseOAuthHeader(f *testing.F) {
	f.Add(OAuthHeader("POST", "https://h/p", url.Values{"a": {"b"}}, "l", "k", "n", 1))
	f.Add(`OAuth realm="", a="1"`)
	f.Add(`OAuth a="1", a="2"`)
	f.Add(`oauth  x="%41" ,y=""`)
	f.Fuzz(func(t *testing.T, h string) {
		m, err := ParseOAuthHeader(h)
		if err != nil {
			return
		}
		// What parses must survive a rebuild.
		var b strings.Builder
		b.WriteString("OAuth realm=\"\"")
		for k, v := range m {
			b.WriteString(", " + PercentEncode(k) + `="` + PercentEncode(v) + `"`)
		}
		m2, err := ParseOAuthHeader(b.String())
		if err != nil || len(m2) != len(m) {
			t.Fatalf("rebuilt %q: %v %v", b.String(), m2, err)
		}
		for k, v := range m {
			if m2[k] != v {
				t.Fatalf("%q: %q != %q", k, m2[k], v)
			}
		}
	})
}
