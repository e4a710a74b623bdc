package emv

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"kassa/device/sred"
	"kassa/device/tlv"
)

// EncryptedType is the gateway's encrypted-type for every Miura template
// (§8): "miura".
const EncryptedType = sred.EncryptedType

// Kind is the kind of a card-data template.
type Kind int

// Template kinds.
const (
	KindUnknown  Kind = iota // not a card-data template
	KindSwipe                // E1: §6 card-status message of a good secure swipe
	KindOnline               // E4: online authorisation required, ARQC
	KindApproved             // E3: approved, TC
	KindDeclined             // E5: declined, AAC
)

var kindText = [...]string{
	KindUnknown:  "unknown",
	KindSwipe:    "swipe",
	KindOnline:   "online",
	KindApproved: "approved",
	KindDeclined: "declined",
}

// String returns "swipe", "online", "approved", "declined" or "unknown".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindText) {
		return "unknown"
	}
	return kindText[k]
}

// kindTags maps a template tag to its kind, one line per case.
var kindTags = map[tlv.Tag]Kind{
	TagResponse: KindSwipe,
	TagOnline:   KindOnline,
	TagApproved: KindApproved,
	TagDeclined: KindDeclined,
}

// Tag returns the template tag of k (E1, E4, E3, E5; 0 for unknown).
func (k Kind) Tag() tlv.Tag {
	for t, kk := range kindTags {
		if kk == k {
			return t
		}
	}
	return 0
}

// wantCID is the 9F27 of each chip kind, one line per case.
var wantCID = map[Kind]byte{KindOnline: CIDARQC, KindApproved: CIDTC, KindDeclined: CIDAAC}

// Template is one card-data template as the reader sent it (§8).
type Template struct {
	Kind   Kind
	Raw    []byte // the whole top-level template, tag and length included: encrypted-data is its hex
	Fields Fields // its data objects (copies)
}

// Errors of ParseTemplate.
var (
	// ErrTemplate is wrapped by every malformed-template error.
	ErrTemplate = errors.New("emv: malformed card-data template")
	// ErrClearCardData: the template holds clear card data (5A, 57, 5F21,
	// 5F22, 5F23); it is refused, never logged or forwarded.
	ErrClearCardData = errors.New("emv: template holds clear card data")
)

// GoString hides the card data from %#v.
func (t *Template) GoString() string { return "emv.Template{" + t.Describe() + "}" }

// Format prints only the loggable Describe for every verb.
func (t *Template) Format(f fmt.State, _ rune) { fmt.Fprint(f, t.GoString()) }

// Describe is the loggable summary: kind, length and tag list.
func (t *Template) Describe() string {
	if t == nil {
		return "nil"
	}
	return fmt.Sprintf("%s, %d bytes, tags %s", t.Kind, len(t.Raw), strings.Join(t.TagList(), " "))
}

// TagList returns the tags of the template's data objects in order (safe
// to log).
func (t *Template) TagList() []string {
	items, err := tlv.Decode(t.Raw)
	if err != nil || len(items) == 0 {
		return nil
	}
	var out []string
	for _, c := range items[0].Children {
		out = append(out, c.Tag.String())
	}
	return out
}

// Hex returns Raw as upper-case hex without separators: the encrypted-data.
func (t *Template) Hex() string { return strings.ToUpper(hex.EncodeToString(t.Raw)) }

// Wipe zeroes the template's card data.
func (t *Template) Wipe() {
	clear(t.Raw)
	clear(t.Fields.SRED)
	clear(t.Fields.PINBlock)
	t.Fields.Name = ""
}

// ParseTemplateHex is ParseTemplate of hex (either case).
func ParseTemplateHex(s string) (*Template, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: not hex", ErrTemplate)
	}
	return ParseTemplate(b)
}

// ParseTemplate parses one template: an E1 card-status template of a good
// secure swipe (48, DFAE02, DFAE03, DFAE22), or an E4/E3/E5 chip template
// (an E4/E3/E5 wrapped in E1 is unwrapped and Raw is the inner template).
// Trailing bytes after the first template are an error. DFAE02 must be a
// positive multiple of 8 bytes, DFAE03 10 bytes, the masked PAN (DFAE22, or
// DFAE5A and 5F24 for chip) well formed; known tags have their §12.2 sizes.
// Clear card data is ErrClearCardData. Raw and Fields are copies of b.
func ParseTemplate(b []byte) (*Template, error) {
	first, n, err := tlv.DecodeFirst(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTemplate, err)
	}
	if n != len(b) {
		return nil, fmt.Errorf("%w: %d bytes after the template", ErrTemplate, len(b)-n)
	}
	raw := b[:n]
	if first.Tag == TagResponse && len(first.Children) == 1 && kindTags[first.Children[0].Tag] > KindSwipe {
		inner := first.Children[0]
		raw = tlv.Encode(tlv.TLV{Tag: inner.Tag, Value: inner.Value})
		first = inner
	}
	kind := kindTags[first.Tag]
	if kind == KindUnknown {
		return nil, fmt.Errorf("%w: template %s is not E1, E3, E4 or E5", ErrTemplate, first.Tag)
	}
	for _, c := range clearCardTags {
		if _, ok := tlv.Find(first.Children, c); ok {
			return nil, ErrClearCardData
		}
	}
	t := &Template{Kind: kind, Raw: bytes.Clone(raw)}
	if err := t.Fields.fill(tableFor(kind), first.Children); err != nil {
		return nil, err
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	return t, nil
}

// check applies the required-tag rules of ParseTemplate.
func (t *Template) check() error {
	f := &t.Fields
	if len(f.SRED) == 0 || len(f.SRED)%8 != 0 {
		return fmt.Errorf("%w: card data (DFAE02) is %d bytes, not a positive multiple of 8", ErrTemplate, len(f.SRED))
	}
	if f.KSN == nil {
		return fmt.Errorf("%w: no KSN (DFAE03)", ErrTemplate)
	}
	if t.Kind == KindSwipe {
		if len(f.CardStatus) != 2 || f.CardStatus[1]&0x05 != 0x05 {
			return fmt.Errorf("%w: card status (48) is not a good swipe", ErrTemplate)
		}
		if _, err := sred.ParseMasked(f.MaskedTrack2); err != nil {
			return fmt.Errorf("%w: masked track 2 (DFAE22)", ErrTemplate)
		}
		return nil
	}
	if _, err := ParseMaskedPAN(f.MaskedPAN); err != nil {
		return err
	}
	if f.Expiry == nil || !validBCDDate(f.Expiry) {
		return fmt.Errorf("%w: no valid expiry (5F24)", ErrTemplate)
	}
	if (f.PINBlock == nil) != (f.PINKSN == nil) {
		return fmt.Errorf("%w: PIN block (DFAE04) and PIN KSN (DFAE05) come together", ErrTemplate)
	}
	return nil
}

func validBCDDate(b []byte) bool {
	s := hex.EncodeToString(b)
	return len(s) == 6 && isDigits(s) && validMonth(s[2:4]) && s[4:6] >= "01" && s[4:6] <= "31"
}

// Build encodes f as a template of kind k: E1 for KindSwipe (the §6 tags),
// E4/E3/E5 with the §12.2 tags in order. Absent fields are left out.
func Build(k Kind, f Fields) ([]byte, error) {
	tag := k.Tag()
	if tag == 0 {
		return nil, fmt.Errorf("emv: cannot build a template of kind %s", k)
	}
	return tlv.Encode(tlv.Constructed(tag, f.encode(tableFor(k))...)), nil
}

// MaskedPAN is what DFAE5A or DFAE22 reveal: safe to log and print.
type MaskedPAN = sred.MaskedCard

// ParseMaskedPAN parses a DFAE5A masked PAN: 6 digits, '*'s, 4 digits, 12–19
// characters in all.
func ParseMaskedPAN(s string) (MaskedPAN, error) {
	if len(s) < 12 || len(s) > 19 || !isDigits(s[:6]) || !isDigits(s[len(s)-4:]) || strings.Trim(s[6:len(s)-4], "*") != "" {
		return MaskedPAN{}, fmt.Errorf("%w: masked PAN (DFAE5A) must be 6 digits, '*'s, 4 digits", ErrTemplate)
	}
	return MaskedPAN{First6: s[:6], Last4: s[len(s)-4:], PANLength: len(s)}, nil
}

// Masked returns the template's masked PAN and expiry (YYMM): from DFAE22
// for a swipe, DFAE5A and 5F24 for chip.
func (t *Template) Masked() MaskedPAN {
	if t.Kind == KindSwipe {
		m, _ := sred.ParseMasked(t.Fields.MaskedTrack2)
		return m
	}
	m, _ := ParseMaskedPAN(t.Fields.MaskedPAN)
	if len(t.Fields.Expiry) == 3 {
		m.Expiry = hex.EncodeToString(t.Fields.Expiry[:2])
	}
	return m
}

// Contactless reports a contactless template (DF30 present).
func (t *Template) Contactless() bool { return t.Kind != KindSwipe && t.Fields.Kernel != nil }

// KSN returns DFAE03.
func (t *Template) KSN() sred.KSN {
	var k sred.KSN
	copy(k[:], t.Fields.KSN)
	return k
}

// PIN returns the online PIN block (DFAE04) and its KSN (DFAE05), if any.
func (t *Template) PIN() (block []byte, ksn sred.KSN, ok bool) {
	if t.Fields.PINBlock == nil {
		return nil, ksn, false
	}
	copy(ksn[:], t.Fields.PINKSN)
	return t.Fields.PINBlock, ksn, true
}

// ValueHex returns the value of the template's first data object with tag
// as upper-case hex ("" when absent), e.g. 95 → "0000000000" for the
// gateway's emv-tvr-95. Never ask it for DFAE02, DFAE04 or 5F20 to log.
func (t *Template) ValueHex(tag tlv.Tag) string {
	items, err := tlv.Decode(t.Raw)
	if err != nil || len(items) == 0 {
		return ""
	}
	it, ok := findChild(items[0].Children, tag)
	if !ok {
		return ""
	}
	return strings.ToUpper(hex.EncodeToString(it.Value))
}

// AIDHex returns 4F as upper-case hex ("" when absent).
func (t *Template) AIDHex() string { return strings.ToUpper(hex.EncodeToString(t.Fields.AID)) }

// PSN returns 5F34 as two digits ("00" when absent).
func (t *Template) PSN() string {
	if len(t.Fields.PSN) != 1 {
		return "00"
	}
	return hex.EncodeToString(t.Fields.PSN)
}

// CVM returns the cardholder verification of the template.
func (t *Template) CVM() CVM { return CVMOf(t.Fields.CVMResults, t.Fields.CVStatus) }

// ErrMismatch: the decrypted card data does not match the template's masked
// PAN or expiry.
var ErrMismatch = errors.New("emv: card data does not match its masked PAN")

// Open decrypts DFAE02 with bdk under DFAE03 and checks the clear PAN's
// first 6, last 4 and length and the expiry against the masked data. For a
// swipe the ICCData holds the track 2 fields. The result is card data.
func Open(bdk [16]byte, t *Template) (ICCData, error) {
	m := t.Masked()
	var d ICCData
	if t.Kind == KindSwipe {
		s, err := sred.Decrypt(bdk, t.KSN(), t.Fields.SRED)
		if err != nil {
			return ICCData{}, err
		}
		tr, err := sred.ParseTrack2(s)
		if err != nil {
			return ICCData{}, sred.ErrDecrypt
		}
		d = ICCData{PAN: tr.PAN, Expiry: tr.Expiry, ServiceCode: tr.ServiceCode, Discretion: tr.Discretionary}
	} else {
		var err error
		if d, err = DecryptICC(bdk, t.KSN(), t.Fields.SRED); err != nil {
			return ICCData{}, err
		}
	}
	if len(d.PAN) != m.PANLength || d.PAN[:6] != m.First6 || d.PAN[len(d.PAN)-4:] != m.Last4 || d.Expiry != m.Expiry {
		return ICCData{}, ErrMismatch
	}
	return d, nil
}

// CryptogramData returns the template's CVN 10 input; every tag of it must
// be present (9F10 at least 7 bytes).
func (t *Template) CryptogramData() (CryptogramData, error) {
	f := &t.Fields
	var d CryptogramData
	if len(f.IAD) < 7 {
		return d, fmt.Errorf("%w: issuer application data (9F10) under 7 bytes", ErrTemplate)
	}
	src := [][]byte{f.Amount, f.OtherAmount, f.Country, f.TVR, f.Currency, f.Date, f.Type, f.UN, f.AIP, f.ATC, f.IAD[3:7]}
	var b []byte
	for _, s := range src {
		if s == nil {
			return d, fmt.Errorf("%w: a cryptogram input tag is missing", ErrTemplate)
		}
		b = append(b, s...)
	}
	return ParseCryptogramData(b)
}

// ErrCryptogram: the template's cryptogram (9F26) or CID (9F27) does not
// verify.
var ErrCryptogram = errors.New("emv: application cryptogram does not verify")

// VerifyCryptogram checks 9F26 under the ICC master key of pan and the
// template's PSN (derived from imk), and that 9F27 fits the kind (80 in E4,
// 40 in E3, 00 in E5). second is the ARC sent with CONTINUE for a TC/AAC
// after the online step; nil for the first cryptogram (E4, or an offline
// E3/E5 straight from START).
func VerifyCryptogram(imk [16]byte, pan string, t *Template, second *ARC) error {
	if t.Kind == KindSwipe || t.Kind == KindUnknown {
		return fmt.Errorf("%w: a %s template has none", ErrCryptogram, t.Kind)
	}
	if len(t.Fields.CID) != 1 || t.Fields.CID[0]&0xC0 != wantCID[t.Kind] || len(t.Fields.Cryptogram) != 8 {
		return fmt.Errorf("%w: CID (9F27) does not fit %s", ErrCryptogram, t.Kind)
	}
	mk, err := ICCMasterKey(imk, pan, t.PSN())
	if err != nil {
		return err
	}
	d, err := t.CryptogramData()
	if err != nil {
		return err
	}
	want := Cryptogram(mk, d)
	if second != nil {
		want = SecondCryptogram(mk, *second, d)
	}
	if !bytes.Equal(want[:], t.Fields.Cryptogram) {
		return ErrCryptogram
	}
	return nil
}

// IssuerResponse returns the emv-issuer-response for an E4: the BER-TLV
// 91 0A ARPC ‖ ARC computed from the template's ARQC (not verified here).
func IssuerResponse(imk [16]byte, pan string, t *Template, arc ARC) ([]byte, error) {
	if t.Kind != KindOnline || len(t.Fields.Cryptogram) != 8 {
		return nil, fmt.Errorf("%w: an E4 with an ARQC required", ErrTemplate)
	}
	mk, err := ICCMasterKey(imk, pan, t.PSN())
	if err != nil {
		return nil, err
	}
	var arqc [8]byte
	copy(arqc[:], t.Fields.Cryptogram)
	return tlv.Encode(tlv.New(TagIssuerAuth, IssuerAuthData(mk, arqc, arc))), nil
}
