// Package tlv encodes and decodes BER-TLV as used by Miura readers
// (EMV Book 3 Annex B, READER-PROTOCOL.md §4).
//
// Tags are up to four bytes, lengths use the short form or the minimal
// 81/82 long forms, and the Miura quirk that tag 63 (ATR) is primitive
// is honoured.
package tlv

import (
	"errors"
	"fmt"
)

// Tag is a BER-TLV tag with its bytes big-endian: 0x9F1E, 0xDFAE02, 0xE1.
type Tag uint32

// Constructed reports whether the tag is constructed (bit 6 of its first
// byte), except 0x63, which Miura readers treat as primitive.
func (t Tag) Constructed() bool {
	b := t.Bytes()
	if len(b) == 1 && b[0] == 0x63 {
		return false
	}
	return b[0]&0x20 != 0
}

// Bytes returns the tag's encoding (1 to 4 bytes). Tag 0 encodes as 00.
func (t Tag) Bytes() []byte {
	switch {
	case t > 0xFFFFFF:
		return []byte{byte(t >> 24), byte(t >> 16), byte(t >> 8), byte(t)}
	case t > 0xFFFF:
		return []byte{byte(t >> 16), byte(t >> 8), byte(t)}
	case t > 0xFF:
		return []byte{byte(t >> 8), byte(t)}
	default:
		return []byte{byte(t)}
	}
}

// String returns the tag as upper-case hex, e.g. "DFAE02".
func (t Tag) String() string { return fmt.Sprintf("%X", t.Bytes()) }

// TLV is one decoded item. For constructed tags Children holds the decoded
// contents and Value still holds their raw bytes.
type TLV struct {
	Tag      Tag
	Value    []byte
	Children []TLV
}

// MaxLength is the largest length Decode accepts (the 82 xx xx form).
const MaxLength = 0xFFFF

// ErrSyntax is wrapped by every error Decode returns.
var ErrSyntax = errors.New("tlv: malformed data")

// maxDepth bounds nesting of constructed tags so hostile input cannot
// exhaust the stack.
const maxDepth = 32

// New returns a primitive item.
func New(tag Tag, value []byte) TLV { return TLV{Tag: tag, Value: value} }

// Constructed returns a constructed item holding children.
func Constructed(tag Tag, children ...TLV) TLV { return TLV{Tag: tag, Children: children} }

// Decode parses a sequence of items. It is strict: a tag or length that
// runs past the end of its parent, a non-minimal or unsupported length
// form, or a tag longer than four bytes is an error wrapping ErrSyntax.
// Returned values alias b.
func Decode(b []byte) ([]TLV, error) { return decode(b, 0, 0) }

func decode(b []byte, base, depth int) ([]TLV, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: nesting deeper than %d at offset %d", ErrSyntax, maxDepth, base)
	}
	var out []TLV
	for i := 0; i < len(b); {
		start := i
		tag, n, err := readTag(b[i:])
		if err != nil {
			return nil, fmt.Errorf("%w at offset %d", err, base+start)
		}
		i += n
		l, n, err := readLength(b[i:])
		if err != nil {
			return nil, fmt.Errorf("%w (tag %s at offset %d)", err, tag, base+start)
		}
		i += n
		if l > len(b)-i {
			return nil, fmt.Errorf("%w: tag %s at offset %d: length %d overruns the %d bytes left", ErrSyntax, tag, base+start, l, len(b)-i)
		}
		item := TLV{Tag: tag, Value: b[i : i+l : i+l]}
		if tag.Constructed() {
			kids, err := decode(item.Value, base+i, depth+1)
			if err != nil {
				return nil, err
			}
			item.Children = kids
		}
		out = append(out, item)
		i += l
	}
	return out, nil
}

func readTag(b []byte) (Tag, int, error) {
	if len(b) == 0 {
		return 0, 0, fmt.Errorf("%w: missing tag", ErrSyntax)
	}
	t := Tag(b[0])
	if b[0]&0x1F != 0x1F {
		return t, 1, nil
	}
	for i := 1; ; i++ {
		if i >= len(b) {
			return 0, 0, fmt.Errorf("%w: truncated tag", ErrSyntax)
		}
		if i >= 4 {
			return 0, 0, fmt.Errorf("%w: tag longer than 4 bytes", ErrSyntax)
		}
		t = t<<8 | Tag(b[i])
		if b[i]&0x80 == 0 {
			return t, i + 1, nil
		}
	}
}

func readLength(b []byte) (int, int, error) {
	if len(b) == 0 {
		return 0, 0, fmt.Errorf("%w: missing length", ErrSyntax)
	}
	switch c := b[0]; {
	case c < 0x80:
		return int(c), 1, nil
	case c == 0x81:
		if len(b) < 2 {
			return 0, 0, fmt.Errorf("%w: truncated length", ErrSyntax)
		}
		if b[1] < 0x80 {
			return 0, 0, fmt.Errorf("%w: non-minimal length 81 %02X", ErrSyntax, b[1])
		}
		return int(b[1]), 2, nil
	case c == 0x82:
		if len(b) < 3 {
			return 0, 0, fmt.Errorf("%w: truncated length", ErrSyntax)
		}
		l := int(b[1])<<8 | int(b[2])
		if l < 0x100 {
			return 0, 0, fmt.Errorf("%w: non-minimal length 82 %02X %02X", ErrSyntax, b[1], b[2])
		}
		return l, 3, nil
	default:
		return 0, 0, fmt.Errorf("%w: unsupported length form %02X", ErrSyntax, c)
	}
}

// Encode serialises items. A constructed item whose Value is nil is encoded
// from its Children; otherwise Value is written as is. Values longer than
// MaxLength are a programming error and panic.
func Encode(items ...TLV) []byte { return AppendEncode(nil, items...) }

// AppendEncode appends the encoding of items to dst.
func AppendEncode(dst []byte, items ...TLV) []byte {
	for _, it := range items {
		v := it.Value
		if v == nil && it.Tag.Constructed() {
			v = Encode(it.Children...)
		}
		dst = append(dst, it.Tag.Bytes()...)
		dst = appendLength(dst, len(v))
		dst = append(dst, v...)
	}
	return dst
}

func appendLength(dst []byte, l int) []byte {
	switch {
	case l < 0x80:
		return append(dst, byte(l))
	case l <= 0xFF:
		return append(dst, 0x81, byte(l))
	case l <= MaxLength:
		return append(dst, 0x82, byte(l>>8), byte(l))
	default:
		panic(fmt.Sprintf("tlv: value of %d bytes exceeds %d", l, MaxLength))
	}
}

// Find returns the first item with tag, searching depth-first through
// constructed items.
func Find(items []TLV, tag Tag) (TLV, bool) {
	for _, it := range items {
		if it.Tag == tag {
			return it, true
		}
		if len(it.Children) > 0 {
			if f, ok := Find(it.Children, tag); ok {
				return f, true
			}
		}
	}
	return TLV{}, false
}

// DecodeFirst decodes only the first item of b and returns it with the
// number of bytes it took; the rest of b is not looked at. Errors wrap
// ErrSyntax as Decode's do.
func DecodeFirst(b []byte) (TLV, int, error) {
	tag, n, err := readTag(b)
	if err != nil {
		return TLV{}, 0, fmt.Errorf("%w at offset 0", err)
	}
	l, m, err := readLength(b[n:])
	if err != nil {
		return TLV{}, 0, fmt.Errorf("%w (tag %s at offset 0)", err, tag)
	}
	end := n + m + l
	if l > len(b)-n-m {
		return TLV{}, 0, fmt.Errorf("%w: tag %s at offset 0: length %d overruns the %d bytes left", ErrSyntax, tag, l, len(b)-n-m)
	}
	items, err := decode(b[:end], 0, 0)
	if err != nil {
		return TLV{}, 0, err
	}
	return items[0], end, nil
}
