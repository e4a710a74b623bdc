package escpos

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecode: any bytes decode without a panic; an encoder's job decodes
// without an error.
func FuzzDecode(f *testing.F) {
	e, _ := New(42, CP866(EpsonPC866))
	e.Init().Bold(true).Line("Итого").Size(2, 2).Columns("a", "b").Feed(2).Cut()
	e.QR("R-1", 4)
	f.Add(e.Bytes())
	f.Add([]byte("\x1d(k\xff\xff1P0"))
	f.Add([]byte("\x10\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ops, err := Decode(b)
		if err == nil {
			for _, o := range ops {
				if o.Kind == OpUnknown {
					t.Fatalf("unknown op without an error: %v", o)
				}
			}
		}
		_ = Transcript(ops)
		_ = Lines(ops)
	})
}

// FuzzText: any text prints as one decoded character per character of its
// NFC form (a missing one as '?' or a look-alike), none dropped, none a
// command.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "Спасибо!", "DEMO — café", "a\x1bd\x05", "日本語", "и\u0306"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		e, _ := New(48, CP866(EpsonPC866))
		e.Init().Line(s)
		ops, err := Decode(e.Bytes())
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		got := strings.Join(Lines(ops), "\n")
		for _, o := range ops {
			if o.Kind != OpText && o.Kind != OpInit && o.Kind != OpCodePage {
				t.Fatalf("text became a command: %v", o)
			}
		}
		if e.Replaced() > 0 && !strings.ContainsRune(got, Replacement) {
			t.Fatalf("replaced %d but no %q in %q", e.Replaced(), Replacement, got)
		}
	})
}

// FuzzParseStatus: any reply parses or fails without a panic; a parsed one
// encodes back to a reply that parses the same.
func FuzzParseStatus(f *testing.F) {
	f.Add([]byte{0x12, 0x12, 0x12, 0x12})
	f.Add([]byte{0x1A, 0x32, 0x12, 0x7E})
	f.Add([]byte{0x11, 0x12, 0x13})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseStatus(b)
		if err != nil {
			return
		}
		again, err := ParseStatus(StatusReply(s))
		if err != nil || again.Ready() != s.Ready() || again.PaperOut != s.PaperOut || again.CoverOpen != s.CoverOpen {
			t.Fatalf("%+v -> %+v, %v", s, again, err)
		}
	})
}
