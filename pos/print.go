package pos

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"kassa/device/printer"
	"kassa/pos/receipt"
	"kassa/store"
)

// PrintTimeout bounds one print job: the printer's connection, every
// write and its status replies, or the OS print command of a PDF.
const PrintTimeout = 30 * time.Second

// Printed is a receipt copy or a Z report that was printed, or that failed
// to print (then Receipt and Path still say what was meant for the paper).
type Printed struct {
	Copy      ReceiptCopy     // the receipt copy ("" for a Z report)
	Print     int             // the copy's print number in the journal: 1 the original, 2 and more a DUPLICATE
	Duplicate bool            // stamped DUPLICATE
	Receipt   receipt.Receipt // what was printed (a receipt copy)
	Path      string          // the PDF file written (PDF printing only)
}

// PrintReceipt prints a receipt copy of payment id on the configured
// printer (KASSA_PRINTER) in the words w (nil: English) and journals the
// print only once it is on paper: when the ESC/POS printer took every byte,
// or the OS print command for the PDF succeeded. A print that fails
// journals nothing (the next try is numbered as this one was) and returns
// an *Error whose Reason says why (CausePrinter…; errors.Is ErrNotPrinted).
// Prints run one at a time, so the copy's number (original or DUPLICATE)
// printed is the number journaled.
func (e *Engine) PrintReceipt(ctx context.Context, id string, copy ReceiptCopy, w receipt.Words) (Printed, error) {
	return e.printCopy(ctx, id, "", copy, w)
}

// PrintChildReceipt prints a receipt copy of a payment's capture or refund
// (issue 11) as PrintReceipt does: journaled once on paper, numbered per
// child and copy, a reprint stamped DUPLICATE.
func (e *Engine) PrintChildReceipt(ctx context.Context, orderID, childID string, copy ReceiptCopy, w receipt.Words) (Printed, error) {
	return e.printCopy(ctx, orderID, childID, copy, w)
}

// printCopy prints a receipt copy of payment id (of its child, when child
// is set) and journals the print once it is on paper.
func (e *Engine) printCopy(ctx context.Context, id, child string, copy ReceiptCopy, w receipt.Words) (Printed, error) {
	if copy == "" {
		copy = CustomerCopy
	}
	if err := e.printLock(ctx); err != nil {
		return Printed{Copy: copy}, err
	}
	defer e.printUnlock()
	out, err := e.copyToPrint(id, child, copy, w)
	if err != nil {
		return out, err
	}
	name := "receipt-" + safeFileName(id) + "-" + safeFileName(child) + "-" + strings.ToLower(strings.Fields(string(copy))[0])
	if out.Path, err = e.printDoc(ctx, out.Receipt.ESCPOS, func(b *bytes.Buffer) error { return receipt.PDF(b, out.Receipt) }, name); err != nil {
		return out, err
	}
	f := map[string]string{store.FieldCopy: string(copy), store.FieldCashier: e.Who(ctx)}
	if child != "" {
		f[store.FieldChild] = child
	}
	p, err := e.journal.Record(id, store.Event{Type: store.EventReceipt, Fields: f})
	if err != nil {
		// On paper but not in the journal: the next print is stamped as
		// this one was; say so in the log, never print again by itself.
		e.log.Error("receipt printed but not journaled", "order", id, "child", child, "copy", string(copy), "err", err)
		return out, errorOf(ErrJournal, Reason{Cause: CausePrintNotJournaled, Detail: err.Error()})
	}
	if got := p.Events[len(p.Events)-1].Fields[store.FieldPrint]; got != itoa(out.Print) {
		e.log.Error("receipt print numbered differently than printed", "order", id, "copy", string(copy), "printed", out.Print, "journal", got)
	}
	return out, nil
}

// copyToPrint fills the copy as its next print will be numbered.
func (e *Engine) copyToPrint(id, child string, copy ReceiptCopy, w receipt.Words) (Printed, error) {
	out := Printed{Copy: copy}
	n, err := e.journal.NextChildPrint(id, child, string(copy))
	var p store.Payment
	if err == nil {
		p, err = e.journal.Get(id)
	}
	if err != nil {
		return out, notFound(err)
	}
	out.Print, out.Duplicate = n, n > 1
	if child == "" {
		out.Receipt = e.receiptOf(p, copy, out.Duplicate)
	} else if out.Receipt, err = e.childReceiptOf(p, child, copy); err != nil {
		return out, err
	}
	out.Receipt.Duplicate, out.Receipt.Words = out.Duplicate, w
	return out, nil
}

// PrintZReport prints a Z report on the configured printer (not journaled:
// the close is). A failure is an *Error as PrintReceipt's.
func (e *Engine) PrintZReport(ctx context.Context, z receipt.ZReport) (Printed, error) {
	var out Printed
	if err := e.printLock(ctx); err != nil {
		return out, err
	}
	defer e.printUnlock()
	var err error
	out.Path, err = e.printDoc(ctx, z.ESCPOS, func(b *bytes.Buffer) error { return receipt.ZPDF(b, z) },
		"z-report-"+safeFileName(z.RequestID))
	return out, err
}

// printDoc prints one document on the configured printer.
func (e *Engine) printDoc(ctx context.Context, escpos func(receipt.PrintOptions) (receipt.Job, error),
	pdf func(*bytes.Buffer) error, name string) (path string, err error) {
	setup, err := e.Config().PrinterSetup()
	if err != nil {
		return "", errorOf(ErrNotPrinted, Reason{Cause: CausePrinterConfig, Detail: err.Error()})
	}
	return e.printOn(ctx, setup, escpos, pdf, name)
}

// printOn prints one document on setup's printer: on an ESC/POS printer
// the bytes escpos renders, else the PDF pdf renders, saved as name.pdf in
// the receipts folder and handed to the OS print command. path is the
// PDF's.
func (e *Engine) printOn(ctx context.Context, setup PrinterSetup, escpos func(receipt.PrintOptions) (receipt.Job, error),
	pdf func(*bytes.Buffer) error, name string) (path string, err error) {
	ctx, cancel := context.WithTimeout(ctx, PrintTimeout)
	defer cancel()
	if !setup.Spec.ESCPOS() {
		return e.printPDF(ctx, pdf, name)
	}
	job, err := escpos(receipt.PrintOptions{Width: setup.Width, CodePage: setup.CodePage})
	if err != nil {
		return "", errorOf(ErrNotPrinted, Reason{Cause: CausePrinterFailed, Detail: err.Error()})
	}
	if job.Replaced > 0 {
		e.log.Info("receipt: characters the printer's code page lacks printed as ?", "count", job.Replaced)
	}
	p, err := e.escposPrinter(setup.Spec)
	if err == nil {
		err = p.Print(ctx, job.Bytes)
	}
	e.notePrinter(setup.Spec, nil, err)
	if err != nil {
		return "", printError(err)
	}
	return "", nil
}

// printPDF saves the PDF and runs the OS print command on it.
func (e *Engine) printPDF(ctx context.Context, render func(*bytes.Buffer) error, name string) (string, error) {
	var b bytes.Buffer
	if err := render(&b); err != nil {
		return "", errorOf(ErrNotPrinted, Reason{Cause: CausePrinterFailed, Detail: err.Error()})
	}
	dir := e.ReceiptDir()
	path := filepath.Join(dir, name+"-"+time.Now().Format("20060102-150405.000")+".pdf")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", errorOf(ErrNotPrinted, Reason{Cause: CausePrintCommandFailed, Detail: err.Error()})
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		return "", errorOf(ErrNotPrinted, Reason{Cause: CausePrintCommandFailed, Detail: err.Error()})
	}
	if err := e.printCommand()(ctx, path); err != nil {
		e.log.Warn("receipt: the OS print command failed", "file", path, "err", err)
		return path, errorOf(ErrNotPrinted, Reason{Cause: CausePrintCommandFailed, Detail: err.Error()})
	}
	return path, nil
}

// ReceiptDir is where PDF receipts and Z reports are saved (the data
// directory's "receipts").
func (e *Engine) ReceiptDir() string { return filepath.Join(e.Config().DataDir, "receipts") }

// printLock waits for the engine's print turn, or ctx.
func (e *Engine) printLock(ctx context.Context) error {
	select {
	case e.printTurn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return errorOf(ErrNotPrinted, Reason{Cause: CausePrinterBusy, Detail: ctx.Err().Error()})
	}
}

func (e *Engine) printUnlock() { <-e.printTurn }

// safeFileName keeps letters, digits and '-' of an id for a file name.
func safeFileName(s string) string {
	s = strings.Map(func(c rune) rune {
		if c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') {
			return c
		}
		return -1
	}, s)
	if s == "" {
		return "x"
	}
	return s
}

// printError is the engine error of a printer failure.
func printError(err error) error {
	return errorOf(ErrNotPrinted, Reason{Cause: printerCause(printer.FaultOf(err)), Detail: fmt.Sprint(err)})
}

// TestPrint prints a test page on the printer cfg describes (Settings'
// values, saved or not): its settings, a ruler a line wide and a Russian
// line. path is the PDF's when the printer is "pdf".
func (e *Engine) TestPrint(ctx context.Context, cfg Config, w receipt.Words) (path string, err error) {
	setup, err := cfg.PrinterSetup()
	if err != nil {
		return "", errorOf(ErrNotPrinted, Reason{Cause: CausePrinterConfig, Detail: err.Error()})
	}
	if err := e.printLock(ctx); err != nil {
		return "", err
	}
	defer e.printUnlock()
	name := cfg.Merchant.Name
	if name == "" {
		name = cfg.TerminalName
	}
	page := receipt.TestPage{Merchant: name, Setting: setup.Spec.String(), Width: setup.Width,
		CodePage: int(setup.CodePage.Number), At: time.Now(), Words: w}
	return e.printOn(ctx, setup, page.ESCPOS, func(b *bytes.Buffer) error { return page.PDF(b) }, "printer-test")
}
