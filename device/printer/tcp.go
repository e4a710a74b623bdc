package printer

import (
	"context"
	"net"
	"time"
)

// ackPoll is how often the bytes a network printer has not acknowledged
// yet are counted.
const ackPoll = 5 * time.Millisecond

// tcpLink is a raw TCP connection to a network printer.
type tcpLink struct {
	deadlineLink
	c *net.TCPConn
}

// flush waits until the printer has acknowledged every byte written (where
// the system can tell: unacked returns -1 elsewhere), for at most timeout.
// It returns how many bytes are still not acknowledged.
func (l tcpLink) flush(ctx context.Context, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for {
		n, err := unacked(l.c)
		if err != nil || n <= 0 {
			return 0, err
		}
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		if time.Now().After(deadline) {
			return n, errTimeout
		}
		select {
		case <-time.After(ackPoll):
		case <-ctx.Done():
		}
	}
}

// Close discards what the printer sent unasked (a late status reply: unread
// bytes would make the close a reset, which can lose the job's tail) and
// closes.
func (l tcpLink) Close() error {
	l.c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	buf := make([]byte, 64)
	for {
		if _, err := l.c.Read(buf); err != nil {
			break
		}
	}
	return l.c.Close()
}
