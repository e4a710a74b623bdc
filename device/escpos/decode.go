package escpos

import (
	"errors"
	"fmt"

	"golang.org/x/text/encoding/charmap"
)

// Errors of Decode.
var (
	ErrTruncated = errors.New("escpos: command cut short")
	ErrUnknown   = errors.New("escpos: unknown command")
)

// Decoder turns print jobs back into ops. Pages maps ESC t numbers to their
// tables; text before any ESC t is decoded with page 0.
type Decoder struct {
	Pages map[byte]*charmap.Charmap
}

// DefaultPages are Epson's numbers: 0 PC437, 17 PC866.
var DefaultPages = map[byte]*charmap.Charmap{0: charmap.CodePage437, EpsonPC866: charmap.CodePage866}

// Decode decodes b with DefaultPages.
func Decode(b []byte) ([]Op, error) { return Decoder{Pages: DefaultPages}.Decode(b) }

// Decode returns the ops of b. Unknown commands come back as OpUnknown and
// a command cut short ends the ops; the error names the first such problem,
// the ops are everything decoded.
func (d Decoder) Decode(b []byte) ([]Op, error) {
	st := &decoding{d: d, in: b, page: d.page(0)}
	for st.pos < len(st.in) { // a command cut short moves pos to the end
		st.step()
	}
	st.flush(false)
	return st.ops, st.err
}

func (d Decoder) page(n byte) CodePage { return CodePage{Number: n, Map: d.Pages[n]} }

// decoding is the state of one Decode.
type decoding struct {
	d    Decoder
	in   []byte
	pos  int
	page CodePage
	text []byte // text of the current line not yet emitted
	qr   string // stored QR data
	qrSz int
	ops  []Op
	err  error
}

func (s *decoding) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// need returns the n bytes after the command byte(s) already read, or false
// (and ErrTruncated) when the job ends first.
func (s *decoding) need(n int) ([]byte, bool) {
	if s.pos+n > len(s.in) {
		s.fail(fmt.Errorf("%w at byte %d", ErrTruncated, s.pos))
		s.pos = len(s.in)
		return nil, false
	}
	b := s.in[s.pos : s.pos+n]
	s.pos += n
	return b, true
}

func (s *decoding) emit(o Op) {
	s.flush(false)
	s.ops = append(s.ops, o)
}

// flush emits the pending text.
func (s *decoding) flush(nl bool) {
	if len(s.text) == 0 && !nl {
		return
	}
	s.ops = append(s.ops, Op{Kind: OpText, Text: s.page.Decode(s.text), NL: nl})
	s.text = s.text[:0]
}

func (s *decoding) unknown(b ...byte) {
	s.emit(Op{Kind: OpUnknown, Data: append([]byte(nil), b...)})
	s.fail(fmt.Errorf("%w % x at byte %d", ErrUnknown, b, s.pos-len(b)))
}

func (s *decoding) step() {
	c := s.in[s.pos]
	s.pos++
	switch {
	case c == lf:
		s.flush(true)
	case c == '\r':
	case c == esc:
		s.escape()
	case c == gs:
		s.group()
	case c == dle:
		s.realtime()
	case c < 0x20 || c == 0x7F:
		s.unknown(c)
	default:
		s.text = append(s.text, c)
	}
}

// escape decodes ESC commands.
func (s *decoding) escape() {
	cmd, ok := s.need(1)
	if !ok {
		return
	}
	switch cmd[0] {
	case '@':
		s.emit(Op{Kind: OpInit})
		s.page = s.d.page(0)
	case 't':
		if a, ok := s.need(1); ok {
			s.emit(Op{Kind: OpCodePage, Arg: int(a[0])})
			s.page = s.d.page(a[0])
		}
	case 'E':
		if a, ok := s.need(1); ok {
			s.emit(Op{Kind: OpBold, Arg: int(a[0] & 1)})
		}
	case 'a':
		if a, ok := s.need(1); ok {
			s.emit(Op{Kind: OpAlign, Arg: int(a[0] % 48 % 3)})
		}
	case 'd':
		if a, ok := s.need(1); ok {
			s.emit(Op{Kind: OpFeed, Arg: int(a[0])})
		}
	case 'p':
		if a, ok := s.need(3); ok {
			s.emit(Op{Kind: OpDrawer, Arg: int(a[0] % 48)})
		}
	default:
		s.unknown(esc, cmd[0])
	}
}

// group decodes GS commands.
func (s *decoding) group() {
	cmd, ok := s.need(1)
	if !ok {
		return
	}
	switch cmd[0] {
	case '!':
		if a, ok := s.need(1); ok {
			s.emit(Op{Kind: OpSize, W: int(a[0]>>4) + 1, H: int(a[0]&7) + 1})
		}
	case 'B':
		if a, ok := s.need(1); ok {
			s.emit(Op{Kind: OpReverse, Arg: int(a[0] & 1)})
		}
	case 'V':
		s.cut()
	case '(':
		s.function()
	default:
		s.unknown(gs, cmd[0])
	}
}

// cut decodes GS V m [n].
func (s *decoding) cut() {
	m, ok := s.need(1)
	if !ok {
		return
	}
	switch m[0] {
	case 0, 48:
		s.emit(Op{Kind: OpCut, Arg: 0})
	case 1, 49:
		s.emit(Op{Kind: OpCut, Arg: 1})
	case 65, 66, 97, 98, 103, 104:
		if _, ok := s.need(1); ok {
			s.emit(Op{Kind: OpCut, Arg: int(m[0]+1) % 2})
		}
	default:
		s.unknown(gs, 'V', m[0])
	}
}

// function decodes GS ( fn pL pH data; only k (symbols) with cn 49 (QR).
func (s *decoding) function() {
	h, ok := s.need(3)
	if !ok {
		return
	}
	fn, n := h[0], int(h[1])|int(h[2])<<8
	data, ok := s.need(n)
	if !ok {
		return
	}
	if fn != 'k' || n < 2 || data[0] != 49 {
		s.unknown(append([]byte{gs, '(', fn, h[1], h[2]}, data...)...)
		return
	}
	switch args := data[2:]; data[1] {
	case qrModel, qrLevel:
	case qrSize:
		if len(args) > 0 {
			s.qrSz = int(args[0])
		}
	case qrStore:
		if len(args) > 0 {
			s.qr = string(args[1:])
		}
	case qrPrint:
		s.emit(Op{Kind: OpQR, Text: s.qr, Arg: s.qrSz})
	default:
		s.unknown(append([]byte{gs, '(', fn, h[1], h[2]}, data...)...)
	}
}

// realtime decodes DLE EOT n (other DLE commands are unknown).
func (s *decoding) realtime() {
	a, ok := s.need(2)
	if !ok {
		return
	}
	if a[0] != eot {
		s.unknown(dle, a[0], a[1])
		return
	}
	s.emit(Op{Kind: OpStatus, Arg: int(a[1])})
}
