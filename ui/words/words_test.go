package words

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"kassa/pos"
	"kassa/pos/receipt"
)

// keys lists every translation key of the package's tables.
func keys() []string {
	var out []string
	for _, s := range causes {
		out = append(out, s.what, s.todo, s.bare)
	}
	for _, s := range readers {
		out = append(out, s.what, s.todo)
	}
	for _, k := range stages {
		out = append(out, k)
	}
	for _, w := range statuses {
		out = append(out, w.word, w.title)
	}
	for _, k := range readerStates {
		out = append(out, k)
	}
	for _, k := range bankTexts {
		out = append(out, k)
	}
	return out
}

// TestEveryCauseHasWords: each cause, reader problem, stage and status has
// words, and each of those words has its English and Russian text.
func TestEveryCauseHasWords(t *testing.T) {
	for _, c := range Causes() {
		if !Says(c) {
			t.Errorf("cause %s has no words", c)
		}
	}
	for _, p := range pos.ReaderProblems() {
		if _, ok := readers[p]; !ok {
			t.Errorf("reader problem %s has no words", p)
		}
	}
	for _, s := range pos.Stages() {
		if _, ok := stages[s]; !ok {
			t.Errorf("stage %s has no words", s)
		}
	}
	for _, s := range []pos.Status{pos.StatusPending, pos.StatusApproved, pos.StatusDeclined, pos.StatusFiltered, pos.StatusFailed, pos.StatusUnknown} {
		if _, ok := statuses[s]; !ok {
			t.Errorf("status %s has no words", s)
		}
	}
	for _, k := range keys() {
		for _, l := range Langs() {
			if k != "" && !Has(k, l) {
				t.Errorf("%q has no %s words", k, l)
			}
		}
	}
}

// latin finds English words (three letters or more) in a Russian text.
var latin = regexp.MustCompile(`[A-Za-z_]{3,}`)

// allowedLatin are the Latin words a Russian text may hold: codes and names.
var allowedLatin = map[string]bool{"RUB": true, "PIN": true, "KASSA_CONTROL_KEY": true, "Enter": true, "Esc": true, "Kassa": true, "Endpoint": true,
	"PDF": true} // PDF: issue 16

// TestRussianHasNoEnglish walks every cause with every reader problem (and
// known bank texts) in Russian: no English word may leak into the words.
func TestRussianHasNoEnglish(t *testing.T) {
	check := func(what string, s string) {
		t.Helper()
		for _, w := range latin.FindAllString(s, -1) {
			if !allowedLatin[w] {
				t.Errorf("%s: English %q in Russian %q", what, w, s)
			}
		}
	}
	for _, c := range Causes() {
		for _, p := range append([]pos.ReaderProblem{pos.ReaderOK}, pos.ReaderProblems()...) {
			r := pos.Reason{Cause: c, Reader: p, Code: "51", Message: "Insufficient funds", Detail: "port /tmp/ttyS0: Port has been closed"}
			if c == pos.CauseDaySending {
				r.Message = "1273.50 RUB" // its Message is a sum
			}
			what, todo := Reason(Russian, r)
			if what == "" {
				t.Errorf("%s/%s: no words", c, p)
			}
			check(c.String()+"/"+p.String(), what+" "+todo)
			if strings.Contains(what+todo, "/tmp") || strings.Contains(what+todo, "{") {
				t.Errorf("%s/%s: detail or placeholder shown: %q %q", c, p, what, todo)
			}
		}
	}
	for _, s := range pos.Stages() {
		check(s.String(), Stage(Russian, s))
	}
	for _, s := range []pos.Status{pos.StatusPending, pos.StatusApproved, pos.StatusDeclined, pos.StatusFiltered, pos.StatusFailed, pos.StatusUnknown} {
		check(s.String(), Status(Russian, s)+" "+Title(Russian, s))
	}
}

// TestEnglishSentencesKept: the English words are the sentences the engine
// used to say (tests and cashiers know them).
func TestEnglishSentencesKept(t *testing.T) {
	for _, tc := range []struct {
		r          pos.Reason
		what, todo string
	}{
		{pos.Reason{Cause: pos.CauseDeclined, Code: "51", Message: "Insufficient funds"}, "Declined by the bank: insufficient funds.", "Ask for another card or another payment method."},
		{pos.Reason{Cause: pos.CauseApproved}, "Approved by the bank.", "Hand over the receipt."},
		{pos.Reason{Cause: pos.CauseBankUnreachable, Detail: "dial tcp: refused"}, "Not charged: Kassa could not reach the bank.", "Check the internet connection, then try again."},
		{pos.Reason{Cause: pos.CauseCardUnreadable, Reader: pos.ReaderGone}, "The card could not be read: the reader was disconnected. Not charged.", "Plug the reader back in, then start again."},
		{pos.Reason{Cause: pos.CauseCardUnreadable, Reader: pos.ReaderTimeout}, "The card could not be read: no card was swiped in time. Not charged.", "Start the payment again."},
	} {
		what, todo := Reason(English, tc.r)
		if what != tc.what || todo != tc.todo {
			t.Errorf("%v: %q / %q, want %q / %q", tc.r, what, todo, tc.what, tc.todo)
		}
	}
	if _, todo := Reason(English, pos.Reason{Cause: pos.CauseReaderUnavailable, Reader: pos.ReaderNoKeys}); !strings.Contains(todo, "support") || strings.Contains(todo, "cable and") {
		t.Errorf("no keys: %q, want a call to support, not a cable check", todo)
	}
}

// TestBankTexts: a known bank text is translated, an unknown one quoted
// after translated words.
func TestBankTexts(t *testing.T) {
	what, _ := Reason(Russian, pos.Reason{Cause: pos.CauseDeclined, Code: "51", Message: "Insufficient funds"})
	if what != "Отклонено банком: недостаточно средств." {
		t.Errorf("known decline in Russian: %q", what)
	}
	what, _ = Reason(Russian, pos.Reason{Cause: pos.CauseDeclined, Message: "Card lost, pick up"})
	if !strings.HasPrefix(what, "Отклонено банком: «Card lost, pick up»") {
		t.Errorf("unknown decline in Russian: %q", what)
	}
	what, _ = Reason(Russian, pos.Reason{Cause: pos.CauseDeclined, Code: "05"})
	if !strings.Contains(what, "отказ") {
		t.Errorf("decline by code only: %q", what)
	}
	if what, _ := Reason(English, pos.Reason{Cause: pos.CauseDeclined}); what != "Declined by the bank." {
		t.Errorf("decline without text: %q", what)
	}
}

func TestAmount(t *testing.T) {
	a := pos.Amount{Minor: 4250, Currency: "RUB"}
	if got := Amount(Russian, a); got != "42,50 RUB" {
		t.Errorf("Russian: %q", got)
	}
	if got := Amount(English, pos.Amount{Minor: 125000050, Currency: "RUB"}); got != "1 250 000.50 RUB" {
		t.Errorf("English: %q", got)
	}
	if got := Count("{{.Count}} payments", 3, Russian); got != "3 платежа" {
		t.Errorf("plural: %q", got)
	}
	if got := Count("{{.Count}} payments", 11, Russian); got != "11 платежей" {
		t.Errorf("plural: %q", got)
	}
	if ParseLang("ru_RU.UTF-8") != Russian || ParseLang("C.UTF-8") != English || ParseLang("") != English {
		t.Error("ParseLang")
	}
}

// TestReceiptWords: Lang is a receipt's Words; SALE on a receipt is ПРОДАЖА.
func TestReceiptWords(t *testing.T) {
	if got := Russian.Text("SALE"); got != "ПРОДАЖА" {
		t.Errorf("receipt SALE: %q", got)
	}
	if got := Key("SALE", Russian); got != "ОПЛАТА" {
		t.Errorf("button SALE: %q", got)
	}
	if got := Russian.Text("MERCHANT COPY"); got != "КОПИЯ ПРОДАВЦА" {
		t.Errorf("MERCHANT COPY: %q", got)
	}
}

// TestXReportWords: every label of the X report has Russian words (issue 13).
func TestXReportWords(t *testing.T) {
	x := receipt.XReport{Currencies: []receipt.XCurrency{{Currency: "RUB", Schemes: []receipt.SchemeLine{{Scheme: "VISA"}, {Scheme: "MIR"}, {Scheme: "Other cards"}}}},
		Since: time.Now(), At: time.Now(), Cashier: "x", TerminalID: "T", ChainHead: "ab"}
	x.Words = Russian
	text := x.Text()
	for _, english := range []string{"REPORT", "Sales", "Declined", "Open holds", "Other cards", "Journal", "Since", "Cashier", "not closed"} {
		if strings.Contains(text, english) {
			t.Errorf("Russian X report says %q:\n%s", english, text)
		}
	}
	for _, s := range pos.Schemes() {
		if !Has(pos.SchemeLabel(s), Russian) {
			t.Errorf("scheme %s has no words", s)
		}
	}
}
