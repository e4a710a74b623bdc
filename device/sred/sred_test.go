package sred

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func h(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func key16(t testing.TB, s string) [16]byte {
	var k [16]byte
	copy(k[:], h(t, s))
	return k
}

const (
	golden       = ";4012345678909=2812101000000000?"
	goldenMasked = ";401234***8909=2812101*********?"
	goldenCT     = "5A7ABC7FEF1F0DEB6A46A13C2801CD2AF87CF994CBDD04E1107E1A074635C922"
)

func mustKSN(t testing.TB, s string) KSN {
	k, err := ParseKSN(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Every vector of READER-PROTOCOL.md §7.
func TestVectors(t *testing.T) {
	ksn1 := mustKSN(t, "FFFF9876543210E00001")
	ksn2 := mustKSN(t, "FFFF9876543210E00002")
	ipek := IPEK(TestBDK, ksn1)
	cur1 := CurrentKey(ipek, ksn1)
	data1 := DataKey(cur1)
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"BDK", TestBDK[:], "0123456789ABCDEFFEDCBA9876543210"},
		{"IPEK", ipek[:], "6AC292FAA1315B4D858AB3A3D7D5933A"},
		{"IPEK ignores counter", func() []byte { k := IPEK(TestBDK, ksn2); return k[:] }(), "6AC292FAA1315B4D858AB3A3D7D5933A"},
		{"current key #1", cur1[:], "042666B49184CFA368DE9628D0397BC9"},
		{"PIN variant #1", func() []byte { k := PINKey(cur1); return k[:] }(), "042666B49184CF5C68DE9628D0397B36"},
		{"data key #1", data1[:], "448D3F076D8304036A55A3D7E0055A78"},
		{"moov check", encryptRaw(data1, []byte("4012345678909D987")), "FC0D53B7EA1FDA9EE68AAF2E70D9B9506229BE2AA993F04F"},
		{"current key #2", func() []byte { k := CurrentKey(ipek, ksn2); return k[:] }(), "C46551CEF9FD24B0AA9AD834130D3BC7"},
		{"track 2 plaintext", []byte(golden), "3B343031323334353637383930393D323831323130313030303030303030303F"},
		{"track 2 ciphertext", func() []byte {
			ct, err := Encrypt(TestBDK, ksn1, golden)
			if err != nil {
				t.Fatal(err)
			}
			return ct
		}(), goldenCT},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf("%X", tt.got); got != tt.want {
			t.Errorf("%s = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestKSN(t *testing.T) {
	k := mustKSN(t, "ffff9876543210e00000")
	if k.String() != "FFFF9876543210E00000" || k.Counter() != 0 {
		t.Fatalf("%s counter %d", k, k.Counter())
	}
	tests := []struct {
		c    uint32
		want string
	}{
		{1, "FFFF9876543210E00001"},
		{2, "FFFF9876543210E00002"},
		{0x1FFFFF, "FFFF9876543210FFFFFF"},
		{0x200001, "FFFF9876543210E00001"}, // masked to 21 bits
	}
	for _, tt := range tests {
		got := k.WithCounter(tt.c)
		if got.String() != tt.want {
			t.Errorf("WithCounter(%#x) = %s, want %s", tt.c, got, tt.want)
		}
		if got.Counter() != tt.c&MaxCounter {
			t.Errorf("Counter() = %#x", got.Counter())
		}
	}
	for _, bad := range []string{"", "FFFF", "FFFF9876543210E0000G", "FFFF9876543210E0000100"} {
		if _, err := ParseKSN(bad); err == nil {
			t.Errorf("ParseKSN(%q) accepted", bad)
		}
	}
}

// A counter with many bits set walks all of them; encrypt/decrypt must
// agree for any counter.
func TestRoundTripCounters(t *testing.T) {
	base := mustKSN(t, "FFFF9876543210E00000")
	for _, c := range []uint32{1, 2, 3, 0x10, 0xFF, 0x1000, 0x1FFFFF} {
		ksn := base.WithCounter(c)
		for _, tr := range []string{golden, ";5555555555554444=2812101000000000?", ";123456789012=2812101?", ";4000000000000002=2812101000000000000?"} {
			ct, err := Encrypt(TestBDK, ksn, tr)
			if err != nil {
				t.Fatal(err)
			}
			if len(ct)%8 != 0 || len(ct) < len(tr) || len(ct) >= len(tr)+8 {
				t.Fatalf("ciphertext length %d for %d-byte track", len(ct), len(tr))
			}
			got, err := Decrypt(TestBDK, ksn, ct)
			if err != nil || got != tr {
				t.Fatalf("counter %#x: round trip failed: %v", c, err)
			}
			if other, err := Decrypt(TestBDK, ksn.WithCounter(c+1), ct); err == nil && other == tr {
				t.Fatalf("counter %#x: decrypted under the wrong key", c)
			}
		}
	}
}

func TestDecryptRejects(t *testing.T) {
	ksn := mustKSN(t, "FFFF9876543210E00001")
	dk := DataKey(CurrentKey(IPEK(TestBDK, ksn), ksn))
	tests := []struct {
		name string
		ct   []byte
	}{
		{"empty", nil},
		{"not multiple of 8", h(t, goldenCT)[:31]},
		{"letters inside", encryptRaw(dk, []byte(";40123A5678909=2812?"))},
		{"no sentinel", encryptRaw(dk, []byte("4012345678909=2812101?"))},
		{"no end sentinel", encryptRaw(dk, []byte(";4012345678909=2812101"))},
		{"wrong BDK", func() []byte {
			other := TestBDK
			other[0] ^= 2 // bit 0 is a DES parity bit
			ct, _ := Encrypt(other, ksn, golden)
			return ct
		}()},
	}
	for _, tt := range tests {
		if got, err := Decrypt(TestBDK, ksn, tt.ct); err == nil {
			t.Errorf("%s: Decrypt accepted, got %d chars", tt.name, len(got))
		} else if strings.Contains(err.Error(), "4012345678909") {
			t.Errorf("%s: error reveals the PAN: %v", tt.name, err)
		}
	}
}

func TestTrack2(t *testing.T) {
	tr, err := ParseTrack2(golden)
	if err != nil {
		t.Fatal(err)
	}
	want := Track2{PAN: "4012345678909", Expiry: "2812", ServiceCode: "101", Discretionary: "000000000"}
	if tr != want {
		t.Fatalf("ParseTrack2 = %#v", tr)
	}
	if tr.String() != golden {
		t.Fatalf("String() = %q", tr.String())
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		if s := fmt.Sprintf(verb, tr); strings.Contains(s, "40123") || strings.Contains(s, "2812") {
			t.Errorf("%s reveals card data: %s", verb, s)
		}
	}
	bad := []string{
		"", ";?", "4012345678909=2812101?", ";4012345678909=2812101", ";4012345678909?",
		";40123456789=2812101?",                // 11-digit PAN
		";40123456789012345678=2812101?",       // 20-digit PAN
		";4012345678909=281210?",               // short
		";4012345678909=2813101?",              // month 13
		";4012345678909=2800101?",              // month 00
		";4012345678909=2812101000000000?\x1B", // LRC kept
		";401234567890A=2812101?",
		";4012345678909=2812101==?",
	}
	for _, s := range bad {
		_, err := ParseTrack2(s)
		if !errors.Is(err, ErrTrack2) {
			t.Errorf("ParseTrack2(%q) err = %v", s, err)
		}
		if err != nil && len(s) > 8 && strings.Contains(err.Error(), s[1:8]) {
			t.Errorf("error reveals card data: %v", err)
		}
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ track, masked, pan string }{
		{golden, goldenMasked, "401234***8909"},
		{";4111111111111111=2812101000000000?", ";411111******1111=2812101*********?", "411111******1111"},
		{";123456789012=2812101?", ";123456**9012=2812101?", "123456**9012"},
		{";4000000000000000002=28121015?", ";400000*********0002=2812101*?", "400000*********0002"},
	}
	for _, tt := range tests {
		got, err := Mask(tt.track)
		if err != nil || got != tt.masked {
			t.Errorf("Mask = %q, %v; want %q", got, err, tt.masked)
			continue
		}
		m, err := ParseMasked(got)
		if err != nil {
			t.Fatal(err)
		}
		if m.String() != tt.pan {
			t.Errorf("MaskedCard.String() = %q, want %q", m.String(), tt.pan)
		}
	}
}

func TestParseMasked(t *testing.T) {
	tests := []struct {
		in   string
		want MaskedCard
	}{
		{goldenMasked, MaskedCard{"401234", "8909", "2812", 13}},
		// Miura's own fixture keeps the masked LRC '*' after '?'.
		{";476173******0010=1512201**********?*", MaskedCard{"476173", "0010", "1512", 16}},
	}
	for _, tt := range tests {
		got, err := ParseMasked(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseMasked(%q) = %+v, %v", tt.in, got, err)
		}
	}
	for _, bad := range []string{
		"", ";", golden[:10], ";401234***8909?", ";4012*****8909=2812101?", ";401234***890X=2812101?",
		";401234***8909=2813101?", ";401234***8909=28121?", ";401234***8909=2812101**x?",
		";401234*A*8909=2812101?", "401234***8909=2812101?",
	} {
		if _, err := ParseMasked(bad); err == nil {
			t.Errorf("ParseMasked(%q) accepted", bad)
		}
	}
}

func FuzzParseTrack2(f *testing.F) {
	for _, s := range []string{golden, ";123456789012=2812101?", ";4012345678909=2812101000000000?\x1B", ";=?", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tr, err := ParseTrack2(s)
		if err != nil {
			return
		}
		if tr.String() != s {
			t.Fatalf("String() = %q, input %q", tr.String(), s)
		}
		m, err := Mask(s)
		if err != nil {
			t.Fatalf("Mask of a valid track: %v", err)
		}
		mc, err := ParseMasked(m)
		if err != nil {
			t.Fatalf("ParseMasked(Mask(track)) = %v", err)
		}
		if mc.First6 != tr.PAN[:6] || mc.Last4 != tr.PAN[len(tr.PAN)-4:] || mc.PANLength != len(tr.PAN) || mc.Expiry != tr.Expiry {
			t.Fatalf("masked %+v does not describe the track", mc)
		}
	})
}

func FuzzParseMasked(f *testing.F) {
	for _, s := range []string{goldenMasked, ";476173******0010=1512201**********?*", ";123456**9012=2812101?", ";*=?*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMasked(s)
		if err != nil {
			return
		}
		if m.PANLength < 12 || m.PANLength > 19 || len(m.First6) != 6 || len(m.Last4) != 4 || len(m.Expiry) != 4 {
			t.Fatalf("accepted %q as %+v", s, m)
		}
		if got := m.String(); len(got) != m.PANLength {
			t.Fatalf("String() %q has length %d, PAN length %d", got, len(got), m.PANLength)
		}
	})
}
