package mapi

import (
	"fmt"
	"log/slog"
)

// redacted is what a Secret prints as, whatever the verb.
const redacted = "[redacted]"

// Secret is the merchant control key. It formats as "[redacted]" with every
// fmt verb, in slog output and in JSON or text encodings; only Reveal gives
// the value, for signing.
type Secret string

// Reveal returns the secret value. Call it only to compute a signature.
func (s Secret) Reveal() string { return string(s) }

// String returns "[redacted]".
func (s Secret) String() string { return redacted }

// GoString returns "[redacted]", for %#v.
func (s Secret) GoString() string { return redacted }

// Format writes "[redacted]" for every verb (%s, %v, %+v, %#v, %q, %x...).
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue makes slog print "[redacted]".
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns "[redacted]", so text and JSON encoders never see the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalJSON returns the JSON string "[redacted]".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// IsZero reports whether no secret is set.
func (s Secret) IsZero() bool { return s == "" }
