package emv

import (
	"errors"
	"fmt"

	"kassa/device/sred"
)

// ErrPINBlock is wrapped by every PIN block error. Error texts never hold
// the PIN.
var ErrPINBlock = errors.New("emv: malformed PIN block")

// PINBlock returns the ISO 9564 format 0 block: the PIN field (0, length,
// PIN digits, F padding) XOR the PAN field (0000 and the rightmost 12 PAN
// digits excluding the check digit).
func PINBlock(pin, pan string) ([8]byte, error) {
	var out [8]byte
	if len(pin) < 4 || len(pin) > 12 || !isDigits(pin) {
		return out, fmt.Errorf("%w: a PIN has 4 to 12 digits", ErrPINBlock)
	}
	pf, err := panField(pan)
	if err != nil {
		return out, err
	}
	nib := make([]byte, 16)
	nib[0], nib[1] = 0, byte(len(pin))
	for i := 2; i < 16; i++ {
		nib[i] = 0xF
		if i-2 < len(pin) {
			nib[i] = pin[i-2] - '0'
		}
	}
	for i := range out {
		out[i] = (nib[2*i]<<4 | nib[2*i+1]) ^ pf[i]
	}
	return out, nil
}

func panField(pan string) ([8]byte, error) {
	var f [8]byte
	if len(pan) < 13 || len(pan) > 19 || !isDigits(pan) {
		return f, fmt.Errorf("%w: PAN of 13-19 digits required", ErrPAN)
	}
	d := pan[len(pan)-13 : len(pan)-1]
	for i := 0; i < 6; i++ {
		f[2+i] = (d[2*i]-'0')<<4 | (d[2*i+1] - '0')
	}
	return f, nil
}

// PINFromBlock recovers the PIN from a clear format 0 block and the PAN.
func PINFromBlock(block [8]byte, pan string) (string, error) {
	pf, err := panField(pan)
	if err != nil {
		return "", err
	}
	var nib [16]byte
	for i := range block {
		v := block[i] ^ pf[i]
		nib[2*i], nib[2*i+1] = v>>4, v&0xF
	}
	n := int(nib[1])
	if nib[0] != 0 || n < 4 || n > 12 {
		return "", fmt.Errorf("%w: not format 0 or wrong PAN", ErrPINBlock)
	}
	pin := make([]byte, n)
	for i := 0; i < n; i++ {
		if nib[2+i] > 9 {
			return "", fmt.Errorf("%w: non-digit in the PIN field", ErrPINBlock)
		}
		pin[i] = '0' + nib[2+i]
	}
	for i := 2 + n; i < 16; i++ {
		if nib[i] != 0xF {
			return "", fmt.Errorf("%w: padding is not F", ErrPINBlock)
		}
	}
	return string(pin), nil
}

// EncryptPIN returns the DFAE04 value: the format 0 block of pin and pan,
// TDES-ECB under the DUKPT PIN key of ksn (the DFAE05 value) and bdk.
func EncryptPIN(bdk [16]byte, ksn sred.KSN, pin, pan string) ([]byte, error) {
	b, err := PINBlock(pin, pan)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 8)
	sred.TDES(sred.PINKeyFor(bdk, ksn)).Encrypt(out, b[:])
	return out, nil
}

// DecryptPIN reverses EncryptPIN and returns the PIN. Never log it.
func DecryptPIN(bdk [16]byte, ksn sred.KSN, enc []byte, pan string) (string, error) {
	if len(enc) != 8 {
		return "", fmt.Errorf("%w: %d bytes, want 8", ErrPINBlock, len(enc))
	}
	var b [8]byte
	sred.TDES(sred.PINKeyFor(bdk, ksn)).Decrypt(b[:], enc)
	return PINFromBlock(b, pan)
}
