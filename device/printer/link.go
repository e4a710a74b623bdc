package printer

import (
	"context"
	"errors"
	"io"
	"time"
)

// link is one open connection to a printer. Every call is bounded by ctx
// and by its timeout, whichever ends first.
type link interface {
	write(ctx context.Context, b []byte, timeout time.Duration) (int, error)
	read(ctx context.Context, b []byte, timeout time.Duration) (int, error)
	Close() error
}

// deadlineConn is a connection with deadlines: a TCP connection, a device
// file the runtime can poll.
type deadlineConn interface {
	io.ReadWriteCloser
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// deadlineLink bounds each call with the connection's deadlines; a
// cancelled ctx moves the deadline to now.
type deadlineLink struct{ c deadlineConn }

func (l deadlineLink) write(ctx context.Context, b []byte, timeout time.Duration) (int, error) {
	return bounded(ctx, timeout, l.c.SetWriteDeadline, func() (int, error) { return l.c.Write(b) })
}

func (l deadlineLink) read(ctx context.Context, b []byte, timeout time.Duration) (int, error) {
	return bounded(ctx, timeout, l.c.SetReadDeadline, func() (int, error) { return l.c.Read(b) })
}

func (l deadlineLink) Close() error { return l.c.Close() }

// bounded runs op with a deadline of now+timeout (or ctx's, if sooner),
// pulled to now when ctx is cancelled.
func bounded(ctx context.Context, timeout time.Duration, set func(time.Time) error, op func() (int, error)) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := set(deadline); err != nil {
		return 0, err
	}
	stop := context.AfterFunc(ctx, func() { set(time.Unix(1, 0)) })
	n, err := op()
	if !stop() && err != nil && ctx.Err() != nil {
		err = errors.Join(ctx.Err(), err)
	}
	return n, err
}
