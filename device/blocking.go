package device

import (
	"context"
	"errors"
	"slices"
	"time"
)

// CardholderTimeout is the host limit of START TRANSACTION, START
// CONTACTLESS and CONTINUE TRANSACTION (§12.3): they wait on the cardholder
// (PIN, application choice), so they have no 3 s limit; after 90 s the
// driver sends ABORT.
const CardholderTimeout = 90 * time.Second

// ErrCardholderTimeout: a START or CONTINUE did not finish within its limit
// and was aborted.
var ErrCardholderTimeout = errors.New("the card reader's transaction took too long and was aborted")

// blocking sends a command that blocks on the cardholder (c.Timeout, 90 s
// by default) and returns its body and status word as they came (a non-9000
// SW is not an error here: the caller reads it as §12.3 says). When ctx ends
// or the limit passes, it sends ABORT while the command is outstanding —
// the one time two commands are — and waits for both answers (the ABORT's
// bare 9000, the command's 9F41); it then returns ctx.Err() or
// ErrCardholderTimeout. An answer that beat the ABORT is returned as usual
// with a nil error: the caller must look at ctx itself.
func (s *session) blocking(ctx context.Context, c Command) ([]byte, SW, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	s.cmdMu.Lock()
	defer s.cmdMu.Unlock()
	start := time.Now()
	w := newWaiter(false)
	s.enqueue(w)
	if err := s.send(c); err != nil {
		return nil, 0, err
	}
	limit := c.Timeout
	if limit <= 0 {
		limit = CardholderTimeout
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	var why error
	select {
	case m := <-w.ch:
		return s.parsed(c, m, start)
	case <-s.done:
		return nil, 0, s.err
	case <-ctx.Done():
		why = ctx.Err()
	case <-t.C:
		why = ErrCardholderTimeout
	}
	return s.abortBlocked(c, w, why, start)
}

// abortBlocked sends ABORT for the blocked command c (waiter w) and pairs
// both answers.
func (s *session) abortBlocked(c Command, w *waiter, why error, start time.Time) ([]byte, SW, error) {
	a := newWaiter(true)
	s.pendMu.Lock()
	still := slices.Contains(s.pend, w)
	if still {
		s.pend = append(s.pend, a)
	}
	s.pendMu.Unlock()
	if !still { // the answer is in: take it
		select {
		case m := <-w.ch:
			return s.parsed(c, m, start)
		case <-s.done:
			return nil, 0, s.err
		}
	}
	s.log.Info("reader: sending ABORT while a command blocks", "cmd", c.Name, "why", why)
	if err := s.send(Abort()); err != nil {
		return nil, 0, err
	}
	t := time.NewTimer(s.respT)
	defer t.Stop()
	var body []byte
	var sw SW
	for got := 0; got < 2; got++ {
		select {
		case m := <-a.ch:
			if _, asw, err := s.parsed(Abort(), m, start); err != nil {
				return nil, 0, err
			} else if asw != SWSuccess {
				s.log.Warn("reader: ABORT refused", "sw", asw.String())
			}
		case m := <-w.ch:
			var err error
			if body, sw, err = s.parsed(c, m, start); err != nil {
				return nil, 0, err
			}
		case <-s.done:
			return nil, 0, s.err
		case <-t.C:
			err := &linkError{timeout: true, cause: errors.New("no answer to ABORT of " + c.Name)}
			s.fail(err)
			return nil, 0, err
		}
	}
	if sw == SWCancelled {
		return nil, sw, why
	}
	return body, sw, nil // the command finished before the ABORT reached it
}
