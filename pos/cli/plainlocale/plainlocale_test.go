package plainlocale

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestPlainC(t *testing.T) {
	for in, want := range map[string]string{
		"C.UTF-8": "C", "C.utf8": "C", "POSIX.UTF-8": "POSIX", "C@euro": "C",
		"C": "", "POSIX": "", "": "", "en_US.UTF-8": "", "ru_RU.UTF-8": "", "Cyrl": "", "CC.UTF-8": "",
	} {
		if got := plainC(in); got != want {
			t.Errorf("plainC(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestInitAndRestore runs the test binary as a child under LANG=C.UTF-8:
// during package initialisation (when Fyne reads the locale) LANG is "C",
// after Restore it is C.UTF-8 again.
func TestInitAndRestore(t *testing.T) {
	if os.Getenv("PLAINLOCALE_CHILD") == "1" {
		got := os.Getenv("LANG") // the value init left
		Restore()
		if got != "C" || os.Getenv("LANG") != "C.UTF-8" {
			t.Fatalf("during init LANG=%q, after Restore %q", got, os.Getenv("LANG"))
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestInitAndRestore$")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LC_ALL=") && !strings.HasPrefix(kv, "LC_MESSAGES=") && !strings.HasPrefix(kv, "LANG=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "PLAINLOCALE_CHILD=1", "LANG=C.UTF-8")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
