package escpos

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Align is a line alignment (ESC a n).
type Align uint8

// Alignments.
const (
	Left Align = iota
	Center
	Right
)

// String names the alignment as the decoder prints it.
func (a Align) String() string {
	switch a {
	case Left:
		return "left"
	case Center:
		return "center"
	case Right:
		return "right"
	}
	return fmt.Sprintf("align(%d)", uint8(a))
}

// ErrWidth is returned for a line width other than 32, 42 or 48.
var ErrWidth = errors.New("escpos: width must be 32, 42 or 48")

// Encoder builds the bytes of one print job. Text methods wrap by words to
// the line width (halved while double width is on) and encode through the
// code page; the methods return the Encoder so calls can be chained.
type Encoder struct {
	buf      []byte
	width    int
	page     CodePage
	scaleW   int // character width multiplier of GS !
	subs     int
	replaced int
	// The printer's modes as last set, to skip commands that change
	// nothing; -1 is not known (before Init).
	bold, reverse, align, size int
}

// New returns an encoder for a printer of width characters (32, 42 or 48)
// with the given code page.
func New(width int, page CodePage) (*Encoder, error) {
	if !ValidWidth(width) {
		return nil, fmt.Errorf("%w (got %d)", ErrWidth, width)
	}
	return &Encoder{width: width, page: page, scaleW: 1, bold: -1, reverse: -1, align: -1, size: -1}, nil
}

// Bytes returns the job built so far.
func (e *Encoder) Bytes() []byte { return e.buf }

// Width is the line width in characters of the current size.
func (e *Encoder) Width() int { return e.width / e.scaleW }

// Substituted counts characters printed as a look-alike ('—' as '-').
func (e *Encoder) Substituted() int { return e.subs }

// Replaced counts characters the code page lacks, printed as Replacement.
func (e *Encoder) Replaced() int { return e.replaced }

// Init resets the printer (ESC @) and selects the code page (ESC t n).
func (e *Encoder) Init() *Encoder {
	e.buf = append(e.buf, esc, '@')
	e.scaleW, e.bold, e.reverse, e.align, e.size = 1, 0, 0, 0, 0
	return e.SelectCodePage()
}

// SelectCodePage selects the encoder's code page on the printer (ESC t n).
func (e *Encoder) SelectCodePage() *Encoder {
	e.buf = append(e.buf, esc, 't', e.page.Number)
	return e
}

// Mode commands (Bold, Reverse, Size, Align) that would not change the
// printer's mode are not sent.

// Bold turns emphasized printing on or off (ESC E n).
func (e *Encoder) Bold(on bool) *Encoder { return e.mode(&e.bold, esc, 'E', b2b(on)) }

// mode sends a mode command unless the printer is known to be in it.
func (e *Encoder) mode(cur *int, c0, c1, n byte) *Encoder {
	if *cur != int(n) {
		*cur = int(n)
		e.buf = append(e.buf, c0, c1, n)
	}
	return e
}

// Size sets the character size multipliers, 1 to 8 each (GS ! n); 2, 2 is
// double width and height. Out-of-range values are clamped.
func (e *Encoder) Size(w, h int) *Encoder {
	w, h = min(max(w, 1), 8), min(max(h, 1), 8)
	e.scaleW = w
	return e.mode(&e.size, gs, '!', byte((w-1)<<4|(h-1)))
}

// Reverse turns white-on-black printing on or off (GS B n).
func (e *Encoder) Reverse(on bool) *Encoder { return e.mode(&e.reverse, gs, 'B', b2b(on)) }

// Align sets the alignment of the following lines (ESC a n).
func (e *Encoder) Align(a Align) *Encoder { return e.mode(&e.align, esc, 'a', byte(min(a, Right))) }

// Line prints text on one line when it fits (spaces kept, trailing ones
// trimmed), otherwise wrapped by words over several. An empty text is a
// blank line.
func (e *Encoder) Line(text string) *Encoder {
	text = strings.TrimRight(flatten(text), " ")
	if utf8.RuneCountInString(text) <= e.Width() {
		return e.raw(text)
	}
	for _, l := range Wrap(text, e.Width()) {
		e.raw(l)
	}
	return e
}

// Columns prints left at the left edge and right at the right edge of one
// line; when both do not fit, left is wrapped over its own lines and right
// follows right-aligned (wrapped too when longer than a line). An empty
// right prints left alone.
func (e *Encoder) Columns(left, right string) *Encoder {
	w := e.Width()
	left, right = strings.TrimRight(flatten(left), " "), strings.TrimSpace(flatten(right))
	nl, nr := utf8.RuneCountInString(left), utf8.RuneCountInString(right)
	if right == "" {
		return e.Line(left)
	}
	if nl+1+nr <= w {
		return e.raw(left + strings.Repeat(" ", w-nl-nr) + right)
	}
	if strings.TrimSpace(left) != "" {
		e.Line(left)
	}
	for _, l := range Wrap(right, max(w-2, 1)) {
		e.raw(strings.Repeat(" ", w-utf8.RuneCountInString(l)) + l)
	}
	return e
}

// Rule prints a line of ch across the width.
func (e *Encoder) Rule(ch rune) *Encoder { return e.raw(strings.Repeat(string(ch), e.Width())) }

// Feed prints and feeds n lines (ESC d n), 0 to 255.
func (e *Encoder) Feed(n int) *Encoder {
	e.buf = append(e.buf, esc, 'd', byte(min(max(n, 0), 255)))
	return e
}

// Cut feeds the paper to the cutter and cuts it, leaving a point uncut
// (GS V 66 0, partial cut: the receipt does not fall on the floor).
func (e *Encoder) Cut() *Encoder {
	e.buf = append(e.buf, gs, 'V', 66, 0)
	return e
}

// raw encodes one laid-out line and ends it.
func (e *Encoder) raw(text string) *Encoder {
	b, s, r := e.page.Encode(text)
	e.subs += s
	e.replaced += r
	e.buf = append(append(e.buf, b...), lf)
	return e
}

func b2b(on bool) byte {
	if on {
		return 1
	}
	return 0
}

// flatten turns control characters (a newline, a tab) into spaces, so a
// value cannot break the layout.
func flatten(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0) {
			return ' '
		}
		return r
	}, s)
}
