package sred

import (
	"bytes"
	"encoding/hex"
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

// Tags of the §8 blob.
const (
	TagCiphertext   tlv.Tag = 0xDFAE02
	TagKSN          tlv.Tag = 0xDFAE03
	TagMaskedTrack2 tlv.Tag = 0xDFAE22
	TagSerial       tlv.Tag = 0x9F1E
)

// Blob is the earlier re-assembled card-data blob (DFAE02, DFAE03, DFAE22,
// 9F1E).
//
// Deprecated: READER-PROTOCOL.md §8 now sends the reader's whole template
// (kassa/device/emv.Template); Blob stays only until the sandbox moves to
// emv.ParseTemplate. ParseBlob also accepts a §6 swipe template E1{…},
// since it finds the tags inside E1.
type Blob struct {
	Ciphertext   []byte // DFAE02, exactly as the reader sent it
	KSN          KSN    // DFAE03
	MaskedTrack2 string // DFAE22, exactly as the reader sent it
	ReaderSerial string // 9F1E, from RESET DEVICE; omitted when empty
}

// GoString hides the ciphertext from %#v.
func (b Blob) GoString() string {
	return fmt.Sprintf("sred.Blob{KSN: %s, MaskedTrack2: %q, ReaderSerial: %q}", b.KSN, b.MaskedTrack2, b.ReaderSerial)
}

// Format prints only the KSN, masked track and serial for every verb, so
// the ciphertext never reaches a log through %v.
func (b Blob) Format(f fmt.State, _ rune) { fmt.Fprint(f, b.GoString()) }

// Encode returns the BER-TLV: DFAE02, DFAE03, DFAE22, then 9F1E if set.
func (b Blob) Encode() []byte {
	items := []tlv.TLV{
		tlv.New(TagCiphertext, b.Ciphertext),
		tlv.New(TagKSN, b.KSN[:]),
		tlv.New(TagMaskedTrack2, []byte(b.MaskedTrack2)),
	}
	if b.ReaderSerial != "" {
		items = append(items, tlv.New(TagSerial, []byte(b.ReaderSerial)))
	}
	return tlv.Encode(items...)
}

// Hex returns Encode as upper-case hex: the encrypted-data value.
func (b Blob) Hex() string { return strings.ToUpper(hex.EncodeToString(b.Encode())) }

// ErrBlob is wrapped by every ParseBlob error.
var ErrBlob = errors.New("sred: malformed encrypted-data")

// ParseBlob parses a blob given as hex (either case) or as raw bytes. Tags
// may come in any order, unknown tags are skipped, and DFAE02 (a positive
// multiple of 8 bytes), DFAE03 (10 bytes) and a well-formed DFAE22 are
// required.
func ParseBlob(hexOrRaw string) (Blob, error) {
	raw := []byte(hexOrRaw)
	if isHex(hexOrRaw) {
		raw, _ = hex.DecodeString(hexOrRaw)
	}
	items, err := tlv.Decode(raw)
	if err != nil {
		return Blob{}, fmt.Errorf("%w: %v", ErrBlob, err)
	}
	var b Blob
	ct, ok := tlv.Find(items, TagCiphertext)
	if !ok {
		return Blob{}, fmt.Errorf("%w: no card data (DFAE02)", ErrBlob)
	}
	if len(ct.Value) == 0 || len(ct.Value)%8 != 0 {
		return Blob{}, fmt.Errorf("%w: card data (DFAE02) is %d bytes, not a positive multiple of 8", ErrBlob, len(ct.Value))
	}
	b.Ciphertext = bytes.Clone(ct.Value)
	ksn, ok := tlv.Find(items, TagKSN)
	if !ok || len(ksn.Value) != len(b.KSN) {
		return Blob{}, fmt.Errorf("%w: no 10-byte KSN (DFAE03)", ErrBlob)
	}
	copy(b.KSN[:], ksn.Value)
	m, ok := tlv.Find(items, TagMaskedTrack2)
	if !ok {
		return Blob{}, fmt.Errorf("%w: no masked track 2 (DFAE22)", ErrBlob)
	}
	if _, err := ParseMasked(string(m.Value)); err != nil {
		return Blob{}, fmt.Errorf("%w: %v", ErrBlob, err)
	}
	b.MaskedTrack2 = string(m.Value)
	if s, ok := tlv.Find(items, TagSerial); ok {
		b.ReaderSerial = string(s.Value)
	}
	return b, nil
}

func isHex(s string) bool {
	if len(s) == 0 || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// ErrMismatch is returned by Open when the decrypted track does not match
// the blob's masked track 2 (first 6, last 4, length or expiry).
var ErrMismatch = errors.New("sred: card data does not match its masked track 2")

// Open decrypts b with bdk and checks the clear PAN's first 6, last 4 and
// length and the expiry against DFAE22.
func Open(bdk [16]byte, b Blob) (Track2, error) {
	m, err := ParseMasked(b.MaskedTrack2)
	if err != nil {
		return Track2{}, err
	}
	s, err := Decrypt(bdk, b.KSN, b.Ciphertext)
	if err != nil {
		return Track2{}, err
	}
	t, err := ParseTrack2(s)
	if err != nil {
		return Track2{}, fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	if len(t.PAN) != m.PANLength || t.PAN[:6] != m.First6 || t.PAN[len(t.PAN)-4:] != m.Last4 || t.Expiry != m.Expiry {
		return Track2{}, ErrMismatch
	}
	return t, nil
}
