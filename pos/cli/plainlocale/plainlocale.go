// Package plainlocale keeps the GUI toolkit quiet about a "C.UTF-8" locale
// in every command, headless ones included.
//
// Fyne's translations package reads the locale in its package init and
// logs "Fyne error: Error parsing user locale C" to stderr for C or POSIX
// with a codeset (C.UTF-8, the usual locale under cron, systemd and CI):
// that line reached the output of every headless command, before main
// runs. This package's init runs before Fyne's (Go initialises packages in
// import-path order once their imports are done; it imports only os, and
// Fyne's package needs log, which sorts after this package's path) and
// gives Fyne the plain "C" it understands. main calls Restore first thing,
// so the rest of the program and its children see the locale unchanged.
package plainlocale

import "os"

// saved is the variable changed by init and its value ("" name: none).
var saved struct{ name, value string }

func init() {
	for _, name := range [...]string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		if plain := plainC(v); plain != "" {
			saved.name, saved.value = name, v
			_ = os.Setenv(name, plain)
		}
		return
	}
}

// plainC is "C" or "POSIX" for that locale with a codeset or modifier
// ("C.UTF-8", "POSIX@euro"), else "".
func plainC(v string) string {
	for _, base := range [...]string{"C", "POSIX"} {
		if len(v) > len(base) && v[:len(base)] == base && (v[len(base)] == '.' || v[len(base)] == '@') {
			return base
		}
	}
	return ""
}

// Restore puts back the locale variable init changed, if any.
func Restore() {
	if saved.name != "" {
		_ = os.Setenv(saved.name, saved.value)
		saved.name = ""
	}
}
