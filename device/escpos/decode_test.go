package escpos

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error
		ops  string
	}{
		{"truncated ESC", []byte("ab\x1b"), ErrTruncated, "ab [no line feed]\n"},
		{"truncated ESC t", []byte("\x1bt"), ErrTruncated, ""},
		{"truncated QR", []byte("\x1d(k\x09\x001P0ab"), ErrTruncated, ""},
		{"unknown ESC", []byte("\x1bZ x\n"), ErrUnknown, "[unknown 1b 5a]\n x\n"},
		{"unknown control", []byte{0x07, 'a', '\n'}, ErrUnknown, "[unknown 07]\na\n"},
		{"other symbol", []byte("\x1d(k\x03\x000A0"), ErrUnknown, "[unknown 1d 28 6b 03 00 30 41 30]\n"},
		{"other DLE", []byte("\x10\x14\x01"), ErrUnknown, "[unknown 10 14 01]\n"},
	}
	for _, tt := range tests {
		ops, err := Decode(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
		if got := Transcript(ops); got != tt.ops {
			t.Errorf("%s: transcript %q, want %q", tt.name, got, tt.ops)
		}
	}
}

func TestDecodeOtherCommands(t *testing.T) {
	in := []byte("\x1bp\x00\x32\xfa\x1dV\x00\x1dV\x31\x1dVA\x03\x10\x04\x04a\r\n")
	got := Transcript(decode(t, in))
	want := "[drawer 0]\n[full cut]\n[cut]\n[full cut]\n[status 4]\na\n"
	if got != want {
		t.Errorf("transcript %q, want %q", got, want)
	}
}

func TestDecoderPageNumbers(t *testing.T) {
	e, _ := New(32, CP866(59))
	e.Init().Line("Привет")
	d := Decoder{Pages: map[byte]*charmap.Charmap{59: charmap.CodePage866}}
	ops, err := d.Decode(e.Bytes())
	if err != nil || !slices.Equal(Lines(ops), []string{"Привет"}) {
		t.Errorf("lines %q err %v", Lines(ops), err)
	}
	// Read with the default table for 59 (none), the text is not Cyrillic.
	if l := Lines(decode(t, e.Bytes())); strings.Contains(l[0], "П") {
		t.Errorf("page 59 decoded as CP866 without being told: %q", l)
	}
}

func TestInitResetsThePage(t *testing.T) {
	e := newEnc(t, 32)
	e.Init().Line("Да")
	b := append(e.Bytes(), 0x1B, '@', 0x85, 0x0A) // 0x85 is Е in CP866, à in CP437
	if l := Lines(decode(t, b)); !slices.Equal(l, []string{"Да", "à"}) {
		t.Errorf("lines %q", l)
	}
}
