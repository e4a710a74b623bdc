package sred

import (
	"errors"
	"fmt"
	"strings"

	"kassa/device/tlv"
)

// Track2 is a parsed clear track 2. Its fields are card data: never log
// them (Track2 has no String-safe form; use Mask for display).
type Track2 struct {
	PAN           string // 12–19 digits
	Expiry        string // YYMM
	ServiceCode   string // 3 digits
	Discretionary string // digits, possibly empty
}

// ErrTrack2 is wrapped by every track 2 parsing error. The error text never
// contains the track itself.
var ErrTrack2 = errors.New("sred: malformed track 2")

// ParseTrack2 parses ";PAN=YYMMSSS[discretionary]?" (no LRC character).
// The PAN has 12–19 digits and the month is 01–12.
func ParseTrack2(s string) (Track2, error) {
	if len(s) < 2 || s[0] != ';' || s[len(s)-1] != '?' {
		return Track2{}, fmt.Errorf("%w: must start with ';' and end with '?'", ErrTrack2)
	}
	pan, rest, ok := strings.Cut(s[1:len(s)-1], "=")
	if !ok {
		return Track2{}, fmt.Errorf("%w: no '=' separator", ErrTrack2)
	}
	if !digits(pan) || len(pan) < 12 || len(pan) > 19 {
		return Track2{}, fmt.Errorf("%w: the card number must be 12 to 19 digits (got %d characters)", ErrTrack2, len(pan))
	}
	if len(rest) < 7 || !digits(rest) {
		return Track2{}, fmt.Errorf("%w: expiry, service code and discretionary data must be at least 7 digits", ErrTrack2)
	}
	if !validMonth(rest[2:4]) {
		return Track2{}, fmt.Errorf("%w: expiry month is not 01-12", ErrTrack2)
	}
	return Track2{PAN: pan, Expiry: rest[:4], ServiceCode: rest[4:7], Discretionary: rest[7:]}, nil
}

// String returns the track as ";PAN=YYMMSSSdisc?". It is card data.
func (t Track2) String() string {
	return ";" + t.PAN + "=" + t.Expiry + t.ServiceCode + t.Discretionary + "?"
}

// GoString hides the card data from %#v.
func (t Track2) GoString() string { return "sred.Track2{[card data]}" }

// Format hides the card data from every fmt verb (%v, %+v, %s...); only a
// direct call of String reveals it.
func (t Track2) Format(f fmt.State, _ rune) { fmt.Fprint(f, "[card data]") }

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func validMonth(mm string) bool { return mm >= "01" && mm <= "12" }

// Mask returns the DFAE22 form of a clear track 2 (§6, §11): PAN first 6
// and last 4 in clear, other PAN digits '*', expiry and service code in
// clear, discretionary data as '*', ending in '?' (no LRC '*').
func Mask(track2 string) (string, error) {
	t, err := ParseTrack2(track2)
	if err != nil {
		return "", err
	}
	return ";" + t.PAN[:6] + strings.Repeat("*", len(t.PAN)-10) + t.PAN[len(t.PAN)-4:] +
		"=" + t.Expiry + t.ServiceCode + strings.Repeat("*", len(t.Discretionary)) + "?", nil
}

// MaskedCard is what a masked track 2 reveals: safe to log and print.
type MaskedCard struct {
	First6, Last4 string
	Expiry        string // YYMM
	PANLength     int
}

// ParseMasked parses a DFAE22 masked track 2 such as
// ";401234***8909=2812101*********?", accepting a trailing '*' (masked LRC)
// after '?' as real Miura readers send.
func ParseMasked(s string) (MaskedCard, error) {
	bad := func(why string) (MaskedCard, error) {
		return MaskedCard{}, fmt.Errorf("sred: malformed masked track 2 (DFAE22): %s", why)
	}
	s = strings.TrimSuffix(s, "?*")
	if !strings.HasPrefix(s, ";") {
		return bad("must start with ';'")
	}
	s = strings.TrimSuffix(s[1:], "?")
	pan, rest, ok := strings.Cut(s, "=")
	if !ok {
		return bad("no '=' separator")
	}
	if len(pan) < 12 || len(pan) > 19 || !digits(pan[:6]) || !digits(pan[len(pan)-4:]) ||
		strings.Trim(pan[6:len(pan)-4], "*") != "" {
		return bad("the card number must be 12 to 19 characters: 6 digits, '*'s, 4 digits")
	}
	if len(rest) < 7 || !digits(rest[:7]) || !validMonth(rest[2:4]) {
		return bad("expiry and service code must be 7 digits with a month 01-12")
	}
	for i := 7; i < len(rest); i++ {
		if c := rest[i]; c != '*' && (c < '0' || c > '9') {
			return bad("discretionary data must be '*'s")
		}
	}
	return MaskedCard{First6: pan[:6], Last4: pan[len(pan)-4:], Expiry: rest[:4], PANLength: len(pan)}, nil
}

// String returns the masked PAN: first 6, one '*' per hidden digit, last 4,
// e.g. "401234***8909" for a 13-digit PAN.
func (m MaskedCard) String() string {
	n := m.PANLength - 10
	if n < 0 {
		n = 0
	}
	return m.First6 + strings.Repeat("*", n) + m.Last4
}

// Tags of the §6 swipe template (READER-PROTOCOL.md §8 sends the whole
// template; the earlier re-assembled MIURA_SRED blob is gone).
const (
	TagCiphertext   tlv.Tag = 0xDFAE02
	TagKSN          tlv.Tag = 0xDFAE03
	TagMaskedTrack2 tlv.Tag = 0xDFAE22
	TagSerial       tlv.Tag = 0x9F1E
)
