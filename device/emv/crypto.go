// Package emv is Kassa's EMV layer for chip and contactless cards on a Miura
// reader (READER-PROTOCOL.md §8, §12): the reader's card-data templates
// (E1 swipe, E4 online request, E3 approved, E5 declined) as received,
// parsed and built; the START/CONTINUE command data; and the §12.4
// cryptography shared by the reader simulator, the host driver and the
// gateway sandbox: ICC master keys (EMV option A), Visa CVN 10 cryptograms
// (ARQC, TC, AAC), ARPC and issuer authentication data (91), SRED ICC data
// and ISO 9564 format 0 PIN blocks under DUKPT.
//
// Errors never contain clear card data or keys.
package emv

import (
	"crypto/des"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"kassa/device/sred"
)

// TestIMK is the published test issuer master key
// 0123456789ABCDEFFEDCBA9876543210 (§12.4). Never use it in production.
var TestIMK = [16]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10}

// ErrPAN is wrapped by errors about a malformed PAN or PAN sequence number.
var ErrPAN = errors.New("emv: malformed card number")

// ICCMasterKey derives the ICC master key from imk by EMV option A: the
// rightmost 16 digits of PAN‖PSN (left-padded with 0), Y = BCD of them,
// key = TDES(imk, Y) ‖ TDES(imk, Y ⊕ FF…FF), odd parity. psn is two digits
// ("01"; "" is "00").
func ICCMasterKey(imk [16]byte, pan, psn string) ([16]byte, error) {
	if psn == "" {
		psn = "00"
	}
	if !isDigits(pan) || len(pan) < 12 || len(pan) > 19 || len(psn) != 2 || !isDigits(psn) {
		return [16]byte{}, fmt.Errorf("%w: PAN of 12-19 digits and a 2-digit PSN required", ErrPAN)
	}
	d := pan + psn
	if len(d) > 16 {
		d = d[len(d)-16:]
	}
	d = strings.Repeat("0", 16-len(d)) + d
	y, _ := hex.DecodeString(d)
	c := sred.TDES(imk)
	var mk [16]byte
	c.Encrypt(mk[:8], y)
	for i := range y {
		y[i] ^= 0xFF
	}
	c.Encrypt(mk[8:], y)
	oddParity(mk[:])
	return mk, nil
}

func oddParity(b []byte) {
	for i, c := range b {
		ones := 0
		for v := c >> 1; v != 0; v >>= 1 {
			ones += int(v & 1)
		}
		b[i] = c&0xFE | byte(1-ones%2)
	}
}

// KCV returns the key check value of a double-length key: the first 3 bytes
// of TDES(key, 00…00). Printed vectors often show the first 2.
func KCV(key [16]byte) [3]byte {
	var zero, out [8]byte
	sred.TDES(key).Encrypt(out[:], zero[:])
	return [3]byte{out[0], out[1], out[2]}
}

// MAC is ISO 9797-1 MAC algorithm 3 with padding method 1 (00 bytes to a
// multiple of 8; none when already aligned; one zero block for empty data):
// single-DES CBC under the key's left half, then the last block decrypted
// under the right half and encrypted under the left.
func MAC(key [16]byte, data []byte) [8]byte {
	n := (len(data) + 7) / 8 * 8
	if n == 0 {
		n = 8
	}
	buf := make([]byte, n)
	copy(buf, data)
	k1, _ := des.NewCipher(key[:8])
	k2, _ := des.NewCipher(key[8:])
	var h [8]byte
	for i := 0; i < n; i += 8 {
		for j := range h {
			h[j] ^= buf[i+j]
		}
		k1.Encrypt(h[:], h[:])
	}
	k2.Decrypt(h[:], h[:])
	k1.Encrypt(h[:], h[:])
	return h
}

// Cryptogram is the Visa CVN 10 application cryptogram under the ICC master
// key mk (which CVN 10 uses as the session key) over data.
//
// The first cryptogram (ARQC, or an offline TC/AAC straight from START) is
// over CryptogramData.Bytes(); the second (TC/AAC after CONTINUE) over the
// 2-byte authorisation response code followed by the same bytes: use
// SecondCryptogram.
func Cryptogram(mk [16]byte, data CryptogramData) [8]byte { return MAC(mk, data.Bytes()) }

// SecondCryptogram is the TC or AAC after CONTINUE: the MAC over arc ‖ data.
func SecondCryptogram(mk [16]byte, arc ARC, data CryptogramData) [8]byte {
	return MAC(mk, append(arc[:], data.Bytes()...))
}

// ARC is an authorisation response code (tag 8A): two ASCII characters,
// "00" approved.
type ARC [2]byte

// ParseARC returns s as an ARC; it must be exactly two printable ASCII
// characters.
func ParseARC(s string) (ARC, error) {
	if len(s) != 2 || s[0] < 0x20 || s[0] > 0x7E || s[1] < 0x20 || s[1] > 0x7E {
		return ARC{}, fmt.Errorf("emv: authorisation response code must be 2 ASCII characters, got %q", s)
	}
	return ARC{s[0], s[1]}, nil
}

// ARCApproved is "00"; ARCEndCard is "Z3" (end the card without approval).
var (
	ARCApproved = ARC{'0', '0'}
	ARCEndCard  = ARC{'Z', '3'}
)

// String returns the two characters.
func (a ARC) String() string { return string(a[:]) }

// ARPC is ARPC method 1: TDES-ECB(mk, ARQC ⊕ (ARC ‖ 000000000000)).
func ARPC(mk [16]byte, arqc [8]byte, arc ARC) [8]byte {
	in := arqc
	in[0] ^= arc[0]
	in[1] ^= arc[1]
	var out [8]byte
	sred.TDES(mk).Encrypt(out[:], in[:])
	return out
}

// IssuerAuthData is the value of tag 91: ARPC ‖ ARC (10 bytes).
func IssuerAuthData(mk [16]byte, arqc [8]byte, arc ARC) []byte {
	arpc := ARPC(mk, arqc, arc)
	return append(arpc[:], arc[:]...)
}

// ErrIssuerAuth is returned by VerifyIssuerAuth when 91 does not verify.
var ErrIssuerAuth = errors.New("emv: issuer authentication data does not verify")

// VerifyIssuerAuth checks a 91 value (ARPC ‖ ARC) against the ARQC and
// returns its ARC.
func VerifyIssuerAuth(mk [16]byte, arqc [8]byte, data91 []byte) (ARC, error) {
	if len(data91) != 10 {
		return ARC{}, fmt.Errorf("%w: %d bytes, want 10", ErrIssuerAuth, len(data91))
	}
	arc := ARC{data91[8], data91[9]}
	want := ARPC(mk, arqc, arc)
	if string(want[:]) != string(data91[:8]) {
		return arc, ErrIssuerAuth
	}
	return arc, nil
}

// CryptogramData is the CVN 10 input (CDOL1 order): 9F02 ‖ 9F03 ‖ 9F1A ‖
// 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 ‖ 82 ‖ 9F36 ‖ CVR (bytes 4–7 of 9F10).
type CryptogramData struct {
	Amount      [6]byte // 9F02, n12 BCD
	OtherAmount [6]byte // 9F03
	Country     [2]byte // 9F1A
	TVR         [5]byte // 95
	Currency    [2]byte // 5F2A
	Date        [3]byte // 9A, YYMMDD BCD
	Type        byte    // 9C
	UN          [4]byte // 9F37
	AIP         [2]byte // 82
	ATC         [2]byte // 9F36
	CVR         [4]byte // 9F10 bytes 4–7
}

// CryptogramDataLen is the length of CryptogramData.Bytes.
const CryptogramDataLen = 37

// Bytes returns the 37 bytes the cryptogram is computed over.
func (d CryptogramData) Bytes() []byte {
	b := make([]byte, 0, CryptogramDataLen+2)
	b = append(b, d.Amount[:]...)
	b = append(b, d.OtherAmount[:]...)
	b = append(b, d.Country[:]...)
	b = append(b, d.TVR[:]...)
	b = append(b, d.Currency[:]...)
	b = append(b, d.Date[:]...)
	b = append(b, d.Type)
	b = append(b, d.UN[:]...)
	b = append(b, d.AIP[:]...)
	b = append(b, d.ATC[:]...)
	return append(b, d.CVR[:]...)
}

// ParseCryptogramData is the inverse of Bytes (37 bytes).
func ParseCryptogramData(b []byte) (CryptogramData, error) {
	var d CryptogramData
	if len(b) != CryptogramDataLen {
		return d, fmt.Errorf("emv: cryptogram data is %d bytes, want %d", len(b), CryptogramDataLen)
	}
	for _, f := range [][]byte{d.Amount[:], d.OtherAmount[:], d.Country[:], d.TVR[:], d.Currency[:], d.Date[:]} {
		b = b[copy(f, b):]
	}
	d.Type, b = b[0], b[1:]
	for _, f := range [][]byte{d.UN[:], d.AIP[:], d.ATC[:], d.CVR[:]} {
		b = b[copy(f, b):]
	}
	return d, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
