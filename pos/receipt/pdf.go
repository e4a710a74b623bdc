package receipt

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"kassa/assets"
)

// Page geometry of an 80 mm receipt roll, in millimetres. Each receipt is
// one page as long as its content.
const (
	PageWidth = 80.0
	margin    = 4.0
	textWidth = PageWidth - 2*margin
	fontSize  = 8.0 // DejaVu Sans Mono at 8 pt fits Width characters in textWidth
	bigSize   = 13.0
)

// compress is switched off by tests to read the page content.
var compress = true

// lineHeight is the height of a line of each style.
func lineHeight(st style) float64 {
	switch st {
	case big:
		return 6.5
	case inverse:
		return 5
	case rule:
		return 2.5
	}
	return 3.7
}

// PDF writes the receipts as one PDF, a page per receipt on an 80 mm wide
// receipt page (e.g. the merchant and the customer copy).
func PDF(w io.Writer, receipts ...Receipt) error {
	if len(receipts) == 0 {
		return errors.New("receipt: nothing to print")
	}
	docs := make([]*doc, len(receipts))
	for i, r := range receipts {
		docs[i] = r.doc()
	}
	title := "Receipt " + clean(receipts[0].ReceiptID)
	if receipts[0].ReceiptID == "" {
		title = "Receipt " + clean(receipts[0].ClientOrderID)
	}
	return render(w, title, receipts[0].At, docs)
}

// ZPDF writes the Z report as a PDF on an 80 mm wide receipt page.
func ZPDF(w io.Writer, z ZReport) error {
	return render(w, "Z report "+clean(z.RequestID), z.At, []*doc{z.doc()})
}

func render(w io.Writer, title string, at time.Time, docs []*doc) error {
	f := fpdf.NewCustom(&fpdf.InitType{UnitStr: "mm", Size: fpdf.SizeType{Wd: PageWidth, Ht: 200}})
	f.SetCompression(compress)
	f.SetTitle(title, true)
	f.SetCreator("Kassa", true)
	if !at.IsZero() {
		f.SetCreationDate(at)
		f.SetModificationDate(at)
	}
	f.AddUTF8FontFromBytes("mono", "", assets.FontMono)
	f.AddUTF8FontFromBytes("mono", "B", assets.FontMonoBold)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(false, 0)
	f.SetCellMargin(0)
	for _, d := range docs {
		h := 2 * margin
		for _, l := range d.lines {
			h += lineHeight(l.st)
		}
		f.AddPageFormat("P", fpdf.SizeType{Wd: PageWidth, Ht: h + 4})
		y := margin
		for _, l := range d.lines {
			drawLine(f, l, y)
			y += lineHeight(l.st)
		}
	}
	if err := f.Error(); err != nil {
		return fmt.Errorf("receipt: making the PDF: %w", err)
	}
	if err := f.Output(w); err != nil {
		return fmt.Errorf("receipt: writing the PDF: %w", err)
	}
	return nil
}

func drawLine(f *fpdf.Fpdf, l line, y float64) {
	h := lineHeight(l.st)
	f.SetTextColor(0, 0, 0)
	switch l.st {
	case rule:
		f.SetDrawColor(0, 0, 0)
		if strings.HasPrefix(l.text, "=") {
			f.SetLineWidth(0.4)
			f.SetDashPattern(nil, 0)
		} else {
			f.SetLineWidth(0.2)
			f.SetDashPattern([]float64{0.8, 0.6}, 0)
		}
		f.Line(margin, y+h/2, margin+textWidth, y+h/2)
		f.SetDashPattern(nil, 0)
		return
	case big:
		f.SetFont("mono", "B", fitSize(f, strings.TrimSpace(l.text), bigSize))
	case bold, inverse, highlight:
		f.SetFont("mono", "B", fontSize)
	default:
		f.SetFont("mono", "", fontSize)
	}
	fill := false
	switch l.st {
	case inverse:
		f.SetFillColor(0, 0, 0)
		f.SetTextColor(255, 255, 255)
		fill = true
	case highlight:
		f.SetFillColor(210, 210, 210)
		fill = true
	}
	text, align := strings.TrimRight(l.text, " "), "L"
	if l.center || l.st == big {
		text, align = strings.TrimSpace(l.text), "C"
	}
	f.SetXY(margin, y)
	if l.st == inverse {
		f.SetXY(margin, y+0.4)
		h -= 0.8
	}
	f.CellFormat(textWidth, h, text, "", 0, align, fill, 0, "")
}

// fitSize returns size, or the largest smaller size at which text fits the
// line.
func fitSize(f *fpdf.Fpdf, text string, size float64) float64 {
	f.SetFont("mono", "B", size)
	if w := f.GetStringWidth(text); w > textWidth {
		size = size * textWidth / w
	}
	return max(size, fontSize)
}
