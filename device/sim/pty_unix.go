//go:build unix

package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// PTY serves a simulator on a pseudo-terminal. Hosts open Path, a symbolic
// link to the current terminal, like a serial port (115200 8N1; the
// settings have no effect). Closing and reopening the port is a new
// connection (POWERED ON again). Unplug makes the port disappear (Path is
// removed); Replug brings it back on a new terminal behind the same Path.
type PTY struct {
	// Path is the stable name to open: a symlink in a private temporary
	// directory to the current /dev/pts/N.
	Path string

	s      *Reader
	dir    string
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	master *os.File // nil while unplugged
	track  *hangupTracker
	dev    string
	plug   chan struct{} // signalled by Replug
	closed bool
}

// hostPoll is how often a terminal nobody has open is checked for a host.
const hostPoll = 10 * time.Millisecond

// ListenPTY opens a pseudo-terminal in raw mode (binary bytes pass
// unchanged), serves s on it until ctx ends or Close, and keeps serving
// when the host closes and reopens the port. When ctx ends the terminal is
// closed and Path removed, with or without Close.
func ListenPTY(ctx context.Context, s *Reader) (*PTY, error) {
	dir, err := os.MkdirTemp("", "kassa-reader-sim-")
	if err != nil {
		return nil, fmt.Errorf("simulated reader: %w", err)
	}
	p := &PTY{Path: filepath.Join(dir, "ttySIM0"), s: s, dir: dir, done: make(chan struct{}), plug: make(chan struct{}, 1)}
	if err := p.open(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	ctx, p.cancel = context.WithCancel(ctx)
	go p.serve(ctx)
	return p, nil
}

// open creates a terminal pair, leaves only a non-blocking master open (so
// reads can be interrupted and detect the host) and points Path at the
// slave.
func (p *PTY) open() error {
	m, t, err := pty.Open()
	if err != nil {
		return fmt.Errorf("simulated reader: no pseudo-terminal: %w", err)
	}
	dev := t.Name()
	err = makeRaw(int(t.Fd()))
	t.Close()
	if err != nil {
		m.Close()
		return fmt.Errorf("simulated reader: raw mode on %s: %w", dev, err)
	}
	// creack/pty leaves the master blocking; a non-blocking duplicate goes
	// to the runtime poller, so Close and deadlines interrupt reads.
	fd, err := unix.Dup(int(m.Fd()))
	m.Close()
	if err != nil {
		return fmt.Errorf("simulated reader: %w", err)
	}
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return fmt.Errorf("simulated reader: %w", err)
	}
	master := os.NewFile(uintptr(fd), "ptmx")
	track := newHangupTracker(dev)
	tmp := p.Path + ".new"
	os.Remove(tmp)
	if err := os.Symlink(dev, tmp); err != nil {
		master.Close()
		track.close()
		return fmt.Errorf("simulated reader: %w", err)
	}
	if err := os.Rename(tmp, p.Path); err != nil {
		master.Close()
		track.close()
		return fmt.Errorf("simulated reader: %w", err)
	}
	p.mu.Lock()
	p.master, p.dev, p.track = master, dev, track
	p.mu.Unlock()
	p.s.log.Info("sim: listening on a pseudo-terminal", "path", p.Path, "device", dev)
	return nil
}

// Device returns the current terminal (e.g. /dev/pts/3), "" while unplugged.
func (p *PTY) Device() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dev
}

// Unplug pulls the cable now: the terminal is closed (the host's reads and
// writes fail) and Path is removed until Replug.
func (p *PTY) Unplug() error { return p.unplug(nil) }

// unplug unplugs the current terminal; when only is not nil, just if the
// current terminal is only (a connection on an older terminal must not pull
// a newer one).
func (p *PTY) unplug(only *os.File) error {
	p.mu.Lock()
	m, track := p.master, p.track
	if m == nil || (only != nil && m != only) {
		p.mu.Unlock()
		return nil
	}
	p.master, p.dev, p.track = nil, "", nil
	p.mu.Unlock()
	track.close()
	os.Remove(p.Path)
	p.s.log.Info("sim: pseudo-terminal unplugged", "path", p.Path)
	return m.Close()
}

// Replug plugs the reader back in on a fresh terminal behind the same Path
// (unplugging first if needed).
func (p *PTY) Replug() error {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return errors.New("simulated reader: closed")
	}
	if err := p.Unplug(); err != nil {
		return err
	}
	if err := p.open(); err != nil {
		return err
	}
	select {
	case p.plug <- struct{}{}:
	default:
	}
	return nil
}

// Close stops serving, closes the terminal and removes Path.
func (p *PTY) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	err := p.Unplug()
	<-p.done
	return err
}

func (p *PTY) current() (*os.File, *hangupTracker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.master, p.track
}

func (p *PTY) serve(ctx context.Context) {
	defer close(p.done)
	defer os.RemoveAll(p.dir) // ctx ended: leave nothing behind even without Close
	stop := context.AfterFunc(ctx, func() { p.Unplug() })
	defer stop()
	buf := make([]byte, 512)
	var pending []byte // bytes of a connection that began while the last one ran
	for ctx.Err() == nil {
		m, track := p.current()
		if m == nil {
			pending = nil
			select {
			case <-p.plug:
			case <-ctx.Done():
			}
			continue
		}
		// Wait for a host: reads fail with EIO while nobody has the
		// terminal open.
		n, err := 0, error(nil)
		if len(pending) == 0 {
			n, err = m.Read(buf)
			pending = append(pending[:0], buf[:n]...)
		}
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				continue // unplugged
			}
			if !errors.Is(err, syscall.EIO) && !errors.Is(err, io.EOF) {
				p.s.log.Warn("sim: pseudo-terminal read failed", "err", err)
			}
			select {
			case <-time.After(hostPoll):
			case <-ctx.Done():
			}
			continue
		}
		conn := &ptyConn{p: p, f: m, track: track, hangups: track.count(), pending: pending}
		pending = nil
		if err := p.s.Serve(ctx, conn); errors.Is(err, ErrUnplugged) {
			p.unplug(m)
		}
		pending = conn.next
	}
}

// ptyConn is one host connection on the terminal.
type ptyConn struct {
	p       *PTY
	f       *os.File
	track   *hangupTracker
	hangups uint64 // hang-ups seen when the connection began
	pending []byte // bytes read before Serve started
	next    []byte // bytes that belong to the next connection
}

// Read reads host bytes; io.EOF when the host has closed the port.
func (c *ptyConn) Read(b []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(b, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	if c.next != nil {
		return 0, io.EOF
	}
	n, err := c.f.Read(b)
	if err != nil && errors.Is(err, syscall.EIO) {
		return n, io.EOF // the host closed the port
	}
	if n > 0 && c.track.count() != c.hangups {
		// The host closed and reopened the port: these bytes open the
		// next connection.
		c.next = append([]byte(nil), b[:n]...)
		return 0, io.EOF
	}
	return n, err
}

// Write writes to the host.
func (c *ptyConn) Write(b []byte) (int, error) { return c.f.Write(b) }

// SetReadDeadline bounds reads (used for the 1 s packet rule).
func (c *ptyConn) SetReadDeadline(t time.Time) error { return c.f.SetReadDeadline(t) }

// SetWriteDeadline bounds writes to a host that stopped reading.
func (c *ptyConn) SetWriteDeadline(t time.Time) error { return c.f.SetWriteDeadline(t) }

// Close is an unplug: the simulator closes its end of the cable.
func (c *ptyConn) Close() error { return c.p.unplug(c.f) }
