package pos

import "strings"

// Scheme is a card scheme as the reports split totals (issue 13).
type Scheme uint8

// The schemes the reports name; every other card counts as SchemeOther.
const (
	SchemeOther Scheme = iota
	SchemeVisa
	SchemeMastercard
	SchemeMIR
	schemeCount
)

var schemeNames = [...]string{SchemeOther: "other", SchemeVisa: "visa", SchemeMastercard: "mastercard", SchemeMIR: "mir"}

// String is the scheme's stable lower-case name (JSON, CLI).
func (s Scheme) String() string {
	if s < schemeCount {
		return schemeNames[s]
	}
	return "other"
}

// MarshalText writes the scheme's name.
func (s Scheme) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Schemes lists every scheme, in report order (Visa, Mastercard, MIR, other).
func Schemes() []Scheme { return []Scheme{SchemeVisa, SchemeMastercard, SchemeMIR, SchemeOther} }

// SchemeOf is a card's scheme from its masked PAN's BIN (first six digits),
// else from the scheme the reader or the gateway named.
func SchemeOf(maskedPAN, cardScheme string) Scheme {
	bin := maskedPAN
	if i := strings.IndexAny(bin, "*X "); i >= 0 {
		bin = bin[:i]
	}
	if len(bin) >= 6 {
		switch schemeOf(bin[:6]) {
		case "VISA":
			return SchemeVisa
		case "MASTERCARD":
			return SchemeMastercard
		case "MIR":
			return SchemeMIR
		case "":
		default:
			return SchemeOther
		}
	}
	switch s := strings.ToUpper(strings.TrimSpace(cardScheme)); {
	case strings.HasPrefix(s, "VISA"):
		return SchemeVisa
	case strings.HasPrefix(s, "MASTER"), s == "MC":
		return SchemeMastercard
	case s == "MIR" || s == "МИР":
		return SchemeMIR
	}
	return SchemeOther
}
