// Package printertest is a fake ESC/POS printer for tests: it listens on
// loopback TCP or on a pseudo-terminal, keeps every byte it receives,
// answers real-time status requests (DLE EOT n) with the status it is told,
// and can be told to misbehave (hang up mid-receipt, stop reading, stay
// mute). Read what it printed with Ops and escpos.Lines.
package printertest

import (
	"context"
	"sync"

	"kassa/device/escpos"
)

// Behavior is how the fake printer acts; change it with Set at any time.
type Behavior struct {
	Status     escpos.Status // answered to status requests
	NoStatus   bool          // never answers status requests
	Silent     bool          // reads nothing (the host's writes stall once buffers fill)
	CloseAfter int           // hangs up after this many bytes (0: never); status requests count
}

// Printer is a fake printer. Spec is the KASSA_PRINTER setting that reaches
// it ("tcp:127.0.0.1:PORT" or "serial:PATH"; a pty is also "usb:PATH").
type Printer struct {
	Spec string
	Path string // the pseudo-terminal's path (ListenPTY), "" for TCP

	mu      sync.Mutex
	b       Behavior
	got     []byte
	changed chan struct{}   // closed and replaced when bytes arrive
	ctx     context.Context // ends with Close
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	stop    func() error
	once    sync.Once
}

func newPrinter() *Printer {
	ctx, cancel := context.WithCancel(context.Background())
	return &Printer{changed: make(chan struct{}), ctx: ctx, cancel: cancel}
}

// Set changes the behaviour.
func (p *Printer) Set(b Behavior) {
	p.mu.Lock()
	p.b = b
	p.mu.Unlock()
}

func (p *Printer) behavior() Behavior {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.b
}

// Received returns a copy of every byte received so far, status requests
// included, of every connection.
func (p *Printer) Received() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]byte(nil), p.got...)
}

// Reset forgets the bytes received so far.
func (p *Printer) Reset() {
	p.mu.Lock()
	p.got = nil
	p.mu.Unlock()
}

// Ops decodes Received (Epson code page numbers: 17 is CP866).
func (p *Printer) Ops() ([]escpos.Op, error) { return escpos.Decode(p.Received()) }

// Wait waits until at least n bytes have arrived in all, or ctx ends.
func (p *Printer) Wait(ctx context.Context, n int) error {
	for {
		p.mu.Lock()
		got, ch := len(p.got), p.changed
		p.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close stops the fake printer and waits for its goroutines.
func (p *Printer) Close() error {
	var err error
	p.once.Do(func() {
		p.cancel()
		err = p.stop()
		p.wg.Wait()
	})
	return err
}

// conn is one host connection's state.
type conn struct {
	n      int  // bytes received on it
	dle    int  // 0, or 1 after DLE, 2 after DLE EOT
	hungUp bool // CloseAfter reached
}

// take records data received on c and returns the status replies it asks
// for; hungUp is set once CloseAfter is reached (the rest is dropped).
func (p *Printer) take(c *conn, data []byte) []byte {
	b := p.behavior()
	if b.CloseAfter > 0 && c.n+len(data) >= b.CloseAfter {
		data = data[:max(b.CloseAfter-c.n, 0)]
		c.hungUp = true
	}
	c.n += len(data)
	p.mu.Lock()
	p.got = append(p.got, data...)
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
	var reply []byte
	all := escpos.StatusReply(b.Status)
	for _, x := range data {
		switch {
		case c.dle == 2:
			if x >= 1 && int(x) <= len(all) && !b.NoStatus {
				reply = append(reply, all[x-1])
			}
			c.dle = 0
		case c.dle == 1 && x == 0x04:
			c.dle = 2
		case x == 0x10:
			c.dle = 1
		default:
			c.dle = 0
		}
	}
	return reply
}
