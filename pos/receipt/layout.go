package receipt

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"kassa/device/escpos"
)

// Width is the number of characters in a line of the text form: a standard
// 80 mm thermal receipt printer with its default font.
const Width = 42

// style says how the PDF renders a line; the text form ignores it.
type style uint8

const (
	plain     style = iota
	bold            // headings
	big             // the amount and the final status
	inverse         // white on black: DEMO, DUPLICATE
	highlight       // grey band, bold: a total that differs from the gateway's
	rule            // a horizontal line
)

// line is one printed line: text is already laid out in at most Width runes
// for the text form (left-aligned rows keep their column padding, which the
// monospaced PDF font preserves); center lines are re-centred in the PDF with
// their own font size.
type line struct {
	text   string
	st     style
	center bool
}

// doc collects the lines of a receipt or report.
type doc struct{ lines []line }

func (d *doc) add(l line) { d.lines = append(d.lines, l) }

// centered adds text wrapped to Width and centred.
func (d *doc) centered(text string, st style) {
	for _, w := range wrap(text, Width) {
		d.add(line{text: pad(w), st: st, center: true})
	}
}

func pad(s string) string {
	n := runeLen(s)
	if n >= Width {
		return s
	}
	left := (Width - n) / 2
	return strings.Repeat(" ", left) + s
}

// stamp adds a framed banner ("*** DUPLICATE ***"), printed inverted in PDF.
func (d *doc) stamp(text string) {
	for _, w := range wrap(text, Width-8) {
		d.add(line{text: pad("*** " + w + " ***"), st: inverse, center: true})
	}
}

func (d *doc) ruler(ch string) {
	d.add(line{text: strings.Repeat(ch, Width), st: rule})
}

func (d *doc) blank() { d.add(line{}) }

// field adds "Label            value"; a value too long for one line goes on
// the following lines, right-aligned. Empty values are left out.
func (d *doc) field(label, value string, st style) {
	indent := strings.Repeat(" ", len(label)-len(strings.TrimLeft(label, " ")))
	label, value = indent+clean(label), clean(value)
	if value == "" {
		return
	}
	if runeLen(label)+1+runeLen(value) <= Width {
		d.add(line{text: label + strings.Repeat(" ", Width-runeLen(label)-runeLen(value)) + value, st: st})
		return
	}
	d.add(line{text: label, st: st})
	for _, w := range wrap(value, Width-2) {
		d.add(line{text: strings.Repeat(" ", Width-runeLen(w)) + w, st: st})
	}
}

// para adds free text wrapped to Width, left-aligned.
func (d *doc) para(text string, st style) {
	for _, w := range wrap(text, Width) {
		d.add(line{text: w, st: st})
	}
}

// text renders the lines for a receipt printer: one '\n'-terminated line each,
// none longer than Width runes.
func (d *doc) text() string {
	var b strings.Builder
	for _, l := range d.lines {
		b.WriteString(strings.TrimRight(l.text, " "))
		b.WriteByte('\n')
	}
	return b.String()
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// clean turns control characters (a newline in a merchant name, a tab) into
// spaces and trims, so one field cannot break the layout.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// wrap splits text into lines of at most width runes, at spaces where it can
// and inside words that are longer than a line: the printer's own wrapping,
// so the PDF and the paper break lines alike.
func wrap(text string, width int) []string { return escpos.Wrap(clean(text), width) }
