package emv

import (
	"bytes"
	"encoding/hex"
	"testing"

	"kassa/device/sred"
)

func seedHex(f *testing.F, hexes ...string) {
	for _, s := range hexes {
		b, err := hex.DecodeString(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzParseTemplate: no panic; an accepted template re-builds from its
// fields into a template that parses to the same fields, Raw is a copy of
// the input (or of the E4 inside an E1), and Open never panics.
func FuzzParseTemplate(f *testing.F) {
	seedHex(f, swipeHex, goldenE4, "E100", "E40100", "E1"+"03E40100")
	f.Fuzz(func(t *testing.T, b []byte) {
		tp, err := ParseTemplate(b)
		if err != nil {
			return
		}
		if tp.Kind == KindUnknown || len(tp.Raw) > len(b) {
			t.Fatalf("kind %s, raw %d of %d bytes", tp.Kind, len(tp.Raw), len(b))
		}
		if tp.Kind == KindSwipe && !bytes.Equal(tp.Raw, b) {
			t.Fatal("swipe Raw differs from the input")
		}
		raw, err := Build(tp.Kind, tp.Fields)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseTemplate(raw)
		if err != nil {
			t.Fatalf("rebuilt template refused: %v", err)
		}
		rb, _ := Build(again.Kind, again.Fields)
		if !bytes.Equal(rb, raw) {
			t.Fatal("Build is not stable")
		}
		_, _ = Open(sred.TestBDK, tp)
		_ = VerifyCryptogram(TestIMK, "4012345678909", tp, nil)
		_ = tp.Masked()
		_ = tp.CVM()
		_ = tp.Describe()
	})
}

// FuzzParseICCPlaintext: no panic; accepted data re-encodes to a prefix of
// the input.
func FuzzParseICCPlaintext(f *testing.F) {
	seedHex(f, "5A074012345678909F570F4012345678909D2812201000000000000000000000", "5A00", "")
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseICCPlaintext(b)
		if err != nil {
			return
		}
		p, err := d.Plaintext()
		if err != nil {
			t.Fatalf("accepted data does not re-encode: %v", err)
		}
		if _, err := ParseICCPlaintext(p); err != nil {
			t.Fatalf("re-encoded data refused: %v", err)
		}
	})
}

// FuzzParseStart: no panic; accepted data re-encodes and parses the same.
func FuzzParseStart(f *testing.F) {
	seedHex(f, "E0209C01009F02060000000010505F2A0206435F3601029A032612039F2103101500", "E000")
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseStart(b)
		if err != nil {
			return
		}
		enc, err := s.Encode()
		if err != nil {
			return // out-of-range exponent or currency that BCD allowed
		}
		back, err := ParseStart(enc)
		if err != nil || back != s {
			t.Fatalf("round trip: %+v vs %+v (%v)", back, s, err)
		}
	})
}

// FuzzParseContinue: no panic; accepted data re-encodes and parses the same
// ARC.
func FuzzParseContinue(f *testing.F) {
	seedHex(f, "E0108A023030910A48AAD066D5116B8B3030", "E0048A025A33", "E0029100")
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseContinue(b)
		if err != nil {
			return
		}
		_, _ = c.IssuerAuth()
	})
}

// FuzzPINFromBlock: no panic; a recovered PIN re-encodes to the same block.
func FuzzPINFromBlock(f *testing.F) {
	f.Add([]byte{0x04, 0x12, 0x34, 0xFF, 0xFF, 0xFF, 0xFF, 0x8F}, "4000000000000705")
	f.Add(make([]byte, 8), "4012345678909")
	f.Fuzz(func(t *testing.T, b []byte, pan string) {
		if len(b) != 8 {
			return
		}
		pin, err := PINFromBlock([8]byte(b), pan)
		if err != nil {
			return
		}
		again, err := PINBlock(pin, pan)
		if err != nil || !bytes.Equal(again[:], b) {
			t.Fatalf("PIN block round trip failed: %v", err)
		}
	})
}
