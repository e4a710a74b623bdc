package ui

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
	"kassa/pos/receipt"
)

// receiptScreen shows the merchant and the customer copy of a payment's
// receipt and prints them: a PDF saved in the receipts folder and opened
// with the OS (which prints it).
type receiptScreen struct {
	u *UI

	id    string
	child string // a refund's or capture's receipt (issue 11); "" for the payment's
	back  screen

	title    *widget.Label
	merchant *widget.Label
	customer *widget.Label
	saved    *widget.Label
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
		saved:    &widget.Label{Wrapping: fyne.TextWrapBreak, Selectable: true},
	}
	r.printBtn = &widget.Button{Text: tr("Print receipt"), Icon: theme.DocumentPrintIcon(), Importance: widget.HighImportance, OnTapped: r.printTapped}
	r.backBtn = &widget.Button{Text: tr("Back"), Icon: theme.NavigateBackIcon(), OnTapped: r.backTapped}

	paper := func(l *widget.Label) fyne.CanvasObject {
		return panel(colorCard, container.NewVScroll(l))
	}
	copies := container.NewGridWithColumns(2, paper(r.merchant), paper(r.customer))
	bar := container.NewHBox(r.backBtn, r.title, layout.NewSpacer(), fixedHeight(48, r.printBtn))
	r.root = container.NewPadded(container.NewBorder(bar, r.saved, nil, nil, copies))
	return r
}

func (r *receiptScreen) view() fyne.CanvasObject { return r.root }

// open loads a payment's receipt preview; back is where Back returns.
func (r *receiptScreen) open(id string, back screen) {
	r.id, r.child, r.back = id, "", back
	r.saved.SetText("")
	r.printBtn.Enable()
	v, err := r.u.eng.Payment(id)
	if err != nil {
		r.title.SetText(tr("Receipt"))
		r.merchant.SetText(errText(err))
		r.customer.SetText("")
		return
	}
	r.title.SetText(tr("Receipt") + " · " + money(v.Amount) + " · " + statusText(v.Status))
	m, c := r.preview(v, pos.MerchantCopy), r.preview(v, pos.CustomerCopy)
	r.merchant.SetText(m.Text())
	r.customer.SetText(c.Text())
}

// openChild loads a refund's or capture's receipt preview (issue 11).
func (r *receiptScreen) openChild(id, child string, back screen) {
	r.id, r.child, r.back = id, child, back
	r.saved.SetText("")
	r.printBtn.Enable()
	m, err := r.u.eng.ChildReceiptPreview(id, child, pos.MerchantCopy)
	c, _ := r.u.eng.ChildReceiptPreview(id, child, pos.CustomerCopy)
	if err != nil {
		r.title.SetText(tr("Receipt"))
		r.merchant.SetText(errText(err))
		r.customer.SetText("")
		return
	}
	m.Words, c.Words = current(), current()
	r.title.SetText(tr("Receipt") + " · " + current().Text(receipt.KindText(m.Kind)) + " · " + m.Amount + " " + m.Currency)
	r.merchant.SetText(m.Text())
	r.customer.SetText(c.Text())
}

// preview fills a receipt for the screen from the payment's view. Printing
// asks the engine instead (which journals the print).
func (r *receiptScreen) preview(v pos.PaymentView, cp pos.ReceiptCopy) receipt.Receipt {
	cfg := r.u.eng.Config()
	addr := joinComma(cfg.Merchant.Address1, cfg.Merchant.City, cfg.Merchant.ZipCode, cfg.Merchant.Country)
	rc := receipt.Receipt{
		Merchant: cfg.Merchant.Name, Address: addr,
		TerminalID: v.TerminalID, ReceiptID: v.ReceiptID, ClientOrderID: v.ClientOrderID,
		Kind: string(v.Kind), Amount: v.Amount.Major(), Currency: v.Amount.Currency,
		MaskedPAN: v.MaskedPAN, Scheme: v.CardScheme, ApprovalCode: v.ApprovalCode, RRN: v.RRN,
		Status: v.Status.String(), At: v.CreatedAt.Local(), Copy: string(cp),
		Duplicate: v.Reprints > 0, Demo: cfg.Demo, Words: current(), Chip: v.Card.Receipt(),
	}
	if rc.TerminalID == "" {
		rc.TerminalID = cfg.TerminalID
	}
	return rc
}

// printTapped asks the engine for both copies (a reprint comes back
// stamped DUPLICATE), writes them as one PDF and opens it with the OS.
func (r *receiptScreen) printTapped() {
	id, child := r.id, r.child
	r.printBtn.Disable()
	r.u.goroutine(func(ctx context.Context) {
		var rs []receipt.Receipt
		var err error
		for _, cp := range []pos.ReceiptCopy{pos.MerchantCopy, pos.CustomerCopy} {
			var rc receipt.Receipt
			if child != "" {
				rc, err = r.u.eng.ChildReceipt(id, child, cp)
			} else {
				rc, err = r.u.eng.Receipt(id, cp)
			}
			if err != nil {
				break
			}
			rc.Words = current() // the terminal's language
			rs = append(rs, rc)
		}
		var path string
		if err == nil {
			name := "receipt-" + safeName(id) + "-" + time.Now().Format("150405") + ".pdf"
			path, err = r.u.savePDF(name, func(b *bytes.Buffer) error { return receipt.PDF(b, rs...) })
		}
		r.u.later(func() {
			r.printBtn.Enable()
			if err != nil {
				r.saved.SetText(tr("Could not print:") + " " + errText(err))
				return
			}
			if len(rs) == 2 && r.id == id {
				r.merchant.SetText(rs[0].Text())
				r.customer.SetText(rs[1].Text())
			}
			r.saved.SetText(tr("Saved and sent to the printer:") + " " + path)
			r.u.openFile(path)
		})
	})
}

func (r *receiptScreen) backTapped() {
	if r.back != nil {
		r.u.show(r.back)
		return
	}
	r.u.home()
}

// receiptDir is where printed receipts and Z reports go.
func (u *UI) receiptDir() string {
	if u.opts.ReceiptDir != "" {
		return u.opts.ReceiptDir
	}
	dir := u.eng.Config().DataDir
	if dir == "" {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "receipts")
}

// savePDF renders a PDF and writes it into the receipts folder.
func (u *UI) savePDF(name string, render func(*bytes.Buffer) error) (string, error) {
	var b bytes.Buffer
	if err := render(&b); err != nil {
		return "", err
	}
	dir := u.receiptDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		return "", err
	}
	return path, nil
}

// openFile hands a saved PDF to the OS (its viewer prints it).
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

// safeName keeps letters, digits and '-' of an id for a file name.
func safeName(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}

func joinComma(parts ...string) string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, strings.TrimSpace(p))
		}
	}
	return strings.Join(out, ", ")
}
