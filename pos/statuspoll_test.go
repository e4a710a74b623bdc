package pos

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kassa/mapi"
)

// pollRig is a statusPoll on a bare engine with a short schedule (fast 4 ms
// ± 25% for 30 ms, then 10 ms, giving up after 60 ms) and a check that
// records its sources and answers final when told to.
type pollRig struct {
	e   *Engine
	log *syncBuffer
	fin atomic.Bool
	end chan struct{}

	mu  sync.Mutex
	src []string
}

func newPollRig(t *testing.T) *pollRig {
	ctx, stop := context.WithCancel(context.Background())
	r := &pollRig{log: &syncBuffer{}, end: make(chan struct{})}
	r.e = &Engine{ctx: ctx, stop: stop, log: slog.New(slog.NewTextHandler(r.log, nil)), cfg: Config{PollInterval: 4 * time.Millisecond},
		fastPhase: 30 * time.Millisecond, slowMin: 10 * time.Millisecond, slowMax: 10 * time.Millisecond, giveUp: 60 * time.Millisecond}
	t.Cleanup(func() { stop(); r.e.wg.Wait() })
	return r
}

func (r *pollRig) poll(what string) *statusPoll {
	return &statusPoll{e: r.e, what: what, ids: []any{"id", "p1"}, since: func() time.Time { return time.Time{} },
		final: r.fin.Load, done: r.end, check: r.check}
}

func (r *pollRig) check(_ context.Context, source string) bool {
	r.mu.Lock()
	r.src = append(r.src, source)
	r.mu.Unlock()
	return r.fin.Load()
}

func (r *pollRig) sources() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.src...)
}

// waitDone waits for the poll goroutine to end.
func (r *pollRig) waitDone(t *testing.T, within time.Duration) {
	t.Helper()
	ended := make(chan struct{})
	go func() { r.e.wg.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-time.After(within):
		t.Fatalf("the poll did not end within %v", within)
	}
}

// TestStatusPollChildEndsWithSchedule: without callbacks (a child) the poll
// asks at once, keeps asking on the schedule, gives up after giveUp with a
// warning and ends; it never does anything but ask for the status.
func TestStatusPollChildEndsWithSchedule(t *testing.T) {
	r := newPollRig(t)
	p := r.poll("child")
	p.start(0)
	p.start(0) // once
	r.waitDone(t, 2*time.Second)
	src := r.sources()
	if len(src) < 3 {
		t.Errorf("%d status calls in the schedule's 60 ms, want several (at once, then on the schedule)", len(src))
	}
	for _, s := range src {
		if s != "status" {
			t.Errorf("source %q, want status", s)
		}
	}
	if !strings.Contains(r.log.String(), "child still unresolved after an hour of polling") {
		t.Errorf("no give-up warning in %q", r.log.String())
	}
}

// TestStatusPollPaymentOutlivesSchedule: with callbacks (a payment) the poll
// stays after the schedule gives up; a callback is confirmed with a status
// call ("callback+status"), and a final answer ends it.
func TestStatusPollPaymentOutlivesSchedule(t *testing.T) {
	r := newPollRig(t)
	hint := make(chan mapi.CallbackEvent, 1)
	p := r.poll("payment")
	p.hint = hint
	p.start(time.Millisecond)
	deadline := time.Now().Add(2 * time.Second)
	for !strings.Contains(r.log.String(), "payment still unresolved after an hour of polling") {
		if time.Now().After(deadline) {
			t.Fatalf("no give-up warning in %q", r.log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	n := len(r.sources())
	time.Sleep(30 * time.Millisecond)
	if m := len(r.sources()); m != n {
		t.Fatalf("%d status calls after the schedule gave up, want none until a callback", m-n)
	}
	r.fin.Store(true)
	hint <- mapi.CallbackEvent{Status: mapi.StatusApproved}
	r.waitDone(t, 2*time.Second)
	if src := r.sources(); src[len(src)-1] != "callback+status" {
		t.Errorf("last status call from %q, want callback+status", src[len(src)-1])
	}
}

// TestStatusPollFinalNotStarted: a final operation is not polled; the first
// call waits for first.
func TestStatusPollFinalNotStarted(t *testing.T) {
	r := newPollRig(t)
	r.fin.Store(true)
	r.poll("payment").start(0)
	r.waitDone(t, time.Second)
	if n := len(r.sources()); n != 0 {
		t.Errorf("%d status calls for a final payment", n)
	}
	r2 := newPollRig(t)
	r2.poll("child").start(time.Hour)
	time.Sleep(20 * time.Millisecond)
	if n := len(r2.sources()); n != 0 {
		t.Errorf("%d status calls before the first delay", n)
	}
}
