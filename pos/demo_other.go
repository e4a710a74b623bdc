//go:build !unix

package pos

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

func newSimLink(ctx context.Context, s *sim.Reader) (simLink, error) {
	return &pipeLink{ctx: ctx, s: s}, nil
}

func (l *pipeLink) open(ctx context.Context, opts device.Options) (*device.Reader, error) {
	opts.Reconnect = false
	opts.Port = "sim"
	return device.OpenConn(ctx, sim.Pipe(l.ctx, l.s), opts)
}

// replug: every open makes a new pipe, so the next payment reconnects.
func (l *pipeLink) replug() error { return nil }

func (l *pipeLink) close() {}
