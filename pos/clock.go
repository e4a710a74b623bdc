package pos

import "time"

// WithClock makes the engine read the wall clock from now instead of
// time.Now (issue 17: tests of the wall clock jumping back and forward).
// The wall clock dates payments and business days (the journal's clock),
// Today and close day's report; timeouts, polling and the not-found grace
// never come from it: they run on the monotonic clock.
func WithClock(now func() time.Time) Option { return func(p *parts) { p.now = now } }

// now is the engine's wall clock.
func (e *Engine) now() time.Time {
	if e.parts.now != nil {
		return e.parts.now()
	}
	return time.Now()
}
