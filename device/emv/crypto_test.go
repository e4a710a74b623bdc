package emv

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"kassa/device/sred"
)

func h(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func eqHex(t *testing.T, name string, got []byte, want string) {
	t.Helper()
	if g := strings.ToUpper(hex.EncodeToString(got)); g != strings.ReplaceAll(want, " ", "") {
		t.Errorf("%s = %s, want %s", name, g, want)
	}
}

func mustKSN(t testing.TB, s string) sred.KSN {
	k, err := sred.ParseKSN(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustData(t testing.TB, s string) CryptogramData {
	d, err := ParseCryptogramData(h(t, s))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// pyemv's public Visa CVN 10 vector (§12.4).
func TestVectorPyEMV(t *testing.T) {
	mk, err := ICCMasterKey(TestIMK, "1234567890123456", "00")
	if err != nil {
		t.Fatal(err)
	}
	kcv := KCV(mk)
	eqHex(t, "ICC MK KCV", kcv[:2], "BAB0")
	d := mustData(t, "000000004000 000000000000 0124 8000048000 0124 191105 01 52BF4585 1800 001C 03A06010")
	eqHex(t, "data", d.Bytes(), "000000004000000000000000012480000480000124191105 0152BF45851800001C03A06010")
	arqc := Cryptogram(mk, d)
	eqHex(t, "ARQC", arqc[:], "29CCA15AE665FA2E")
	arpc := ARPC(mk, arqc, ARCApproved)
	eqHex(t, "ARPC 00", arpc[:], "28993816AFAE4AEB")
}

const (
	goldenPAN  = "4012345678909"
	goldenData = "000000001050 000000000000 0643 0000000000 0643 261203 00 12345678 1800 0001 03A00000"
)

// The golden chip card's vectors (§12.4).
func TestVectorGoldenCard(t *testing.T) {
	mk, err := ICCMasterKey(TestIMK, goldenPAN, "01")
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "ICC MK", mk[:], "25F82907FE8C647045CEDC89D61FC123")
	kcv := KCV(mk)
	eqHex(t, "ICC MK KCV", kcv[:2], "B582")
	d := mustData(t, goldenData)
	arqc := Cryptogram(mk, d)
	eqHex(t, "ARQC", arqc[:], "6173C4BA994F78A6")
	a00 := ARPC(mk, arqc, ARCApproved)
	eqHex(t, "ARPC 00", a00[:], "48AAD066D5116B8B")
	eqHex(t, "91", IssuerAuthData(mk, arqc, ARCApproved), "48AAD066D5116B8B3030")
	a05 := ARPC(mk, arqc, ARC{'0', '5'})
	eqHex(t, "ARPC 05", a05[:], "D258A6B806EC5CDB")
	tc := SecondCryptogram(mk, ARCApproved, d)
	eqHex(t, "TC after 00", tc[:], "B388BBEDD872DB3C")

	arc, err := VerifyIssuerAuth(mk, arqc, h(t, "48AAD066D5116B8B3030"))
	if err != nil || arc != ARCApproved {
		t.Errorf("VerifyIssuerAuth = %v, %v", arc, err)
	}
	if _, err := VerifyIssuerAuth(mk, arqc, h(t, "48AAD066D5116B8B3035")); err != ErrIssuerAuth {
		t.Errorf("a 91 with a changed ARC verified: %v", err)
	}
	if _, err := VerifyIssuerAuth(mk, arqc, h(t, "48AAD066D5116B8B")); err == nil {
		t.Error("an 8-byte 91 verified")
	}
}

// SRED ICC data of the golden card under KSN counter 2 (§12.4).
func TestVectorSREDICC(t *testing.T) {
	d := ICCData{PAN: goldenPAN, Expiry: "2812", ServiceCode: ChipServiceCode, Discretion: ChipDiscretionary}
	p, err := d.Plaintext()
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "plaintext", p, "5A074012345678909F570F4012345678909D2812201000000000")
	ksn := mustKSN(t, "FFFF9876543210E00002")
	dk := sred.DataKeyFor(sred.TestBDK, ksn)
	eqHex(t, "data key #2", dk[:], "F1BE73B36135C5C26CF937D50ABBE5AF")
	dk1 := sred.DataKeyFor(sred.TestBDK, mustKSN(t, "FFFF9876543210E00001"))
	eqHex(t, "data key #1", dk1[:], "448D3F076D8304036A55A3D7E0055A78")
	ct, err := EncryptICC(sred.TestBDK, ksn, d)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "DFAE02", ct, "843C08643C529665150A2166A0D4F27CF91A6AFA24EA80455FC599375E6FE7DC")
	back, err := DecryptICC(sred.TestBDK, ksn, ct)
	if err != nil || back != d {
		t.Fatalf("DecryptICC = %v, %v", back.PAN == d.PAN, err)
	}
	if got := d.MaskedTrack2Eq(); got != "401234***8909D2812201*********" {
		t.Errorf("DFAE57 = %q", got)
	}
	if got := MaskPAN(goldenPAN); got != "401234***8909" {
		t.Errorf("DFAE5A = %q", got)
	}
	if _, err := DecryptICC(sred.TestBDK, mustKSN(t, "FFFF9876543210E00003"), ct); err == nil {
		t.Error("decrypted under the wrong KSN")
	}
}

func TestParseICCPlaintextRules(t *testing.T) {
	good := "5A074012345678909F570F4012345678909D2812201000000000"
	for _, tc := range []struct {
		name, plain string
		ok          bool
	}{
		{"golden padded", good + "000000000000", true},
		{"golden unpadded", good, true},
		{"padding of 8", good + "0000000000000000", false},
		{"junk after padding", good + "0001", false},
		{"no 57", "5A074012345678909F000000", false},
		{"PAN mismatch", "5A074012345678909F570F4012345678908D2812201000000000", false},
		{"bad month", "5A074012345678909F570F4012345678909D2813201000000000", false},
		{"not TLV", "5A7F00", false},
	} {
		_, err := ParseICCPlaintext(h(t, tc.plain))
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
}

// The §7 PIN variant and the ISO 9564 format 0 block (§12.4).
func TestVectorPIN(t *testing.T) {
	pk := sred.PINKeyFor(sred.TestBDK, mustKSN(t, "FFFF9876543210E00001"))
	eqHex(t, "PIN variant #1", pk[:], "042666B49184CF5C68DE9628D0397B36")
	// ISO 9564-1 format 0 by hand: PIN field 041234FFFFFFFFFF XOR PAN
	// field 0000000000000070 (the rightmost 12 digits of 4000000000000705
	// without its check digit 5: "000000000070").
	b, err := PINBlock("1234", "4000000000000705")
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "PIN block", b[:], "041234FFFFFFFF8F")
	pin, err := PINFromBlock(b, "4000000000000705")
	if err != nil || pin != "1234" {
		t.Errorf("PINFromBlock = %q, %v", pin, err)
	}
	// The simulator's first PIN block: under the PIN KSN FFFF9876543211E00001.
	ksn := mustKSN(t, "FFFF9876543211E00001")
	enc, err := EncryptPIN(sred.TestBDK, ksn, "1234", "4000000000000705")
	if err != nil {
		t.Fatal(err)
	}
	var clearBlock [8]byte
	sred.TDES(sred.PINKeyFor(sred.TestBDK, ksn)).Decrypt(clearBlock[:], enc)
	if clearBlock != b {
		t.Errorf("EncryptPIN is not TDES-ECB of the block under the PIN key")
	}
	if pin, err := DecryptPIN(sred.TestBDK, ksn, enc, "4000000000000705"); err != nil || pin != "1234" {
		t.Errorf("DecryptPIN = %q, %v", pin, err)
	}
	wrong, _ := EncryptPIN(sred.TestBDK, ksn, "0000", "4000000000000705")
	if pin, _ := DecryptPIN(sred.TestBDK, ksn, wrong, "4000000000000705"); pin != "0000" {
		t.Errorf("wrong-pin block decrypts to %q", pin)
	}
	if _, err := DecryptPIN(sred.TestBDK, ksn, enc, "4111111111111111"); err == nil {
		t.Error("PIN block decrypted against another PAN")
	}
	if _, err := PINBlock("12", "4000000000000705"); err == nil {
		t.Error("a 2-digit PIN was accepted")
	}
}

func TestMACPadding(t *testing.T) {
	k := [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	a := MAC(k, []byte{1, 2, 3})
	b := MAC(k, []byte{1, 2, 3, 0, 0, 0, 0, 0})
	if a != b {
		t.Error("zero padding is not method 1")
	}
	if MAC(k, nil) != MAC(k, make([]byte, 8)) {
		t.Error("empty data is not one zero block")
	}
}

func TestICCMasterKeyInputs(t *testing.T) {
	for _, tc := range []struct{ pan, psn string }{{"12345", "00"}, {"4012345678909", "1"}, {"40123456789x9", "01"}} {
		if _, err := ICCMasterKey(TestIMK, tc.pan, tc.psn); err == nil {
			t.Errorf("ICCMasterKey(%q, %q) accepted", tc.pan, tc.psn)
		}
	}
	// Rightmost 16 digits of a 19-digit PAN ‖ PSN.
	a, _ := ICCMasterKey(TestIMK, "1234567890123456789", "01")
	b, _ := ICCMasterKey(TestIMK, "9994567890123456789", "01")
	if a != b {
		t.Error("digits beyond the rightmost 16 changed the key")
	}
	for _, c := range a {
		n := 0
		for v := c; v != 0; v >>= 1 {
			n += int(v & 1)
		}
		if n%2 != 1 {
			t.Fatalf("byte %02X has even parity", c)
		}
	}
	if !bytes.Equal(a[:], a[:]) {
		t.Fatal()
	}
}
