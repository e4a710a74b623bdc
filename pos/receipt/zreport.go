package receipt

import (
	"strings"
	"time"
)

// Totals are one side's counts and sums for one currency; sums are in minor
// units of the currency.
type Totals struct {
	SaleCount, SaleSum         int64
	ReversalCount, ReversalSum int64
	PreauthCount, PreauthSum   int64
	// Captures (included in the sales) and releases (counted nowhere), listed
	// for the record (issue 11).
	CaptureCount, CaptureSum int64
	ReleaseCount, ReleaseSum int64
}

// CurrencyTotals sets Kassa's totals for one currency beside the gateway's.
type CurrencyTotals struct {
	Currency string  // ISO 4217 code
	Ours     Totals  // from Kassa's journal
	Theirs   *Totals // from the gateway's close-day reply; nil when it gave none
}

// Difference is one figure on which Kassa and the gateway disagree.
type Difference struct {
	Currency string // may be empty for a difference not tied to a currency
	Field    string // e.g. "sale count"
	Ours     string // Kassa's figure
	Theirs   string // the gateway's figure
}

// Unresolved is a payment whose outcome was still not known at close.
type Unresolved struct {
	ClientOrderID string
	Amount        string // major units, e.g. "10.50"
	Currency      string
	Status        string // e.g. "unknown"
	MaskedPAN     string // masked again when printed
	At            time.Time
}

// ZReport is the close-day (Z) report: Kassa's and the gateway's totals per
// currency, their differences, the payments still unresolved and the head of
// the journal's hash chain that the totals were computed from.
type ZReport struct {
	Merchant, Address string
	TerminalID        string
	RequestID         string // the close-day request id journaled before sending
	Status            string // gateway close status: finished, processing, error
	GateCloseDate     string // business date the gateway closed, as it reports it
	Currencies        []CurrencyTotals
	// Differences found by the caller; the report adds every figure of
	// Currencies on which the two sides disagree (see AllDifferences).
	Differences []Difference
	Unresolved  []Unresolved
	ChainHead   string // SHA-256 hex of the journal's last event
	At          time.Time
	Message     string // what the result means for the cashier, if anything (in Words' language)
	Demo        bool
	// Copy marks a reprint of a past Z report (issue 13): stamped CopyBanner.
	Copy  bool
	Words Words // the terminal's language; nil prints English
}

// compared lists the figures of Totals that the gateway also reports.
var compared = []struct {
	name  string
	sum   bool
	value func(Totals) int64
}{
	{"sale count", false, func(t Totals) int64 { return t.SaleCount }},
	{"sale sum", true, func(t Totals) int64 { return t.SaleSum }},
	{"reversal count", false, func(t Totals) int64 { return t.ReversalCount }},
	{"reversal sum", true, func(t Totals) int64 { return t.ReversalSum }},
}

// AllDifferences returns z.Differences followed by every compared figure
// (sale and reversal counts and sums) on which Ours and Theirs disagree, and
// a "gateway totals missing" entry for a currency without Theirs; duplicates
// (same currency and field) are listed once.
func (z ZReport) AllDifferences() []Difference {
	seen := map[string]bool{}
	var out []Difference
	addDiff := func(d Difference) {
		k := strings.ToUpper(d.Currency) + "\x00" + strings.ToLower(d.Field)
		if !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	}
	for _, d := range z.Differences {
		addDiff(d)
	}
	for _, c := range z.Currencies {
		if c.Theirs == nil {
			addDiff(Difference{Currency: c.Currency, Field: "gateway totals", Ours: "reported", Theirs: "missing"})
			continue
		}
		for _, f := range compared {
			o, t := f.value(c.Ours), f.value(*c.Theirs)
			if o == t {
				continue
			}
			os, ts := itoa(o), itoa(t)
			if f.sum {
				os, ts = MinorText(o, c.Currency), MinorText(t, c.Currency)
			}
			addDiff(Difference{Currency: c.Currency, Field: f.name, Ours: os, Theirs: ts})
		}
	}
	return out
}

// Agree reports whether the two sides agree on every figure and no payment
// is unresolved.
func (z ZReport) Agree() bool {
	return len(z.AllDifferences()) == 0 && len(z.Unresolved) == 0
}

// Text renders the report for a 42-column receipt printer.
func (z ZReport) Text() string { return z.doc().text() }

// Column widths of the totals table: label, Kassa, gateway, marker.
const (
	colLabel  = 16
	colValue  = 11
	colMarker = 4
)

func (z ZReport) doc() *doc {
	w := wordsOr(z.Words)
	d := &doc{}
	if z.Demo {
		d.stamp(w.Text(DemoBanner))
	}
	if z.Copy {
		d.stamp(w.Text(CopyBanner))
	}
	z.header(d, w)
	diffs := z.AllDifferences()
	differs := map[string]bool{}
	for _, df := range diffs {
		differs[strings.ToUpper(df.Currency)+"\x00"+strings.ToLower(df.Field)] = true
	}
	for _, c := range z.Currencies {
		totals(d, w, c, differs)
	}
	if len(z.Currencies) == 0 {
		d.ruler("=")
		d.centered(w.Text("No payments in this period."), plain)
	}
	d.ruler("=")
	differences(d, w, diffs)
	d.ruler("-")
	z.unresolved(d, w)
	if z.Message != "" {
		d.ruler("-")
		d.para(z.Message, plain)
	}
	d.ruler("-")
	z.chainHead(d, w)
	if z.Copy {
		d.blank()
		d.stamp(w.Text(CopyBanner))
	}
	if z.Demo {
		d.blank()
		d.stamp(w.Text(DemoBanner))
	}
	return d
}

// header: the title, the merchant and the close-day's ids.
func (z ZReport) header(d *doc, w Words) {
	d.centered(w.Text("Z REPORT — CLOSE DAY"), big)
	d.centered(z.Merchant, bold)
	d.centered(z.Address, plain)
	d.ruler("-")
	d.field(w.Text("Terminal"), z.TerminalID, plain)
	d.field(w.Text("Request"), z.RequestID, plain)
	d.field(w.Text("Gateway status"), w.Text(z.Status), plain)
	d.field(w.Text("Gateway date"), z.GateCloseDate, plain)
	if !z.At.IsZero() {
		d.field(w.Text("Date"), z.At.Format(TimeLayout), plain)
	}
}

// figures are the rows of a currency's totals table.
var figures = []struct {
	name, label string
	sum, cmp    bool
	ours        func(Totals) int64
}{
	{"sale count", "Sales", false, true, func(t Totals) int64 { return t.SaleCount }},
	{"sale sum", "  sum", true, true, func(t Totals) int64 { return t.SaleSum }},
	{"reversal count", "Reversals", false, true, func(t Totals) int64 { return t.ReversalCount }},
	{"reversal sum", "  sum", true, true, func(t Totals) int64 { return t.ReversalSum }},
	{"preauth count", "Preauths", false, false, func(t Totals) int64 { return t.PreauthCount }},
	{"preauth sum", "  sum", true, false, func(t Totals) int64 { return t.PreauthSum }},
	{"capture count", "Captures (in sales)", false, false, func(t Totals) int64 { return t.CaptureCount }},
	{"capture sum", "  sum", true, false, func(t Totals) int64 { return t.CaptureSum }},
	{"release count", "Releases (not counted)", false, false, func(t Totals) int64 { return t.ReleaseCount }},
	{"release sum", "  sum", true, false, func(t Totals) int64 { return t.ReleaseSum }},
}

// listedOnly reports whether a figure is listed only when not zero (the
// captures and releases of issue 11).
func listedOnly(name string) bool {
	return strings.HasPrefix(name, "capture ") || strings.HasPrefix(name, "release ")
}

// totals: one currency's table, Kassa's figures beside the gateway's, the
// rows that differ marked.
func totals(d *doc, w Words, c CurrencyTotals, differs map[string]bool) {
	d.ruler("=")
	d.add(line{text: row(c.Currency, w.Text("Kassa"), w.Text("Gateway"), ""), st: bold})
	d.ruler("-")
	figure := func(v int64, sum bool) string {
		if sum {
			return w.Number(MinorText(v, c.Currency))
		}
		return itoa(v)
	}
	for _, f := range figures {
		if listedOnly(f.name) && f.ours(c.Ours) == 0 {
			continue // no captures or releases that day
		}
		ours, theirs := figure(f.ours(c.Ours), f.sum), "—"
		if f.cmp && c.Theirs != nil {
			theirs = figure(f.ours(*c.Theirs), f.sum)
		}
		marker, st := "", plain
		if differs[strings.ToUpper(c.Currency)+"\x00"+f.name] {
			marker, st = "<<", highlight
		}
		for _, l := range tableRow(w, w.Text(f.label), ours, theirs, marker) {
			d.add(line{text: l, st: st})
		}
	}
}

// differences: "agree", or every figure on which the two sides differ.
func differences(d *doc, w Words, diffs []Difference) {
	if len(diffs) == 0 {
		d.centered(w.Text("Kassa and the gateway agree."), bold)
		return
	}
	d.add(line{text: pad(w.Text("DIFFERENCES:") + " " + itoa(int64(len(diffs)))), st: inverse, center: true})
	for _, df := range diffs {
		name := strings.TrimSpace(df.Currency + " " + w.Text(df.Field))
		d.para("<< "+name, highlight)
		d.field("   "+w.Text("Kassa"), diffValue(w, df.Ours), highlight)
		d.field("   "+w.Text("Gateway"), diffValue(w, df.Theirs), highlight)
	}
}

// unresolved: the payments whose outcome was still unknown at close.
func (z ZReport) unresolved(d *doc, w Words) {
	if len(z.Unresolved) == 0 {
		d.field(w.Text("Unresolved payments"), w.Text("none"), plain)
		return
	}
	d.add(line{text: pad(w.Text("UNRESOLVED PAYMENTS:") + " " + itoa(int64(len(z.Unresolved)))), st: inverse, center: true})
	for _, u := range z.Unresolved {
		d.para(u.ClientOrderID, bold)
		d.field("  "+amountIn(w, u.Amount, u.Currency), w.Text(strings.ToLower(clean(u.Status))), plain)
		d.field("  "+w.Text("Card"), MaskPAN(u.MaskedPAN), plain)
		if !u.At.IsZero() {
			d.field("  "+w.Text("Date"), u.At.Format(TimeLayout), plain)
		}
	}
	d.para(w.Text("Do not charge these customers again: check each payment's status first."), plain)
}

// chainHead: the journal's hash chain head the totals were computed from.
func (z ZReport) chainHead(d *doc, w Words) {
	d.para(w.Text("Journal chain head (SHA-256):"), plain)
	head := clean(z.ChainHead)
	if head == "" {
		head = w.Text("(none)")
	}
	for len(head) > 0 {
		n := min(32, len(head))
		d.add(line{text: pad(head[:n]), center: true})
		head = head[n:]
	}
}

// row lays out one line of the totals table.
func row(label, ours, theirs, marker string) string {
	return padRight(label, colLabel) + padLeft(ours, colValue) + padLeft(theirs, colValue) + padLeft(marker, colMarker)
}

// tableRow returns one line when the values fit their columns, otherwise the
// label and then each value on its own line.
func tableRow(w Words, label, ours, theirs, marker string) []string {
	if runeLen(label) <= colLabel && runeLen(ours) < colValue && runeLen(theirs) < colValue {
		return []string{row(label, ours, theirs, marker)}
	}
	out := []string{padRight(strings.TrimSpace(label+" "+marker), Width)}
	for _, kv := range [][2]string{{"  " + w.Text("Kassa"), ours}, {"  " + w.Text("Gateway"), theirs}} {
		out = append(out, kv[0]+padLeft(kv[1], Width-runeLen(kv[0])))
	}
	return out
}

func padLeft(s string, n int) string {
	if k := runeLen(s); k < n {
		return strings.Repeat(" ", n-k) + s
	}
	return s
}

func padRight(s string, n int) string {
	if k := runeLen(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

// diffValue writes a difference's figure the language's way: a number
// ("1 234.50") with the language's decimal mark, a word ("missing") in the
// language's words.
func diffValue(w Words, v string) string {
	if v == "" {
		return ""
	}
	if c := v[0]; (c >= '0' && c <= '9') || c == '-' {
		return w.Number(v)
	}
	return w.Text(v)
}
