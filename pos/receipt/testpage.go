package receipt

import (
	"io"
	"strconv"
	"strings"
	"time"
)

// TestPage is what Settings' Test print prints: the printer's settings, a
// ruler as wide as a line (a cut-off ruler means the width is wrong) and a
// Russian pangram (question marks mean the code page is wrong).
type TestPage struct {
	Merchant string    // the merchant's (or terminal's) name
	Setting  string    // the printer setting, e.g. "tcp:10.0.0.5:9100"
	Width    int       // characters a line it is printed for
	CodePage int       // the number the printer was told for PC866
	At       time.Time // when
	Words    Words     // the terminal's language; nil prints English
}

// TestPageTitle and the texts of the test page (translated by Words).
const (
	TestPageTitle = "PRINTER TEST"
	testPageCheck = "Every line fits the paper and the Russian line reads right: the printer is set up."
	// testPangram has every letter of the Russian alphabet.
	testPangram = "Съешь же ещё этих мягких французских булок, да выпей чаю."
)

// ruler is "1234567890" repeated to n characters.
func ruler(n int) string { return strings.Repeat("1234567890", n/10+1)[:n] }

func (p TestPage) t(english string) string {
	if p.Words != nil {
		if s := p.Words.Text(english); s != "" {
			return s
		}
	}
	return english
}

// ESCPOS renders the test page for an ESC/POS printer, ending in a cut.
func (p TestPage) ESCPOS(o PrintOptions) (Job, error) {
	if o.Words == nil {
		o.Words = p.Words
	}
	p.Words = o.Words
	d, err := newESCPOS(o)
	if err != nil {
		return Job{}, err
	}
	d.big(p.t(TestPageTitle))
	d.bold(p.Merchant)
	d.e.Rule('=')
	d.field("Printer", p.Setting)
	d.field("Width", strconv.Itoa(d.e.Width()))
	d.field("Code page", strconv.Itoa(int(o.CodePage.Number)))
	if !p.At.IsZero() {
		d.field("Date", p.At.Format(TimeLayout))
	}
	d.e.Rule('-')
	d.e.Line(ruler(d.e.Width()))
	d.para(testPangram)
	d.e.Rule('-')
	d.centered(p.t(testPageCheck))
	return d.end("")
}

// doc lays the test page out for the text form and the PDF.
func (p TestPage) doc() *doc {
	d := &doc{}
	d.centered(p.t(TestPageTitle), big)
	d.centered(p.Merchant, bold)
	d.ruler("=")
	d.field(p.t("Printer"), p.Setting, plain)
	d.field(p.t("Width"), strconv.Itoa(Width), plain)
	if !p.At.IsZero() {
		d.field(p.t("Date"), p.At.Format(TimeLayout), plain)
	}
	d.ruler("-")
	d.add(line{text: ruler(Width)})
	d.para(testPangram, plain)
	d.ruler("-")
	d.centered(p.t(testPageCheck), plain)
	return d
}

// Text renders the test page as text lines of at most Width characters.
func (p TestPage) Text() string { return p.doc().text() }

// PDF writes the test page as a PDF on an 80 mm receipt page.
func (p TestPage) PDF(w io.Writer) error { return render(w, TestPageTitle, p.At, []*doc{p.doc()}) }
