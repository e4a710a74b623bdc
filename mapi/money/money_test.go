package money

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, cur string
		want    int64
		err     error
	}{
		{"10.42", "RUB", 1042, nil},
		{"10.4", "RUB", 1040, nil},
		{"10", "RUB", 1000, nil},
		{"0.01", "RUB", 1, nil},
		{"1000", "JPY", 1000, nil},
		{"1.234", "KWD", 1234, nil},
		{"10.421", "RUB", 0, ErrDecimals},
		{"10.5", "JPY", 0, ErrDecimals},
		{"-1.00", "RUB", 0, ErrFormat},
		{"+1.00", "RUB", 0, ErrFormat},
		{"1e3", "RUB", 0, ErrFormat},
		{"010.00", "RUB", 0, ErrFormat},
		{"0", "RUB", 0, ErrZero},
		{"0.00", "RUB", 0, ErrZero},
		{"", "RUB", 0, ErrFormat},
		{".5", "RUB", 0, ErrFormat},
		{"5.", "RUB", 0, ErrFormat},
		{"1,00", "RUB", 0, ErrFormat},
		{" 1.00", "RUB", 0, ErrFormat},
		{"1.00", "ZZZ", 0, ErrCurrency},
		{"1.00", "rub", 0, ErrCurrency},
		{"99999999999999999999", "RUB", 0, ErrRange},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, tt.cur)
		if !errors.Is(err, tt.err) {
			t.Errorf("Parse(%q, %s) error = %v, want %v", tt.in, tt.cur, err, tt.err)
			continue
		}
		if err == nil && (got.Minor != tt.want || got.Currency != tt.cur) {
			t.Errorf("Parse(%q, %s) = %+v, want %d", tt.in, tt.cur, got, tt.want)
		}
	}
}

func TestMajor(t *testing.T) {
	tests := []struct {
		a    Amount
		want string
	}{
		{Amount{1042, "RUB"}, "10.42"},
		{Amount{1050, "RUB"}, "10.50"},
		{Amount{5, "RUB"}, "0.05"},
		{Amount{1000, "JPY"}, "1000"},
		{Amount{1234, "KWD"}, "1.234"},
		{Amount{-150, "RUB"}, "-1.50"},
	}
	for _, tt := range tests {
		if got := tt.a.Major(); got != tt.want {
			t.Errorf("%+v.Major() = %q, want %q", tt.a, got, tt.want)
		}
	}
	if got := (Amount{1050, "RUB"}).String(); got != "10.50 RUB" {
		t.Errorf("String() = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"10.42", "0.01", "1000", "010.00", "1e3", "-1", "10.421"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s, "RUB")
		if err != nil {
			return
		}
		if a.Minor <= 0 {
			t.Fatalf("Parse(%q) accepted non-positive %d", s, a.Minor)
		}
		b, err := Parse(a.Major(), "RUB")
		if err != nil || b != a {
			t.Fatalf("round trip of %q: %v %v", s, b, err)
		}
	})
}
