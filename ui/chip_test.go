package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// The paying screen's title follows the reader's prompts and the EMV
// stages (issue 12), in English and Russian.
func TestPayingChipStages(t *testing.T) {
	h := newHarness(t, tuning{})
	p := h.u.pay
	h.u.paying = true
	p.start(pos.Sale, pos.Amount{Minor: 1050, Currency: "RUB"})
	defer func() { p.stop(); h.u.paying = false }()
	for _, tc := range []struct {
		stage    pos.Stage
		cause    pos.Cause
		en, ru   string
		canCanel bool
	}{
		{pos.StageWaitingCard, pos.CausePresentCard, "Tap, insert or swipe", "Приложите, вставьте или проведите карту", true},
		{pos.StageWaitingCard, pos.CauseInsertCard, "Insert the card", "Вставьте карту", true},
		{pos.StageWaitingCard, pos.CauseSwipeFallback, "Swipe the card", "Проведите карту", true},
		{pos.StagePINOnReader, pos.CausePINOnReader, "PIN on the reader", "ПИН-код на ридере", true},
		{pos.StageConfirming, pos.CauseConfirmingCard, "Card confirming", "Карта подтверждает", false},
		{pos.StageRemoveCard, pos.CauseRemoveCard, "Remove the card", "Выньте карту", false},
	} {
		for _, l := range []string{"en", "ru"} {
			setupLanguage(l)
			p.update(pos.Snapshot{Stage: tc.stage, Reason: pos.Reason{Cause: tc.cause}, CanCancel: tc.canCanel})
			want := map[string]string{"en": tc.en, "ru": tc.ru}[l]
			if p.stage.Text != want || p.note.Text() == "" {
				t.Errorf("%s %s %s: title %q note %q, want %q", l, tc.stage, tc.cause, p.stage.Text, p.note.Text(), want)
			}
			if p.cancel.Visible() != tc.canCanel {
				t.Errorf("%s: cancel shown %v", tc.stage, p.cancel.Visible())
			}
		}
	}
	setupLanguage("en")
}

// A real tap and a real insert through the demo engine: the result screen
// says how the card was read, the application, the verification, TVR and
// cryptogram; the demo panel's presentation picks the entry.
func TestChipResultScreen(t *testing.T) {
	h := newHarness(t, tuning{})
	if got := h.u.demo.present.Selected; got != "Tap (contactless)" {
		t.Errorf("demo presents by %q, want tap", got)
	}
	for _, tc := range []struct {
		present, last4 string
		want           []string
	}{
		{"tap", "1111", []string{"Contactless", "VISA", "A0000000031010", "No CVM", "TVR", "ARQC"}},
		{"insert", "0705", []string{"Chip", "VISA", "PIN verified", "TC"}},
		{"insert", "0945", []string{"Fallback swipe"}},
		{"swipe", "4444", []string{"Swipe"}},
	} {
		h.u.demo.selectPresentation(tc.present)
		if got := h.eng.Demo().Entry(); got != tc.present {
			t.Fatalf("simulator presents by %q, want %q", got, tc.present)
		}
		h.useCard(tc.last4)
		h.typeKeys("1050")
		h.press(fyne.KeyReturn)
		h.waitFor(60*time.Second, "a final result", func() bool {
			return h.u.current == h.u.result && h.u.result.view_.Final()
		})
		text := labelsText(h.u.result.details)
		for _, s := range tc.want {
			if !strings.Contains(text, s) {
				t.Errorf("%s %s: result lacks %q:\n%s", tc.present, tc.last4, s, text)
			}
		}
		h.press(fyne.KeyReturn)
		h.waitFor(10*time.Second, "the checkout", func() bool { return h.u.current == h.u.checkout })
	}
}

// labelsText is the text of every label under o.
func labelsText(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return b.String()
}

// A tap of the online-PIN card: the reader asks for the chip; the demo
// panel's presentation set to insert and "Present the card now" insert it,
// and the sale ends approved by chip with the PIN verified.
func TestDemoInsertWhenAsked(t *testing.T) {
	h := newHarness(t, tuning{})
	h.u.demo.selectPresentation("tap")
	h.useCard("0705")
	h.typeKeys("1050")
	h.press(fyne.KeyReturn)
	h.waitFor(20*time.Second, "insert the card", func() bool { return h.u.snap.Reason.Cause == pos.CauseInsertCard })
	if h.u.pay.stage.Text != "Insert the card" {
		t.Errorf("title %q", h.u.pay.stage.Text)
	}
	h.u.demo.selectPresentation("insert")
	test.Tap(h.u.demo.now)
	h.waitFor(60*time.Second, "a final result", func() bool { return h.u.current == h.u.result && h.u.result.view_.Final() })
	if v := h.u.result.view_; v.Status != pos.StatusApproved || v.Card.EntryMode != "chip" || v.Card.Verification() != "online-pin" {
		t.Errorf("%s %q %q", v.Status, v.Card.EntryMode, v.Card.Verification())
	}
}
