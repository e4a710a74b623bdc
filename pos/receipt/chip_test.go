package receipt

import (
	"bytes"
	"strings"
	"testing"

	"kassa/device/escpos"
)

// chipSample is an approved chip sale's merchant copy (issue 12).
func chipSample(cvm string, signature bool) Receipt {
	r := sample()
	r.Copy = MerchantCopy
	r.Chip = Chip{EntryMode: "chip", AppLabel: "VISA", AID: "a0000000031010", CVM: cvm, Signature: signature,
		TVR: "0000000000", CID: "TC", Cryptogram: "B388BBEDD872DB3C"}
	return r
}

// An EMV receipt shows the entry mode, the application label and AID, the
// masked PAN, how the cardholder was verified (or a signature line when the
// card asks for one, on the merchant's copy), the TVR and the cryptogram;
// in text, PDF and ESC/POS alike.
func TestChipReceipt(t *testing.T) {
	for _, tc := range []struct {
		name    string
		r       Receipt
		want    []string
		notWant []string
	}{
		{"PIN", chipSample("online-pin", false), []string{"Entry", "Chip", "Application", "VISA", "AID", "A0000000031010",
			"401234****8909", "TVR", "0000000000", "TC", "B388BBEDD872DB3C", "PIN verified"}, []string{"Cardholder signature"}},
		{"on device", func() Receipt { r := chipSample("on-device", false); r.Chip.EntryMode = "contactless"; return r }(),
			[]string{"Contactless", "Verified on device"}, []string{"PIN verified"}},
		{"no CVM", chipSample("no-cvm", false), []string{"No CVM"}, []string{"Cardholder signature"}},
		{"signature", chipSample("signature", true), []string{"Signature required", "X____", "Cardholder signature"}, nil},
		{"signature, customer copy", func() Receipt { r := chipSample("signature", true); r.Copy = CustomerCopy; return r }(),
			[]string{"Signature required"}, []string{"Cardholder signature"}},
		{"fallback swipe", func() Receipt { r := sample(); r.Chip = Chip{EntryMode: "fallback-swipe"}; return r }(),
			[]string{"Fallback swipe"}, []string{"AID", "TVR", "Cryptogram"}},
		{"before chips", sample(), nil, []string{"Entry", "AID", "TVR"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := tc.r.Text()
			checkWidth(t, text)
			job, err := tc.r.ESCPOS(PrintOptions{})
			if err != nil {
				t.Fatal(err)
			}
			paperText := escpos.Transcript(paper(t, job.Bytes, Width))
			for _, s := range tc.want {
				if !strings.Contains(text, s) || !strings.Contains(paperText, s) {
					t.Errorf("%q missing:\n%s\npaper:\n%s", s, text, paperText)
				}
			}
			for _, s := range tc.notWant {
				if strings.Contains(text, s) || strings.Contains(paperText, s) {
					t.Errorf("%q printed:\n%s", s, text)
				}
			}
		})
	}
}

// The chip receipt's PDF carries the same EMV lines.
func TestChipReceiptPDF(t *testing.T) {
	uncompressed(t)
	var buf bytes.Buffer
	if err := PDF(&buf, chipSample("signature", true)); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"A0000000031010", "B388BBEDD872DB3C", "Cardholder signature", "Chip"} {
		if !bytes.Contains(buf.Bytes(), pdfText(s)) {
			t.Errorf("PDF lacks %q", s)
		}
	}
}

// FuzzChipReceipt: whatever the EMV fields hold (they come from the reader
// and the gateway), the receipt stays within the printer's width in text
// and ESC/POS and never fails to render.
func FuzzChipReceipt(f *testing.F) {
	f.Add("chip", "VISA", "A0000000031010", "online-pin", false, "0000000000", "TC", "B388BBEDD872DB3C")
	f.Add("contactless", "MASTERCARD", "A0000000041010", "on-device", false, "8000048000", "ARQC", "6173C4BA994F78A6")
	f.Add("fallback-swipe", "", "", "", false, "", "", "")
	f.Add("chip", "ОЧЕНЬ ДЛИННОЕ НАЗВАНИЕ ПРИЛОЖЕНИЯ КАРТЫ", "A000000003101001020304050607", "signature", true, "\n\t", "AAC", "x")
	f.Fuzz(func(t *testing.T, mode, label, aid, cvm string, sig bool, tvr, cid, crypt string) {
		r := sample()
		r.Copy = MerchantCopy
		r.Chip = Chip{EntryMode: mode, AppLabel: label, AID: aid, CVM: cvm, Signature: sig, TVR: tvr, CID: cid, Cryptogram: crypt}
		checkWidth(t, r.Text())
		for _, w := range []int{32, 42, 48} {
			job, err := r.ESCPOS(PrintOptions{Width: w})
			if err != nil {
				t.Fatalf("ESC/POS %d: %v", w, err)
			}
			paper(t, job.Bytes, w)
		}
	})
}
