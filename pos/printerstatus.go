package pos

import (
	"context"
	"errors"
	"time"

	"kassa/device/escpos"
	"kassa/device/printer"
)

// PrinterStatus is the receipt printer's state for the status bar.
type PrinterStatus struct {
	Setting string // the printer setting as ParseSpec reads it ("pdf", "tcp:10.0.0.5:9100")
	ESCPOS  bool   // an ESC/POS printer (false: a PDF printed by the OS)
	// Checked: the printer was asked (or printed) since the setting was
	// made; Reason and Answers say what came of it.
	Checked bool
	Answers bool      // the printer answers status requests (paper and cover are known)
	Reason  Reason    // CauseNone ready; CausePrinterPaperLow still prints; other causes: it cannot print now
	At      time.Time // when it was last checked
}

// CanPrint reports whether nothing known stops the printer from printing.
func (s PrinterStatus) CanPrint() bool {
	return s.Reason.Cause == CauseNone || s.Reason.Cause == CausePrinterPaperLow
}

// PrinterPollInterval is how often an ESC/POS printer is asked for its
// status while idle.
const PrinterPollInterval = 20 * time.Second

// printerStatusTimeout bounds one status check (connect and reply).
const printerStatusTimeout = 5 * time.Second

// escposPrinter returns the printer of spec, made once per setting.
func (e *Engine) escposPrinter(spec printer.Spec) (*printer.Printer, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.prn != nil && e.prn.Spec() == spec {
		return e.prn, nil
	}
	o := e.parts.printer
	if o.Log == nil {
		o.Log = e.log
	}
	p, err := printer.New(spec, o)
	if err != nil {
		return nil, err
	}
	e.prn = p
	return p, nil
}

// notePrinter records what a print or status request on spec taught
// (err nil: it printed, or answered st) and publishes it.
func (e *Engine) notePrinter(spec printer.Spec, st *escpos.Status, err error) {
	s := PrinterStatus{Setting: spec.String(), ESCPOS: spec.ESCPOS(), Checked: true, At: time.Now()}
	switch f := printer.FaultOf(err); {
	case err == nil && st != nil:
		s.Answers = true
		if st.PaperNearEnd {
			s.Reason = Reason{Cause: CausePrinterPaperLow}
		}
	case err == nil:
		s.Answers = e.Snapshot().Printer.Answers
	case (f == printer.NoReply || f == printer.BadReply) && statusOp(err):
		// Connected, but no status: a one-way printer.
	case f == printer.Cancelled:
		return
	default:
		s.Reason = Reason{Cause: printerCause(f), Detail: err.Error()}
		s.Answers = f == printer.PaperOut || f == printer.CoverOpen || f == printer.Offline
	}
	e.mu.Lock()
	if cur, _ := e.cfg.PrinterSetup(); cur.Spec == spec {
		e.snap.Printer = s
		e.publishLocked()
	}
	e.mu.Unlock()
}

// statusOp reports whether err is a status request's (not a print's).
func statusOp(err error) bool {
	var e *printer.Error
	return errors.As(err, &e) && e.Op == "status"
}

// CheckPrinter asks the ESC/POS printer for its status now (close day asks
// before printing the Z report) and returns what the status bar shows. A
// PDF printer is never asked: it is reported as it is.
func (e *Engine) CheckPrinter(ctx context.Context) PrinterStatus {
	setup, err := e.Config().PrinterSetup()
	if err != nil {
		return PrinterStatus{Setting: e.Config().Printer, Checked: true, Reason: Reason{Cause: CausePrinterConfig, Detail: err.Error()}}
	}
	if !setup.Spec.ESCPOS() {
		return PrinterStatus{Setting: setup.Spec.String()}
	}
	if err := e.printLock(ctx); err != nil {
		return e.Snapshot().Printer
	}
	defer e.printUnlock()
	e.askPrinter(ctx, setup.Spec)
	return e.Snapshot().Printer
}

// askPrinter asks spec's printer for its status (the caller holds the
// print turn).
func (e *Engine) askPrinter(ctx context.Context, spec printer.Spec) {
	p, err := e.escposPrinter(spec)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, printerStatusTimeout)
	defer cancel()
	st, err := p.Status(ctx)
	if err != nil {
		e.notePrinter(spec, nil, err)
		return
	}
	e.notePrinter(spec, &st, statusErr(st))
}

// statusErr is the printer error a status reports, nil when it can print.
func statusErr(st escpos.Status) error {
	if f := printer.StatusFault(st); f != printer.FaultNone {
		return &printer.Error{Fault: f, Op: "status", Status: st}
	}
	return nil
}

// pollPrinter asks an ESC/POS printer for its status every
// PrinterPollInterval while no print is running, until the engine closes.
func (e *Engine) pollPrinter() {
	defer e.wg.Done()
	t := time.NewTicker(PrinterPollInterval)
	defer t.Stop()
	for {
		e.pollOnce()
		select {
		case <-e.ctx.Done():
			return
		case <-t.C:
		case <-e.printerChanged:
		}
	}
}

// pollOnce asks once, unless a print holds the printer.
func (e *Engine) pollOnce() {
	setup, err := e.Config().PrinterSetup()
	if err != nil || !setup.Spec.ESCPOS() {
		return
	}
	select {
	case e.printTurn <- struct{}{}:
	default:
		return // printing: the print's result is noted
	}
	defer e.printUnlock()
	e.askPrinter(e.ctx, setup.Spec)
}

// printerStatusOf is the status of cfg's printer before it was asked.
func printerStatusOf(cfg Config) PrinterStatus {
	setup, err := cfg.PrinterSetup()
	if err != nil {
		return PrinterStatus{Setting: cfg.Printer, Checked: true, Reason: Reason{Cause: CausePrinterConfig, Detail: err.Error()}}
	}
	return PrinterStatus{Setting: setup.Spec.String(), ESCPOS: setup.Spec.ESCPOS()}
}
