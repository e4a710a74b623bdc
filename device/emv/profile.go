package emv

import (
	"encoding/hex"
	"strings"
)

// Profile is a simulated card's personalisation (§12.6), the same for every
// simulator card apart from the scheme.
type Profile struct {
	AID    []byte // 4F and 84
	Label  string // 50
	Kernel byte   // DF30 on contactless
	PSN    byte   // 5F34: 01
	Expiry []byte // 5F24: 281231
	AIP    []byte // 82: 1800
	IAD    []byte // 9F10: 06010A03A00000 (CVN 10)
	Caps   []byte // 9F33: E0F8C8
	Type   byte   // 9F35: 22
}

// schemes maps a PAN prefix to AID, label and kernel, one line per scheme.
var schemes = []struct {
	prefix string
	aid    string
	label  string
	kernel byte
}{
	{"2200", "A0000006581010", "MIR", 0x03},
	{"4", "A0000000031010", "VISA", 0x03},
	{"5", "A0000000041010", "MASTERCARD", 0x02},
}

// ProfileFor returns the simulator profile of pan (VISA for an unknown
// prefix).
func ProfileFor(pan string) Profile {
	s := schemes[1]
	for _, sc := range schemes {
		if strings.HasPrefix(pan, sc.prefix) {
			s = sc
			break
		}
	}
	aid, _ := hex.DecodeString(s.aid)
	return Profile{
		AID: aid, Label: s.label, Kernel: s.kernel, PSN: 0x01,
		Expiry: []byte{0x28, 0x12, 0x31}, AIP: []byte{0x18, 0x00},
		IAD: []byte{0x06, 0x01, 0x0A, 0x03, 0xA0, 0x00, 0x00}, Caps: []byte{0xE0, 0xF8, 0xC8}, Type: 0x22,
	}
}
