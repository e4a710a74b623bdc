package sandbox

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"kassa/mapi"
)

// scheduleLocked arms the timer of a pending callback delivery. s.mu held.
func (s *Server) scheduleLocked(o *order, d *delivery, now time.Time) {
	if s.closed {
		return
	}
	wait := d.Due.Sub(now)
	if wait < 0 {
		wait = 0
	}
	s.wg.Add(1)
	s.timers[d] = time.AfterFunc(wait, func() {
		defer s.wg.Done()
		s.deliver(o, d)
	})
}

// deliver makes one callback attempt and plans the next one if it failed
// (MAPI.md §6, §8: GET with the query parameters and control; retried until
// a 200, at most CallbackTries times).
func (s *Server) deliver(o *order, d *delivery) {
	s.mu.Lock()
	delete(s.timers, d)
	if s.closed {
		s.mu.Unlock()
		return
	}
	target := o.callbackURL(s.opts.Key, now())
	attempt := d.Attempts + 1
	s.mu.Unlock()

	code, err := s.get(target)
	s.mu.Lock()
	if s.closed && err != nil { // cancelled by Close: not an attempt
		s.mu.Unlock()
		return
	}
	d.Attempts = attempt
	switch {
	case err == nil && code == http.StatusOK:
		d.Delivered, d.Last = true, "200"
	case err != nil:
		d.Last = "no answer"
	default:
		d.Last = strconv.Itoa(code)
	}
	if !d.Delivered {
		if d.Attempts >= s.opts.CallbackTries {
			d.GaveUp = true
		} else {
			d.Due = now().Add(s.retryDelay(d.Attempts))
			s.scheduleLocked(o, d, now())
		}
	}
	delivered, gaveUp, last := d.Delivered, d.GaveUp, d.Last
	s.mu.Unlock()
	s.log.Info("sandbox: callback", "client_orderid", o.ClientOrderID, "paynet_order_id", o.PaynetOrderID,
		"attempt", attempt, "result", last, "delivered", delivered, "gave_up", gaveUp)
	s.save()
}

// retryDelay is the pause after the n-th failed attempt (n ≥ 1).
func (s *Server) retryDelay(n int) time.Duration {
	if len(s.opts.CallbackRetry) > 0 {
		return s.opts.CallbackRetry[min(n, len(s.opts.CallbackRetry))-1]
	}
	return scaled(defaultRetry[min(n, len(defaultRetry))-1], s.scale)
}

// get sends one callback GET and drains the answer.
func (s *Server) get(target string) (int, error) {
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("User-Agent", "kassa-sandbox")
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// callbackURL is the order's callback URL with the MAPI.md §6 parameters
// (empty ones left out) and control appended to its own query.
func (o *order) callbackURL(key mapi.Secret, at time.Time) string {
	u, err := url.Parse(o.CallbackURL)
	if err != nil { // checked when the order was accepted
		return o.CallbackURL
	}
	out := o.outcomeAt(at)
	st := out.Status
	q := u.Query()
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("status", string(st))
	set("orderid", o.PaynetOrderID)
	set("merchant_order", o.ClientOrderID)
	set("client_orderid", o.ClientOrderID)
	set("type", o.Type)
	for _, kv := range o.fields(out, true) {
		set(kv[0], kv[1])
	}
	set("control", mapi.CallbackControl(string(st), o.PaynetOrderID, o.ClientOrderID, key))
	u.RawQuery = q.Encode()
	return u.String()
}

// rescheduleLocked moves an order's callbacks not yet attempted to its
// final time, which an advice has just set (MAPI.md §10). s.mu held.
func (s *Server) rescheduleLocked(o *order, now time.Time) {
	final := o.finalAt()
	for i, d := range o.Callbacks {
		if d.Attempts > 0 || !d.pending() {
			continue
		}
		if t, ok := s.timers[d]; ok {
			if !t.Stop() {
				continue // firing now: it reads the status as it is
			}
			s.wg.Done()
			delete(s.timers, d)
		}
		d.Due = final.Add(time.Duration(i) * scaled(o.sc.Repeat, o.Scale))
		s.scheduleLocked(o, d, now)
	}
}
