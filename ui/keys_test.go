package ui

import (
	"encoding/json"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"testing"

	"kassa/store"
	"kassa/ui/words"
)

var keyRE = regexp.MustCompile(`(?:lang\.[LN]|\btr)\(\s*("(?:[^"\\]|\\.)*")`)

// literalKeys returns the string literals passed to lang.L / lang.N.
func literalKeys(src string) []string {
	var out []string
	for _, m := range keyRE.FindAllStringSubmatch(src, -1) {
		if k, err := strconv.Unquote(m[1]); err == nil {
			out = append(out, k)
		}
	}
	return out
}

// readKeys reads a translation file's keys.
func readKeys(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	keys := map[string]bool{}
	for k := range m {
		keys[k] = true
	}
	return keys
}

func TestLanguageOverride(t *testing.T) {
	for _, tc := range []struct{ env, cfg, want string }{
		{"", "", ""},
		{"", "auto", ""},
		{"", "ru", "ru"},
		{"en", "ru", "en"},        // the environment wins
		{"ru_RU.UTF-8", "", "ru"}, // a locale name works too
		{"system", "ru", "ru"},    // "system"/"auto" in the env: use the config
	} {
		t.Setenv("KASSA_LANG", tc.env)
		if got := languageOverride(tc.cfg); got != tc.want {
			t.Errorf("KASSA_LANG=%q, config %q: %q, want %q", tc.env, tc.cfg, got, tc.want)
		}
	}
}

// TestSystemLanguage: the OS locale picks the screens' language; C, POSIX
// and an unset locale are English.
func TestSystemLanguage(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		t.Log("the locale does not come from the environment here")
		return
	}
	for _, tc := range []struct {
		lang string
		want words.Lang
	}{{"C", words.English}, {"C.UTF-8", words.English}, {"", words.English}, {"POSIX", words.English},
		{"ru_RU.UTF-8", words.Russian}, {"en_GB.UTF-8", words.English}} {
		t.Setenv("LC_ALL", "")
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANGUAGE", "")
		t.Setenv("LANG", tc.lang)
		if got := systemLang(); got != tc.want {
			t.Errorf("LANG=%q: %s, want %s", tc.lang, got, tc.want)
		}
	}
}

// TestDynamicKeysTranslated: the texts the screens translate from values
// (event types, demo faults and cards, close-day fields and statuses) all
// have Russian words.
func TestDynamicKeysTranslated(t *testing.T) {
	h := newHarness(t, tuning{})
	var keys []string
	for _, k := range eventWords {
		keys = append(keys, k)
	}
	for _, k := range faultWords {
		keys = append(keys, k)
	}
	for _, c := range h.u.demo.ctl.Cards() {
		keys = append(keys, c.Label)
	}
	for _, f := range h.u.demo.ctl.Faults() {
		if _, ok := faultWords[f]; !ok {
			t.Errorf("demo fault %q has no words", f)
		}
	}
	keys = append(keys, "sale count", "sale sum", "reversal count", "reversal sum", "missing",
		store.BatchFinished, store.BatchProcessing, store.BatchError, store.BatchPending)
	for _, k := range keys {
		if !words.Has(k, words.Russian) {
			t.Errorf("%q has no Russian words", k)
		}
	}
}
