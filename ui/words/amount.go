package words

import (
	"strings"

	"kassa/pos"
)

// Amount formats an amount for people, thousands grouped, with the
// language's decimal mark and the currency code: "1 250.00 RUB" in
// English, "1 250,00 RUB" in Russian. A zero Amount (no currency) is "".
func Amount(l Lang, a pos.Amount) string {
	if a.Currency == "" {
		return ""
	}
	return l.Number(Group(a.Major())) + " " + a.Currency
}

// Group puts a space between the thousands of a major-unit amount:
// "1250000.00" → "1 250 000.00".
func Group(major string) string {
	sign := ""
	if strings.HasPrefix(major, "-") {
		sign, major = "-", major[1:]
	}
	intPart, frac, hasFrac := strings.Cut(major, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteRune(' ')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}
