package receipt

import (
	"bytes"
	"strings"
	"testing"
)

const head = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func sampleZ() ZReport {
	return ZReport{
		Merchant:      `ООО "Ромашка"`,
		TerminalID:    "T-000123",
		RequestID:     "c0ffee00-1111-4222-8333-444455556666",
		Status:        "finished",
		GateCloseDate: "2026-11-25",
		Currencies: []CurrencyTotals{{
			Currency: "RUB",
			Ours:     Totals{SaleCount: 12, SaleSum: 123450, ReversalCount: 1, ReversalSum: 1000, PreauthCount: 2, PreauthSum: 5000},
			Theirs:   &Totals{SaleCount: 12, SaleSum: 123450, ReversalCount: 1, ReversalSum: 1000},
		}},
		ChainHead: head,
		At:        at,
	}
}

func TestZReportText(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*ZReport)
		agree   bool
		want    []string
		notWant []string
	}{
		{"totals agree", func(*ZReport) {}, true, []string{
			"Z REPORT", "T-000123", "c0ffee00-1111-4222-8333-444455556666", "finished", "2026-11-25",
			"1 234.50", "10.00", "50.00", "Kassa and the gateway agree", "Unresolved payments", "none",
			head[:32], head[32:], "2026-11-25 14:03:09",
		}, []string{"DIFFERENCES", "<<", "DEMO"}},
		{"sale sum differs", func(z *ZReport) { z.Currencies[0].Theirs.SaleSum = 120000 }, false,
			[]string{"DIFFERENCES: 1", "RUB sale sum", "1 200.00", "1 234.50"}, []string{"agree"}},
		{"count and currency differ", func(z *ZReport) {
			z.Currencies[0].Theirs.ReversalCount = 3
			z.Currencies = append(z.Currencies, CurrencyTotals{Currency: "USD", Ours: Totals{SaleCount: 1, SaleSum: 999}})
		}, false, []string{"DIFFERENCES: 2", "RUB reversal count", "USD gateway totals", "missing", "9.99"}, nil},
		{"caller's difference listed once", func(z *ZReport) {
			z.Currencies[0].Theirs.SaleCount = 11
			z.Differences = []Difference{{Currency: "RUB", Field: "sale count", Ours: "12", Theirs: "11"}}
		}, false, []string{"DIFFERENCES: 1"}, nil},
		{"unresolved payment", func(z *ZReport) {
			z.Unresolved = []Unresolved{{ClientOrderID: "ord-7", Amount: "10.5", Currency: "RUB", Status: "unknown",
				MaskedPAN: "5555555555554444", At: at}}
		}, false, []string{"UNRESOLVED PAYMENTS: 1", "ord-7", "10.50 RUB", "unknown", "555555******4444", "Do not charge"},
			[]string{"5555555555554444"}},
		{"demo", func(z *ZReport) { z.Demo = true }, true, []string{DemoBanner}, nil},
		{"no payments", func(z *ZReport) { z.Currencies = nil }, true, []string{"No payments"}, nil},
		{"huge sums wrap", func(z *ZReport) {
			z.Currencies[0].Ours.SaleSum = 99999999999999
			z.Currencies[0].Theirs.SaleSum = 99999999999999
		}, true, []string{"999 999 999 999.99"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := sampleZ()
			th := *z.Currencies[0].Theirs
			z.Currencies[0].Theirs = &th
			tt.edit(&z)
			text := z.Text()
			checkWidth(t, text)
			if z.Agree() != tt.agree {
				t.Errorf("Agree() = %v, want %v", z.Agree(), tt.agree)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(text, w) {
					t.Errorf("text has %q:\n%s", w, text)
				}
			}
		})
	}
}

// TestZReportMarksDifferingRow checks that the differing figure's own row
// in the table is marked, not only listed below.
func TestZReportMarksDifferingRow(t *testing.T) {
	z := sampleZ()
	th := *z.Currencies[0].Theirs
	th.SaleSum = 120000
	z.Currencies[0].Theirs = &th
	var marked []string
	for _, l := range z.doc().lines {
		if strings.HasSuffix(l.text, "<<") {
			marked = append(marked, l.text)
			if l.st != highlight {
				t.Errorf("marked row not highlighted in PDF: %q", l.text)
			}
		}
	}
	if len(marked) != 1 || !strings.Contains(marked[0], "1 234.50") || !strings.Contains(marked[0], "1 200.00") {
		t.Errorf("want exactly the sale-sum row marked, got %q", marked)
	}
}

func TestZPDF(t *testing.T) {
	uncompressed(t)
	z := sampleZ()
	z.Demo = true
	z.Currencies[0].Theirs = &Totals{SaleCount: 11}
	var buf bytes.Buffer
	if err := ZPDF(&buf, z); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	if !bytes.HasPrefix(out, []byte("%PDF")) {
		t.Fatalf("not a PDF")
	}
	for _, s := range []string{"1 234.50", "DIFFERENCES: 4", head[:32], DemoBanner, "c0ffee00-1111-4222-8333-444455556666"} {
		if !bytes.Contains(out, pdfText(s)) {
			t.Errorf("PDF lacks %q", s)
		}
	}
}

func TestZReportInTheTerminalsLanguage(t *testing.T) {
	z := sampleZ()
	z.Words = russian{"Z REPORT — CLOSE DAY": "Z-ОТЧЁТ — ЗАКРЫТИЕ ДНЯ", "Kassa": "Касса", "Gateway": "Шлюз", "finished": "завершено"}
	text := z.Text()
	checkWidth(t, text)
	for _, want := range []string{"Z-ОТЧЁТ", "Касса", "Шлюз", "завершено"} {
		if !strings.Contains(text, want) {
			t.Errorf("Russian Z report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Z REPORT") || strings.Contains(text, " finished") {
		t.Errorf("Russian Z report still in English:\n%s", text)
	}
}
