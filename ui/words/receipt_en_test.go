package words

import "testing"

// TestEnglishReceiptWords: an English receipt prints its own words, not
// the "receipt: " keys that tell the printed words from the screen's
// (the English receipt once said "receipt: SALE").
func TestEnglishReceiptWords(t *testing.T) {
	for _, s := range []string{"SALE", "MERCHANT COPY", "PRINTER TEST", "Approval code"} {
		if got := English.Text(s); got != s {
			t.Errorf("English.Text(%q) = %q", s, got)
		}
	}
}
