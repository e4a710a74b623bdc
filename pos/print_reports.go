package pos

import (
	"bytes"
	"context"

	"kassa/pos/receipt"
	"kassa/store"
)

// Reports printed like receipts (issue 16): the X report and a past Z
// report's COPY are journaled as printed only once they are on paper.

// ZCopy fills a past close day's Z report stamped COPY (nothing printed
// or journaled; PrintZCopy prints it).
func (e *Engine) ZCopy(id string) (receipt.ZReport, error) {
	z, err := e.PastZReport(id)
	if err != nil {
		return receipt.ZReport{}, err
	}
	r := e.zReceipt(z.Report, false)
	r.Copy = true
	return r, nil
}

// PrintZCopy prints a past close day's Z report stamped COPY on the
// configured printer (in the words w) and journals the print, caused by
// Who(ctx), once it is on paper (issue 16: as receipts are).
func (e *Engine) PrintZCopy(ctx context.Context, id string, w receipt.Words) (Printed, error) {
	r, err := e.ZCopy(id)
	if err != nil {
		return Printed{}, err
	}
	r.Words = w
	return e.printReport(ctx, r.ESCPOS, func(b *bytes.Buffer) error { return receipt.ZPDF(b, r) }, "z-report-"+safeFileName(id)+"-copy",
		map[string]string{"report": "z", store.FieldRequestID: id, store.FieldCopy: receipt.CopyBanner})
}

// PrintXReport prints the X report on the configured printer (in the
// words w, with the name of Who(ctx)) and journals the print as caused by
// them once it is on paper (issue 16).
func (e *Engine) PrintXReport(ctx context.Context, x XReport, w receipt.Words) (Printed, error) {
	r := e.XReceipt(x, e.CashierName(e.Who(ctx)))
	r.Words = w
	return e.printReport(ctx, r.ESCPOS, func(b *bytes.Buffer) error { return receipt.XPDF(b, r) }, "x-report",
		map[string]string{"report": "x"})
}

// printReport prints a report and then journals the print (a report event
// with fields f, caused by Who(ctx)).
func (e *Engine) printReport(ctx context.Context, escpos func(receipt.PrintOptions) (receipt.Job, error),
	pdf func(*bytes.Buffer) error, name string, f map[string]string) (Printed, error) {
	if err := e.printLock(ctx); err != nil {
		return Printed{}, err
	}
	defer e.printUnlock()
	var out Printed
	var err error
	if out.Path, err = e.printDoc(ctx, escpos, pdf, name); err != nil {
		return out, err
	}
	if err := e.journal.Note(store.EventReport, e.Who(ctx), f); err != nil {
		e.log.Error("report printed but not journaled", "report", f["report"], "err", err)
		return out, errorOf(ErrJournal, Reason{Cause: CausePrintNotJournaled, Detail: err.Error()})
	}
	return out, nil
}
