package words

import (
	"strings"
	"unicode"
)

// bankTexts is THE table of the bank texts Kassa knows: the gateway's
// decline and error messages (the sandbox's test cards, MAPI.md §7) and the
// ISO 8583 response codes they come with, to the words' key. A text not
// here is shown as the bank wrote it, quoted, after translated words.
var bankTexts = map[string]string{
	"insufficient funds":               "insufficient funds",
	"51":                               "insufficient funds",
	"invalid card number":              "invalid card number",
	"14":                               "invalid card number",
	"processing error at the acquirer": "processing error at the acquirer",
	"96":                               "processing error at the acquirer",
	"declined by fraud control":        "declined by fraud control",
	"59":                               "declined by fraud control",
	"do not honor":                     "do not honor",
	"do not honour":                    "do not honor",
	"05":                               "do not honor",
	"expired card":                     "expired card",
	"54":                               "expired card",
	"declined by the card":             "declined by the card",
	"sandbox could not store the order; nothing was charged": "the bank could not store the order; nothing was charged",
}

// bankKey normalises a bank text for the table: lower case, trimmed, no
// final period.
func bankKey(s string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
}

// BankText gives the bank's text (a decline reason, an error message) in
// the language: the words when Kassa knows the text, else the text itself
// (quoted when the language is not English, so that a foreign sentence is
// plainly the bank's). An empty text is "".
func BankText(l Lang, message string) string { return bankWords(l, "", message) }

// bankWords is BankText that falls back on the bank's code when the
// message is unknown or missing.
func bankWords(l Lang, code, message string) string {
	if k, ok := bankTexts[bankKey(message)]; ok {
		return Key(k, l)
	}
	if message == "" {
		if k, ok := bankTexts[strings.TrimSpace(code)]; ok {
			return Key(k, l)
		}
		return ""
	}
	if l == English {
		return sentenceTail(message)
	}
	return "«" + strings.TrimSuffix(strings.TrimSpace(message), ".") + "»"
}

// sentenceTail makes a bank text fit after a colon: no final period, a
// lower-case first letter unless it starts an acronym ("Insufficient
// funds" → "insufficient funds", "CVV mismatch" stays).
func sentenceTail(msg string) string {
	msg = strings.TrimSuffix(strings.TrimSpace(msg), ".")
	r := []rune(msg)
	if len(r) > 1 && unicode.IsUpper(r[0]) && !unicode.IsUpper(r[1]) {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}
