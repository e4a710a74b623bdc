package receipt

// Words gives a receipt's and a Z report's texts in the terminal's
// language. The receipt asks for its fixed texts by their English words
// ("MERCHANT COPY", "Approval code", …) and for every formatted number;
// the GUI hands in its words (ui/words), so a receipt speaks the language
// the terminal is set to. A nil Words prints English.
type Words interface {
	// Text returns the words for an English text of the receipt; an
	// unknown text comes back as it is.
	Text(english string) string
	// Number writes a formatted number ("1 234.50") the language's way
	// (Russian: "1 234,50").
	Number(formatted string) string
}

// English is the receipt's own language: every text as written.
var English Words = english{}

type english struct{}

func (english) Text(s string) string   { return s }
func (english) Number(s string) string { return s }

// wordsOr returns w, or English when w is nil.
func wordsOr(w Words) Words {
	if w == nil {
		return English
	}
	return w
}
