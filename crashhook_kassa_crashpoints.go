//go:build kassa_crashpoints

package main

import (
	"os"
	"syscall"

	"kassa/pos"
)

// A kassa built with -tags kassa_crashpoints (only by the reliability suite,
// `make reliability`; never a release) kills itself with SIGKILL at the
// crash point KASSA_TEST_CRASHPOINT names (pos.CrashPoints,
// pos.CloseDayCrashPoints): the suite's kill -9 tests run the real binary.
func init() {
	point := os.Getenv("KASSA_TEST_CRASHPOINT")
	if point == "" {
		return
	}
	pos.SetCrashHook(func(at string) {
		if at == point {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	})
}
