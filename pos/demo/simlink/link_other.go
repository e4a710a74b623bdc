//go:build !unix

package simlink

import (
	"context"

	"kassa/device"
	"kassa/device/sim"
)

// pipeLink attaches the simulated reader through an in-memory pipe.
type pipeLink struct {
	ctx context.Context
	s   *sim.Reader
}

// New attaches s through in-memory pipes until ctx ends.
func New(ctx context.Context, s *sim.Reader) (Link, error) {
	return &pipeLink{ctx: ctx, s: s}, nil
}

// Open opens the driver on a new pipe to the simulator.
func (l *pipeLink) Open(ctx context.Context, opts device.Options) (*device.Reader, error) {
	opts.Reconnect = false
	opts.Port = "sim"
	return device.OpenConn(ctx, sim.Pipe(l.ctx, l.s), opts)
}

// Replug: every open makes a new pipe, so the next open reconnects.
func (l *pipeLink) Replug() error { return nil }

// Close does nothing: the pipes end with the context.
func (l *pipeLink) Close() {}
