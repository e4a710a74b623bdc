package reliability

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/zalando/go-keyring"

	"kassa/pos"
	"kassa/pos/cli"
	"kassa/ui/words"
)

// asKassaEnv makes the test binary act as the kassa command (cli.Run with
// the English words, as main does for a headless command) instead of
// running tests: the crash tests re-exec it and kill it with SIGKILL.
const asKassaEnv = "KASSA_TEST_AS_KASSA"

func TestMain(m *testing.M) {
	if os.Getenv(asKassaEnv) == "1" {
		os.Exit(runAsKassa())
	}
	dir, err := os.MkdirTemp("", "kassa-reliability")
	if err != nil {
		panic(err)
	}
	keyring.MockInit()
	os.Setenv("XDG_CONFIG_HOME", dir)
	os.Setenv("HOME", dir)
	for _, kv := range os.Environ() {
		if k, _, _ := cut(kv); len(k) > 6 && k[:6] == "KASSA_" && k != "KASSA_RELIABILITY" && k != "KASSA_RELIABILITY_REPORT" && k != "KASSA_RELIABILITY_BIN" {
			os.Unsetenv(k)
		}
	}
	code := logScanVerdict(m.Run())
	os.RemoveAll(dir)
	os.Exit(code)
}

func cut(kv string) (string, string, bool) {
	for i := range kv {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// runAsKassa is the kassa command with the test-only crash hook: SIGKILL at
// the point KASSA_TEST_CRASHPOINT names.
func runAsKassa() int {
	if point := os.Getenv("KASSA_TEST_CRASHPOINT"); point != "" {
		pos.SetCrashHook(func(at string) {
			if at == point {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		})
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr, cli.WithWords(func(r pos.Reason) (string, string) {
		return words.Reason(words.English, r)
	}))
}
