package emv

import (
	"kassa/device/sred"
)

// Answer is what a simulated card knows for one transaction; Fields makes
// its templates (§12.2, §12.4, §12.6). The simulator, and tests of the
// sandbox, build templates with it.
type Answer struct {
	Card        ICCData  // clear PAN and track 2 equivalent (encrypted into DFAE02)
	Profile     Profile  // ProfileFor(PAN)
	Start       Start    // the START data (amount, currency, date, type)
	Country     uint16   // 9F1A, 643
	ATC         uint16   // 9F36
	UN          [4]byte  // 9F37
	TVR         [5]byte  // 95
	CVMResults  [3]byte  // 9F34
	CVStatus    byte     // DF28
	Contactless bool     // adds DF30 (the profile's kernel)
	Serial      string   // 9F1E
	KSN         sred.KSN // DFAE03
	PINBlock    []byte   // DFAE04 (nil: no online PIN)
	PINKSN      sred.KSN // DFAE05, with PINBlock
}

// data returns the cryptogram input of a.
func (a Answer) data() CryptogramData {
	var d CryptogramData
	copy(d.Amount[:], bcd(a.Start.AmountMinor, 6))
	copy(d.Country[:], bcd(int64(a.Country), 2))
	d.TVR = a.TVR
	copy(d.Currency[:], bcd(int64(a.Start.Currency), 2))
	copy(d.Date[:], bcdString(a.Start.At.Format("060102")))
	d.Type = a.Start.Type
	d.UN = a.UN
	copy(d.AIP[:], a.Profile.AIP)
	d.ATC = [2]byte{byte(a.ATC >> 8), byte(a.ATC)}
	if len(a.Profile.IAD) >= 7 {
		copy(d.CVR[:], a.Profile.IAD[3:7])
	}
	return d
}

// Fields returns the template fields of kind k: KindOnline carries the
// ARQC (9F27 80), the PIN block when set; KindApproved/KindDeclined after
// CONTINUE carry the TC/AAC over arc ‖ data (9F27 40/00) and no PIN block;
// with arc nil they are an offline result straight from START.
func (a Answer) Fields(bdk, imk [16]byte, k Kind, arc *ARC) (Fields, error) {
	mk, err := ICCMasterKey(imk, a.Card.PAN, hex2(a.Profile.PSN))
	if err != nil {
		return Fields{}, err
	}
	sredData, err := EncryptICC(bdk, a.KSN, a.Card)
	if err != nil {
		return Fields{}, err
	}
	d := a.data()
	ac := Cryptogram(mk, d)
	if arc != nil {
		ac = SecondCryptogram(mk, *arc, d)
	}
	f := Fields{
		AID: a.Profile.AID, Label: a.Profile.Label, Expiry: a.Profile.Expiry,
		Currency: d.Currency[:], PSN: []byte{a.Profile.PSN}, AIP: a.Profile.AIP, DFName: a.Profile.AID,
		TVR: d.TVR[:], Date: d.Date[:], Type: []byte{d.Type}, Amount: d.Amount[:], OtherAmount: d.OtherAmount[:],
		IAD: a.Profile.IAD, Country: d.Country[:], Serial: a.Serial, Cryptogram: ac[:], CID: []byte{wantCID[k]},
		TermCaps: a.Profile.Caps, CVMResults: a.CVMResults[:], TermType: []byte{a.Profile.Type},
		ATC: d.ATC[:], UN: d.UN[:], CVStatus: []byte{a.CVStatus},
		SRED: sredData, KSN: a.KSN[:], MaskedICC2: a.Card.MaskedTrack2Eq(), MaskedPAN: MaskPAN(a.Card.PAN),
	}
	if a.Contactless {
		f.Kernel = []byte{a.Profile.Kernel}
	}
	if k == KindOnline && a.PINBlock != nil {
		f.PINBlock, f.PINKSN = a.PINBlock, a.PINKSN[:]
	}
	return f, nil
}

// Template is Build(k, Fields(…)).
func (a Answer) Template(bdk, imk [16]byte, k Kind, arc *ARC) ([]byte, error) {
	f, err := a.Fields(bdk, imk, k, arc)
	if err != nil {
		return nil, err
	}
	return Build(k, f)
}

func hex2(b byte) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[b>>4], digits[b&15]})
}
