package ui

import (
	"net/url"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
	"kassa/pos/receipt"
)

// receiptScreen shows the merchant and the customer copy of a payment's
// receipt as the next print would be (stamped DUPLICATE once printed) and
// prints them on the configured printer (ESC/POS, or a PDF printed by the
// OS); a receipt counts as printed only once it is on paper.
type receiptScreen struct {
	u *UI

	id    string
	child string // a refund's or capture's receipt (issue 11); "" for the payment's
	back  screen

	title    *widget.Label
	merchant *widget.Label
	customer *widget.Label
	bar      *printBar
	printBtn *widget.Button
	backBtn  *widget.Button

	root fyne.CanvasObject
}

func newReceiptScreen(u *UI) *receiptScreen {
	mono := fyne.TextStyle{Monospace: true}
	r := &receiptScreen{
		u:        u,
		title:    &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText},
		merchant: &widget.Label{TextStyle: mono},
		customer: &widget.Label{TextStyle: mono},
		bar:      newPrintBar(u),
	}
	r.bar.done = r.refresh
	r.printBtn = &widget.Button{Text: tr("Print receipt"), Icon: theme.DocumentPrintIcon(), Importance: widget.HighImportance, OnTapped: r.printTapped}
	r.backBtn = &widget.Button{Text: tr("Back"), Icon: theme.NavigateBackIcon(), OnTapped: r.backTapped}

	paper := func(l *widget.Label) fyne.CanvasObject {
		return panel(colorCard, container.NewVScroll(l))
	}
	copies := container.NewGridWithColumns(2, paper(r.merchant), paper(r.customer))
	bar := container.NewHBox(r.backBtn, r.title, layout.NewSpacer(), fixedHeight(48, r.printBtn))
	r.root = container.NewPadded(container.NewBorder(bar, r.bar.view(), nil, nil, copies))
	return r
}

func (r *receiptScreen) view() fyne.CanvasObject { return r.root }

// open loads a payment's receipt preview; back is where Back returns.
func (r *receiptScreen) open(id string, back screen) {
	r.id, r.child, r.back = id, "", back
	if r.bar.id != id || r.bar.child != "" {
		r.bar.reset(id, "")
	}
	r.printBtn.Enable()
	v, err := r.u.eng.Payment(id)
	if err != nil {
		r.title.SetText(tr("Receipt"))
		r.merchant.SetText(errText(err))
		r.customer.SetText("")
		r.printBtn.Disable()
		return
	}
	r.title.SetText(tr("Receipt") + " · " + money(v.Amount) + " · " + statusText(v.Status))
	r.refresh()
}

// openChild loads a refund's or capture's receipt preview (issue 11).
func (r *receiptScreen) openChild(id, child string, back screen) {
	r.id, r.child, r.back = id, child, back
	if r.bar.id != id || r.bar.child != child {
		r.bar.reset(id, child)
	}
	r.printBtn.Enable()
	m, err := r.u.eng.ChildReceiptPreview(id, child, pos.MerchantCopy)
	if err != nil {
		r.title.SetText(tr("Receipt"))
		r.merchant.SetText(errText(err))
		r.customer.SetText("")
		r.printBtn.Disable()
		return
	}
	title := tr("Receipt") + " · " + current().Text(receipt.KindText(m.Kind))
	if a, err := pos.ParseAmount(m.Amount, m.Currency); err == nil {
		title += " · " + money(a)
	}
	r.title.SetText(title)
	r.refresh()
}

// refresh shows both copies as they would print now.
func (r *receiptScreen) refresh() {
	for _, c := range []struct {
		cp pos.ReceiptCopy
		l  *widget.Label
	}{{pos.MerchantCopy, r.merchant}, {pos.CustomerCopy, r.customer}} {
		var rc receipt.Receipt
		var err error
		if r.child != "" {
			rc, err = r.u.eng.ChildReceiptPreview(r.id, r.child, c.cp)
		} else {
			rc, err = r.u.eng.ReceiptPreview(r.id, c.cp)
		}
		if err != nil {
			c.l.SetText(errText(err))
			continue
		}
		rc.Words = current()
		c.l.SetText(rc.Text())
	}
}

// printTapped prints both copies (a reprint comes out stamped DUPLICATE).
func (r *receiptScreen) printTapped() {
	r.bar.print(r.id, r.child, []pos.ReceiptCopy{pos.MerchantCopy, pos.CustomerCopy})
}

func (r *receiptScreen) backTapped() {
	if r.back != nil {
		r.u.show(r.back)
		return
	}
	r.u.home()
}

// openFile hands a saved PDF to the OS viewer (to look at, or print by
// hand: that print is not journaled).
func (u *UI) openFile(path string) {
	if u.opts.NoOpen {
		return
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	uri := &url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	if err := u.app.OpenURL(uri); err != nil {
		fyne.LogError("Kassa: opening "+path, err)
	}
}
