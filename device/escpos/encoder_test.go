package escpos

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func newEnc(t *testing.T, width int) *Encoder {
	t.Helper()
	e, err := New(width, CP866(EpsonPC866))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func decode(t *testing.T, b []byte) []Op {
	t.Helper()
	ops, err := Decode(b)
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, Transcript(ops))
	}
	return ops
}

func TestNewRejectsOddWidths(t *testing.T) {
	for _, w := range []int{0, 31, 40, 80} {
		if _, err := New(w, ASCII); !errors.Is(err, ErrWidth) {
			t.Errorf("width %d: %v, want ErrWidth", w, err)
		}
	}
	for _, w := range []int{32, 42, 48} {
		if _, err := New(w, ASCII); err != nil {
			t.Errorf("width %d: %v", w, err)
		}
	}
}

func TestCommandBytes(t *testing.T) {
	e := newEnc(t, 42)
	e.Init().Bold(true).Size(2, 2).Align(Center).Bold(false).Size(1, 1).Align(Left).Reverse(true).Reverse(false).Feed(3).Cut()
	e.Bold(false).Align(Left).Size(1, 1).Reverse(false) // no change: nothing sent
	want := []byte{0x1B, '@', 0x1B, 't', 17, 0x1B, 'E', 1, 0x1D, '!', 0x11, 0x1B, 'a', 1,
		0x1B, 'E', 0, 0x1D, '!', 0, 0x1B, 'a', 0, 0x1D, 'B', 1, 0x1D, 'B', 0, 0x1B, 'd', 3, 0x1D, 'V', 66, 0}
	if !bytes.Equal(e.Bytes(), want) {
		t.Fatalf("bytes\n% x\nwant\n% x", e.Bytes(), want)
	}
	got := strings.Fields(strings.NewReplacer("[", "", "]", "").Replace(strings.ReplaceAll(Transcript(decode(t, e.Bytes())), " ", "_")))
	if want := []string{"init", "codepage_17", "bold_on", "size_2x2", "align_center", "bold_off", "size_1x1",
		"align_left", "reverse_on", "reverse_off", "feed_3", "cut"}; !slices.Equal(got, want) {
		t.Errorf("decoded %v, want %v", got, want)
	}
}

func TestModesBeforeInitAreSent(t *testing.T) {
	e := newEnc(t, 32)
	e.Bold(false).Align(Left).Size(1, 1).Reverse(false)
	want := []byte{0x1B, 'E', 0, 0x1B, 'a', 0, 0x1D, '!', 0, 0x1D, 'B', 0}
	if !bytes.Equal(e.Bytes(), want) {
		t.Errorf("% x, want % x", e.Bytes(), want)
	}
}

func TestCyrillicThroughCP866(t *testing.T) {
	e := newEnc(t, 32)
	e.Init().Line("Спасибо за покупку! Ёлка №5")
	// CP866: С=0x91 п=0xAF а=0xA0 Ё=0xF0 №=0xFC.
	if b := e.Bytes(); !bytes.Contains(b, []byte{0x91, 0xAF, 0xA0}) || !bytes.Contains(b, []byte{0xF0}) || !bytes.Contains(b, []byte{0xFC}) {
		t.Errorf("not CP866: % x", b)
	}
	if e.Replaced() != 0 || e.Substituted() != 0 {
		t.Errorf("replaced %d, substituted %d, want 0", e.Replaced(), e.Substituted())
	}
	if got := Lines(decode(t, e.Bytes())); !slices.Equal(got, []string{"Спасибо за покупку! Ёлка №5"}) {
		t.Errorf("lines %q", got)
	}
}

func TestMissingCharactersAreVisibleAndCounted(t *testing.T) {
	e := newEnc(t, 42)
	e.Init().Line("DEMO — café €5 «да» 日本")
	got := Lines(decode(t, e.Bytes()))
	// CP866 has no é, €, 日, 本: '?' each; — and « » print as look-alikes.
	if want := `DEMO - caf? ?5 "да" ??`; len(got) != 1 || got[0] != want {
		t.Errorf("lines %q, want %q", got, want)
	}
	if e.Replaced() != 4 || e.Substituted() != 3 {
		t.Errorf("replaced %d substituted %d, want 4 and 3", e.Replaced(), e.Substituted())
	}
}

func TestASCIIPageReplacesCyrillic(t *testing.T) {
	e, _ := New(32, ASCII)
	e.Line("Итог 5")
	if got := Lines(decode(t, e.Bytes())); got[0] != "???? 5" || e.Replaced() != 4 {
		t.Errorf("lines %q replaced %d", got, e.Replaced())
	}
}

func TestCombiningCharactersAreComposed(t *testing.T) {
	e := newEnc(t, 32)
	e.Init().Line("и\u0306од") // й written as и + combining breve
	if got := Lines(decode(t, e.Bytes())); got[0] != "йод" || e.Replaced() != 0 {
		t.Errorf("lines %q replaced %d", got, e.Replaced())
	}
}

func TestTextCannotBecomeACommand(t *testing.T) {
	e := newEnc(t, 42)
	e.Line("a\x1bd\x05\x1dV\x00b\nc\x10\x04\x01")
	ops := decode(t, e.Bytes())
	if len(ops) != 1 || ops[0].Kind != OpText {
		t.Fatalf("ops %s", Transcript(ops))
	}
	if ops[0].Text != "a d  V b c" {
		t.Errorf("text %q", ops[0].Text)
	}
}

func TestColumns(t *testing.T) {
	for _, width := range []int{32, 42, 48} {
		e := newEnc(t, width)
		e.Init().Columns("Карта", "401234****8909")
		e.Columns("Номер заказа", "0f8fad5b-d9cb-469f-a165-70867728950e")
		lines := Lines(decode(t, e.Bytes()))
		if l := lines[0]; utf8.RuneCountInString(l) != width || !strings.HasPrefix(l, "Карта ") || !strings.HasSuffix(l, " 401234****8909") {
			t.Errorf("%d: line %q", width, l)
		}
		if lines[1] != "Номер заказа" {
			t.Errorf("%d: a long value puts its label alone first: %q", width, lines[1])
		}
		for _, l := range lines[2:] {
			if utf8.RuneCountInString(l) != width || l[0] != ' ' {
				t.Errorf("%d: value lines are right-aligned: %q", width, l)
			}
		}
		if strings.Join(strings.Fields(strings.Join(lines[2:], " ")), "") != "0f8fad5b-d9cb-469f-a165-70867728950e" {
			t.Errorf("%d: value lost: %q", width, lines[2:])
		}
		e = newEnc(t, width)
		e.Init().Size(2, 1).Columns("ИТОГО", "1 234.50 RUB").Rule('=').Size(1, 1).Rule('-')
		dl := Lines(decode(t, e.Bytes()))
		for i, l := range dl {
			n, half := utf8.RuneCountInString(l), width/2
			if i < len(dl)-1 && (n > half || strings.HasPrefix(l, "=") && n != half) || i == len(dl)-1 && n != width {
				t.Errorf("%d: line %d has %d characters: %q", width, i, n, l)
			}
		}
	}
}

func TestLineWrapsByWords(t *testing.T) {
	e := newEnc(t, 32)
	e.Init().Line("Не платите повторно: результат проверяется в банке сейчас")
	e.Line("   keeps   inner   spaces")
	lines := Lines(decode(t, e.Bytes()))
	want := []string{"Не платите повторно: результат", "проверяется в банке сейчас", "   keeps   inner   spaces"}
	if !slices.Equal(lines, want) {
		t.Errorf("lines %q, want %q", lines, want)
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		text  string
		width int
		want  []string
	}{
		{"", 10, nil},
		{"one two three", 7, []string{"one two", "three"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"a  b\tc", 10, []string{"a b c"}},
		{"слово другое", 6, []string{"слово", "другое"}},
	}
	for _, tt := range tests {
		if got := Wrap(tt.text, tt.width); !slices.Equal(got, tt.want) {
			t.Errorf("Wrap(%q, %d) = %q, want %q", tt.text, tt.width, got, tt.want)
		}
	}
}

func TestRule(t *testing.T) {
	e := newEnc(t, 48)
	if l := Lines(decode(t, e.Rule('-').Bytes())); l[0] != strings.Repeat("-", 48) {
		t.Errorf("rule %q", l)
	}
}

func TestQR(t *testing.T) {
	e := newEnc(t, 42)
	if err := e.QR("R-4242", 6); err != nil {
		t.Fatal(err)
	}
	want := []byte{0x1D, '(', 'k', 4, 0, 49, 65, 50, 0, 0x1D, '(', 'k', 3, 0, 49, 67, 6,
		0x1D, '(', 'k', 3, 0, 49, 69, 49, 0x1D, '(', 'k', 9, 0, 49, 80, 48, 'R', '-', '4', '2', '4', '2',
		0x1D, '(', 'k', 3, 0, 49, 81, 48}
	if !bytes.Equal(e.Bytes(), want) {
		t.Fatalf("bytes\n% x\nwant\n% x", e.Bytes(), want)
	}
	ops := decode(t, e.Bytes())
	if len(ops) != 1 || ops[0].String() != "qr R-4242" || ops[0].Arg != 6 {
		t.Errorf("ops %s", Transcript(ops))
	}
	if err := e.QR("", 6); !errors.Is(err, ErrQR) {
		t.Errorf("empty QR: %v", err)
	}
	if err := e.QR(strings.Repeat("x", MaxQR+1), 6); !errors.Is(err, ErrQR) {
		t.Errorf("long QR: %v", err)
	}
	long := strings.Repeat("0123456789", 30) // pL pH over 255
	if err := e.QR(long, 4); err != nil {
		t.Fatal(err)
	}
	if ops := decode(t, e.Bytes()); ops[len(ops)-1].Text != long {
		t.Errorf("long QR data lost")
	}
}
