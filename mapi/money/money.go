// Package money holds amounts of money as integer minor units of an ISO 4217
// currency. Kassa never uses floating point for money.
//
// Currency exponents (how many decimals a currency has) come from the CLDR data
// of golang.org/x/text/currency, a maintained source, never a table of our own.
package money

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/text/currency"
)

// Amount is a sum of money in minor units (kopecks, cents) of Currency.
type Amount struct {
	Minor    int64  // minor units; 10.42 RUB is 1042
	Currency string // ISO 4217 alphabetic code, upper case
}

// Errors returned by Parse and Exponent.
var (
	ErrCurrency = errors.New("unknown currency")
	ErrFormat   = errors.New("malformed amount")
	ErrZero     = errors.New("amount must be greater than zero")
	ErrDecimals = errors.New("too many decimals for the currency")
	ErrRange    = errors.New("amount too large")
)

// maxMinor bounds amounts so that sums of a day's payments cannot overflow.
const maxMinor = 1e15

// Exponent returns the number of decimals of an ISO 4217 currency code
// (RUB 2, JPY 0, KWD 3). The code must be three upper-case letters.
func Exponent(code string) (int, error) {
	if len(code) != 3 || strings.ToUpper(code) != code {
		return 0, fmt.Errorf("%w %q", ErrCurrency, code)
	}
	u, err := currency.ParseISO(code)
	if err != nil {
		return 0, fmt.Errorf("%w %q", ErrCurrency, code)
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale, nil
}

// Parse reads an amount written in major units, as on the gateway's wire and as
// a cashier types it: digits, optionally a '.' and up to the currency's exponent
// decimals ("10", "10.4", "10.42" for RUB). It refuses signs, exponents, leading
// zeros ("010.00"), more decimals than the currency has, zero, and unknown
// currencies.
func Parse(s, code string) (Amount, error) {
	exp, err := Exponent(code)
	if err != nil {
		return Amount{}, err
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || !digits(intPart) || (hasDot && !digits(frac)) || (hasDot && frac == "") {
		return Amount{}, fmt.Errorf("%w %q", ErrFormat, s)
	}
	if len(intPart) > 1 && intPart[0] == '0' {
		return Amount{}, fmt.Errorf("%w %q: leading zero", ErrFormat, s)
	}
	if len(frac) > exp {
		return Amount{}, fmt.Errorf("%w %q: %s has %d", ErrDecimals, s, code, exp)
	}
	if len(intPart) > 15 {
		return Amount{}, fmt.Errorf("%w %q", ErrRange, s)
	}
	frac += strings.Repeat("0", exp-len(frac))
	minor, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil || minor >= maxMinor {
		return Amount{}, fmt.Errorf("%w %q", ErrRange, s)
	}
	if minor == 0 {
		return Amount{}, ErrZero
	}
	return Amount{Minor: minor, Currency: code}, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Major formats the amount in major units with exactly the currency's exponent
// decimals and a '.' ("10.50" RUB, "1000" JPY): the gateway's wire format.
// An unknown currency is formatted with 2 decimals.
func (a Amount) Major() string {
	return FormatMinor(a.Minor, a.Currency)
}

// FormatMinor formats minor units of a currency in major units, as Major does.
func FormatMinor(minor int64, code string) string {
	exp, err := Exponent(code)
	if err != nil {
		exp = 2
	}
	neg := minor < 0
	if neg {
		minor = -minor
	}
	s := strconv.FormatInt(minor, 10)
	if exp > 0 {
		if len(s) <= exp {
			s = strings.Repeat("0", exp-len(s)+1) + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// String formats the amount for people and logs: "10.50 RUB".
func (a Amount) String() string {
	return a.Major() + " " + a.Currency
}

// IsZero reports whether the amount is the zero value.
func (a Amount) IsZero() bool { return a.Minor == 0 }
