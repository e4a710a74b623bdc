package escpos

import (
	"unicode"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// CodePage is a printer character table: the number ESC t selects on the
// printer and the table that encodes text for it. The number differs per
// printer model for the same table (PC866 is 17 on Epson).
type CodePage struct {
	Number byte             // n of ESC t n
	Map    *charmap.Charmap // the table; nil is plain ASCII
}

// EpsonPC866 is the number of code page PC866 (Cyrillic #2) on Epson printers.
const EpsonPC866 = 17

// CP866 is code page 866 (Cyrillic) selected as number n on the printer.
func CP866(n byte) CodePage { return CodePage{Number: n, Map: charmap.CodePage866} }

// ASCII is page 0 used for ASCII only (every printer has it; other
// characters are replaced).
var ASCII = CodePage{Number: 0}

// Replacement is printed for a character the code page lacks.
const Replacement = '?'

// lookalike is printed for typographic characters most code pages lack: a
// receipt keeps its meaning and its column widths (one character each).
var lookalike = map[rune]byte{
	'—': '-', '–': '-', '‒': '-', '−': '-', '‐': '-', '‑': '-',
	'«': '"', '»': '"', '“': '"', '”': '"', '„': '"',
	'‘': '\'', '’': '\'', '‚': '\'', '′': '\'',
	'\u00a0': ' ', '\u2009': ' ', '\u202f': ' ', '\u2007': ' ',
	'•': '*', '×': 'x',
}

// encodeRune returns the byte printed for r and whether it is r itself
// (exact), a look-alike (sub) or the Replacement. A control character is
// replaced too: text can never become a command.
func (c CodePage) encodeRune(r rune) (b byte, exact, sub bool) {
	if r >= 0x20 && r < 0x7F {
		return byte(r), true, false
	}
	if c.Map != nil && !unicode.IsControl(r) {
		if b, ok := c.Map.EncodeRune(r); ok && b >= 0x20 && b != 0x7F {
			return b, true, false
		}
	}
	if b, ok := lookalike[r]; ok {
		return b, false, true
	}
	return Replacement, false, false
}

// Encode encodes text (normalized to NFC first, so "й" written with a
// combining breve is one character) into the code page: one byte per
// character. subs counts characters printed as a look-alike, replaced those
// printed as Replacement.
func (c CodePage) Encode(text string) (out []byte, subs, replaced int) {
	text = norm.NFC.String(text)
	out = make([]byte, 0, len(text))
	for _, r := range text {
		b, exact, sub := c.encodeRune(r)
		switch {
		case sub:
			subs++
		case !exact:
			replaced++
		}
		out = append(out, b)
	}
	return out, subs, replaced
}

// Decode turns code-page bytes back into text.
func (c CodePage) Decode(b []byte) string {
	rs := make([]rune, len(b))
	for i, x := range b {
		switch {
		case x < 0x80 || c.Map == nil:
			rs[i] = rune(x)
			if x >= 0x80 {
				rs[i] = unicode.ReplacementChar
			}
		default:
			rs[i] = c.Map.DecodeByte(x)
		}
	}
	return string(rs)
}
