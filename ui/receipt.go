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
)

// receiptScreen shows the merchant and the customer copy of a payment's
// receipt as the next print would be (stamped DUPLICATE once printed) and
// prints them on the configured printer (ESC/POS, or a PDF printed by the
// OS); a receipt counts as printed only once it is on paper.
type receiptScreen struct {
	u *UI

	id   string
	back screen

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
	r.id, r.back = id, back
	if r.bar.id != id {
		r.bar.reset(id)
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

// refresh shows both copies as they would print now.
func (r *receiptScreen) refresh() {
	for _, c := range []struct {
		cp pos.ReceiptCopy
		l  *widget.Label
	}{{pos.MerchantCopy, r.merchant}, {pos.CustomerCopy, r.customer}} {
		rc, err := r.u.eng.ReceiptPreview(r.id, c.cp)
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
	r.bar.print(r.id, []pos.ReceiptCopy{pos.MerchantCopy, pos.CustomerCopy})
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
