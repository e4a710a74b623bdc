//go:build !unix

package sim

import (
	"context"
	"errors"
)

// PTY is a pseudo-terminal serving a simulator; unavailable on this system.
type PTY struct{ Path string }

// ErrNoPTY: pseudo-terminals exist only on Unix; use Pipe.
var ErrNoPTY = errors.New("simulated reader: pseudo-terminals are not available on this system; use the in-memory link")

// ListenPTY returns ErrNoPTY on this system.
func ListenPTY(context.Context, *Reader) (*PTY, error) { return nil, ErrNoPTY }

// Device returns "".
func (p *PTY) Device() string { return "" }

// Unplug returns ErrNoPTY.
func (p *PTY) Unplug() error { return ErrNoPTY }

// Replug returns ErrNoPTY.
func (p *PTY) Replug() error { return ErrNoPTY }

// Close does nothing.
func (p *PTY) Close() error { return nil }
