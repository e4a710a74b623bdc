package pos

import (
	"testing"

	"kassa/store"
)

// The card facts of a journal payment: the intent's entry mode and
// application, the status's EMV fields; the verification from 9F34 when the
// gateway sent it, else the reader's (one line per case).
func TestCardFacts(t *testing.T) {
	for _, tc := range []struct {
		name           string
		p              store.Payment
		verification   string
		pin, signature bool
	}{
		{"swipe", store.Payment{EntryMode: "swipe"}, "", false, false},
		{"before chips", store.Payment{}, "", false, false},
		{"chip, online PIN", store.Payment{EntryMode: "chip", CVM: "online-pin"}, "online-pin", true, false},
		{"status 9F34 says signature", chipPaid("chip", "no-cvm", "1E0300"), "signature", false, true},
		{"status 9F34 says no CVM", chipPaid("contactless", "unknown", "1F0302"), "no-cvm", false, false},
		{"on the phone wins", chipPaid("contactless", "on-device", "1F0302"), "on-device", false, false},
		{"bad 9F34 hex", chipPaid("chip", "offline-pin", "zz"), "offline-pin", true, false},
	} {
		c := cardFactsOf(tc.p)
		if c.Verification() != tc.verification || c.PINVerified() != tc.pin || c.SignatureLine() != tc.signature {
			t.Errorf("%s: %q pin %v signature %v", tc.name, c.Verification(), c.PINVerified(), c.SignatureLine())
		}
	}
}

func chipPaid(mode, cvm, results string) store.Payment {
	return store.Payment{EntryMode: mode, CVM: cvm, AID: "A0000000031010", Events: []store.Event{
		{Type: store.EventFinal, Fields: map[string]string{fEMVCVM: results, fEMVTVR: "0000000000", fEMVCID: "TC"}}}}
}

// FuzzCardFacts: any journaled fields (a journal is read back from disk)
// give card facts without a panic, and a swipe never asks for a signature.
func FuzzCardFacts(f *testing.F) {
	f.Add("chip", "online-pin", "420300", "TC", "A0000000031010")
	f.Add("contactless", "on-device", "1F0302", "ARQC", "")
	f.Add("swipe", "", "", "", "")
	f.Add("\x00", "failed", "3F", "zz", "0")
	f.Fuzz(func(t *testing.T, mode, cvm, results, cid, aid string) {
		p := store.Payment{EntryMode: mode, CVM: cvm, Events: []store.Event{
			{Type: store.EventFinal, Fields: map[string]string{fEMVCVM: results, fEMVCID: cid, fEMVAID: aid}}}}
		c := cardFactsOf(p)
		_ = c.Verification()
		_ = c.Receipt()
		if !c.Chip() && (c.SignatureLine() || c.PINVerified() || c.Verification() != "") {
			t.Errorf("%q: a card not read by chip or tap has a verification", mode)
		}
	})
}
