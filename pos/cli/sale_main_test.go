package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"kassa/pos"
)

// saleAsKassaEnv makes the test binary act as the kassa CLI (cli.Run with its
// arguments) instead of running tests. Tests re-exec themselves with it to
// run `kassa sale`, `kassa recover`... as separate processes without
// building the GUI.
const saleAsKassaEnv = "KASSA_TEST_AS_KASSA"

func TestMain(m *testing.M) {
	if os.Getenv(saleAsKassaEnv) == "1" {
		// Test-only: SIGKILL at the named point of the payment lifecycle.
		if point := os.Getenv("KASSA_TEST_CRASHPOINT"); point != "" {
			pos.SetCrashHook(func(at string) {
				if at == point {
					if p, err := os.FindProcess(os.Getpid()); err == nil {
						_ = p.Kill() // SIGKILL on unix
					}
					select {} // never continue past the point
				}
			})
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
