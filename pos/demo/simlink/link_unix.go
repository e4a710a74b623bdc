//go:build unix

package simlink

import (
	"context"

	"kassa/device"
	"kassa/device/sim"
)

// ptyLink serves the simulated reader on a pseudo-terminal that the driver
// opens like a real serial port.
type ptyLink struct{ pty *sim.PTY }

// New attaches s on a pseudo-terminal until ctx ends or Close.
func New(ctx context.Context, s *sim.Reader) (Link, error) {
	p, err := sim.ListenPTY(ctx, s)
	if err != nil {
		return nil, err
	}
	return &ptyLink{pty: p}, nil
}

// Open opens the driver on the pseudo-terminal.
func (l *ptyLink) Open(ctx context.Context, opts device.Options) (*device.Reader, error) {
	opts.Port = l.pty.Path
	return device.Open(ctx, opts)
}

// Replug plugs the simulator back in after the unplug fault.
func (l *ptyLink) Replug() error { return l.pty.Replug() }

// Close closes the pseudo-terminal.
func (l *ptyLink) Close() { _ = l.pty.Close() }
