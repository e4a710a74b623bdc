package pos

import (
	"encoding/hex"
	"strings"

	"kassa/device"
	"kassa/device/emv"
	"kassa/mapi"
	"kassa/store"
)

// CardFacts are what a receipt and the result screen show of how a card was
// read (issue 12, READER-PROTOCOL.md §12.2, MAPI.md §10): the entry mode,
// application and cardholder verification from the reader (journaled with
// the intent), and the EMV fields of the gateway's final status.
type CardFacts struct {
	// EntryMode is "swipe", "chip", "contactless" or "fallback-swipe" (the
	// entry_mode output values); "" for payments journaled before chips.
	EntryMode string
	AID       string // application identifier as hex (4F, or the status's 9F06)
	AppLabel  string // application label (50), e.g. "VISA"
	// CVM is how the cardholder was verified (device/emv CVM names):
	// "online-pin", "offline-pin", "on-device", "no-cvm", "signature",
	// "pin-and-signature", "failed", "unknown"; "" for a swipe.
	CVM string
	// From the final status (hex as on the card; "" when absent).
	TVR        string // emv-tvr-95
	Cryptogram string // emv-app-cryptogram-9f26
	CID        string // the cryptogram's kind from emv-cid-9f27: "TC", "AAC", "ARQC"
	CVMResults string // emv-cvm-9f34
	PANSeq     string // emv-pan-sequence-5f34
}

// Chip reports whether the card was read by its chip or by a tap.
func (c CardFacts) Chip() bool { return c.EntryMode == "chip" || c.EntryMode == "contactless" }

// cvm is the verification, from the status's 9F34 when the gateway sent it.
func (c CardFacts) cvm() emv.CVM {
	if c.CVM == emv.CVMOnDevice.String() {
		return emv.CVMOnDevice
	}
	if b, err := hex.DecodeString(c.CVMResults); err == nil && len(b) == 3 {
		if m := emv.CVMOf(b, nil); m != emv.CVMUnknown {
			return m
		}
	}
	for m := emv.CVMUnknown; m <= emv.CVMFailed; m++ {
		if m.String() == c.CVM {
			return m
		}
	}
	return emv.CVMUnknown
}

// Verification is the cardholder verification for the receipt (the
// status's 9F34 when present, else the reader's): "online-pin",
// "offline-pin", "on-device", "no-cvm", "signature", "pin-and-signature",
// "failed", or "" for a swipe.
func (c CardFacts) Verification() string {
	if !c.Chip() {
		return ""
	}
	return c.cvm().String()
}

// PINVerified reports that the cardholder entered a PIN.
func (c CardFacts) PINVerified() bool {
	m := c.cvm()
	return c.Chip() && (m == emv.CVMOnlinePIN || m == emv.CVMOfflinePIN || m == emv.CVMPINAndSignature)
}

// SignatureLine reports whether the receipt needs a signature line (9F34
// asks for one).
func (c CardFacts) SignatureLine() bool { return c.Chip() && c.cvm().NeedsSignature() }

// Journal event fields of the EMV receipt data of a status answer.
const (
	fEMVTVR        = "emv_tvr"
	fEMVCryptogram = "emv_cryptogram"
	fEMVCID        = "emv_cid"
	fEMVCVM        = "emv_cvm_results"
	fEMVAID        = "emv_aid"
	fEMVLabel      = "emv_app_label"
	fEMVSeq        = "emv_psn"
	fAdviceKind    = "cryptogram" // an advice event: TC or AAC
	fAdviceARC     = "arc"        // an advice event: the issuer's response code given to the card
)

// emvFields are the journal fields of a status answer's EMV receipt data.
func emvFields(e *mapi.EMVFields) map[string]string {
	if e == nil {
		return nil
	}
	up := func(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }
	return nonEmpty(map[string]string{
		fEMVTVR: up(e.TVR), fEMVCryptogram: up(e.Cryptogram), fEMVCID: e.CID.String(), fEMVCVM: up(e.CVMResults),
		fEMVAID: up(e.AID), fEMVLabel: e.AppLabel, fEMVSeq: up(e.PANSequence),
	})
}

// cardFactsOf reads a journal payment's card facts: the intent's, then the
// EMV fields of its events (the latest wins).
func cardFactsOf(p store.Payment) CardFacts {
	c := CardFacts{EntryMode: p.EntryMode, AID: p.AID, AppLabel: p.AppLabel, CVM: p.CVM}
	for _, ev := range p.Events {
		f := ev.Fields
		for dst, key := range map[*string]string{&c.TVR: fEMVTVR, &c.Cryptogram: fEMVCryptogram, &c.CID: fEMVCID,
			&c.CVMResults: fEMVCVM, &c.PANSeq: fEMVSeq} {
			if f[key] != "" {
				*dst = f[key]
			}
		}
		if c.AID == "" && f[fEMVAID] != "" {
			c.AID = f[fEMVAID]
		}
		if c.AppLabel == "" && f[fEMVLabel] != "" {
			c.AppLabel = f[fEMVLabel]
		}
	}
	return c
}

// cardJournal is what the intent keeps of how the card was read.
func cardJournal(p *store.Payment, card *device.Card) {
	if card.Entry != device.EntryUnknown {
		p.EntryMode = card.Entry.String()
	}
	if card.Chip == nil && card.AID == "" {
		return
	}
	p.AID, p.AppLabel, p.CVM = card.AID, card.AppLabel, card.CVM.String()
}
