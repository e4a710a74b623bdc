package pos

import (
	"context"
	"errors"
	"time"

	"kassa/device"
)

// Background reopening of a missing reader: the delay doubles from the
// first to the longest; each attempt is bounded by readerOpenTimeout.
var (
	reopenFirst       = time.Second
	reopenLongest     = 30 * time.Second
	readerOpenTimeout = 10 * time.Second
)

// openReader returns the open reader, opening it if needed.
func (e *Engine) openReader(ctx context.Context) (Reader, error) {
	e.readerOpen.Lock()
	defer e.readerOpen.Unlock()
	e.mu.Lock()
	if r := e.reader; r != nil {
		e.mu.Unlock()
		return r, nil
	}
	port := e.cfg.Reader
	e.mu.Unlock()
	r, err := e.parts.openReader(ctx, device.Options{Port: port, Logger: e.log, Reconnect: true})
	if err != nil {
		e.mu.Lock()
		e.snap.Reader = ReaderStatus{State: ReaderStateNotFound, Problem: ReaderProblemOf(err), Port: port}
		e.publishLocked()
		e.mu.Unlock()
		return nil, err
	}
	e.mu.Lock()
	if e.closed || e.ctx.Err() != nil {
		e.mu.Unlock()
		_ = r.Close()
		return nil, ErrClosed
	}
	e.reader = r
	e.snap.Reader = e.readerStatus(r.Info(), device.StateConnected)
	e.publishLocked()
	e.mu.Unlock()
	e.wg.Add(1)
	go e.watchReader(r)
	return r, nil
}

// watchReader follows the reader's states into the snapshot; a reader that
// is gone is dropped and reopened in the background.
func (e *Engine) watchReader(r Reader) {
	defer e.wg.Done()
	for st := range r.States() {
		e.mu.Lock()
		current := e.reader == r
		if current {
			e.snap.Reader = e.readerStatus(st.Info, st.Kind)
			if st.Kind == device.StateGone {
				e.snap.Reader.Problem = ReaderGone
			}
			e.publishLocked()
		}
		e.mu.Unlock()
		if current && st.Kind == device.StateGone && !errors.Is(st.Err, device.ErrClosed) {
			e.wg.Add(1)
			go func() {
				defer e.wg.Done()
				e.dropReader(r)
			}()
		}
	}
}

// dropReader forgets a reader that is gone and reopens one in the
// background, so the reader state follows the reader without a sale.
func (e *Engine) dropReader(r Reader) {
	e.mu.Lock()
	if e.reader != r {
		e.mu.Unlock()
		return
	}
	e.reader = nil
	e.snap.Reader.State, e.snap.Reader.Problem = ReaderStateNotFound, ReaderGone
	e.publishLocked()
	e.mu.Unlock()
	_ = r.Close()
	e.reopenReader()
}

// reopenReader starts one background loop that reopens the reader with a
// growing delay until it is open or the engine closes.
func (e *Engine) reopenReader() {
	e.mu.Lock()
	if e.reopening || e.closed || e.cfg.NoReader {
		e.mu.Unlock()
		return
	}
	e.reopening = true
	e.mu.Unlock()
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer func() {
			e.mu.Lock()
			e.reopening = false
			e.mu.Unlock()
		}()
		delay := reopenFirst
		t := time.NewTimer(delay)
		defer t.Stop()
		for {
			select {
			case <-e.ctx.Done():
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(e.ctx, readerOpenTimeout)
			_, err := e.openReader(ctx)
			cancel()
			if err == nil || e.ctx.Err() != nil {
				return
			}
			delay = min(2*delay, reopenLongest)
			t.Reset(delay)
		}
	}()
}

// readerStatus is the snapshot's reader status for the driver's state.
func (e *Engine) readerStatus(in device.Info, kind device.StateKind) ReaderStatus {
	return ReaderStatus{State: readerStateOf(kind, e.parts.simulated), Serial: in.Serial,
		Battery: in.Battery.Percent, Charging: in.Battery.Charging, Port: in.Port}
}
