package words

import (
	"strings"
	"testing"

	"kassa/pos/receipt"
)

// A chip receipt in Russian (issue 12): the entry mode, the verification
// and the signature line speak Russian.
func TestChipReceiptRussian(t *testing.T) {
	r := receipt.Receipt{Kind: "sale", Amount: "10.50", Currency: "RUB", MaskedPAN: "401234***8909", Status: "approved",
		Copy: receipt.MerchantCopy, Words: Russian,
		Chip: receipt.Chip{EntryMode: "chip", AppLabel: "VISA", AID: "A0000000031010", CVM: "signature", Signature: true,
			TVR: "0000000000", CID: "TC", Cryptogram: "B388BBEDD872DB3C"}}
	text := r.Text()
	for _, s := range []string{"Способ ввода", "Чип", "Приложение", "Требуется подпись", "Подпись держателя карты", "B388BBEDD872DB3C"} {
		if !strings.Contains(text, s) {
			t.Errorf("%q missing:\n%s", s, text)
		}
	}
	for _, s := range []string{"Entry", "Signature"} {
		if strings.Contains(text, s) {
			t.Errorf("English %q on a Russian receipt:\n%s", s, text)
		}
	}
	for _, m := range []string{"online-pin", "on-device", "no-cvm"} {
		r.Chip.CVM, r.Chip.Signature = m, false
		if !strings.ContainsAny(r.Text(), "ПпБ") {
			t.Errorf("%s: no Russian verification", m)
		}
	}
}
