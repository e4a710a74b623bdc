package receipt

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"kassa/device/escpos"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden and *.paper")

// ruWords is a test table of the receipt's words in Russian, standing in
// for the terminal's words until pos/receipt takes them from ui/words.
var ruWords = map[string]string{
	MerchantCopy: "КОПИЯ ПРОДАВЦА", CustomerCopy: "КОПИЯ ПОКУПАТЕЛЯ",
	DemoBanner: "ДЕМО — НЕ НАСТОЯЩИЙ ПЛАТЁЖ", DuplicateBanner: "ДУБЛИКАТ",
	"SALE": "ОПЛАТА", "PREAUTHORIZATION": "ПРЕДАВТОРИЗАЦИЯ",
	"Card": "Карта", "Scheme": "Платёжная система", "Approval code": "Код авторизации", "RRN": "RRN",
	"Terminal": "Терминал", "Receipt": "Чек", "Order": "Заказ", "Date": "Дата",
	"APPROVED": "ОДОБРЕНО", "DECLINED": "ОТКЛОНЕНО", "NOT COMPLETED": "НЕ ВЫПОЛНЕНО",
	"RESULT NOT CONFIRMED":                       "РЕЗУЛЬТАТ НЕ ПОДТВЕРЖДЁН",
	"The card was declined. No money was taken.": "Карта отклонена. Деньги не списаны.",
	"Thank you! Please keep this receipt.":       "Спасибо! Сохраните этот чек.",
	"Z REPORT — CLOSE DAY":                       "Z-ОТЧЁТ — ЗАКРЫТИЕ ДНЯ",
	"Request":                                    "Запрос", "Gateway status": "Статус шлюза", "Gateway date": "Дата шлюза",
	"finished": "завершено", "Kassa": "Касса", "Gateway": "Шлюз",
	"Sales": "Продажи", "sum": "сумма", "Reversals": "Возвраты", "Preauths": "Предавторизации",
	"Kassa and the gateway agree.": "Касса и шлюз сходятся.", "DIFFERENCES:": "РАСХОЖДЕНИЯ:",
	"sale count": "число продаж", "sale sum": "сумма продаж",
	"Unresolved payments": "Невыясненные платежи", "none": "нет", "UNRESOLVED PAYMENTS:": "НЕВЫЯСНЕННЫЕ ПЛАТЕЖИ:",
	"unknown": "неизвестно", "Do not charge these customers again: check each payment's status first.": "Не списывайте с этих покупателей повторно: сначала проверьте статус каждого платежа.",
	"Journal chain head (SHA-256):": "Вершина цепочки журнала (SHA-256):",
}

func words(lang string) Words {
	if lang == "ru" {
		return testWords(ruWords)
	}
	return nil
}

// testWords is a Words from a table; texts it lacks print in English.
type testWords map[string]string

func (w testWords) Text(en string) string  { return w[en] }
func (w testWords) Number(s string) string { return s }

// printCases are the receipts with golden byte streams.
func printCases() map[string]func(PrintOptions) (Job, error) {
	sale := sample()
	declined := sample()
	declined.Status, declined.ApprovalCode, declined.Copy = "declined", "", MerchantCopy
	dup := sample()
	dup.Duplicate = true
	z := sampleZ()
	z.Currencies[0].Theirs.SaleCount = 11
	z.Unresolved = []Unresolved{{ClientOrderID: "7c9e6679-7425-40de-944b-e07fc1f90ae7", Amount: "99.90", Currency: "RUB",
		Status: "unknown", MaskedPAN: "220012****3456", At: at}}
	return map[string]func(PrintOptions) (Job, error){
		"sale": sale.ESCPOS, "declined": declined.ESCPOS, "duplicate": dup.ESCPOS, "zreport": z.ESCPOS,
	}
}

// paper decodes a job and checks every line fits the width at its size.
func paper(t *testing.T, job []byte, width int) []escpos.Op {
	t.Helper()
	ops, err := escpos.Decode(job)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	sw := 1
	for _, o := range ops {
		switch o.Kind {
		case escpos.OpSize:
			sw = o.W
		case escpos.OpText:
			if n := utf8.RuneCountInString(o.Text); n > width/sw {
				t.Errorf("%d characters at %dx width on a %d-column printer: %q", n, sw, width, o.Text)
			}
		}
	}
	if last := ops[len(ops)-1]; last.Kind != escpos.OpCut {
		t.Errorf("the job ends in %v, not a cut", last)
	}
	if ops[0].Kind != escpos.OpInit || ops[1].String() != "codepage 17" {
		t.Errorf("the job starts with %v %v, not init and code page 17", ops[0], ops[1])
	}
	return ops
}

func TestESCPOSGolden(t *testing.T) {
	for name, render := range printCases() {
		for _, lang := range []string{"en", "ru"} {
			for _, width := range []int{32, 42} {
				job, err := render(PrintOptions{Width: width, Words: words(lang)})
				if err != nil {
					t.Fatal(err)
				}
				base := filepath.Join("testdata", name+"-"+lang+"-"+itoa(int64(width)))
				tr := escpos.Transcript(paper(t, job.Bytes, width))
				if job.Replaced != 0 {
					t.Errorf("%s: %d characters CP866 lacks", base, job.Replaced)
				}
				if *update {
					os.MkdirAll("testdata", 0o755)
					if err := os.WriteFile(base+".golden", job.Bytes, 0o644); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(base+".paper", []byte(tr), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(base + ".golden")
				if err != nil {
					t.Fatalf("%v (run with -update)", err)
				}
				if !bytes.Equal(job.Bytes, want) {
					wantOps, _ := escpos.Decode(want)
					t.Errorf("%s.golden differs; paper now:\n%s\nwas:\n%s", base, tr, escpos.Transcript(wantOps))
				}
			}
		}
	}
}

// lineWith returns the printed line containing s, or fails.
func lineWith(t *testing.T, lines []string, s string) string {
	t.Helper()
	for _, l := range lines {
		if strings.Contains(l, s) {
			return l
		}
	}
	t.Errorf("no line with %q in:\n%s", s, strings.Join(lines, "\n"))
	return ""
}

func TestESCPOSReadsLikePaper(t *testing.T) {
	for _, width := range []int{32, 42, 48} {
		r := sample()
		r.MaskedPAN = "4012 3456 7890 8909" // a clear PAN is printed masked
		job, err := r.ESCPOS(PrintOptions{Width: width})
		if err != nil {
			t.Fatal(err)
		}
		ops := paper(t, job.Bytes, width)
		lines := escpos.Lines(ops)
		if l := lineWith(t, lines, "401234******8909"); !strings.HasPrefix(l, "Card ") || utf8.RuneCountInString(l) != width {
			t.Errorf("%d: card line %q", width, l)
		}
		if l := lineWith(t, lines, "AB12CD"); !strings.HasPrefix(l, "Approval code") {
			t.Errorf("%d: approval line %q", width, l)
		}
		if bytes.Contains(job.Bytes, []byte("4012345678908909")) || bytes.Contains(job.Bytes, []byte("567890")) {
			t.Errorf("%d: the clear PAN reached the printer", width)
		}
		lineWith(t, lines, `ООО "Ромашка"`) // Cyrillic decoded from CP866
		lineWith(t, lines, "Москва")
		lineWith(t, lines, "[qr 0f8fad5b-d9cb-469f-a165-70867728950e]")
		tr := escpos.Transcript(ops)
		if !strings.Contains(tr, "[bold on]\n[size 2x2]\n[align center]\n1 234.50 RUB\n") {
			t.Errorf("%d: the amount is not big:\n%s", width, tr)
		}
		if slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, DuplicateBanner) }) {
			t.Errorf("%d: an original says DUPLICATE", width)
		}
	}
}

func TestESCPOSDuplicateAndDeclined(t *testing.T) {
	r := sample()
	r.Duplicate = true
	job, _ := r.ESCPOS(PrintOptions{Width: 32})
	tr := escpos.Transcript(paper(t, job.Bytes, 32))
	if strings.Count(tr, "[reverse on]\n*** DUPLICATE ***\n[reverse off]") != 2 {
		t.Errorf("DUPLICATE is not stamped top and bottom in reverse:\n%s", tr)
	}
	job, _ = r.ESCPOS(PrintOptions{Width: 32, Words: words("ru")})
	lines := escpos.Lines(paper(t, job.Bytes, 32))
	lineWith(t, lines, "*** ДУБЛИКАТ ***")
	lineWith(t, lines, "КОПИЯ ПОКУПАТЕЛЯ")
	lineWith(t, lines, "Спасибо! Сохраните этот чек.")

	r = sample()
	r.Status, r.ApprovalCode = "declined", ""
	job, _ = r.ESCPOS(PrintOptions{Width: 42, Words: words("ru")})
	lines = escpos.Lines(paper(t, job.Bytes, 42))
	lineWith(t, lines, "ОТКЛОНЕНО")
	lineWith(t, lines, "Деньги не списаны.")
	for _, l := range lines {
		if strings.Contains(l, "Код авторизации") || strings.Contains(l, "Спасибо") {
			t.Errorf("a declined receipt says %q", l)
		}
	}
}

func TestESCPOSZReport(t *testing.T) {
	z := printCases()["zreport"]
	for _, width := range []int{32, 42, 48} {
		job, err := z(PrintOptions{Width: width, Words: words("ru")})
		if err != nil {
			t.Fatal(err)
		}
		ops := paper(t, job.Bytes, width)
		lines := escpos.Lines(ops)
		lineWith(t, lines, "РАСХОЖДЕНИЯ: 1")
		lineWith(t, lines, "<< RUB число продаж")
		lineWith(t, lines, "НЕВЫЯСНЕННЫЕ ПЛАТЕЖИ: 1")
		lineWith(t, lines, "220012****3456")
		lineWith(t, lines, "[qr c0ffee00-1111-4222-8333-444455556666]")
		var chain string
		for i, l := range lines {
			if strings.HasSuffix(l, "(SHA-256):") && i+2 < len(lines) {
				chain = strings.Join(lines[i+1:i+3], "")
			}
		}
		if !strings.HasPrefix(chain, head) {
			t.Errorf("%d: chain head %q", width, chain)
		}
		if l := lineWith(t, lines, "Продажи"); width >= 42 && !strings.HasSuffix(strings.TrimSpace(l), "<<") {
			t.Errorf("%d: the differing row is not marked: %q", width, l)
		}
	}
}

func TestESCPOSDemoSubstitutesTheDash(t *testing.T) {
	r := sample()
	r.Demo = true
	job, err := r.ESCPOS(PrintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lineWith(t, escpos.Lines(paper(t, job.Bytes, Width)), "*** DEMO - NOT A REAL PAYMENT ***")
	if job.Substituted != 2 || job.Replaced != 0 {
		t.Errorf("substituted %d replaced %d, want 2 and 0", job.Substituted, job.Replaced)
	}
}

func TestESCPOSMissingCharactersCounted(t *testing.T) {
	r := sample()
	r.Merchant = "Café 日本"
	job, _ := r.ESCPOS(PrintOptions{Width: 42})
	lineWith(t, escpos.Lines(paper(t, job.Bytes, 42)), "Caf? ??")
	if job.Replaced != 3 {
		t.Errorf("replaced %d, want 3", job.Replaced)
	}
}

func TestESCPOSOptions(t *testing.T) {
	r := sample()
	if _, err := r.ESCPOS(PrintOptions{Width: 40}); !errors.Is(err, escpos.ErrWidth) {
		t.Errorf("width 40: %v", err)
	}
	job, err := r.ESCPOS(PrintOptions{CodePage: escpos.CP866(59)})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(job.Bytes, []byte{0x1B, '@', 0x1B, 't', 59}) {
		t.Errorf("code page not selected: % x", job.Bytes[:5])
	}
	r.ClientOrderID = ""
	job, _ = r.ESCPOS(PrintOptions{})
	lineWith(t, escpos.Lines(paper(t, job.Bytes, Width)), "[qr R-4242]")
	r.ReceiptID = ""
	job, _ = r.ESCPOS(PrintOptions{})
	if ops := paper(t, job.Bytes, Width); slices.ContainsFunc(ops, func(o escpos.Op) bool { return o.Kind == escpos.OpQR }) {
		t.Errorf("a QR code without a reference")
	}
}

// TestESCPOSSameContentAsText: at 42 columns in English the printer gets the
// lines of Text (which the PDF draws), plus the QR code.
func TestESCPOSSameContentAsText(t *testing.T) {
	norm := func(lines []string) []string {
		var out []string
		for _, l := range lines {
			if l = strings.TrimSpace(strings.ReplaceAll(l, "—", "-")); l != "" && !strings.HasPrefix(l, "[qr ") {
				out = append(out, l)
			}
		}
		return out
	}
	sale, declined, dup := sample(), sample(), sample()
	declined.Status, declined.Copy = "declined", MerchantCopy
	dup.Duplicate, dup.Demo = true, true
	z := printCases()["zreport"]
	zr := sampleZ()
	zr.Currencies[0].Theirs.SaleCount = 11
	zr.Unresolved = []Unresolved{{ClientOrderID: "7c9e6679-7425-40de-944b-e07fc1f90ae7", Amount: "99.90", Currency: "RUB",
		Status: "unknown", MaskedPAN: "220012****3456", At: at}}
	for name, c := range map[string]struct {
		text   string
		render func(PrintOptions) (Job, error)
	}{
		"sale": {sale.Text(), sale.ESCPOS}, "declined": {declined.Text(), declined.ESCPOS},
		"duplicate demo": {dup.Text(), dup.ESCPOS}, "zreport": {zr.Text(), z},
	} {
		job, err := c.render(PrintOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := norm(escpos.Lines(paper(t, job.Bytes, Width)))
		want := norm(strings.Split(c.text, "\n"))
		if !slices.Equal(got, want) {
			t.Errorf("%s: printer\n%s\ntext\n%s", name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}
