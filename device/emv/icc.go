package emv

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"kassa/device/sred"
	"kassa/device/tlv"
)

// ICCData is the clear content of a chip or contactless template's DFAE02
// (§12.4): the PAN (5A) and the track 2 equivalent (57). It is card data:
// never log it.
type ICCData struct {
	PAN         string // 12–19 digits
	Expiry      string // YYMM
	ServiceCode string // 3 digits
	Discretion  string // digits, possibly empty
}

// GoString hides the card data from %#v.
func (d ICCData) GoString() string { return "emv.ICCData{[card data]}" }

// Format hides the card data from every fmt verb.
func (d ICCData) Format(f fmt.State, _ rune) { fmt.Fprint(f, "[card data]") }

// ChipServiceCode and ChipDiscretionary are the simulator's track 2
// equivalent tail: "PAN D 2812 201 000000000".
const (
	ChipServiceCode   = "201"
	ChipDiscretionary = "000000000"
)

// ErrICCData is wrapped by every error about DFAE02's clear ICC data.
var ErrICCData = errors.New("emv: card data does not decrypt to valid ICC data")

// track2Eq returns the 57 digits "PAN D YYMM SSS disc".
func (d ICCData) track2Eq() string { return d.PAN + "D" + d.Expiry + d.ServiceCode + d.Discretion }

// Plaintext returns the §12.4 plaintext before padding: 5A (PAN, BCD,
// F-padded) ‖ 57 (track 2 equivalent, BCD, F-padded).
func (d ICCData) Plaintext() ([]byte, error) {
	if !isDigits(d.PAN) || len(d.PAN) < 12 || len(d.PAN) > 19 || len(d.Expiry) != 4 || !isDigits(d.Expiry) ||
		len(d.ServiceCode) != 3 || !isDigits(d.ServiceCode) || (d.Discretion != "" && !isDigits(d.Discretion)) {
		return nil, fmt.Errorf("%w: PAN, expiry YYMM, service code and discretionary digits required", ErrICCData)
	}
	return tlv.Encode(tlv.New(TagPAN, bcdF(d.PAN)), tlv.New(TagTrack2Eq, bcdF(d.track2Eq()))), nil
}

// bcdF packs digits (and 'D') as nibbles, padding an odd count with F.
func bcdF(s string) []byte {
	if len(s)%2 == 1 {
		s += "F"
	}
	b, _ := hex.DecodeString(s)
	return b
}

// EncryptICC returns DFAE02: the plaintext 00-padded to a multiple of 8,
// TDES-CBC with zero IV under the DUKPT data key of ksn.
func EncryptICC(bdk [16]byte, ksn sred.KSN, d ICCData) ([]byte, error) {
	p, err := d.Plaintext()
	if err != nil {
		return nil, err
	}
	return sred.EncryptData(bdk, ksn, p), nil
}

// DecryptICC decrypts DFAE02 and parses it (§7 step 5): BER-TLV from byte 0
// until a 00 where a tag would start; the rest all 00 and under 8 bytes; 5A
// and 57 required and agreeing.
func DecryptICC(bdk [16]byte, ksn sred.KSN, ct []byte) (ICCData, error) {
	buf, err := sred.DecryptData(bdk, ksn, ct)
	if err != nil {
		return ICCData{}, fmt.Errorf("%w: %v", ErrICCData, err)
	}
	defer clear(buf)
	return ParseICCPlaintext(buf)
}

// ParseICCPlaintext parses a decrypted DFAE02 (padding included).
func ParseICCPlaintext(buf []byte) (ICCData, error) {
	end, err := tlvEnd(buf)
	if err != nil {
		return ICCData{}, err
	}
	for _, c := range buf[end:] {
		if c != 0 {
			return ICCData{}, fmt.Errorf("%w: padding is not 00", ErrICCData)
		}
	}
	if len(buf)-end >= 8 {
		return ICCData{}, fmt.Errorf("%w: padding of 8 bytes or more", ErrICCData)
	}
	items, err := tlv.Decode(buf[:end])
	if err != nil {
		return ICCData{}, fmt.Errorf("%w: not BER-TLV", ErrICCData)
	}
	p, ok1 := tlv.Find(items, TagPAN)
	t, ok2 := tlv.Find(items, TagTrack2Eq)
	if !ok1 || !ok2 {
		return ICCData{}, fmt.Errorf("%w: 5A and 57 required", ErrICCData)
	}
	pan, ok := unBCDF(p.Value, false)
	if !ok || len(pan) < 12 || len(pan) > 19 {
		return ICCData{}, fmt.Errorf("%w: bad PAN (5A)", ErrICCData)
	}
	t2, ok := unBCDF(t.Value, true)
	tpan, rest, cut := strings.Cut(t2, "D")
	if !ok || !cut || tpan != pan || len(rest) < 7 || !isDigits(rest) || !validMonth(rest[2:4]) {
		return ICCData{}, fmt.Errorf("%w: bad track 2 equivalent (57)", ErrICCData)
	}
	return ICCData{PAN: pan, Expiry: rest[:4], ServiceCode: rest[4:7], Discretion: rest[7:]}, nil
}

// tlvEnd finds where the TLV items stop: at the end or at a 00 byte where a
// tag would start.
func tlvEnd(b []byte) (int, error) {
	i := 0
	for i < len(b) && b[i] != 0 {
		_, n, err := tlv.DecodeFirst(b[i:])
		if err != nil {
			return 0, fmt.Errorf("%w: not BER-TLV", ErrICCData)
		}
		i += n
	}
	return i, nil
}

// unBCDF unpacks nibbles to digits; a trailing F nibble is padding; 'D' is
// allowed when sep.
func unBCDF(b []byte, sep bool) (string, bool) {
	s := strings.ToUpper(hex.EncodeToString(b))
	s = strings.TrimSuffix(s, "F")
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || sep && c == 'D') {
			return "", false
		}
	}
	return s, s != ""
}

func validMonth(mm string) bool { return mm >= "01" && mm <= "12" }

// MaskPAN returns the DFAE5A form: first 6, one '*' per hidden digit, last 4.
func MaskPAN(pan string) string {
	if len(pan) < 10 {
		return strings.Repeat("*", len(pan))
	}
	return pan[:6] + strings.Repeat("*", len(pan)-10) + pan[len(pan)-4:]
}

// MaskedTrack2Eq returns the DFAE57 form of d (§12.6): masked PAN, 'D',
// expiry and service code in clear, discretionary data as '*', no
// sentinels, e.g. "401234***8909D2812201*********".
func (d ICCData) MaskedTrack2Eq() string {
	return MaskPAN(d.PAN) + "D" + d.Expiry + d.ServiceCode + strings.Repeat("*", len(d.Discretion))
}
