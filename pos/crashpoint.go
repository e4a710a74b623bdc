package pos

import (
	"context"
	"net/http/httptrace"
	"os"
)

// crashPoints names the points of the payment lifecycle where the
// crash-recovery tests kill the process. TEST-ONLY: with the environment
// variable KASSA_TEST_CRASHPOINT=name set, the process sends itself SIGKILL
// when it reaches that point. Never set it in production.
//
// The points, in a sale's order: before-card (reader open), before-intent
// (card read), after-intent (intent fsynced, nothing sent), before-request,
// request-written (the whole request is on the wire, no reply read: the
// gateway may have it), after-reply, after-status (a status answer, nothing
// journaled from it), after-accepted (the reply's gateway ids journaled,
// alone or with the final status), after-final (final status journaled).
var crashPoints = []string{
	"before-card", "before-intent", "after-intent", "before-request", "request-written",
	"after-reply", "after-status", "after-accepted", "after-final",
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

// crashTrace returns ctx with an HTTP trace that reaches the crash point
// request-written once a request is written, when that point is chosen.
func crashTrace(ctx context.Context) context.Context {
	if crashAt != "request-written" {
		return ctx
	}
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { crashPoint("request-written") },
	})
}
