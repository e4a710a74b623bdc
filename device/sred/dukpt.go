// Package sred implements Kassa's card-data encryption for magstripe SRED
// reads (READER-PROTOCOL.md §7–§8): ANSI X9.24-1 TDES DUKPT key derivation,
// TDES-CBC encryption of track 2 and the masked track 2 (DFAE22). The
// gateway gets the reader's whole template (device/emv), never a blob of
// our own making.
//
// It is the one implementation shared by the reader simulator, the host
// driver and the gateway sandbox. Errors never contain clear card data.
package sred

import (
	"crypto/cipher"
	"crypto/des"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// TestBDK is the published test base derivation key
// 0123456789ABCDEFFEDCBA9876543210 (§7). Never use it in production.
var TestBDK = [16]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10}

// EncryptedType is the gateway's encrypted-type for card data from a Miura
// reader (READER-PROTOCOL.md §8): "miura" for every card, swipe, chip and
// contactless. The earlier re-assembled MIURA_SRED blob is gone.
const EncryptedType = "miura"

// KSN is a 10-byte DUKPT key serial number; its low 21 bits are the
// transaction counter.
type KSN [10]byte

// MaxCounter is the largest 21-bit DUKPT transaction counter.
const MaxCounter = 1<<21 - 1

// ParseKSN parses 20 hex digits (either case).
func ParseKSN(s string) (KSN, error) {
	var k KSN
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(k) {
		return k, fmt.Errorf("sred: KSN must be 20 hex digits, got %d characters", len(s))
	}
	copy(k[:], b)
	return k, nil
}

// Counter returns the 21-bit transaction counter.
func (k KSN) Counter() uint32 {
	return (uint32(k[7])&0x1F)<<16 | uint32(k[8])<<8 | uint32(k[9])
}

// WithCounter returns k with its counter replaced by c (masked to 21 bits).
func (k KSN) WithCounter(c uint32) KSN {
	c &= MaxCounter
	k[7] = k[7]&0xE0 | byte(c>>16)
	k[8] = byte(c >> 8)
	k[9] = byte(c)
	return k
}

// String returns the KSN as 20 upper-case hex digits.
func (k KSN) String() string { return strings.ToUpper(hex.EncodeToString(k[:])) }

var keyMask = [16]byte{0xC0, 0xC0, 0xC0, 0xC0, 0, 0, 0, 0, 0xC0, 0xC0, 0xC0, 0xC0, 0, 0, 0, 0}

// tdes returns the two-key triple-DES (K1K2K1) block cipher for key.
func tdes(key [16]byte) cipher.Block {
	k := make([]byte, 24)
	copy(k, key[:])
	copy(k[16:], key[:8])
	c, err := des.NewTripleDESCipher(k)
	if err != nil {
		panic(err) // unreachable: the key length is fixed
	}
	return c
}

// IPEK derives the initial PIN encryption key from bdk and the KSN (its
// counter is ignored), per §7 step 1.
func IPEK(bdk [16]byte, ksn KSN) [16]byte {
	var k [8]byte
	copy(k[:], ksn[:8])
	k[7] &= 0xE0
	var out [16]byte
	tdes(bdk).Encrypt(out[:8], k[:])
	var masked [16]byte
	for i := range bdk {
		masked[i] = bdk[i] ^ keyMask[i]
	}
	tdes(masked).Encrypt(out[8:], k[:])
	return out
}

// CurrentKey derives the transaction key for ksn's counter from the IPEK
// with the non-reversible key-generation process (§7 step 1).
func CurrentKey(ipek [16]byte, ksn KSN) [16]byte {
	var reg [8]byte // rightmost 64 bits of the KSN, counter cleared
	copy(reg[:], ksn[2:])
	reg[5] &= 0xE0
	reg[6], reg[7] = 0, 0
	counter := ksn.Counter()
	key := ipek
	for bit := uint32(1 << 20); bit != 0; bit >>= 1 {
		if counter&bit == 0 {
			continue
		}
		reg[5] |= byte(bit >> 16)
		reg[6] |= byte(bit >> 8)
		reg[7] |= byte(bit)
		key = nonReversible(key, reg)
	}
	return key
}

// nonReversible is the X9.24-1 non-reversible key generation process.
func nonReversible(key [16]byte, data [8]byte) [16]byte {
	half := func(k [16]byte) [8]byte {
		var in, out [8]byte
		for i := range in {
			in[i] = data[i] ^ k[8+i]
		}
		c, err := des.NewCipher(k[:8])
		if err != nil {
			panic(err) // unreachable: the key length is fixed
		}
		c.Encrypt(out[:], in[:])
		for i := range out {
			out[i] ^= k[8+i]
		}
		return out
	}
	right := half(key)
	var masked [16]byte
	for i := range key {
		masked[i] = key[i] ^ keyMask[i]
	}
	left := half(masked)
	var out [16]byte
	copy(out[:8], left[:])
	copy(out[8:], right[:])
	return out
}

// DataKey derives the data-encryption key from a current key (§7 step 2).
func DataKey(current [16]byte) [16]byte {
	v := current
	v[5] ^= 0xFF
	v[13] ^= 0xFF
	c := tdes(v)
	var out [16]byte
	c.Encrypt(out[:8], v[:8])
	c.Encrypt(out[8:], v[8:])
	return out
}

// PINKey returns the PIN-encryption variant of a current key (for reference
// and tests; Kassa does no PIN entry).
func PINKey(current [16]byte) [16]byte {
	current[7] ^= 0xFF
	current[15] ^= 0xFF
	return current
}

// ErrDecrypt is returned when ciphertext does not decrypt to a well-formed
// track 2 under the given key: wrong BDK, wrong KSN or damaged data.
var ErrDecrypt = errors.New("sred: card data does not decrypt to a valid track 2")

func dataKeyFor(bdk [16]byte, ksn KSN) [16]byte {
	return DataKey(CurrentKey(IPEK(bdk, ksn), ksn))
}

// DataKeyFor derives the data-encryption key of ksn under bdk (§7 steps 1–2).
func DataKeyFor(bdk [16]byte, ksn KSN) [16]byte { return dataKeyFor(bdk, ksn) }

// PINKeyFor derives the PIN-encryption key of ksn under bdk: the current
// key XOR 00000000000000FF00000000000000FF (§12.4).
func PINKeyFor(bdk [16]byte, ksn KSN) [16]byte { return PINKey(CurrentKey(IPEK(bdk, ksn), ksn)) }

// EncryptData pads plain with 00 to a multiple of 8 and encrypts it with
// TDES-CBC, zero IV, under the data key of ksn (§7 step 4, §12.4). plain is
// not checked: chip templates carry BER-TLV here, swipes ASCII track 2.
func EncryptData(bdk [16]byte, ksn KSN, plain []byte) []byte {
	return encryptRaw(dataKeyFor(bdk, ksn), plain)
}

// DecryptData reverses EncryptData; the padding is left in place.
func DecryptData(bdk [16]byte, ksn KSN, ct []byte) ([]byte, error) {
	if len(ct) == 0 || len(ct)%8 != 0 {
		return nil, fmt.Errorf("sred: ciphertext length %d is not a positive multiple of 8", len(ct))
	}
	buf := make([]byte, len(ct))
	var iv [8]byte
	cipher.NewCBCDecrypter(tdes(dataKeyFor(bdk, ksn)), iv[:]).CryptBlocks(buf, ct)
	return buf, nil
}

// TDES returns the two-key triple-DES (K1K2K1) block cipher for key.
func TDES(key [16]byte) cipher.Block { return tdes(key) }

// Encrypt encrypts the clear track 2 (';' through '?', no LRC) under the
// data key for ksn: zero padding to a multiple of 8, TDES-CBC, zero IV
// (§7 steps 3–4). The track must be well formed (see ParseTrack2).
func Encrypt(bdk [16]byte, ksn KSN, track2 string) ([]byte, error) {
	if _, err := ParseTrack2(track2); err != nil {
		return nil, err
	}
	return encryptRaw(dataKeyFor(bdk, ksn), []byte(track2)), nil
}

func encryptRaw(key [16]byte, plain []byte) []byte {
	n := (len(plain) + 7) / 8 * 8
	buf := make([]byte, n)
	copy(buf, plain)
	var iv [8]byte
	cipher.NewCBCEncrypter(tdes(key), iv[:]).CryptBlocks(buf, buf)
	return buf
}

// Decrypt reverses Encrypt: it strips the zero padding and requires ';'
// first, '?' last and only digits and '=' in between (§7 step 5).
func Decrypt(bdk [16]byte, ksn KSN, ct []byte) (string, error) {
	if len(ct) == 0 || len(ct)%8 != 0 {
		return "", fmt.Errorf("sred: ciphertext length %d is not a positive multiple of 8", len(ct))
	}
	buf := make([]byte, len(ct))
	var iv [8]byte
	cipher.NewCBCDecrypter(tdes(dataKeyFor(bdk, ksn)), iv[:]).CryptBlocks(buf, ct)
	end := len(buf)
	for end > 0 && buf[end-1] == 0 {
		end--
	}
	s := buf[:end]
	if len(s) < 2 || s[0] != ';' || s[len(s)-1] != '?' {
		return "", ErrDecrypt
	}
	for _, c := range s[1 : len(s)-1] {
		if c != '=' && (c < '0' || c > '9') {
			return "", ErrDecrypt
		}
	}
	return string(s), nil
}
