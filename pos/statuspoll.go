package pos

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"kassa/mapi"
)

// statusPoll resolves one operation that may have reached the gateway, a
// payment (poll.go) or a child (child_run.go), in the background: it asks
// for the status on the MAPI §4 schedule (pollDelay) until the operation is
// final or the engine closes. It is the one home of that schedule. It only
// ever asks: an unknown operation is resolved by status, never sent again.
// A payment also wakes it for a callback (confirmed with one status call)
// and after the EMV advice, and for those it outlives the schedule; a
// child's (no callbacks, MAPI.md §9) ends with the schedule.
type statusPoll struct {
	e     *Engine
	what  string                                        // "payment" or "child", for the log
	ids   []any                                         // the log attributes that name it
	since func() time.Time                              // when it may have gone out; the schedule counts from there (zero: from the start)
	final func() bool                                   // whether it is final
	done  <-chan struct{}                               // closed when it is final
	check func(ctx context.Context, source string) bool // one status call; whether it is final after it
	poke  <-chan struct{}                               // check now (a payment's EMV advice went out; nil: never)
	hint  <-chan mapi.CallbackEvent                     // a callback arrived (a payment's; nil: never)

	mu      sync.Mutex
	started bool

	// run's own: the timer of the next status call.
	base  time.Time
	timer *time.Timer
	off   bool // the schedule gave up; callbacks, Recover and the next start still resolve it
}

// start resolves the operation in the background (once, and not when it is
// final). The first status call comes after first; zero means at once.
func (s *statusPoll) start(first time.Duration) {
	if s.final() {
		return
	}
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return
	}
	s.started = true
	s.mu.Unlock()
	s.e.wg.Add(1)
	go s.run(first)
}

// run checks the status on the schedule (and, for a payment, after every
// callback and advice) until the operation is final, the engine closes, or
// the schedule gives up with nothing else to wake it.
func (s *statusPoll) run(first time.Duration) {
	e := s.e
	defer e.wg.Done()
	s.base = s.since()
	if s.base.IsZero() {
		s.base = time.Now()
	}
	s.timer = time.NewTimer(time.Hour)
	defer s.timer.Stop()
	if first > 0 {
		s.timer.Reset(first)
	} else if s.check(e.ctx, "status") {
		return
	} else {
		s.schedule(0)
	}
	for !s.final() && (!s.off || s.poke != nil || s.hint != nil) {
		select {
		case <-e.ctx.Done():
			return
		case <-s.done:
			return
		case <-s.poke:
			s.check(e.ctx, "status") // issue 12: the advice went out
			s.schedule(0)
		case ev := <-s.hint:
			e.log.Info("callback received; confirming with status", append(s.ids[:len(s.ids):len(s.ids)], "status", ev.Status)...)
			if !s.check(e.ctx, "callback+status") {
				// Not confirmed yet (gateway busy or unreachable): check
				// again soon rather than at the slow polling pace.
				s.schedule(jitter(3*time.Second, 5*time.Second))
			}
		case <-s.tick():
			if s.check(e.ctx, "status") {
				return
			}
			s.schedule(0)
		}
	}
}

// tick is the timer's channel; nil once the schedule gave up.
func (s *statusPoll) tick() <-chan time.Time {
	if s.off {
		return nil
	}
	return s.timer.C
}

// schedule arms the timer for the next status call, or for d when it is
// sooner (0 < d); after the schedule's last one it stops polling.
func (s *statusPoll) schedule(d time.Duration) {
	next := s.e.pollDelay(time.Since(s.base))
	if d > 0 && (next < 0 || next > d) {
		next = d
	}
	if next < 0 {
		s.off = true
		s.e.log.Warn(s.what+" still unresolved after an hour of polling", s.ids...)
		return
	}
	s.off = false
	s.timer.Reset(next)
}

// pollDelay is the next polling interval after elapsed since sending
// (MAPI §4): 3–5 s for five minutes, then 5–10 minutes up to an hour, then
// none (-1). The Engine's fastPhase, slowMin, slowMax and giveUp hold the
// phases (tests may shorten them).
func (e *Engine) pollDelay(elapsed time.Duration) time.Duration {
	e.mu.Lock()
	base := e.cfg.PollInterval
	fast, smin, smax, giveUp := e.fastPhase, e.slowMin, e.slowMax, e.giveUp
	e.mu.Unlock()
	switch {
	case elapsed < fast:
		// base ± 25%: 4 s gives 3–5 s.
		return jitter(base*3/4, base*5/4)
	case elapsed < giveUp:
		return jitter(smin, smax)
	}
	return -1
}

func jitter(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + rand.N(hi-lo)
}
