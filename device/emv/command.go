package emv

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"kassa/device/tlv"
)

// Start is the data of START TRANSACTION and START CONTACTLESS (§12.1):
// E0{9C type, 9F02 amount n12, 5F2A currency n3, 5F36 exponent, 9A YYMMDD,
// 9F21 HHMMSS}, the vendor SDK's tag set.
type Start struct {
	Type        byte      // 9C: 00 purchase
	AmountMinor int64     // 9F02, minor units, 0..999999999999
	Currency    uint16    // 5F2A, ISO 4217 numeric (643 RUB)
	Exponent    byte      // 5F36, the currency's decimals
	At          time.Time // 9A and 9F21, in the time zone given
}

// ErrCommandData is wrapped by every START/CONTINUE data error.
var ErrCommandData = errors.New("emv: malformed command data")

// Encode returns the E0 template.
func (s Start) Encode() ([]byte, error) {
	if s.AmountMinor < 0 || s.AmountMinor > 999999999999 || s.Currency > 999 || s.Exponent > 9 {
		return nil, fmt.Errorf("%w: amount, currency or exponent out of range", ErrCommandData)
	}
	return tlv.Encode(tlv.Constructed(TagCommand,
		tlv.New(TagType, []byte{s.Type}),
		tlv.New(TagAmount, bcd(s.AmountMinor, 6)),
		tlv.New(TagCurrency, bcd(int64(s.Currency), 2)),
		tlv.New(TagExponent, []byte{s.Exponent}),
		tlv.New(TagDate, bcdString(s.At.Format("060102"))),
		tlv.New(TagTime, bcdString(s.At.Format("150405"))),
	)), nil
}

// bcd encodes v as n bytes of packed BCD.
func bcd(v int64, n int) []byte {
	s := strconv.FormatInt(v, 10)
	for len(s) < 2*n {
		s = "0" + s
	}
	return bcdString(s)
}

func bcdString(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}

// unbcd decodes packed BCD digits; ok is false for a non-digit nibble.
func unbcd(b []byte) (int64, bool) {
	s := hex.EncodeToString(b)
	if !isDigits(s) {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// ParseStart parses START data (E0 with at least 9F02, 5F2A, 9A, 9F21; 9C
// and 5F36 default to 00 and 02). The time is in UTC.
func ParseStart(b []byte) (Start, error) {
	items, err := commandItems(b)
	if err != nil {
		return Start{}, err
	}
	s := Start{Exponent: 2}
	if it, ok := findChild(items, TagType); ok && len(it.Value) == 1 {
		s.Type = it.Value[0]
	}
	if it, ok := findChild(items, TagExponent); ok && len(it.Value) == 1 {
		s.Exponent = it.Value[0]
	}
	amt, ok1 := findChild(items, TagAmount)
	cur, ok2 := findChild(items, TagCurrency)
	date, ok3 := findChild(items, TagDate)
	tm, ok4 := findChild(items, TagTime)
	if !ok1 || !ok2 || !ok3 || !ok4 || len(amt.Value) != 6 || len(cur.Value) != 2 || len(date.Value) != 3 || len(tm.Value) != 3 {
		return Start{}, fmt.Errorf("%w: START needs 9F02, 5F2A, 9A and 9F21", ErrCommandData)
	}
	var okA, okC bool
	s.AmountMinor, okA = unbcd(amt.Value)
	c, okC := unbcd(cur.Value)
	s.Currency = uint16(c)
	at, err := time.Parse("060102150405", hex.EncodeToString(date.Value)+hex.EncodeToString(tm.Value))
	if !okA || !okC || err != nil {
		return Start{}, fmt.Errorf("%w: START amount, currency, date or time not BCD", ErrCommandData)
	}
	s.At = at
	return s, nil
}

func commandItems(b []byte) ([]tlv.TLV, error) {
	first, n, err := tlv.DecodeFirst(b)
	if err != nil || n != len(b) || first.Tag != TagCommand {
		return nil, fmt.Errorf("%w: not one E0 template", ErrCommandData)
	}
	return first.Children, nil
}

// Continue is the data of CONTINUE TRANSACTION: E0{8A ARC, issuer TLVs}.
type Continue struct {
	ARC    ARC
	Issuer []tlv.TLV // 91, 71, 72… as the gateway sent them (emv-issuer-response)
}

// MaxContinueData is the largest CONTINUE data (Lc ≤ 249).
const MaxContinueData = 249

// NewContinue builds CONTINUE data from the authorisation response code
// and the emv-issuer-response bytes (BER-TLVs; empty for none). Script
// templates (71/72) that would push the data past Lc 249 are left out and
// their tags returned in dropped; any other overflow is an error.
func NewContinue(arc ARC, issuer []byte) (data []byte, dropped []tlv.Tag, err error) {
	items, err := tlv.Decode(issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: issuer response is not BER-TLV", ErrCommandData)
	}
	kept := []tlv.TLV{tlv.New(TagARC, arc[:])}
	size := len(tlv.Encode(kept...))
	for _, it := range items {
		n := len(tlv.Encode(tlv.TLV{Tag: it.Tag, Value: it.Value}))
		if it.Tag == TagScript1 || it.Tag == TagScript2 {
			if size+n+2 > MaxContinueData-1 { // E0 and a long length form
				dropped = append(dropped, it.Tag)
				continue
			}
		}
		kept = append(kept, tlv.TLV{Tag: it.Tag, Value: it.Value})
		size += n
	}
	data = tlv.Encode(tlv.Constructed(TagCommand, kept...))
	if len(data) > MaxContinueData {
		return nil, dropped, fmt.Errorf("%w: CONTINUE data of %d bytes exceeds %d", ErrCommandData, len(data), MaxContinueData)
	}
	return data, dropped, nil
}

// ParseContinue parses CONTINUE data: 8A is required (2 bytes); the other
// items are returned as they came.
func ParseContinue(b []byte) (Continue, error) {
	items, err := commandItems(b)
	if err != nil {
		return Continue{}, err
	}
	var c Continue
	seen := false
	for _, it := range items {
		if it.Tag == TagARC && !seen {
			if len(it.Value) != 2 {
				return Continue{}, fmt.Errorf("%w: 8A is %d bytes", ErrCommandData, len(it.Value))
			}
			c.ARC, seen = ARC{it.Value[0], it.Value[1]}, true
			continue
		}
		c.Issuer = append(c.Issuer, it)
	}
	if !seen {
		return Continue{}, fmt.Errorf("%w: CONTINUE without 8A", ErrCommandData)
	}
	return c, nil
}

// IssuerAuth returns the 91 value of c, if any.
func (c Continue) IssuerAuth() ([]byte, bool) {
	it, ok := findChild(c.Issuer, TagIssuerAuth)
	return it.Value, ok
}
