package pos

import "testing"

// FuzzSchemeOf: any masked PAN and scheme name give one of the report's
// schemes, never a panic; a VISA BIN stays VISA whatever the name says.
func FuzzSchemeOf(f *testing.F) {
	for _, s := range [][2]string{{"411111******1111", ""}, {"220000******0004", "MIR"}, {"", "Mastercard"},
		{"5", "visa"}, {"22210", ""}, {"****", "МИР"}, {"4000 00** **** 0002", ""}, {"X", "X"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pan, scheme string) {
		s := SchemeOf(pan, scheme)
		if s >= schemeCount {
			t.Fatalf("SchemeOf(%q, %q) = %d", pan, scheme, s)
		}
		if len(pan) >= 6 && pan[0] == '4' && s != SchemeVisa && !containsAny(pan[:6], "*X ") {
			t.Fatalf("SchemeOf(%q, %q) = %s, a VISA BIN", pan, scheme, s)
		}
	})
}

func containsAny(s, chars string) bool {
	for _, c := range s {
		for _, d := range chars {
			if c == d {
				return true
			}
		}
	}
	return false
}
