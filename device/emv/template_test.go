package emv

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"kassa/device/sred"
	"kassa/device/tlv"
)

// §8's swipe example: the whole E1 card-status template (92 bytes).
const swipeHex = "E15A48020005DFAE02205A7ABC7FEF1F0DEB6A46A13C2801CD2AF87CF994CBDD04E1107E1A074635C922DFAE030AFFFF9876543210E00001DFAE22203B3430313233342A2A2A383930393D323831323130312A2A2A2A2A2A2A2A2A3F"

var goldenAt = time.Date(2026, 12, 3, 10, 15, 0, 0, time.UTC)

// goldenAnswer is the golden card inserted in a fresh simulator (§12.5):
// KSN counter 2, ATC 0001, UN 12345678, 10.50 RUB on 2026-12-03, no CVM.
func goldenAnswer(t testing.TB) Answer {
	return Answer{
		Card:    ICCData{PAN: goldenPAN, Expiry: "2812", ServiceCode: ChipServiceCode, Discretion: ChipDiscretionary},
		Profile: ProfileFor(goldenPAN),
		Start:   Start{AmountMinor: 1050, Currency: 643, Exponent: 2, At: goldenAt},
		Country: CountryRussia, ATC: 1, UN: [4]byte{0x12, 0x34, 0x56, 0x78},
		CVMResults: [3]byte{0x1F, 0x03, 0x02}, CVStatus: CVStatusNone,
		Serial: "SIM00001", KSN: mustKSN(t, "FFFF9876543210E00002"),
	}
}

// goldenE4 is the golden card's E4, in the §12.2 order (computed once and
// frozen; every part of it is a §12.4 or §12.6 value).
const goldenE4 = "E481FA" +
	"4F07A0000000031010" +
	"500456495341" +
	"5F2403281231" +
	"5F2A020643" +
	"5F340101" +
	"82021800" +
	"8407A0000000031010" +
	"95050000000000" +
	"9A03261203" +
	"9C0100" +
	"9F0206000000001050" +
	"9F0306000000000000" +
	"9F100706010A03A00000" +
	"9F1A020643" +
	"9F1E0853494D3030303031" +
	"9F26086173C4BA994F78A6" +
	"9F270180" +
	"9F3303E0F8C8" +
	"9F34031F0302" +
	"9F350122" +
	"9F36020001" +
	"9F370412345678" +
	"DF280100" +
	"DFAE0220843C08643C529665150A2166A0D4F27CF91A6AFA24EA80455FC599375E6FE7DC" +
	"DFAE030AFFFF9876543210E00002" +
	"DFAE571E3430313233342A2A2A3839303944323831323230312A2A2A2A2A2A2A2A2A" +
	"DFAE5A0D3430313233342A2A2A38393039"

func TestGoldenE4(t *testing.T) {
	raw, err := goldenAnswer(t).Template(sred.TestBDK, TestIMK, KindOnline, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := goldenE4
	eqHex(t, "E4", raw, want)
	tp, err := ParseTemplate(raw)
	if err != nil {
		t.Fatal(err)
	}
	if tp.Kind != KindOnline || tp.Contactless() || tp.CVM() != CVMNone || tp.AIDHex() != "A0000000031010" ||
		tp.Fields.Label != "VISA" || tp.PSN() != "01" || tp.Hex() != want {
		t.Errorf("parsed %s: contactless %v cvm %s aid %s label %s psn %s", tp.Kind, tp.Contactless(), tp.CVM(), tp.AIDHex(), tp.Fields.Label, tp.PSN())
	}
	for tag, want := range map[tlv.Tag]string{TagTVR: "0000000000", TagCVMResults: "1F0302", TagCID: "80", TagCryptogram: "6173C4BA994F78A6", TagPSN: "01", TagPINBlock: ""} {
		if got := tp.ValueHex(tag); got != want {
			t.Errorf("ValueHex(%s) = %q, want %q", tag, got, want)
		}
	}
	m := tp.Masked()
	if m.String() != "401234***8909" || m.Expiry != "2812" {
		t.Errorf("masked %s expiry %s", m, m.Expiry)
	}
	d, err := Open(sred.TestBDK, tp)
	if err != nil || d.PAN != goldenPAN || d.Expiry != "2812" || d.ServiceCode != "201" {
		t.Fatalf("Open: %v", err)
	}
	cd, err := tp.CryptogramData()
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "cryptogram data", cd.Bytes(), goldenData)
	if err := VerifyCryptogram(TestIMK, d.PAN, tp, nil); err != nil {
		t.Errorf("ARQC: %v", err)
	}
	ir, err := IssuerResponse(TestIMK, d.PAN, tp, ARCApproved)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "emv-issuer-response", ir, "910A48AAD066D5116B8B3030")

	// The card's E3 after CONTINUE "00" + a good 91: TC B388BBEDD872DB3C.
	arc := ARCApproved
	e3, err := goldenAnswer(t).Template(sred.TestBDK, TestIMK, KindApproved, &arc)
	if err != nil {
		t.Fatal(err)
	}
	t3, err := ParseTemplate(e3)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "TC", t3.Fields.Cryptogram, "B388BBEDD872DB3C")
	if err := VerifyCryptogram(TestIMK, d.PAN, t3, &arc); err != nil {
		t.Errorf("TC: %v", err)
	}
	if err := VerifyCryptogram(TestIMK, d.PAN, t3, nil); !errors.Is(err, ErrCryptogram) {
		t.Errorf("TC verified as a first cryptogram: %v", err)
	}
	other := ARC{'0', '5'}
	if err := VerifyCryptogram(TestIMK, d.PAN, t3, &other); !errors.Is(err, ErrCryptogram) {
		t.Errorf("TC verified under another ARC: %v", err)
	}
	if err := VerifyCryptogram(TestIMK, "4111111111111111", tp, nil); !errors.Is(err, ErrCryptogram) {
		t.Errorf("ARQC verified for another PAN: %v", err)
	}
}

func TestSwipeTemplate(t *testing.T) {
	tp, err := ParseTemplateHex(swipeHex)
	if err != nil {
		t.Fatal(err)
	}
	if tp.Kind != KindSwipe || tp.Hex() != swipeHex || tp.KSN().String() != "FFFF9876543210E00001" {
		t.Fatalf("kind %s hex %s", tp.Kind, tp.Hex())
	}
	if m := tp.Masked(); m.String() != "401234***8909" || m.Expiry != "2812" {
		t.Errorf("masked %s %s", m, m.Expiry)
	}
	d, err := Open(sred.TestBDK, tp)
	if err != nil || d.PAN != goldenPAN || d.ServiceCode != "101" {
		t.Fatalf("Open: %v", err)
	}
	if tp.Contactless() || tp.CVM() != CVMUnknown {
		t.Error("a swipe is contactless or has a CVM")
	}
	if err := VerifyCryptogram(TestIMK, goldenPAN, tp, nil); err == nil {
		t.Error("a swipe has a cryptogram")
	}
	raw, err := Build(KindSwipe, tp.Fields)
	if err != nil || !bytes.Equal(raw, tp.Raw) {
		t.Errorf("Build(swipe) = %X", raw)
	}
	if !strings.Contains(tp.Describe(), "48 DFAE02 DFAE03 DFAE22") || strings.Contains(fmtAll(tp), "5A7ABC") {
		t.Errorf("Describe %q", tp.Describe())
	}
}

var sprintf = fmt.Sprintf

func fmtAll(v any) string {
	var b strings.Builder
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		b.WriteString(strings.ToUpper(sprintf(f, v)))
	}
	return b.String()
}

func TestTemplateRules(t *testing.T) {
	e4 := h(t, goldenE4)
	wrapped := tlv.Encode(tlv.TLV{Tag: TagResponse, Value: e4})
	tp, err := ParseTemplate(wrapped)
	if err != nil || !bytes.Equal(tp.Raw, e4) {
		t.Fatalf("E1-wrapped E4: %v", err)
	}
	mutate := func(f func(*Fields)) []byte {
		g, _ := ParseTemplate(e4)
		f(&g.Fields)
		b, _ := Build(KindOnline, g.Fields)
		return b
	}
	withTag := func(tag tlv.Tag) []byte {
		items, _ := tlv.Decode(e4)
		kids := append(items[0].Children, tlv.New(tag, []byte{0x40, 0x12}))
		return tlv.Encode(tlv.Constructed(TagOnline, kids...))
	}
	for _, tc := range []struct {
		name string
		raw  []byte
		want error
	}{
		{"clear PAN", withTag(TagPAN), ErrClearCardData},
		{"clear track 2 equivalent", withTag(TagTrack2Eq), ErrClearCardData},
		{"clear track 2", withTag(TagTrack2), ErrClearCardData},
		{"trailing byte", append(bytes.Clone(e4), 0), ErrTemplate},
		{"not a template", h(t, "E20100"), ErrTemplate},
		{"ciphertext of 31", mutate(func(f *Fields) { f.SRED = f.SRED[:31] }), ErrTemplate},
		{"no KSN", mutate(func(f *Fields) { f.KSN = nil }), ErrTemplate},
		{"short KSN", mutate(func(f *Fields) { f.KSN = f.KSN[:9] }), ErrTemplate},
		{"bad masked PAN", mutate(func(f *Fields) { f.MaskedPAN = "4012345678909" }), ErrTemplate},
		{"no expiry", mutate(func(f *Fields) { f.Expiry = nil }), ErrTemplate},
		{"PIN block without KSN", mutate(func(f *Fields) { f.PINBlock = make([]byte, 8) }), ErrTemplate},
		{"9F26 of 7", mutate(func(f *Fields) { f.Cryptogram = f.Cryptogram[:7] }), ErrTemplate},
	} {
		if _, err := ParseTemplate(tc.raw); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	// Masked data that disagrees with the ciphertext.
	other := mutate(func(f *Fields) { f.MaskedPAN = "401234***8908" })
	tp, err = ParseTemplate(other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(sred.TestBDK, tp); !errors.Is(err, ErrMismatch) {
		t.Errorf("mismatched masked PAN: %v", err)
	}
}

func TestContactlessAndPINTemplates(t *testing.T) {
	a := goldenAnswer(t)
	a.Contactless, a.CVStatus = true, CVStatusOnDevice
	raw, err := a.Template(sred.TestBDK, TestIMK, KindOnline, nil)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := ParseTemplate(raw)
	if err != nil || !tp.Contactless() || tp.CVM() != CVMOnDevice {
		t.Fatalf("contactless: %v %v %s", err, tp.Contactless(), tp.CVM())
	}

	pan := "4000000000000705"
	pinKSN := mustKSN(t, "FFFF9876543211E00001")
	blk, _ := EncryptPIN(sred.TestBDK, pinKSN, "1234", pan)
	b := Answer{Card: ICCData{PAN: pan, Expiry: "2812", ServiceCode: "201", Discretion: ChipDiscretionary},
		Profile: ProfileFor(pan), Start: a.Start, Country: 643, ATC: 1, CVMResults: [3]byte{0x42, 0x03, 0x00},
		CVStatus: CVStatusPIN, Serial: "SIM00001", KSN: mustKSN(t, "FFFF9876543210E00003"), PINBlock: blk, PINKSN: pinKSN}
	raw, err = b.Template(sred.TestBDK, TestIMK, KindOnline, nil)
	if err != nil {
		t.Fatal(err)
	}
	tp, err = ParseTemplate(raw)
	if err != nil || tp.CVM() != CVMOnlinePIN {
		t.Fatalf("PIN: %v %s", err, tp.CVM())
	}
	enc, ksn, ok := tp.PIN()
	if !ok || ksn != pinKSN {
		t.Fatal("no PIN block")
	}
	if pin, err := DecryptPIN(sred.TestBDK, ksn, enc, pan); err != nil || pin != "1234" {
		t.Errorf("PIN %q %v", pin, err)
	}
	arc := ARC{'0', '5'}
	e5, _ := b.Template(sred.TestBDK, TestIMK, KindDeclined, &arc)
	t5, err := ParseTemplate(e5)
	if err != nil || t5.Kind != KindDeclined || t5.Fields.PINBlock != nil {
		t.Fatalf("E5: %v", err)
	}
	if err := VerifyCryptogram(TestIMK, pan, t5, &arc); err != nil {
		t.Errorf("AAC: %v", err)
	}
	if p := ProfileFor("5555555555554444"); p.Label != "MASTERCARD" || p.Kernel != 2 {
		t.Errorf("MC profile %+v", p)
	}
	if p := ProfileFor("2200000000000004"); p.Label != "MIR" || p.Kernel != 3 {
		t.Errorf("MIR profile %+v", p)
	}
}

func TestCVM(t *testing.T) {
	for _, tc := range []struct {
		res, st []byte
		want    CVM
	}{
		{[]byte{0x1F, 3, 2}, []byte{0}, CVMNone},
		{[]byte{0x42, 3, 0}, []byte{1}, CVMOnlinePIN},
		{[]byte{0x1E, 3, 0}, nil, CVMSignature},
		{[]byte{0x5E, 3, 0}, nil, CVMSignature},
		{[]byte{0x03, 3, 0}, nil, CVMPINAndSignature},
		{[]byte{0x1F, 3, 2}, []byte{4}, CVMOnDevice},
		{nil, nil, CVMUnknown},
		{[]byte{0x3F, 0, 1}, nil, CVMFailed},
	} {
		if got := CVMOf(tc.res, tc.st); got != tc.want {
			t.Errorf("CVMOf(%X, %X) = %s, want %s", tc.res, tc.st, got, tc.want)
		}
	}
	if !CVMSignature.NeedsSignature() || CVMNone.NeedsSignature() || CVM(99).String() != "unknown" {
		t.Error("NeedsSignature / String")
	}
}

// §12.1's START and CONTINUE data (the full packets are tested in device).
func TestCommandData(t *testing.T) {
	s := Start{AmountMinor: 1050, Currency: 643, Exponent: 2, At: goldenAt}
	b, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "START data", b, "E0209C01009F02060000000010505F2A0206435F3601029A032612039F2103101500")
	back, err := ParseStart(b)
	if err != nil || back != s {
		t.Errorf("ParseStart = %+v, %v", back, err)
	}
	c, dropped, err := NewContinue(ARCApproved, h(t, "910A48AAD066D5116B8B3030"))
	if err != nil || dropped != nil {
		t.Fatal(err)
	}
	eqHex(t, "CONTINUE 00", c, "E0108A023030910A48AAD066D5116B8B3030")
	z3, _, _ := NewContinue(ARCEndCard, nil)
	eqHex(t, "CONTINUE Z3", z3, "E0048A025A33")
	pc, err := ParseContinue(c)
	if ia, ok := pc.IssuerAuth(); err != nil || pc.ARC != ARCApproved || !ok || len(ia) != 10 {
		t.Errorf("ParseContinue %v", err)
	}
	big := tlv.Encode(tlv.New(TagIssuerAuth, make([]byte, 10)), tlv.New(TagScript1, make([]byte, 200)), tlv.New(TagScript2, make([]byte, 60)))
	c, dropped, err = NewContinue(ARCApproved, big)
	if err != nil || len(dropped) != 1 || dropped[0] != TagScript2 || len(c) > MaxContinueData {
		t.Errorf("scripts: %d bytes, dropped %v, %v", len(c), dropped, err)
	}
	if _, err := ParseContinue(h(t, "E0029100")); err == nil {
		t.Error("CONTINUE without 8A parsed")
	}
	if _, err := ParseARC("0"); err == nil {
		t.Error("1-char ARC")
	}
	if n, ok := CurrencyNumeric("RUB"); !ok || n != 643 {
		t.Error("RUB")
	}
}
