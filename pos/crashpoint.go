package pos

import (
	"context"
	"net/http/httptrace"
	"sync/atomic"
)

// crashPoints names the points of the payment lifecycle where the
// crash-recovery tests kill the process (SetCrashHook).
//
// The points, in a sale's order: before-card (reader open), before-intent
// (card read), after-intent (intent fsynced, nothing sent), before-request,
// request-written (the whole request is on the wire, no reply read: the
// gateway may have it), after-reply, after-status (a status answer, nothing
// journaled from it), after-accepted (the reply's gateway ids journaled,
// alone or with the final status), after-final (final status journaled).
//
// A capture, release or refund's (issue 11; ChildCrashPoints):
// child-after-begin (the child fsynced, nothing sent), child-before-request,
// child-request-written, child-after-reply, child-after-accepted (its
// serial number journaled), child-after-status (a status answer, nothing
// journaled from it), child-after-final.
var crashPoints = []string{
	"before-card", "before-intent", "after-intent", "before-request", "request-written",
	"after-reply", "after-status", "after-accepted", "after-final",
}

var childCrashPoints = []string{
	"child-after-begin", "child-before-request", "child-request-written", "child-after-reply",
	"child-after-accepted", "child-after-status", "child-after-final",
}

// ChildCrashPoints lists the crash points of a capture, release or refund
// (tests).
func ChildCrashPoints() []string { return append([]string(nil), childCrashPoints...) }

// chipCrashPoints are the points only a chip or contactless payment reaches
// (issue 12), in a contact sale's order: chip-after-reply (the sale reply
// read, the card waiting in the reader), emv-stage (the status says the EMV
// stage, before CONTINUE), after-continue (the card answered, nothing
// journaled of it), after-advice-written (the advice journaled, not sent).
var chipCrashPoints = []string{"chip-after-reply", "emv-stage", "after-continue", "after-advice-written"}

// closeDayCrashPoints are close day's points (issue 17), in its order:
// close-after-intent (the request id and totals journaled, nothing sent),
// request-written (as for a sale), close-after-reply (the final reply read,
// nothing journaled from it).
var closeDayCrashPoints = []string{"close-after-intent", "request-written", "close-after-reply"}

// CloseDayCrashPoints lists close day's crash points (tests).
func CloseDayCrashPoints() []string { return append([]string(nil), closeDayCrashPoints...) }

// CrashPoints lists the lifecycle points every payment reaches, where a
// crash hook is called (tests); ChipCrashPoints lists the chip ones.
func CrashPoints() []string { return append([]string(nil), crashPoints...) }

// ChipCrashPoints lists the points only a chip or contactless payment
// reaches (tests).
func ChipCrashPoints() []string { return append([]string(nil), chipCrashPoints...) }

var crashHook atomic.Pointer[func(point string)]

// SetCrashHook makes the engine call fn at every crash point (TEST-ONLY:
// the crash-recovery tests kill the process there). nil removes it.
func SetCrashHook(fn func(point string)) {
	if fn == nil {
		crashHook.Store(nil)
		return
	}
	crashHook.Store(&fn)
}

// crashPoint calls the crash hook, if any, at the named point.
func crashPoint(name string) {
	if h := crashHook.Load(); h != nil {
		(*h)(name)
	}
}

// crashTrace returns ctx with an HTTP trace that reaches the crash point
// request-written once a request is written, when a crash hook is set.
func crashTrace(ctx context.Context) context.Context { return crashTraceAt(ctx, "request-written") }

// crashTraceAt is crashTrace reaching the crash point named point.
func crashTraceAt(ctx context.Context, point string) context.Context {
	if crashHook.Load() == nil {
		return ctx
	}
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { crashPoint(point) },
	})
}
