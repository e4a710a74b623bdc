package mapi

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// OAuth 1.0a, two-legged, HMAC-SHA1, as the gateway uses it (MAPI.md §2,
// RFC 5849). There is no oauth_token and the token secret is empty. Existing
// Go OAuth1 libraries add an empty oauth_token, which this gateway's base
// string does not have, hence this signer.

// OAuth errors. Both mean HTTP 403 to the gateway's caller.
var (
	// ErrBadSignature means the OAuth signature does not match the request.
	ErrBadSignature = errors.New("OAuth signature does not match")
	// ErrBadOAuth means the OAuth parameters are missing or malformed.
	ErrBadOAuth = errors.New("malformed OAuth authorization")
)

// PercentEncode encodes s as RFC 3986 §2.1 and RFC 5849 §3.6 require: every
// byte except the unreserved A-Z a-z 0-9 - . _ ~ becomes %XX (upper-case hex);
// a space is %20, never '+'.
func PercentEncode(s string) string {
	const hexdig = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexdig[c>>4])
		b.WriteByte(hexdig[c&15])
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// NormalizeURL returns the base string URI of RFC 5849 §3.4.1.2 (MAPI.md §8):
// scheme and host in lower case, the port only when it is not the scheme's
// default (80 for http, 443 for https), the path as sent ("/" when empty), no
// query and no fragment. It also returns the query parameters, which RFC 5849
// §3.4.1.3 signs together with the body.
func NormalizeURL(rawURL string) (string, url.Values, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", nil, fmt.Errorf("%w: bad URL", ErrBadOAuth)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme == "" || u.Host == "" {
		return "", nil, fmt.Errorf("%w: URL %q is not absolute", ErrBadOAuth, clip(rawURL))
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port := u.Port(); port != "" && !(scheme == "http" && port == "80") && !(scheme == "https" && port == "443") {
		host += ":" + port
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", nil, fmt.Errorf("%w: bad query", ErrBadOAuth)
	}
	return scheme + "://" + host + path, q, nil
}

// BaseString builds the OAuth signature base string (RFC 5849 §3.4.1):
// METHOD & pct(normalised URL) & pct(parameters), where the parameters are the
// query's and params' pairs, each name and value percent-encoded, sorted by
// encoded name then encoded value (duplicates kept), joined as "k=v" with
// '&'. oauth_signature is never part of it. params must already hold the
// oauth_* parameters.
func BaseString(method, rawURL string, params url.Values) (string, error) {
	base, query, err := NormalizeURL(rawURL)
	if err != nil {
		return "", err
	}
	var pairs [][2]string
	add := func(v url.Values) {
		for k, vs := range v {
			if k == "oauth_signature" {
				continue
			}
			for _, x := range vs {
				pairs = append(pairs, [2]string{PercentEncode(k), PercentEncode(x)})
			}
		}
	}
	add(query)
	add(params)
	slices.SortFunc(pairs, func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	var joined strings.Builder
	for i, p := range pairs {
		if i > 0 {
			joined.WriteByte('&')
		}
		joined.WriteString(p[0] + "=" + p[1])
	}
	return strings.ToUpper(method) + "&" + PercentEncode(base) + "&" + PercentEncode(joined.String()), nil
}

// oauthParams are the protocol parameters of a two-legged request.
func oauthParams(login, nonce string, ts int64) [][2]string {
	return [][2]string{
		{"oauth_version", "1.0"},
		{"oauth_signature_method", "HMAC-SHA1"},
		{"oauth_consumer_key", login},
		{"oauth_timestamp", strconv.FormatInt(ts, 10)},
		{"oauth_nonce", nonce},
	}
}

// hmacSign returns Base64(HMAC-SHA1(pct(key)&, base)).
func hmacSign(base string, key Secret) string {
	mac := hmac.New(sha1.New, []byte(PercentEncode(key.Reveal())+"&"))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// OAuthSign returns the Base64 HMAC-SHA1 signature of a request whose body
// (and query) parameters are params, with oauth_consumer_key=login, the given
// nonce and Unix timestamp, oauth_signature_method=HMAC-SHA1 and
// oauth_version=1.0 (MAPI.md §2). rawURL is the URL the request is posted to;
// an unparsable URL is signed as written, which no verifier will accept.
func OAuthSign(method, rawURL string, params url.Values, login string, key Secret, nonce string, ts int64) string {
	all := url.Values{}
	for k, vs := range params {
		all[k] = append([]string(nil), vs...)
	}
	for _, p := range oauthParams(login, nonce, ts) {
		all.Set(p[0], p[1])
	}
	base, err := BaseString(method, rawURL, all)
	if err != nil {
		base = strings.ToUpper(method) + "&" + PercentEncode(rawURL) + "&"
	}
	return hmacSign(base, key)
}

// OAuthHeader returns the value of the Authorization header for the request:
// `OAuth realm="", oauth_version="1.0", oauth_signature_method="HMAC-SHA1",
// oauth_consumer_key=..., oauth_timestamp=..., oauth_nonce=...,
// oauth_signature=...`, every value percent-encoded. The oauth_* parameters
// go in this header only, never in the body (a MAPI.md §2 decision).
func OAuthHeader(method, rawURL string, params url.Values, login string, key Secret, nonce string, ts int64) string {
	sig := OAuthSign(method, rawURL, params, login, key, nonce, ts)
	var b strings.Builder
	b.WriteString(`OAuth realm=""`)
	for _, p := range append(oauthParams(login, nonce, ts), [2]string{"oauth_signature", sig}) {
		b.WriteString(", " + p[0] + `="` + PercentEncode(p[1]) + `"`)
	}
	return b.String()
}

// NewNonce returns a fresh random OAuth nonce (32 hex digits).
func NewNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ParseOAuthHeader parses an `Authorization: OAuth ...` value (RFC 5849
// §3.5.1) into its parameters, percent-decoded. realm is dropped. A parameter
// given twice, a missing quote or a bad escape is an error.
func ParseOAuthHeader(h string) (map[string]string, error) {
	h = strings.TrimSpace(h)
	if len(h) < 6 || !strings.EqualFold(h[:5], "OAuth") || (h[5] != ' ' && h[5] != '\t') {
		return nil, fmt.Errorf("%w: not an OAuth authorization", ErrBadOAuth)
	}
	out := map[string]string{}
	rest := strings.TrimSpace(h[6:])
	for rest != "" {
		name, after, ok := strings.Cut(rest, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || !strings.HasPrefix(after, `"`) {
			return nil, fmt.Errorf("%w: bad parameter", ErrBadOAuth)
		}
		end := strings.IndexByte(after[1:], '"')
		if end < 0 {
			return nil, fmt.Errorf("%w: missing quote", ErrBadOAuth)
		}
		raw := after[1 : 1+end]
		rest = strings.TrimSpace(after[2+end:])
		if rest != "" {
			if rest[0] != ',' {
				return nil, fmt.Errorf("%w: missing comma", ErrBadOAuth)
			}
			rest = strings.TrimSpace(rest[1:])
		}
		val, err := url.PathUnescape(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: bad escape", ErrBadOAuth)
		}
		name, err = url.PathUnescape(name)
		if err != nil {
			return nil, fmt.Errorf("%w: bad escape", ErrBadOAuth)
		}
		if name == "realm" {
			continue
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%w: %q given twice", ErrBadOAuth, clip(name))
		}
		out[name] = val
	}
	return out, nil
}

// RequestURL is the URL a server-side request was reached at, as far as the
// request itself tells: http or https (by r.TLS), r.Host, the path as sent and
// the query. Behind a proxy pass the externally visible URL to VerifyOAuthURL
// instead.
func RequestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := scheme + "://" + r.Host + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	return u
}

// VerifyOAuth checks the OAuth 1.0a signature of a server-side request whose
// decoded form body is body, against login and key, taking the URL from the
// request itself (RequestURL). See VerifyOAuthURL.
func VerifyOAuth(r *http.Request, body url.Values, login string, key Secret) error {
	return VerifyOAuthURL(r.Method, RequestURL(r), r.Header.Get("Authorization"), body, login, key)
}

// VerifyOAuthURL checks an OAuth 1.0a HMAC-SHA1 signature. publicURL is the
// URL the request was posted to as the client saw it; authorization is the
// Authorization header value (may be empty when the oauth_* parameters are in
// the body). oauth_* copies in the body are accepted and not counted twice
// when they equal the header's; a differing copy is an error. The consumer key
// must equal login, the method HMAC-SHA1, the version 1.0 when present. The
// signature is compared in constant time. Errors wrap ErrBadOAuth or
// ErrBadSignature and never contain the key or the expected signature.
func VerifyOAuthURL(method, publicURL, authorization string, body url.Values, login string, key Secret) error {
	header := map[string]string{}
	if strings.TrimSpace(authorization) != "" {
		h, err := ParseOAuthHeader(authorization)
		if err != nil {
			return err
		}
		header = h
	}
	params := url.Values{}
	sig, haveSig := header["oauth_signature"]
	for k, vs := range body {
		if k == "oauth_signature" {
			if len(vs) != 1 || (haveSig && vs[0] != sig) {
				return fmt.Errorf("%w: conflicting oauth_signature", ErrBadOAuth)
			}
			sig, haveSig = vs[0], true
			continue
		}
		if hv, ok := header[k]; ok {
			if len(vs) != 1 || vs[0] != hv {
				return fmt.Errorf("%w: %s differs between header and body", ErrBadOAuth, clip(k))
			}
			continue // the header's copy is added below, once
		}
		params[k] = vs
	}
	for k, v := range header {
		if k != "oauth_signature" {
			params.Set(k, v)
		}
	}
	one := func(k string) string {
		if vs := params[k]; len(vs) == 1 {
			return vs[0]
		}
		return ""
	}
	switch {
	case !haveSig || sig == "":
		return fmt.Errorf("%w: no oauth_signature", ErrBadOAuth)
	case one("oauth_signature_method") != "HMAC-SHA1":
		return fmt.Errorf("%w: signature method must be HMAC-SHA1", ErrBadOAuth)
	case len(params["oauth_version"]) > 0 && one("oauth_version") != "1.0":
		return fmt.Errorf("%w: version must be 1.0", ErrBadOAuth)
	case one("oauth_nonce") == "" || one("oauth_timestamp") == "":
		return fmt.Errorf("%w: nonce and timestamp are required", ErrBadOAuth)
	case len(params["oauth_token"]) > 0:
		return fmt.Errorf("%w: unexpected oauth_token", ErrBadOAuth)
	case one("oauth_consumer_key") != login:
		return fmt.Errorf("%w: unknown consumer key", ErrBadSignature)
	}
	base, err := BaseString(method, publicURL, params)
	if err != nil {
		return err
	}
	want := hmacSign(base, key)
	if subtle.ConstantTimeCompare([]byte(want), []byte(sig)) != 1 {
		return ErrBadSignature
	}
	return nil
}
