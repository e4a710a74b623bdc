// Package simlink attaches the simulated card reader (device/sim) to the
// reader driver: over a pseudo-terminal on unix (the real serial path),
// through an in-memory pipe elsewhere. pos/demo and the engine's tests use
// it.
package simlink

import (
	"context"

	"kassa/device"
)

// Link is an attached simulated reader.
type Link interface {
	// Open opens the driver on the simulated reader.
	Open(ctx context.Context, opts device.Options) (*device.Reader, error)
	// Replug plugs the reader back in after the unplug fault.
	Replug() error
	// Close detaches the reader.
	Close()
}
