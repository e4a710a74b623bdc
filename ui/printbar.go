package ui

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// printBar prints receipt copies through the engine and says what came of
// it: "Printed", or why not with a Print again button (for the copies not
// printed yet) and, when the PDF was saved but not printed, Open PDF.
type printBar struct {
	u *UI

	msg     *widget.Label
	again   *widget.Button
	openPDF *widget.Button
	box     *fyne.Container

	id       string
	child    string            // a capture's or refund's receipt (issue 11); "" the payment's
	pending  []pos.ReceiptCopy // the copies Print again prints
	path     string            // the PDF saved by the last try
	printing bool
	// done is called on the UI goroutine after each try (the receipt
	// screen refreshes its previews).
	done func()
}

func newPrintBar(u *UI) *printBar {
	b := &printBar{u: u, msg: &widget.Label{Wrapping: fyne.TextWrapWord}}
	b.again = &widget.Button{Text: tr("Print again"), Icon: theme.DocumentPrintIcon(), Importance: widget.WarningImportance,
		OnTapped: func() { b.print(b.id, b.child, b.pending) }}
	b.openPDF = &widget.Button{Text: tr("Open PDF"), Icon: theme.FileIcon(), OnTapped: func() { b.u.openFile(b.path) }}
	b.box = container.NewBorder(nil, nil, nil, container.NewHBox(b.openPDF, b.again), b.msg)
	b.reset("", "")
	return b
}

func (b *printBar) view() fyne.CanvasObject { return b.box }

// reset forgets the last print (another payment or child is shown).
func (b *printBar) reset(id, child string) {
	b.id, b.child, b.pending, b.path = id, child, nil, ""
	b.msg.Importance, b.msg.TextStyle = widget.MediumImportance, fyne.TextStyle{}
	b.msg.SetText("")
	b.again.Hide()
	b.openPDF.Hide()
}

// print prints copies of payment id (of its capture or refund child) one
// after the other, stopping at the first failure.
func (b *printBar) print(id, child string, copies []pos.ReceiptCopy) {
	if b.printing || id == "" || len(copies) == 0 {
		return
	}
	b.reset(id, child)
	b.printing = true
	b.msg.SetText(tr("Printing…"))
	lang := current()
	b.u.goroutine(func(ctx context.Context) {
		var done []pos.ReceiptCopy
		var last pos.Printed
		var err error
		for _, cp := range copies {
			if child != "" {
				last, err = b.u.eng.PrintChildReceipt(ctx, id, child, cp, lang)
			} else {
				last, err = b.u.eng.PrintReceipt(ctx, id, cp, lang)
			}
			if err != nil {
				break
			}
			done = append(done, cp)
		}
		b.u.later(func() { b.finish(id, child, copies, done, last, err) })
	})
}

// finish shows the outcome of a print.
func (b *printBar) finish(id, child string, copies, done []pos.ReceiptCopy, last pos.Printed, err error) {
	b.printing = false
	if b.id != id || b.child != child {
		return
	}
	switch {
	case err == nil:
		b.msg.SetText(tr("Printed:") + " " + copyNames(done))
	case !errors.Is(err, pos.ErrNotPrinted):
		// Printed (or not at all for another reason): no Print again.
		what, todo := printProblem(err)
		b.msg.Importance, b.msg.TextStyle = widget.DangerImportance, fyne.TextStyle{Bold: true}
		b.msg.SetText(strings.TrimSpace(what + " " + todo))
	default:
		b.pending, b.path = copies[len(done):], last.Path
		what, todo := printProblem(err)
		b.msg.Importance, b.msg.TextStyle = widget.DangerImportance, fyne.TextStyle{Bold: true}
		b.msg.SetText(strings.TrimSpace(tr("Not printed:") + " " + copyNames(b.pending) + ". " + what + " " + todo))
		b.again.Show()
		if b.path != "" {
			b.openPDF.Show()
		}
	}
	if b.done != nil {
		b.done()
	}
}

// printProblem is a print error in words: the printer's trouble and what
// to do.
func printProblem(err error) (what, todo string) {
	if r := pos.ReasonOf(err); r.Cause != pos.CauseNone {
		return reasonText(r)
	}
	return errText(err), ""
}

// copyNames lists receipt copies in the screens' language.
func copyNames(cs []pos.ReceiptCopy) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = strings.ToLower(tr(string(c)))
	}
	return strings.Join(names, ", ")
}

// autoCopies are the copies printed after an approval by the setting
// (none: the cashier presses Print).
func autoCopies(cfg pos.Config) []pos.ReceiptCopy {
	setup, err := cfg.PrinterSetup()
	if err != nil {
		return nil
	}
	switch setup.After {
	case pos.PrintBoth:
		return []pos.ReceiptCopy{pos.MerchantCopy, pos.CustomerCopy}
	case pos.PrintCustomer:
		return []pos.ReceiptCopy{pos.CustomerCopy}
	}
	return nil
}

// reportPrinted says what came of printing a report: printed (with the
// PDF's path when it was one), or why not and what to do (press Print
// again).
func reportPrinted(out pos.Printed, err error) string {
	if err == nil {
		return strings.TrimSpace(tr("Printed.") + " " + out.Path)
	}
	what, todo := printProblem(err)
	msg := strings.TrimSpace(what + " " + todo)
	if errors.Is(err, pos.ErrNotPrinted) {
		msg = tr("Not printed:") + " " + msg
	}
	if out.Path != "" {
		msg += " " + out.Path
	}
	return msg
}
