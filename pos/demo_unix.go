//go:build unix

package pos

import (
	"context"

	"kassa/device"
	"kassa/device/sim"
)

// ptyLink serves the simulated reader on a pseudo-terminal that the driver
// opens like a real serial port.
type ptyLink struct{ pty *sim.PTY }

func newSimLink(ctx context.Context, s *sim.Reader) (simLink, error) {
	p, err := sim.ListenPTY(ctx, s)
	if err != nil {
		return nil, err
	}
	return &ptyLink{pty: p}, nil
}

func (l *ptyLink) open(ctx context.Context, opts device.Options) (*device.Reader, error) {
	opts.Port = l.pty.Path
	return device.Open(ctx, opts)
}

func (l *ptyLink) replug() error { return l.pty.Replug() }

func (l *ptyLink) close() { _ = l.pty.Close() }
