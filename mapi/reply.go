package mapi

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// MaxReplySize caps how many bytes of a gateway reply (or callback query) are
// read; a longer reply is treated as malformed.
const MaxReplySize = 64 << 10

// ErrMalformedReply is returned by ParseReply for bytes that are not a
// form-encoded reply.
var ErrMalformedReply = errors.New("malformed gateway reply")

// ParseReply decodes a gateway reply: form-encoded "key=value" pairs joined
// by '&', each value usually followed by '\n' (MAPI.md §1). Keys and values
// are trimmed of surrounding white space; a missing final newline, empty
// pairs and unknown keys are fine, and repeated keys keep every value in
// order. Only '&' separates pairs (a ';' is part of a value). It fails on a
// bad percent-escape, a NUL byte or a body over MaxReplySize.
func ParseReply(body []byte) (url.Values, error) {
	if len(body) > MaxReplySize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformedReply, len(body), MaxReplySize)
	}
	if bytes.IndexByte(body, 0) >= 0 {
		return nil, fmt.Errorf("%w: NUL byte", ErrMalformedReply)
	}
	v := url.Values{}
	for pair := range strings.SplitSeq(string(body), "&") {
		rawKey, rawVal, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(strings.TrimSpace(rawKey))
		if err != nil {
			return nil, fmt.Errorf("%w: bad escape in a key", ErrMalformedReply)
		}
		val, err := url.QueryUnescape(strings.TrimSpace(rawVal))
		if err != nil {
			return nil, fmt.Errorf("%w: bad escape in the value of %q", ErrMalformedReply, clip(key))
		}
		key = strings.TrimSpace(key)
		if key == "" {
			continue
		}
		v[key] = append(v[key], strings.TrimSpace(val))
	}
	return v, nil
}

// EncodeReply writes pairs in the gateway's reply format: each key and value
// form-encoded, a '\n' after every value, pairs joined by '&'
// ("type=async-response\n&serial-number=1\n").
func EncodeReply(kv [][2]string) []byte {
	var b bytes.Buffer
	for i, p := range kv {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p[0]))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p[1]))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// clip shortens untrusted text before it goes into an error or a log line.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
