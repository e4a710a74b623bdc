package pos

import "os"

// crashPoints names the points of the payment lifecycle where the
// crash-recovery tests kill the process. TEST-ONLY: with the environment
// variable KASSA_TEST_CRASHPOINT=name set, the process sends itself SIGKILL
// when it reaches that point. Never set it in production.
var crashPoints = []string{
	"before-card", "before-intent", "after-intent", "after-sent", "before-request",
	"after-reply", "after-accepted", "after-status", "after-final",
}

// CrashPoints lists the lifecycle points KASSA_TEST_CRASHPOINT accepts
// (test-only).
func CrashPoints() []string { return append([]string(nil), crashPoints...) }

var crashAt = os.Getenv("KASSA_TEST_CRASHPOINT")

// crashPoint kills the process at the named point when the test-only
// KASSA_TEST_CRASHPOINT names it.
func crashPoint(name string) {
	if crashAt == "" || crashAt != name {
		return
	}
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		_ = p.Kill() // SIGKILL on unix
	}
	select {} // never continue past the point
}
