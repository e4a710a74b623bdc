package printer

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"time"

	"go.bug.st/serial"
)

// giveUp bounds the wait for a stuck write to end once its port is flushed
// and closed. A real UART wakes the writer on the flush; a pseudo-terminal
// does not, and its write ends only when the other side reads or hangs up.
const giveUp = 500 * time.Millisecond

// asyncWrite writes b in a goroutine, for ports without write deadlines.
// When the write outlives timeout or ctx, abort (flush and close the port)
// is called, which ends the write; the port is then unusable.
func asyncWrite(ctx context.Context, w io.Writer, b []byte, timeout time.Duration, abort func(), log *slog.Logger) (n int, aborted bool, err error) {
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := w.Write(b)
		done <- result{n, err}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	var cause error
	select {
	case r := <-done:
		return r.n, false, r.err
	case <-t.C:
		cause = os.ErrDeadlineExceeded
	case <-ctx.Done():
		cause = ctx.Err()
	}
	abort()
	select {
	case r := <-done:
		return r.n, true, cause
	case <-time.After(giveUp):
		log.Warn("printer: a write did not end after its port was closed")
		return 0, true, cause
	}
}

// serialLink is a serial port. go.bug.st/serial has read timeouts but no
// write deadline: writes go through asyncWrite.
type serialLink struct {
	port serial.Port
	log  *slog.Logger
	dead bool
}

func openSerial(path string, baud int) (serial.Port, error) {
	return serial.Open(path, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
}

func (l *serialLink) write(ctx context.Context, b []byte, timeout time.Duration) (int, error) {
	if l.dead {
		return 0, os.ErrClosed
	}
	n, aborted, err := asyncWrite(ctx, l.port, b, timeout, func() {
		l.port.ResetOutputBuffer()
		l.port.Close()
	}, l.log)
	l.dead = l.dead || aborted
	return n, err
}

// flush waits until every byte written went down the line (tcdrain).
func (l *serialLink) flush(ctx context.Context, timeout time.Duration) (int, error) {
	if l.dead {
		return 0, os.ErrClosed
	}
	_, aborted, err := asyncWrite(ctx, drainer{l.port}, nil, timeout, func() {
		l.port.ResetOutputBuffer()
		l.port.Close()
	}, l.log)
	l.dead = l.dead || aborted
	return 0, err
}

// drainer makes a port's Drain a Write for asyncWrite.
type drainer struct{ port serial.Port }

func (d drainer) Write([]byte) (int, error) { return 0, d.port.Drain() }

func (l *serialLink) read(ctx context.Context, b []byte, timeout time.Duration) (int, error) {
	if l.dead {
		return 0, os.ErrClosed
	}
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	if err := ctx.Err(); err != nil || timeout <= 0 {
		return 0, errors.Join(err, os.ErrDeadlineExceeded)
	}
	if err := l.port.SetReadTimeout(timeout); err != nil {
		return 0, err
	}
	// A cancelled ctx closes the port, which ends the read.
	stop := context.AfterFunc(ctx, func() { l.port.Close() })
	n, err := l.port.Read(b)
	if !stop() {
		l.dead = true
		return n, errors.Join(ctx.Err(), err)
	}
	if n == 0 && err == nil {
		return 0, os.ErrDeadlineExceeded
	}
	return n, err
}

func (l *serialLink) Close() error {
	if l.dead {
		return nil
	}
	l.dead = true
	return l.port.Close()
}

// fileLink is a device file the runtime cannot poll (no deadlines): writes
// go through asyncWrite and status cannot be read.
type fileLink struct {
	f    *os.File
	log  *slog.Logger
	dead bool
}

func (l *fileLink) write(ctx context.Context, b []byte, timeout time.Duration) (int, error) {
	if l.dead {
		return 0, os.ErrClosed
	}
	n, aborted, err := asyncWrite(ctx, l.f, b, timeout, func() { l.f.Close() }, l.log)
	l.dead = l.dead || aborted
	return n, err
}

func (l *fileLink) read(context.Context, []byte, time.Duration) (int, error) {
	return 0, os.ErrDeadlineExceeded
}

func (l *fileLink) Close() error {
	if l.dead {
		return nil
	}
	l.dead = true
	return l.f.Close()
}
