// Package printer talks to ESC/POS receipt printers over raw TCP (port
// 9100), a USB printer-class device file or a serial port, chosen by one
// setting (KASSA_PRINTER, see ParseSpec). A receipt counts as printed only
// when Print returns nil: the printer took every byte and, if it answers
// real-time status, reported itself ready before and after.
//
// Each Print and Status opens its own connection and closes it (network
// printers take one connection at a time; a USB printer's device is
// recreated when it is plugged in again). Calls on one Printer run one at a
// time. Failures are *Error values with a Fault; ui turns them into words.
package printer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"kassa/device/escpos"
)

// Options are a printer's timeouts; zero values take the defaults.
type Options struct {
	DialTimeout   time.Duration // opening the connection; default 3 s
	WriteTimeout  time.Duration // each write of at most ChunkSize bytes; default 5 s
	StatusTimeout time.Duration // the reply to a status request; default 1 s
	Log           *slog.Logger  // detail of failures; default slog.Default()
}

// Defaults of Options.
const (
	DefaultDialTimeout   = 3 * time.Second
	DefaultWriteTimeout  = 5 * time.Second
	DefaultStatusTimeout = time.Second
)

// ChunkSize is how many bytes one write hands the printer: a printer that
// stops taking bytes is noticed within WriteTimeout.
const ChunkSize = 512

// tcpSendBuffer keeps the bytes the kernel holds for a network printer
// small, so "written" is close to "the printer has them".
const tcpSendBuffer = 16 << 10

// Printer is an ESC/POS printer reached by a Spec.
type Printer struct {
	spec Spec
	opt  Options
	turn chan struct{} // one call at a time
	// mute is set once the printer failed to answer status on a connection
	// that otherwise worked: Print stops asking (and waiting) until a
	// Status call gets a reply again. Guarded by turn.
	mute bool
	// answered is set once the printer answered a status request: from
	// then on a printer that does not answer before a job is silent (hung,
	// or a network printer whose stack still takes bytes it never prints),
	// a NoReply fault, not a printer without status. Guarded by turn.
	answered bool
}

// New returns the printer of spec; a "pdf" spec is a NotESCPOS error.
func New(spec Spec, opt Options) (*Printer, error) {
	if !spec.ESCPOS() {
		return nil, &Error{Fault: NotESCPOS, Op: "connect"}
	}
	if opt.DialTimeout <= 0 {
		opt.DialTimeout = DefaultDialTimeout
	}
	if opt.WriteTimeout <= 0 {
		opt.WriteTimeout = DefaultWriteTimeout
	}
	if opt.StatusTimeout <= 0 {
		opt.StatusTimeout = DefaultStatusTimeout
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Printer{spec: spec, opt: opt, turn: make(chan struct{}, 1)}, nil
}

// Spec is the printer's setting.
func (p *Printer) Spec() Spec { return p.spec }

// lock waits for the printer's turn, or ctx.
func (p *Printer) lock(ctx context.Context, op string) error {
	select {
	case p.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		f := Busy // another print or status request held the printer too long
		if errors.Is(ctx.Err(), context.Canceled) {
			f = Cancelled
		}
		return p.fail(&Error{Fault: f, Op: op, Err: ctx.Err()})
	}
}

func (p *Printer) unlock() { <-p.turn }

// Print sends one job (receipt bytes from escpos) and returns nil only when
// the printer took every byte (acknowledged by a network printer, sent down
// a serial line). When the printer answers status, it is asked
// before (a paper-out printer gets nothing) and after the job (paper that
// ran out, a connection the printer closed, are errors then; no reply after
// the job is not one: the printer took every byte). An error is always an
// *Error; Sent says how many bytes the printer took.
func (p *Printer) Print(ctx context.Context, job []byte) error {
	if err := p.lock(ctx, "print"); err != nil {
		return err
	}
	defer p.unlock()
	l, err := p.dial(ctx)
	if err != nil {
		return err
	}
	defer l.Close()
	asked := !p.mute
	if asked {
		if done, err := p.precheck(ctx, l, len(job)); done {
			return err
		}
		asked = !p.mute
	}
	for sent := 0; sent < len(job); {
		n, err := l.write(ctx, job[sent:min(sent+ChunkSize, len(job))], p.opt.WriteTimeout)
		sent += n
		if err != nil {
			return p.fail(&Error{Fault: ioFault(ctx, err, WriteTimeout), Op: "print", Sent: sent, Total: len(job), Err: err})
		}
	}
	if f, ok := l.(flusher); ok {
		if left, err := f.flush(ctx, p.opt.WriteTimeout); err != nil {
			return p.fail(&Error{Fault: ioFault(ctx, err, WriteTimeout), Op: "print", Sent: len(job) - left, Total: len(job), Err: err})
		}
	}
	if !asked {
		return nil
	}
	st, err := p.query(ctx, l)
	if err != nil {
		e := err.(*Error)
		if e.Fault == NoReply {
			// Slow with a full buffer, maybe: it took every byte.
			p.opt.Log.Info("printer: no status reply after the job", "printer", p.spec.String())
			return nil
		}
		e.Op, e.Sent, e.Total = "print", len(job), len(job)
		return p.fail(e)
	}
	if f := statusFault(st); f != FaultNone {
		return p.fail(&Error{Fault: f, Op: "print", Sent: len(job), Total: len(job), Status: st})
	}
	return nil
}

// flusher is a link that can wait until the printer has every byte
// written: acknowledged by a network printer, sent down a serial line.
type flusher interface {
	flush(ctx context.Context, timeout time.Duration) (left int, err error)
}

// errTimeout is a flush that outlived its timeout.
var errTimeout = os.ErrDeadlineExceeded

// precheck asks the status before a job. done is true when Print must stop
// with err (a printer that is not ready, or gone); a printer that does not
// answer (or cannot be read from) is muted and printed to anyway.
func (p *Printer) precheck(ctx context.Context, l link, total int) (done bool, err error) {
	st, err := p.query(ctx, l)
	var e *Error
	switch {
	case err == nil:
		p.answered = true
		if f := statusFault(st); f != FaultNone {
			return true, p.fail(&Error{Fault: f, Op: "print", Total: total, Status: st})
		}
		return false, nil
	case errors.As(err, &e) && e.Fault == NoReply && p.answered:
		e.Op, e.Total = "print", total
		return true, p.fail(e)
	case errors.As(err, &e) && (e.Fault == NoReply || e.Fault == BadReply || e.Fault == IOFailed):
		// A printer without status (a one-way USB printer answers a read
		// with EINVAL) still prints.
		p.opt.Log.Info("printer: no status reply; printing without status checks", "printer", p.spec.String(), "err", e.Err)
		p.mute = true
		return false, nil
	}
	errors.As(err, &e)
	e.Op, e.Total = "print", total
	return true, p.fail(e)
}

// Status asks the printer for its real-time status.
func (p *Printer) Status(ctx context.Context) (escpos.Status, error) {
	if err := p.lock(ctx, "status"); err != nil {
		return escpos.Status{}, err
	}
	defer p.unlock()
	l, err := p.dial(ctx)
	if err != nil {
		return escpos.Status{}, err
	}
	defer l.Close()
	st, err := p.query(ctx, l)
	if err != nil {
		return escpos.Status{}, p.fail(err.(*Error))
	}
	p.mute, p.answered = false, true
	return st, nil
}

// query sends the status requests on l and parses the replies; errors are
// *Error with Op "status".
func (p *Printer) query(ctx context.Context, l link) (escpos.Status, error) {
	req := escpos.StatusRequest()
	if n, err := l.write(ctx, req, p.opt.WriteTimeout); err != nil || n < len(req) {
		return escpos.Status{}, &Error{Fault: ioFault(ctx, err, WriteTimeout), Op: "status", Err: err}
	}
	var reply []byte
	buf := make([]byte, 16)
	deadline := time.Now().Add(p.opt.StatusTimeout)
	for {
		st, perr := escpos.ParseStatus(reply)
		if perr == nil {
			return st, nil
		}
		if !errors.Is(perr, escpos.ErrStatusShort) {
			return escpos.Status{}, &Error{Fault: BadReply, Op: "status", Err: perr}
		}
		left := time.Until(deadline)
		if left <= 0 {
			return escpos.Status{}, &Error{Fault: NoReply, Op: "status", Err: perr}
		}
		n, err := l.read(ctx, buf, left)
		reply = append(reply, buf[:n]...)
		if err != nil && n == 0 {
			return escpos.Status{}, &Error{Fault: ioFault(ctx, err, NoReply), Op: "status", Err: err}
		}
	}
}

// dial opens a connection to the printer.
func (p *Printer) dial(ctx context.Context) (link, error) {
	ctx, cancel := context.WithTimeout(ctx, p.opt.DialTimeout)
	defer cancel()
	l, err := p.open(ctx)
	if err != nil {
		return nil, p.fail(&Error{Fault: dialFault(ctx, err), Op: "connect", Err: err})
	}
	return l, nil
}

func (p *Printer) open(ctx context.Context) (link, error) {
	switch p.spec.Kind {
	case KindTCP:
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", p.spec.Addr)
		if err != nil {
			return nil, err
		}
		tc, ok := c.(*net.TCPConn)
		if !ok {
			return deadlineLink{c}, nil
		}
		tc.SetWriteBuffer(tcpSendBuffer)
		tc.SetNoDelay(true)
		return tcpLink{deadlineLink{c}, tc}, nil
	case KindUSB:
		return openFile(ctx, p.spec.Addr, p.opt.Log)
	case KindSerial:
		port, err := openSerial(p.spec.Addr, p.spec.Baud)
		if err != nil {
			return nil, err
		}
		return &serialLink{port: port, log: p.opt.Log}, nil
	}
	return nil, fmt.Errorf("printer: kind %s", p.spec.Kind)
}

// openFile opens a printer device file; with deadlines when the runtime can
// poll it.
func openFile(ctx context.Context, path string, log *slog.Logger) (link, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|noCTTY, 0)
	if err != nil {
		return nil, err
	}
	if err := f.SetWriteDeadline(time.Time{}); errors.Is(err, os.ErrNoDeadline) {
		return &fileLink{f: f, log: log}, nil
	}
	return deadlineLink{f}, nil
}

// fail logs a failure's detail and returns it.
func (p *Printer) fail(e *Error) error {
	p.opt.Log.Warn("printer: "+e.Op+" failed", "printer", p.spec.String(), "fault", e.Fault.String(),
		"sent", e.Sent, "total", e.Total, "status", e.Status.String(), "err", e.Err)
	return e
}
