package receipt

import (
	"io"
	"time"

	"kassa/device/escpos"
)

// CopyBanner is stamped on a reprint of a past Z report (issue 13).
const CopyBanner = "COPY"

// SchemeLine is one card scheme's approved payments on a report.
type SchemeLine struct {
	Scheme     string // English label: "VISA", "MASTERCARD", "MIR", "Other cards"
	Count, Sum int64  // Sum in minor units
}

// XCurrency is one currency's figures on the X report.
type XCurrency struct {
	Currency string
	Totals   Totals // what the close-day would send
	// Counts of payment attempts and of the payments' later steps.
	Approved, Declined, Failed, Unknown int64
	Refunds, Captures, OpenHolds        int64
	Schemes                             []SchemeLine
}

// XReport is the mid-day (X) report: the open day's figures so far, without
// closing it (issue 13).
type XReport struct {
	Merchant, Address string
	TerminalID        string
	Cashier           string // who printed it
	Since             time.Time
	At                time.Time
	Currencies        []XCurrency
	ChainHead         string
	Demo              bool
	Words             Words // the terminal's language; nil prints English
}

// xrow is one row of the X report, rendered to text/PDF or ESC/POS.
type xrow struct {
	kind         xkind
	label, value string
}

type xkind uint8

const (
	xField xkind = iota
	xTitle
	xBold
	xRule
	xStamp
	xPara
	xHead // the chain head, in lines of 32
)

// rows is the report's content in order; labels are English (translated
// when rendered), values are figures.
func (x XReport) rows(w Words) []xrow {
	var r []xrow
	if x.Demo {
		r = append(r, xrow{kind: xStamp, label: DemoBanner})
	}
	r = append(r, xrow{kind: xTitle, label: "X REPORT — DAY SO FAR"}, xrow{kind: xBold, label: x.Merchant},
		xrow{kind: xPara, label: x.Address}, xrow{kind: xRule, label: "-"},
		xrow{label: "Terminal", value: x.TerminalID}, xrow{label: "Cashier", value: x.Cashier})
	if !x.Since.IsZero() {
		r = append(r, xrow{label: "Since", value: x.Since.Format(TimeLayout)})
	}
	if !x.At.IsZero() {
		r = append(r, xrow{label: "Date", value: x.At.Format(TimeLayout)})
	}
	for _, c := range x.Currencies {
		r = append(r, c.rows(w)...)
	}
	r = append(r, xrow{kind: xRule, label: "="}, xrow{kind: xPara, label: "The day is not closed: this report sends nothing to the bank."},
		xrow{kind: xRule, label: "-"}, xrow{kind: xPara, label: "Journal chain head (SHA-256):"}, xrow{kind: xHead, value: clean(x.ChainHead)})
	if x.Demo {
		r = append(r, xrow{kind: xStamp, label: DemoBanner})
	}
	return r
}

func (c XCurrency) rows(w Words) []xrow {
	sum := func(v int64) string { return w.Number(MinorText(v, c.Currency)) }
	n := func(v int64) string { return itoa(v) }
	r := []xrow{{kind: xRule, label: "="}, {kind: xBold, label: c.Currency}, {kind: xRule, label: "-"},
		{label: "Sales", value: n(c.Totals.SaleCount)}, {label: "  sum", value: sum(c.Totals.SaleSum)},
		{label: "Reversals", value: n(c.Totals.ReversalCount)}, {label: "  sum", value: sum(c.Totals.ReversalSum)},
		{label: "Preauths", value: n(c.Totals.PreauthCount)}, {label: "  sum", value: sum(c.Totals.PreauthSum)},
		{kind: xRule, label: "-"},
		{label: "Approved", value: n(c.Approved)}, {label: "Declined", value: n(c.Declined)},
		{label: "Failed", value: n(c.Failed)}, {label: "Unknown", value: n(c.Unknown)},
		{label: "Refunds", value: n(c.Refunds)}, {label: "Captures", value: n(c.Captures)},
		{label: "Open holds", value: n(c.OpenHolds)},
		{kind: xRule, label: "-"}, {kind: xBold, label: "By card scheme"}}
	for _, s := range c.Schemes {
		r = append(r, xrow{label: s.Scheme, value: n(s.Count) + " / " + sum(s.Sum)})
	}
	return r
}

// chunks cuts s into pieces of n bytes (hex: one byte a character).
func chunks(s string, n int) []string {
	var out []string
	for len(s) > 0 {
		k := min(n, len(s))
		out = append(out, s[:k])
		s = s[k:]
	}
	return out
}

// Text renders the X report for a 42-column receipt printer.
func (x XReport) Text() string { return x.doc().text() }

func (x XReport) doc() *doc {
	w := wordsOr(x.Words)
	d := &doc{}
	for _, r := range x.rows(w) {
		switch r.kind {
		case xStamp:
			d.stamp(w.Text(r.label))
		case xTitle:
			d.centered(w.Text(r.label), big)
		case xBold:
			d.centered(w.Text(r.label), bold)
		case xRule:
			d.ruler(r.label)
		case xPara:
			d.para(w.Text(r.label), plain)
		case xHead:
			for _, h := range chunks(r.value, 32) {
				d.add(line{text: pad(h), center: true})
			}
		default:
			d.field(translateIndented(w, r.label), r.value, plain)
		}
	}
	return d
}

// translateIndented translates a label keeping its leading spaces.
func translateIndented(w Words, label string) string {
	i := 0
	for i < len(label) && label[i] == ' ' {
		i++
	}
	return label[:i] + w.Text(label[i:])
}

// XPDF writes the X report as a PDF on an 80 mm wide receipt page.
func XPDF(w io.Writer, x XReport) error {
	return render(w, "X report "+x.At.Format(TimeLayout), x.At, []*doc{x.doc()})
}

// ESCPOS renders the X report for an ESC/POS printer: the same content as
// Text and XPDF, laid out for o.Width, and a cut.
func (x XReport) ESCPOS(o PrintOptions) (Job, error) {
	if o.Words == nil {
		o.Words = x.Words
	}
	d, err := newESCPOS(o)
	if err != nil {
		return Job{}, err
	}
	for _, r := range x.rows(wordsOr(o.Words)) {
		switch r.kind {
		case xStamp:
			d.stamp(r.label)
		case xTitle:
			d.big(d.t(r.label))
		case xBold:
			d.bold(d.t(r.label))
		case xRule:
			d.e.Rule(rune(r.label[0]))
		case xPara:
			d.para(d.t(r.label))
		case xHead:
			d.e.Align(escpos.Center)
			for _, h := range chunks(r.value, min(32, d.e.Width())) {
				d.e.Line(h)
			}
			d.e.Align(escpos.Left)
		default:
			d.field(r.label, r.value)
		}
	}
	d.e.Align(escpos.Left)
	return d.end("")
}
