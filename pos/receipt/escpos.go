package receipt

import (
	"fmt"
	"strings"

	"kassa/device/escpos"
)

// PrintOptions say how a receipt or Z report is printed on an ESC/POS
// printer (KASSA_PRINTER_WIDTH, KASSA_PRINTER_CODEPAGE, the language).
type PrintOptions struct {
	Width    int             // characters per line: 32, 42 or 48; 0 is Width (42)
	CodePage escpos.CodePage // the zero value is CP866 as Epson numbers it (17)
	Words    Words           // the terminal's language; nil: the receipt's own Words, else English
}

// Job is a print job for an ESC/POS printer: one receipt copy or one Z
// report, ending in a cut.
type Job struct {
	Bytes []byte
	// Characters the code page lacks: printed as '?' (Replaced) or as a
	// look-alike such as '-' for '—' (Substituted). Worth a log line.
	Replaced, Substituted int
}

// qrSize is the QR module size in dots per width: about 2.5 cm wide.
func qrSize(width int) int {
	if width <= escpos.Width58 {
		return 5
	}
	return 6
}

// escposDoc is a receipt being printed: the encoder and the words.
type escposDoc struct {
	e *escpos.Encoder
	w Words
}

func newESCPOS(o PrintOptions) (*escposDoc, error) {
	if o.Width == 0 {
		o.Width = Width
	}
	if o.CodePage == (escpos.CodePage{}) {
		o.CodePage = escpos.CP866(escpos.EpsonPC866)
	}
	e, err := escpos.New(o.Width, o.CodePage)
	if err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	e.Init()
	return &escposDoc{e: e, w: o.Words}, nil
}

// t is the text in the terminal's language.
func (d *escposDoc) t(english string) string {
	if d.w != nil {
		if s := d.w.Text(english); s != "" {
			return s
		}
	}
	return english
}

func (d *escposDoc) centered(text string) {
	if text = clean(text); text != "" {
		d.e.Align(escpos.Center).Line(text).Align(escpos.Left)
	}
}

func (d *escposDoc) bold(text string) {
	if text = clean(text); text != "" {
		d.e.Bold(true)
		d.centered(text)
		d.e.Bold(false)
	}
}

// big prints text centred at double size, or double height only when it is
// wider than half a line.
func (d *escposDoc) big(text string) {
	text = clean(text)
	if text == "" {
		return
	}
	w := 2
	if runeLen(text) > d.e.Width()/2 {
		w = 1
	}
	d.e.Bold(true).Size(w, 2)
	d.centered(text)
	d.e.Size(1, 1).Bold(false)
}

// stamp prints a banner white on black: "*** DUPLICATE ***".
func (d *escposDoc) stamp(text string) {
	d.e.Align(escpos.Center).Bold(true).Reverse(true)
	for _, l := range wrap(d.t(text), d.e.Width()-8) {
		d.e.Line("*** " + l + " ***")
	}
	d.e.Reverse(false).Bold(false).Align(escpos.Left)
}

// field prints "Label        value"; an empty value prints nothing.
func (d *escposDoc) field(label, value string) {
	if value = clean(value); value != "" {
		indent := label[:len(label)-len(strings.TrimLeft(label, " "))]
		d.e.Columns(indent+d.t(strings.TrimSpace(label)), value)
	}
}

func (d *escposDoc) para(text string) {
	if text = clean(text); text != "" {
		d.e.Line(text)
	}
}

// end prints the QR code of ref (when there is one), feeds and cuts.
func (d *escposDoc) end(ref string) (Job, error) {
	if ref = clean(ref); ref != "" {
		d.e.Align(escpos.Center)
		if err := d.e.QR(ref, qrSize(d.e.Width())); err != nil {
			return Job{}, fmt.Errorf("receipt: %w", err)
		}
		d.e.Line("").Align(escpos.Left)
	}
	d.e.Feed(1).Cut()
	return Job{Bytes: d.e.Bytes(), Replaced: d.e.Replaced(), Substituted: d.e.Substituted()}, nil
}

// Reference is what a receipt's QR code holds: Kassa's order id (what
// `kassa receipt` and the journal look a payment up by), else the gateway's
// receipt id.
func (r Receipt) Reference() string {
	if id := clean(r.ClientOrderID); id != "" {
		return id
	}
	return clean(r.ReceiptID)
}

// ESCPOS renders the receipt copy for an ESC/POS printer: the same content
// as Text and PDF, laid out for o.Width, a QR code of Reference and a cut.
func (r Receipt) ESCPOS(o PrintOptions) (Job, error) {
	if o.Words == nil {
		o.Words = r.Words
	}
	d, err := newESCPOS(o)
	if err != nil {
		return Job{}, err
	}
	if r.Demo {
		d.stamp(DemoBanner)
	}
	if r.Duplicate {
		d.stamp(DuplicateBanner)
	}
	d.bold(r.Merchant)
	d.centered(r.Address)
	if r.Copy != "" {
		d.e.Line("")
		d.bold(d.t(r.Copy))
	}
	d.e.Rule('-')
	d.bold(d.t(KindText(r.Kind)))
	d.big(AmountText(r.Amount, r.Currency))
	d.e.Rule('-')
	d.field("Card", MaskPAN(r.MaskedPAN))
	d.field("Scheme", strings.ToUpper(r.Scheme))
	d.chipCard(r.Chip)
	d.field("Approval code", r.ApprovalCode)
	d.field("RRN", r.RRN)
	d.field("Terminal", r.TerminalID)
	d.field("Receipt", r.ReceiptID)
	d.field("Order", r.ClientOrderID)
	if !r.At.IsZero() {
		d.field("Date", r.At.Format(TimeLayout))
	}
	d.chipData(r.Chip)
	d.e.Rule('-')
	head, note := StatusText(r.Status)
	if head != "" {
		d.big(d.t(head))
	}
	if note != "" {
		d.centered(d.t(note))
	}
	d.chipVerification(r)
	if r.Copy == CustomerCopy && strings.EqualFold(r.Status, "approved") {
		d.centered(d.t("Thank you! Please keep this receipt."))
	}
	if r.Demo || r.Duplicate {
		d.e.Line("")
	}
	if r.Duplicate {
		d.stamp(DuplicateBanner)
	}
	if r.Demo {
		d.stamp(DemoBanner)
	}
	return d.end(r.Reference())
}
