package ui

import (
	"os"
	"runtime"
	"strings"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"kassa/ui/words"
)

// translations are Kassa's words (ui/words), loaded into Fyne too so that
// its own dialogs follow the same language.
var translations = words.FS

// uiLang is the language the screens speak (set by setupLanguage).
var uiLang atomic.Value // words.Lang

// current is the screens' language.
func current() words.Lang {
	if l, ok := uiLang.Load().(words.Lang); ok {
		return l
	}
	return words.English
}

// tr gives a translation key (the English text) in the screens' language.
func tr(key string) string { return words.Key(key, current()) }

// langLoaded: setupLanguage ran (Main runs it before the app exists; New
// runs it for apps made elsewhere, e.g. tests).
var langLoaded atomic.Bool

// languageOverride returns the language Kassa should use instead of the OS
// locale: env KASSA_LANG first, then the config's Language; "" or "auto"
// means follow the OS.
func languageOverride(configured string) string {
	for _, v := range []string{os.Getenv("KASSA_LANG"), configured} {
		v = strings.ToLower(strings.TrimSpace(v))
		if v != "" && v != "auto" && v != "system" {
			// "ru_RU.UTF-8" -> "ru"
			if i := strings.IndexAny(v, "_-."); i > 0 {
				v = v[:i]
			}
			return v
		}
	}
	return ""
}

// setupLanguage loads Kassa's translations (en, ru) into Fyne's translation
// support, chosen by the OS locale unless override names a language.
//
// Fyne picks the language from the OS locale whenever translations are
// added. On Linux and the BSDs the locale comes from the environment, so an
// override sets LC_ALL/LANGUAGE for the moment the translations load; that
// also switches Fyne's own dialog texts. Elsewhere (Windows, macOS) the
// override is applied by registering the chosen language's texts under the
// OS locale's tag as well.
func setupLanguage(override string) {
	langLoaded.Store(true)
	if override != "" {
		uiLang.Store(words.ParseLang(override))
	} else {
		uiLang.Store(systemLang())
	}
	if override == "" {
		if runtime.GOOS != "windows" && runtime.GOOS != "darwin" && codesetOfC() {
			// Fyne understands "C" but logs an error for "C.UTF-8": give it
			// the plain name while it picks the language (English either way).
			restore := setEnv(map[string]string{"LC_ALL": "C"})
			defer restore()
		}
		if err := lang.AddTranslationsFS(translations, "translations"); err != nil {
			fyne.LogError("Kassa translations", err)
		}
		return
	}
	if runtime.GOOS != "windows" && runtime.GOOS != "darwin" {
		restore := setEnv(map[string]string{"LC_ALL": override, "LANGUAGE": override})
		defer restore()
		if err := lang.AddTranslationsFS(translations, "translations"); err != nil {
			fyne.LogError("Kassa translations", err)
		}
		return
	}
	if err := lang.AddTranslationsFS(translations, "translations"); err != nil {
		fyne.LogError("Kassa translations", err)
	}
	data, err := translations.ReadFile("translations/" + override + ".json")
	if err != nil {
		fyne.LogError("Kassa: no translation for language "+override, err)
		return
	}
	sys := lang.SystemLocale()
	if sys.LanguageString() != override {
		if err := lang.AddTranslationsForLocale(data, sys); err != nil {
			fyne.LogError("Kassa translations", err)
		}
	}
}

// setEnv sets environment variables and returns a function restoring them.
func setEnv(vars map[string]string) (restore func()) {
	type old struct {
		v  string
		ok bool
	}
	saved := map[string]old{}
	for k, v := range vars {
		ov, ok := os.LookupEnv(k)
		saved[k] = old{ov, ok}
		_ = os.Setenv(k, v)
	}
	return func() {
		for k, o := range saved {
			if o.ok {
				_ = os.Setenv(k, o.v)
			} else {
				_ = os.Unsetenv(k)
			}
		}
	}
}

// codesetOfC reports whether the POSIX locale in force is "C" or "POSIX"
// with a codeset, such as "C.UTF-8" on minimal Debian systems.
func codesetOfC() bool {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(k); v != "" {
			return strings.HasPrefix(v, "C.") || strings.HasPrefix(v, "POSIX.")
		}
	}
	return false
}

// systemLang is the OS locale's language (English for C, POSIX or unset).
func systemLang() words.Lang {
	if runtime.GOOS != "windows" && runtime.GOOS != "darwin" {
		for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"} {
			if v := os.Getenv(k); v != "" {
				return words.ParseLang(v)
			}
		}
		return words.English
	}
	return words.ParseLang(lang.SystemLocale().String())
}
