package pos

import (
	"context"

	"kassa/device"
)

// inProcessReader reads one card from the simulator over its
// pseudo-terminal, then hands out the same card at once: the in-process
// reader of issue 14's sale-vs-floor row (the serial line is not part of
// the engine's cost).
type inProcessReader struct {
	Reader
	card *device.Card
}

// ReadCard is the first card read over the line, then that card again.
func (r *inProcessReader) ReadCard(ctx context.Context, req device.ReadRequest) (*device.Card, error) {
	if r.card != nil {
		c := *r.card
		return &c, nil
	}
	c, err := r.Reader.ReadCard(ctx, req)
	if err == nil {
		r.card = c
	}
	return c, err
}

// inProcessReaderOption is opts (the simulated reader's) with its reader
// wrapped in an inProcessReader.
func inProcessReaderOption(opts []Option) []Option {
	var p parts
	for _, o := range opts {
		o(&p)
	}
	inner := p.openReader
	return append(opts, WithReader(func(ctx context.Context, o device.Options) (Reader, error) {
		r, err := inner(ctx, o)
		if err != nil {
			return nil, err
		}
		return &inProcessReader{Reader: r}, nil
	}, true))
}
