package emv

import (
	"bytes"
	"fmt"

	"kassa/device/tlv"
)

// Fields are the data objects of a template, one per tag; nil or "" means
// absent. Build encodes them in the §12.2 order (E1: 48, DFAE02, DFAE03,
// DFAE22 as §6); Parse fills them from a template. SRED, PINBlock and Name
// are card data: never log them.
type Fields struct {
	CardStatus   []byte // 48 (swipe), 2 bytes
	AID          []byte // 4F
	Label        string // 50
	Name         string // 5F20, clear cardholder name (a real reader may add it)
	Expiry       []byte // 5F24, YYMMDD BCD
	Currency     []byte // 5F2A, 2 bytes
	PSN          []byte // 5F34, 1 byte
	AIP          []byte // 82, 2 bytes
	DFName       []byte // 84
	TVR          []byte // 95, 5 bytes
	Date         []byte // 9A, 3 bytes
	Type         []byte // 9C, 1 byte
	Amount       []byte // 9F02, 6 bytes
	OtherAmount  []byte // 9F03, 6 bytes
	IAD          []byte // 9F10
	Country      []byte // 9F1A, 2 bytes
	Serial       string // 9F1E
	Cryptogram   []byte // 9F26, 8 bytes
	CID          []byte // 9F27, 1 byte
	TermCaps     []byte // 9F33, 3 bytes
	CVMResults   []byte // 9F34, 3 bytes
	TermType     []byte // 9F35, 1 byte
	ATC          []byte // 9F36, 2 bytes
	UN           []byte // 9F37, 4 bytes
	CVStatus     []byte // DF28, 1 byte
	Kernel       []byte // DF30, 1 byte: only on contactless
	SRED         []byte // DFAE02
	KSN          []byte // DFAE03, 10 bytes
	PINBlock     []byte // DFAE04, 8 bytes
	PINKSN       []byte // DFAE05, 10 bytes
	MaskedTrack2 string // DFAE22 (swipe)
	MaskedICC2   string // DFAE57
	MaskedPAN    string // DFAE5A
}

// GoString hides the card data from %#v.
func (f Fields) GoString() string { return "emv.Fields{[card data]}" }

// Format hides the card data from every fmt verb.
func (f Fields) Format(s fmt.State, _ rune) { fmt.Fprint(s, "emv.Fields{[card data]}") }

// field is one line of the tag table: tag, fixed size (0: any) and where
// its value lives in Fields (bin for binary, text for ASCII).
type field struct {
	tag  tlv.Tag
	size int
	bin  func(*Fields) *[]byte
	text func(*Fields) *string
}

// chipTable is the §12.2 order of E3/E4/E5, one line per tag.
var chipTable = []field{
	{TagAID, 0, func(f *Fields) *[]byte { return &f.AID }, nil},
	{TagLabel, 0, nil, func(f *Fields) *string { return &f.Label }},
	{TagCardholderName, 0, nil, func(f *Fields) *string { return &f.Name }},
	{TagExpiry, 3, func(f *Fields) *[]byte { return &f.Expiry }, nil},
	{TagCurrency, 2, func(f *Fields) *[]byte { return &f.Currency }, nil},
	{TagPSN, 1, func(f *Fields) *[]byte { return &f.PSN }, nil},
	{TagAIP, 2, func(f *Fields) *[]byte { return &f.AIP }, nil},
	{TagDFName, 0, func(f *Fields) *[]byte { return &f.DFName }, nil},
	{TagTVR, 5, func(f *Fields) *[]byte { return &f.TVR }, nil},
	{TagDate, 3, func(f *Fields) *[]byte { return &f.Date }, nil},
	{TagType, 1, func(f *Fields) *[]byte { return &f.Type }, nil},
	{TagAmount, 6, func(f *Fields) *[]byte { return &f.Amount }, nil},
	{TagOtherAmount, 6, func(f *Fields) *[]byte { return &f.OtherAmount }, nil},
	{TagIAD, 0, func(f *Fields) *[]byte { return &f.IAD }, nil},
	{TagCountry, 2, func(f *Fields) *[]byte { return &f.Country }, nil},
	{TagSerial, 0, nil, func(f *Fields) *string { return &f.Serial }},
	{TagCryptogram, 8, func(f *Fields) *[]byte { return &f.Cryptogram }, nil},
	{TagCID, 1, func(f *Fields) *[]byte { return &f.CID }, nil},
	{TagTermCaps, 3, func(f *Fields) *[]byte { return &f.TermCaps }, nil},
	{TagCVMResults, 3, func(f *Fields) *[]byte { return &f.CVMResults }, nil},
	{TagTermType, 1, func(f *Fields) *[]byte { return &f.TermType }, nil},
	{TagATC, 2, func(f *Fields) *[]byte { return &f.ATC }, nil},
	{TagUN, 4, func(f *Fields) *[]byte { return &f.UN }, nil},
	{TagCVStatus, 1, func(f *Fields) *[]byte { return &f.CVStatus }, nil},
	{TagKernel, 1, func(f *Fields) *[]byte { return &f.Kernel }, nil},
	{TagSREDData, 0, func(f *Fields) *[]byte { return &f.SRED }, nil},
	{TagSREDKSN, 10, func(f *Fields) *[]byte { return &f.KSN }, nil},
	{TagPINBlock, 8, func(f *Fields) *[]byte { return &f.PINBlock }, nil},
	{TagPINKSN, 10, func(f *Fields) *[]byte { return &f.PINKSN }, nil},
	{TagMaskedICC2, 0, nil, func(f *Fields) *string { return &f.MaskedICC2 }},
	{TagMaskedPAN, 0, nil, func(f *Fields) *string { return &f.MaskedPAN }},
}

// swipeTable is the §6 order of a secure reader's card-status template.
var swipeTable = []field{
	{TagCardStatus, 2, func(f *Fields) *[]byte { return &f.CardStatus }, nil},
	{TagSREDData, 0, func(f *Fields) *[]byte { return &f.SRED }, nil},
	{TagSREDKSN, 10, func(f *Fields) *[]byte { return &f.KSN }, nil},
	{TagMaskedTrack2, 0, nil, func(f *Fields) *string { return &f.MaskedTrack2 }},
}

func tableFor(k Kind) []field {
	if k == KindSwipe {
		return swipeTable
	}
	return chipTable
}

// encode returns the items of f present in table order.
func (f *Fields) encode(table []field) []tlv.TLV {
	var out []tlv.TLV
	for _, fl := range table {
		switch {
		case fl.bin != nil && *fl.bin(f) != nil:
			out = append(out, tlv.New(fl.tag, *fl.bin(f)))
		case fl.text != nil && *fl.text(f) != "":
			out = append(out, tlv.New(fl.tag, []byte(*fl.text(f))))
		}
	}
	return out
}

// fill sets f from items (the template's children): the first of each
// known tag counts, unknown tags are skipped. Values are copied.
func (f *Fields) fill(table []field, items []tlv.TLV) error {
	for _, fl := range table {
		it, ok := findChild(items, fl.tag)
		if !ok {
			continue
		}
		if fl.size > 0 && len(it.Value) != fl.size {
			return fmt.Errorf("%w: tag %s is %d bytes, want %d", ErrTemplate, fl.tag, len(it.Value), fl.size)
		}
		if fl.bin != nil {
			*fl.bin(f) = bytes.Clone(it.Value)
			if *fl.bin(f) == nil {
				*fl.bin(f) = []byte{}
			}
		} else {
			*fl.text(f) = string(it.Value)
		}
	}
	return nil
}

// findChild finds tag among items, one level only.
func findChild(items []tlv.TLV, tag tlv.Tag) (tlv.TLV, bool) {
	for _, it := range items {
		if it.Tag == tag {
			return it, true
		}
	}
	return tlv.TLV{}, false
}
