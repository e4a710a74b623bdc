package escpos

import (
	"errors"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

func TestParseWidth(t *testing.T) {
	for in, want := range map[string]int{"": 42, " 32 ": 32, "42": 42, "48": 48} {
		if got, err := ParseWidth(in); err != nil || got != want {
			t.Errorf("ParseWidth(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"40", "0", "-42", "42px", "80mm"} {
		if _, err := ParseWidth(in); !errors.Is(err, ErrSetting) {
			t.Errorf("ParseWidth(%q): %v, want ErrSetting", in, err)
		}
	}
}

func TestParseCodePage(t *testing.T) {
	for in, want := range map[string]CodePage{"": CP866(17), "17": CP866(17), " 59": CP866(59),
		"0": {Number: 0, Map: charmap.CodePage437}} {
		if got, err := ParseCodePage(in); err != nil || got != want {
			t.Errorf("ParseCodePage(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"256", "-1", "cp866", "17a"} {
		if _, err := ParseCodePage(in); !errors.Is(err, ErrSetting) {
			t.Errorf("ParseCodePage(%q): %v, want ErrSetting", in, err)
		}
	}
	// Page 0 prints Latin from PC437 and Cyrillic as '?'.
	e, _ := New(32, CodePage{Number: 0, Map: charmap.CodePage437})
	e.Init().Line("Çа")
	if l := Lines(decode(t, e.Bytes())); l[0] != "Ç?" || e.Replaced() != 1 {
		t.Errorf("lines %q replaced %d", l, e.Replaced())
	}
}

func FuzzParseSettings(f *testing.F) {
	for _, s := range []string{"", "17", "42", "0", "255", "256", "-1", "4 2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if w, err := ParseWidth(s); err == nil && !ValidWidth(w) {
			t.Fatalf("ParseWidth(%q) = %d", s, w)
		}
		if cp, err := ParseCodePage(s); err == nil && cp.Map == nil {
			t.Fatalf("ParseCodePage(%q) has no table", s)
		}
	})
}
