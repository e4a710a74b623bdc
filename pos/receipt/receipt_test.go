package receipt

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

var at = time.Date(2026, 11, 25, 14, 3, 9, 0, time.FixedZone("MSK", 3*3600))

func sample() Receipt {
	return Receipt{
		Merchant:      `ООО "Ромашка"`,
		Address:       "ул. Ленина, д. 1, Москва, 101000",
		TerminalID:    "T-000123",
		ReceiptID:     "R-4242",
		ClientOrderID: "0f8fad5b-d9cb-469f-a165-70867728950e",
		Kind:          "sale",
		Amount:        "1234.5",
		Currency:      "RUB",
		MaskedPAN:     "401234****8909",
		Scheme:        "visa",
		ApprovalCode:  "AB12CD",
		RRN:           "633412345678",
		Status:        "approved",
		At:            at,
		Copy:          CustomerCopy,
	}
}

// checkWidth fails when a line is wider than the printer.
func checkWidth(t *testing.T, text string) {
	t.Helper()
	if !strings.HasSuffix(text, "\n") {
		t.Errorf("text does not end in a newline")
	}
	for i, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if n := utf8.RuneCountInString(l); n > Width {
			t.Errorf("line %d is %d characters, printer has %d: %q", i+1, n, Width, l)
		}
	}
}

func TestReceiptText(t *testing.T) {
	r := sample()
	tests := []struct {
		name    string
		edit    func(*Receipt)
		want    []string
		notWant []string
	}{
		{"every field", func(*Receipt) {}, []string{
			`ООО "Ромашка"`, "ул. Ленина, д. 1, Москва, 101000", CustomerCopy, "SALE", "1 234.50 RUB",
			"401234****8909", "VISA", "AB12CD", "633412345678", "T-000123", "R-4242",
			"0f8fad5b-d9cb-469f-a165-70867728950e", "2026-11-25 14:03:09", "APPROVED",
		}, []string{"DUPLICATE", "DEMO", MerchantCopy}},
		{"merchant copy of a preauth", func(r *Receipt) { r.Copy = MerchantCopy; r.Kind = "preauth" },
			[]string{MerchantCopy, "PREAUTHORIZATION"}, []string{CustomerCopy, "SALE"}},
		{"reprint", func(r *Receipt) { r.Duplicate = true }, []string{"*** DUPLICATE ***"}, []string{"DEMO"}},
		{"demo", func(r *Receipt) { r.Demo = true }, []string{"DEMO — NOT A REAL PAYMENT"}, []string{"DUPLICATE"}},
		{"declined", func(r *Receipt) { r.Status = "declined"; r.ApprovalCode = "" },
			[]string{"DECLINED", "No money was taken"}, []string{"APPROVED", "Approval code"}},
		{"unknown", func(r *Receipt) { r.Status = "unknown" },
			[]string{"RESULT NOT CONFIRMED", "Do not pay again"}, []string{"APPROVED"}},
		{"clear PAN is masked", func(r *Receipt) { r.MaskedPAN = "4012 3456 7890 8909" },
			[]string{"401234******8909"}, []string{"4012345678908909", "567890"}},
		{"yen has no decimals", func(r *Receipt) { r.Amount, r.Currency = "1500", "JPY" },
			[]string{"1 500 JPY"}, []string{"1500.00"}},
		{"control characters cannot break lines", func(r *Receipt) { r.Merchant = "Shop\nName\r\tX" },
			[]string{"Shop Name X"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := r
			tt.edit(&r)
			text := r.Text()
			checkWidth(t, text)
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

func TestStampsTopAndBottom(t *testing.T) {
	r := sample()
	r.Demo, r.Duplicate = true, true
	lines := strings.Split(strings.TrimSpace(r.Text()), "\n")
	first, last := strings.Join(lines[:2], "\n"), strings.Join(lines[len(lines)-2:], "\n")
	for _, part := range []string{first, last} {
		if !strings.Contains(part, DemoBanner) || !strings.Contains(part, DuplicateBanner) {
			t.Errorf("DEMO and DUPLICATE must open and close the receipt, got:\n%s", part)
		}
	}
}

func TestMaskPAN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"4012345678908909", "401234******8909"},
		{"401234****8909", "401234****8909"},
		{"4012 3456 7890 8909", "401234******8909"},
		{"2200123456789012345", "220012*********2345"},
		{"401234XXXXXX8909", "401234******8909"},
		{"123456789", "*****6789"},
		{"8909", "8909"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := MaskPAN(tt.in); got != tt.want {
			t.Errorf("MaskPAN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLongFieldsWrap(t *testing.T) {
	r := sample()
	r.Merchant = strings.Repeat("Очень длинное название магазина ", 4)
	r.Address = strings.Repeat("x", 100)
	r.ClientOrderID = "order-" + strings.Repeat("9", 60)
	text := r.Text()
	checkWidth(t, text)
	if !strings.Contains(strings.ReplaceAll(text, "\n", ""), strings.Repeat("9", 30)) {
		t.Errorf("long order id lost:\n%s", text)
	}
}

func TestAmountText(t *testing.T) {
	tests := []struct{ amount, cur, want string }{
		{"10.5", "RUB", "10.50 RUB"},
		{"1234567.89", "RUB", "1 234 567.89 RUB"},
		{"100", "JPY", "100 JPY"},
		{"1.234", "KWD", "1.234 KWD"},
		{"abc", "RUB", "abc RUB"},
		{"", "RUB", ""},
	}
	for _, tt := range tests {
		if got := AmountText(tt.amount, tt.cur); got != tt.want {
			t.Errorf("AmountText(%q, %q) = %q, want %q", tt.amount, tt.cur, got, tt.want)
		}
	}
}

// pdfText is how an uncompressed fpdf page with a UTF-8 font holds s: UTF-16BE
// inside a string literal.
func pdfText(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	b = bytes.ReplaceAll(b, []byte(`\`), []byte(`\\`))
	b = bytes.ReplaceAll(b, []byte(`(`), []byte(`\(`))
	b = bytes.ReplaceAll(b, []byte(`)`), []byte(`\)`))
	return bytes.ReplaceAll(b, []byte("\r"), []byte(`\r`))
}

func uncompressed(t *testing.T) {
	compress = false
	t.Cleanup(func() { compress = true })
}

func TestPDF(t *testing.T) {
	uncompressed(t)
	merchant, customer := sample(), sample()
	merchant.Copy = MerchantCopy
	merchant.Duplicate, merchant.Demo = true, true
	var buf bytes.Buffer
	if err := PDF(&buf, merchant, customer); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	if !bytes.HasPrefix(out, []byte("%PDF")) {
		t.Fatalf("not a PDF: %q", out[:min(20, len(out))])
	}
	if n := bytes.Count(out, []byte("/Type /Page\n")); n != 2 {
		t.Errorf("want 2 pages (one per copy), got %d", n)
	}
	if !bytes.Contains(out, []byte("/MediaBox [0 0 226.77")) {
		t.Errorf("page is not 80 mm (226.77 pt) wide")
	}
	for _, s := range []string{"1 234.50 RUB", "401234****8909", `ООО "Ромашка"`, MerchantCopy, CustomerCopy,
		"DUPLICATE", DemoBanner, "APPROVED", "633412345678"} {
		if !bytes.Contains(out, pdfText(s)) {
			t.Errorf("PDF lacks %q", s)
		}
	}
	if err := PDF(&buf); err == nil {
		t.Errorf("PDF without receipts: no error")
	}
}

func TestPDFCompressedIsSmaller(t *testing.T) {
	var plain, packed bytes.Buffer
	if err := PDF(&packed, sample()); err != nil {
		t.Fatal(err)
	}
	uncompressed(t)
	if err := PDF(&plain, sample()); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(packed.Bytes(), []byte("%PDF")) || packed.Len() >= plain.Len() {
		t.Errorf("compressed PDF %d bytes, uncompressed %d", packed.Len(), plain.Len())
	}
	if bytes.Contains(packed.Bytes(), pdfText("1 234.50 RUB")) {
		t.Errorf("compressed page content is readable")
	}
}

// TestEmptyValues checks that zero values render without panics or stray
// lines: an engine may not know every field yet.
func TestEmptyValues(t *testing.T) {
	text := Receipt{}.Text()
	checkWidth(t, text)
	if strings.Contains(text, "Card") || strings.Contains(text, "Date") {
		t.Errorf("empty fields printed:\n%s", text)
	}
	var buf bytes.Buffer
	if err := PDF(&buf, Receipt{}); err != nil || !bytes.HasPrefix(buf.Bytes(), []byte("%PDF")) {
		t.Errorf("PDF of an empty receipt: %v", err)
	}
	buf.Reset()
	if err := ZPDF(&buf, ZReport{}); err != nil || !bytes.HasPrefix(buf.Bytes(), []byte("%PDF")) {
		t.Errorf("PDF of an empty Z report: %v", err)
	}
	checkWidth(t, ZReport{}.Text())
}

// russian is a stand-in for the GUI's Russian words (ui/words), enough to
// see every text go through Words.
type russian map[string]string

func (r russian) Text(s string) string {
	if t, ok := r[s]; ok {
		return t
	}
	return s
}
func (russian) Number(s string) string { return strings.Replace(s, ".", ",", 1) }

func TestReceiptInTheTerminalsLanguage(t *testing.T) {
	r := sample()
	r.Copy, r.Status = CustomerCopy, "approved"
	r.Words = russian{CustomerCopy: "КОПИЯ ПОКУПАТЕЛЯ", "SALE": "ПРОДАЖА", "APPROVED": "ОДОБРЕНО",
		"Thank you! Please keep this receipt.": "Спасибо! Сохраните этот чек.", "Card": "Карта"}
	text := r.Text()
	checkWidth(t, text)
	for _, want := range []string{"КОПИЯ ПОКУПАТЕЛЯ", "ПРОДАЖА", "ОДОБРЕНО", "Спасибо!", "Карта", ","} {
		if !strings.Contains(text, want) {
			t.Errorf("Russian receipt lacks %q:\n%s", want, text)
		}
	}
	for _, english := range []string{"CUSTOMER COPY", "SALE", "APPROVED", "Thank you"} {
		if strings.Contains(text, english) {
			t.Errorf("Russian receipt still says %q:\n%s", english, text)
		}
	}
	if a := AmountText(r.Amount, r.Currency); !strings.Contains(text, strings.Replace(a, ".", ",", 1)) {
		t.Errorf("amount %q not written with a decimal comma:\n%s", a, text)
	}
}
