package receipt

import (
	"bytes"
	"strings"
	"testing"
)

func sampleX() XReport {
	return XReport{Merchant: "Coffee & Co", TerminalID: "T-1", Cashier: "Anna", At: at, Since: at.Add(-8 * 3600e9),
		ChainHead: head, Currencies: []XCurrency{{Currency: "RUB",
			Totals:   Totals{SaleCount: 3, SaleSum: 123450, PreauthCount: 1, PreauthSum: 5000},
			Approved: 4, Declined: 2, Failed: 1, Unknown: 0, Refunds: 1, Captures: 0, OpenHolds: 1,
			Schemes: []SchemeLine{{"VISA", 2, 100000}, {"MASTERCARD", 1, 23450}, {"MIR", 1, 5000}, {"Other cards", 0, 0}}}}}
}

// TestXReport: text, PDF and ESC/POS carry the same figures; the chain head
// is whole; no line is wider than the paper.
func TestXReport(t *testing.T) {
	x := sampleX()
	text := x.Text()
	checkWidth(t, text)
	for _, want := range []string{"X REPORT", "Anna", "1 234.50", "Declined", "2", "Open holds", "VISA", "2 / 1 000.00", head[:32], head[32:]} {
		if !strings.Contains(text, want) {
			t.Errorf("X report lacks %q:\n%s", want, text)
		}
	}
	var buf bytes.Buffer
	if err := XPDF(&buf, x); err != nil || !bytes.HasPrefix(buf.Bytes(), []byte("%PDF")) {
		t.Fatalf("PDF: %v", err)
	}
	job, err := x.ESCPOS(PrintOptions{Width: 32})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(job.Bytes, []byte("MASTERCARD")) || !bytes.Contains(job.Bytes, []byte(head[:32])) || job.Replaced != 0 {
		t.Errorf("ESC/POS: replaced %d\n%q", job.Replaced, job.Bytes)
	}
	x.Demo = true
	if !strings.Contains(x.Text(), DemoBanner) {
		t.Error("demo X report not stamped")
	}
}

func TestXReportInTheTerminalsLanguage(t *testing.T) {
	x := sampleX()
	x.Words = russian{"X REPORT — DAY SO FAR": "X-ОТЧЁТ", "Declined": "Отклонено", "sum": "сумма", "Other cards": "Другие карты"}
	text := x.Text()
	checkWidth(t, text)
	for _, want := range []string{"X-ОТЧЁТ", "Отклонено", "  сумма", "Другие карты", "1 234,50"} {
		if !strings.Contains(text, want) {
			t.Errorf("Russian X report lacks %q:\n%s", want, text)
		}
	}
}

// TestZReportCopy: a reprinted Z report is stamped COPY at the top and the
// bottom, in every form.
func TestZReportCopy(t *testing.T) {
	uncompressed(t)
	z := sampleZ()
	z.Copy = true
	if n := strings.Count(z.Text(), CopyBanner); n != 2 {
		t.Errorf("COPY %d times:\n%s", n, z.Text())
	}
	job, err := z.ESCPOS(PrintOptions{})
	if err != nil || bytes.Count(job.Bytes, []byte(CopyBanner)) != 2 {
		t.Errorf("ESC/POS copy: %v", err)
	}
	var buf bytes.Buffer
	if err := ZPDF(&buf, z); err != nil || !bytes.Contains(buf.Bytes(), pdfText(CopyBanner)) {
		t.Errorf("PDF copy: %v", err)
	}
	z.Copy = false
	if strings.Contains(z.Text(), CopyBanner) {
		t.Error("an original Z report says COPY")
	}
}
