package emv

// currencies maps ISO 4217 alphabetic codes to their numeric codes (5F2A),
// one line per currency Kassa may meet at a counter.
var currencies = map[string]uint16{
	"RUB": 643, "USD": 840, "EUR": 978, "GBP": 826, "CHF": 756, "CNY": 156,
	"JPY": 392, "KZT": 398, "BYN": 933, "UAH": 980, "AMD": 51, "AZN": 944,
	"GEL": 981, "KGS": 417, "MDL": 498, "TJS": 972, "UZS": 860, "TRY": 949,
	"PLN": 985, "CZK": 203, "SEK": 752, "NOK": 578, "DKK": 208, "HUF": 348,
	"AED": 784, "INR": 356, "KWD": 414, "BHD": 48, "CAD": 124, "AUD": 36,
}

// CurrencyNumeric returns the ISO 4217 numeric code of an alphabetic code
// ("RUB" → 643).
func CurrencyNumeric(alpha string) (uint16, bool) {
	n, ok := currencies[alpha]
	return n, ok
}

// CountryRussia is the simulator's terminal country code 9F1A (0643).
const CountryRussia uint16 = 643
