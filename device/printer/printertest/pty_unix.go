//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package printertest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// hostPoll is how often a terminal nobody has open is read again.
const hostPoll = 10 * time.Millisecond

// ListenPTY starts a fake serial (or USB) printer on a pseudo-terminal in
// raw mode: the host opens Path, a symbolic link in a temporary directory
// (Spec is "serial:Path"; "usb:Path" works too). All host connections are
// one stream; CloseAfter unplugs the printer (the terminal is closed and
// Path removed). It stops when ctx ends or Close is called.
func ListenPTY(ctx context.Context) (*Printer, error) {
	dir, err := os.MkdirTemp("", "kassa-printer-")
	if err != nil {
		return nil, err
	}
	master, dev, err := openRaw()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	path := filepath.Join(dir, "ttyPRN0")
	if err := os.Symlink(dev, path); err != nil {
		master.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	p := newPrinter()
	p.Spec, p.Path = "serial:"+path, path
	p.stop = func() error {
		master.Close()
		return os.RemoveAll(dir)
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.servePTY(master, path)
	}()
	stop := context.AfterFunc(ctx, func() { p.Close() })
	context.AfterFunc(p.ctx, func() { stop() })
	return p, nil
}

// openRaw opens a terminal pair, puts the slave in raw mode and returns a
// non-blocking master (reads can be interrupted) and the slave's name.
func openRaw() (*os.File, string, error) {
	m, t, err := pty.Open()
	if err != nil {
		return nil, "", fmt.Errorf("no pseudo-terminal: %w", err)
	}
	dev := t.Name()
	err = makeRaw(int(t.Fd()))
	t.Close()
	if err != nil {
		m.Close()
		return nil, "", err
	}
	fd, err := unix.Dup(int(m.Fd()))
	m.Close()
	if err != nil {
		return nil, "", err
	}
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, "", err
	}
	return os.NewFile(uintptr(fd), "ptmx"), dev, nil
}

func (p *Printer) servePTY(m *os.File, path string) {
	c := &conn{}
	buf := make([]byte, 1024)
	for p.ctx.Err() == nil {
		if p.behavior().Silent {
			if !p.sleep(hostPoll) {
				return
			}
			continue
		}
		n, err := m.Read(buf)
		if n > 0 {
			reply := p.take(c, buf[:n])
			if c.hungUp {
				os.Remove(path)
				m.Close() // unplugged: the host's writes fail
				return
			}
			if len(reply) > 0 {
				m.Write(reply)
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, os.ErrClosed):
			return
		case errors.Is(err, syscall.EIO), errors.Is(err, io.EOF):
			// Nobody has the terminal open.
			if !p.sleep(hostPoll) {
				return
			}
		default:
			return
		}
	}
}

// sleep waits d; false when the printer is closed first.
func (p *Printer) sleep(d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-p.ctx.Done():
		return false
	}
}
