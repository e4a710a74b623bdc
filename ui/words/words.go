// Package words is everything Kassa says to a cashier or a manager, in
// English and Russian: the translations (embedded en.json and ru.json), the
// one table from an engine cause to what happened and what to do, and the
// words of stages and statuses.
//
// It makes no Fyne calls: the GUI, the receipts and the headless commands
// all take their words from here (pos/receipt and pos/cli through a value
// handed in, as they must not import ui).
package words

import (
	"embed"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
)

// Lang is a language Kassa speaks.
type Lang string

// The languages Kassa speaks.
const (
	English Lang = "en"
	Russian Lang = "ru"
)

// Langs lists every language, English first.
func Langs() []Lang { return []Lang{English, Russian} }

// FS holds the translation files, translations/<lang>.json: English keys to
// the language's words (Fyne's format, so the GUI loads the same files).
//
//go:embed translations
var FS embed.FS

// ParseLang turns a language or locale name ("ru", "ru_RU.UTF-8", "en-GB")
// into a Lang; anything Kassa does not speak is English.
func ParseLang(s string) Lang {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "_-.@"); i > 0 {
		s = s[:i]
	}
	if Lang(s) == Russian {
		return Russian
	}
	return English
}

var (
	loadOnce sync.Once
	tables   map[Lang]map[string]string            // plain texts
	plurals  map[Lang]map[string]map[string]string // key → CLDR form (one, few, many, other) → text
)

// load reads the embedded translation files once.
func load() {
	tables = map[Lang]map[string]string{}
	plurals = map[Lang]map[string]map[string]string{}
	for _, l := range Langs() {
		b, err := FS.ReadFile("translations/" + string(l) + ".json")
		if err != nil {
			panic("words: " + err.Error()) // embedded: cannot happen
		}
		raw := map[string]json.RawMessage{}
		if err := json.Unmarshal(b, &raw); err != nil {
			panic("words: translations/" + string(l) + ".json: " + err.Error())
		}
		tables[l], plurals[l] = map[string]string{}, map[string]map[string]string{}
		for k, v := range raw {
			var text string
			if json.Unmarshal(v, &text) == nil {
				tables[l][k] = text
				continue
			}
			forms := map[string]string{}
			if err := json.Unmarshal(v, &forms); err != nil {
				panic("words: translations/" + string(l) + ".json: " + k + ": " + err.Error())
			}
			plurals[l][k] = forms
		}
	}
}

// Key returns the words for a translation key (the English text) in a
// language; a key without a translation comes back as it is.
func Key(key string, l Lang) string {
	t, _ := lookup(key, l)
	return t
}

// Has reports whether a language has words for a key.
func Has(key string, l Lang) bool {
	_, ok := lookup(key, l)
	return ok
}

func lookup(key string, l Lang) (string, bool) {
	loadOnce.Do(load)
	if key == "" {
		return "", true
	}
	if t, ok := tables[l][key]; ok && t != "" {
		return t, true
	}
	return key, false
}

// Text gives a receipt's or Z report's English text in the language: with
// Number, Lang is a receipt.Words, so receipts print in the terminal's
// language. A key "receipt: <text>" wins over the plain one where the
// printed word differs from the screen's (SALE on a receipt is ПРОДАЖА,
// on the checkout's button ОПЛАТА).
func (l Lang) Text(english string) string {
	if t, ok := lookup("receipt: "+english, l); ok {
		return t
	}
	return Key(english, l)
}

// Number writes a formatted number ("1 234.50") with the language's
// decimal mark: Russian writes "1 234,50".
func (l Lang) Number(formatted string) string {
	if l == Russian {
		return strings.Replace(formatted, ".", ",", 1)
	}
	return formatted
}

// Count returns a plural key's words for n ("{{.Count}} payments" → "3
// платежа"), the form chosen by the language's plural rule.
func Count(key string, n int, l Lang) string {
	loadOnce.Do(load)
	forms := plurals[l][key]
	t := forms[pluralForm(l, n)]
	if t == "" {
		t = forms["other"]
	}
	if t == "" {
		t = key
	}
	return strings.ReplaceAll(t, "{{.Count}}", strconv.Itoa(n))
}

// pluralForm is the CLDR plural category of n in a language.
func pluralForm(l Lang, n int) string {
	if n < 0 {
		n = -n
	}
	if l != Russian {
		if n == 1 {
			return "one"
		}
		return "other"
	}
	switch d, dd := n%10, n%100; {
	case d == 1 && dd != 11:
		return "one"
	case d >= 2 && d <= 4 && (dd < 12 || dd > 14):
		return "few"
	}
	return "many"
}
