package receipt

import (
	"strings"

	"kassa/device/escpos"
)

// zColumns are the totals table's column widths for a line width: label,
// Kassa, gateway, marker ("<<").
func zColumns(width int) (label, value, marker int) {
	marker = colMarker
	value = map[int]int{escpos.Width58: 9, escpos.Width80: colValue, escpos.Width80Wide: 13}[width]
	if value == 0 {
		value = colValue
	}
	return width - marker - 2*value, value, marker
}

// ESCPOS renders the Z report for an ESC/POS printer: the same content as
// Text and ZPDF, laid out for o.Width, a QR code of the close-day request id
// and a cut.
func (z ZReport) ESCPOS(o PrintOptions) (Job, error) {
	if o.Words == nil {
		o.Words = z.Words
	}
	d, err := newESCPOS(o)
	if err != nil {
		return Job{}, err
	}
	if z.Demo {
		d.stamp(DemoBanner)
	}
	if z.Copy {
		d.stamp(CopyBanner)
	}
	d.big(d.t("Z REPORT — CLOSE DAY"))
	d.bold(z.Merchant)
	d.centered(z.Address)
	d.e.Rule('-')
	d.field("Terminal", z.TerminalID)
	d.field("Request", z.RequestID)
	d.field("Gateway status", d.t(clean(z.Status)))
	d.field("Gateway date", z.GateCloseDate)
	if !z.At.IsZero() {
		d.field("Date", z.At.Format(TimeLayout))
	}
	diffs := z.AllDifferences()
	for _, c := range z.Currencies {
		d.totals(c, diffs)
	}
	if len(z.Currencies) == 0 {
		d.e.Rule('=')
		d.centered(d.t("No payments in this period."))
	}
	d.e.Rule('=')
	d.differences(diffs)
	d.e.Rule('-')
	d.unresolved(z.Unresolved)
	if z.Message != "" {
		d.e.Rule('-')
		d.para(z.Message)
	}
	d.e.Rule('-')
	d.para(d.t("Journal chain head (SHA-256):"))
	head := clean(z.ChainHead)
	if head == "" {
		head = d.t("(none)")
	}
	d.e.Align(escpos.Center)
	for len(head) > 0 {
		n := min(32, len(head), d.e.Width())
		d.e.Line(head[:n])
		head = head[n:]
	}
	d.e.Align(escpos.Left)
	if z.Copy {
		d.e.Line("")
		d.stamp(CopyBanner)
	}
	if z.Demo {
		d.e.Line("")
		d.stamp(DemoBanner)
	}
	return d.end(z.RequestID)
}

// totals prints one currency's table: Kassa's figures beside the
// gateway's, differing rows marked "<<" in bold.
func (d *escposDoc) totals(c CurrencyTotals, diffs []Difference) {
	differs := map[string]bool{}
	for _, df := range diffs {
		differs[strings.ToUpper(df.Currency)+"\x00"+strings.ToLower(df.Field)] = true
	}
	d.e.Rule('=')
	d.e.Bold(true)
	d.row(c.Currency, d.t("Kassa"), d.t("Gateway"), "")
	d.e.Bold(false)
	d.e.Rule('-')
	theirs := func(f func(Totals) int64) *int64 {
		if c.Theirs == nil || f == nil {
			return nil
		}
		v := f(*c.Theirs)
		return &v
	}
	figures := []struct {
		name, label string
		sum         bool
		ours        int64
		theirs      *int64
	}{
		{"sale count", "Sales", false, c.Ours.SaleCount, theirs(func(t Totals) int64 { return t.SaleCount })},
		{"sale sum", "  sum", true, c.Ours.SaleSum, theirs(func(t Totals) int64 { return t.SaleSum })},
		{"reversal count", "Reversals", false, c.Ours.ReversalCount, theirs(func(t Totals) int64 { return t.ReversalCount })},
		{"reversal sum", "  sum", true, c.Ours.ReversalSum, theirs(func(t Totals) int64 { return t.ReversalSum })},
		{"preauth count", "Preauths", false, c.Ours.PreauthCount, nil},
		{"preauth sum", "  sum", true, c.Ours.PreauthSum, nil},
		{"capture count", "Captures (in sales)", false, c.Ours.CaptureCount, nil},
		{"capture sum", "  sum", true, c.Ours.CaptureSum, nil},
		{"release count", "Releases (not counted)", false, c.Ours.ReleaseCount, nil},
		{"release sum", "  sum", true, c.Ours.ReleaseSum, nil},
	}
	for _, f := range figures {
		if listedOnly(f.name) && f.ours == 0 {
			continue
		}
		format := itoa
		if f.sum {
			format = func(n int64) string { return MinorText(n, c.Currency) }
		}
		ours, them := format(f.ours), "—"
		if f.theirs != nil {
			them = format(*f.theirs)
		}
		indent := f.label[:len(f.label)-len(strings.TrimLeft(f.label, " "))]
		label := indent + d.t(strings.TrimSpace(f.label))
		if bad := differs[strings.ToUpper(c.Currency)+"\x00"+f.name]; bad {
			d.e.Bold(true)
			d.row(label, ours, them, "<<")
			d.e.Bold(false)
			continue
		}
		d.row(label, ours, them, "")
	}
}

// row prints a line of the totals table, or the label and then each value
// on its own line when they do not fit their columns.
func (d *escposDoc) row(label, ours, theirs, marker string) {
	cl, cv, cm := zColumns(d.e.Width())
	if runeLen(label) <= cl && runeLen(ours) < cv && runeLen(theirs) < cv {
		d.e.Line(padRight(label, cl) + padLeft(ours, cv) + padLeft(theirs, cv) + padLeft(marker, cm))
		return
	}
	d.e.Line(strings.TrimSpace(label + " " + marker))
	d.e.Columns("  "+d.t("Kassa"), ours)
	d.e.Columns("  "+d.t("Gateway"), theirs)
}

// differences prints the figures Kassa and the gateway disagree on.
func (d *escposDoc) differences(diffs []Difference) {
	if len(diffs) == 0 {
		d.bold(d.t("Kassa and the gateway agree."))
		return
	}
	d.e.Align(escpos.Center).Bold(true).Reverse(true).Line(d.t("DIFFERENCES:") + " " + itoa(int64(len(diffs))))
	d.e.Reverse(false).Align(escpos.Left) // the differences stay bold
	for _, df := range diffs {
		d.para("<< " + strings.TrimSpace(df.Currency+" "+d.t(df.Field)))
		d.field("   Kassa", d.t(df.Ours))
		d.field("   Gateway", d.t(df.Theirs))
	}
	d.e.Bold(false)
}

// unresolved prints the payments whose outcome was still not known.
func (d *escposDoc) unresolved(un []Unresolved) {
	if len(un) == 0 {
		d.field("Unresolved payments", d.t("none"))
		return
	}
	d.e.Align(escpos.Center).Bold(true).Reverse(true).Line(d.t("UNRESOLVED PAYMENTS:") + " " + itoa(int64(len(un))))
	d.e.Reverse(false).Bold(false).Align(escpos.Left)
	for _, u := range un {
		d.e.Bold(true)
		d.para(u.ClientOrderID)
		d.e.Bold(false)
		d.e.Columns("  "+AmountText(u.Amount, u.Currency), d.t(strings.ToLower(clean(u.Status))))
		d.field("  Card", MaskPAN(u.MaskedPAN))
		if !u.At.IsZero() {
			d.field("  Date", u.At.Format(TimeLayout))
		}
	}
	d.para(d.t("Do not charge these customers again: check each payment's status first."))
}
