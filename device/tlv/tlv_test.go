package tlv

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// resetResponse is the INF of READER-PROTOCOL §2 worked packet 2, without SW.
const resetResponse = "E1 32 9F 1E 08 53 49 4D 30 30 30 30 31" +
	"EF 12 DF 0D 08 4D 30 30 30 2D 4D 50 49 DF 7F 04 31 2D 34 37" +
	"EF 11 DF 0D 07 4D 30 30 30 2D 4F 53 DF 7F 04 37 2D 31 32"

func TestTagBytes(t *testing.T) {
	tests := []struct {
		tag         Tag
		hex         string
		constructed bool
	}{
		{0x48, "48", false},
		{0x63, "63", false}, // Miura quirk: ATR is primitive
		{0xE1, "E1", true},
		{0xEF, "EF", true},
		{0x9F1E, "9F1E", false},
		{0x5F21, "5F21", false},
		{0xDFAE02, "DFAE02", false},
		{0xFF8101, "FF8101", true},
	}
	for _, tt := range tests {
		if got := tt.tag.String(); got != tt.hex {
			t.Errorf("Tag(%#x).String() = %s, want %s", uint32(tt.tag), got, tt.hex)
		}
		if got := tt.tag.Constructed(); got != tt.constructed {
			t.Errorf("Tag %s Constructed() = %v, want %v", tt.hex, got, tt.constructed)
		}
	}
}

func TestDecodeResetResponse(t *testing.T) {
	items, err := Decode(unhex(t, resetResponse))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].Tag != 0xE1 || len(items[0].Children) != 3 {
		t.Fatalf("want one E1 with 3 children, got %+v", items)
	}
	serial, ok := Find(items, 0x9F1E)
	if !ok || string(serial.Value) != "SIM00001" {
		t.Fatalf("9F1E = %q, %v", serial.Value, ok)
	}
	ef := items[0].Children[1:]
	wants := [][2]string{{"M000-MPI", "1-47"}, {"M000-OS", "7-12"}}
	for i, w := range wants {
		id, _ := Find(ef[i].Children, 0xDF0D)
		ver, _ := Find(ef[i].Children, 0xDF7F)
		if string(id.Value) != w[0] || string(ver.Value) != w[1] {
			t.Errorf("entry %d = %q %q, want %q %q", i, id.Value, ver.Value, w[0], w[1])
		}
	}
	// Re-encoding from the tree gives the same bytes.
	if got := Encode(items...); !bytes.Equal(got, unhex(t, resetResponse)) {
		t.Errorf("re-encode = % X", got)
	}
}

func TestEncodeBuilds(t *testing.T) {
	tests := []struct {
		name  string
		items []TLV
		want  string
	}{
		{"reset response", []TLV{Constructed(0xE1,
			New(0x9F1E, []byte("SIM00001")),
			Constructed(0xEF, New(0xDF0D, []byte("M000-MPI")), New(0xDF7F, []byte("1-47"))),
			Constructed(0xEF, New(0xDF0D, []byte("M000-OS")), New(0xDF7F, []byte("7-12"))),
		)}, resetResponse},
		{"p2pe status", []TLV{Constructed(0xE1, New(0xDFAE01, []byte{5}))}, "E1 05 DF AE 01 01 05"},
		{"battery", []TLV{Constructed(0xE1, New(0xDFA209, []byte{1}), New(0xDFA20A, []byte{0x55}))},
			"E1 0A DF A2 09 01 01 DF A2 0A 01 55"},
		{"device info", []TLV{Constructed(0xE1,
			Constructed(0xEF, New(0xDF0D, []byte("MSR"))),
			Constructed(0xEF, New(0xDF0D, []byte("SRED"))))},
			"E1 11 EF 06 DF 0D 03 4D 53 52 EF 07 DF 0D 04 53 52 45 44"},
		{"empty value", []TLV{New(0x48, nil)}, "48 00"},
		{"length 127", []TLV{New(0x5A, make([]byte, 127))}, "5A 7F" + strings.Repeat("00", 127)},
		{"length 128", []TLV{New(0x5A, make([]byte, 128))}, "5A 81 80" + strings.Repeat("00", 128)},
		{"length 255", []TLV{New(0x5A, make([]byte, 255))}, "5A 81 FF" + strings.Repeat("00", 255)},
		{"length 256", []TLV{New(0x5A, make([]byte, 256))}, "5A 82 01 00" + strings.Repeat("00", 256)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Encode(tt.items...)
			if want := unhex(t, tt.want); !bytes.Equal(got, want) {
				t.Fatalf("Encode = % X\nwant     % X", got, want)
			}
			back, err := Decode(got)
			if err != nil {
				t.Fatal(err)
			}
			if again := Encode(back...); !bytes.Equal(again, got) {
				t.Fatalf("round trip = % X", again)
			}
		})
	}
}

// The Miura CardDataTest fixture opens a 183-byte E1 with DFAE02 (120) and
// DFAE03 (10) inside (§4).
func TestDecodeLongFormTemplate(t *testing.T) {
	in := Encode(Constructed(0xE1,
		New(0x48, []byte{0, 0x0F}),
		New(0xDFAE02, make([]byte, 120)),
		New(0xDFAE03, make([]byte, 10)),
		New(0xDFAE22, make([]byte, 183-4-124-14-4))))
	if !bytes.HasPrefix(in, unhex(t, "E1 81 B7 48 02 00 0F DF AE 02 78")) {
		t.Fatalf("prefix % X", in[:12])
	}
	items, err := Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	ksn, ok := Find(items, 0xDFAE03)
	if !ok || len(ksn.Value) != 10 {
		t.Fatalf("DFAE03 %v %d", ok, len(ksn.Value))
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"missing length", "48"},
		{"truncated tag", "9F"},
		{"truncated 3-byte tag", "DF AE"},
		{"tag too long", "DF 81 82 83 04 00"},
		{"value overruns", "48 03 00 00"},
		{"child overruns parent", "E1 04 48 03 00 00 00"},
		{"non-minimal 81", "48 81 05 00 00 00 00 00"},
		{"non-minimal 82", "48 82 00 FF" + strings.Repeat("00", 255)},
		{"indefinite length", "E1 80 00 00"},
		{"83 form", "48 83 00 00 01 00"},
		{"truncated 81", "48 81"},
		{"truncated 82", "48 82 01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(unhex(t, tt.in))
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("Decode(%s) err = %v, want ErrSyntax", tt.in, err)
			}
		})
	}
}

func TestDecodeDeepNesting(t *testing.T) {
	b := []byte{}
	for i := 0; i < 10; i++ {
		b = Encode(TLV{Tag: 0xE1, Value: b})
	}
	// 60 levels of E1: beyond maxDepth, must be rejected, not overflow.
	deep := []byte{}
	for i := 0; i < 60; i++ {
		deep = Encode(TLV{Tag: 0xE1, Value: deep})
	}
	if _, err := Decode(deep); !errors.Is(err, ErrSyntax) {
		t.Fatalf("deep nesting: %v", err)
	}
	if _, err := Decode(b); err != nil {
		t.Fatalf("moderate nesting: %v", err)
	}
}

func TestFind(t *testing.T) {
	items, err := Decode(unhex(t, "48 02 00 05 E1 07 E1 05 DF AE 01 01 05"))
	if err != nil {
		t.Fatal(err)
	}
	if it, ok := Find(items, 0x48); !ok || !bytes.Equal(it.Value, []byte{0, 5}) {
		t.Errorf("top-level 48: %v % X", ok, it.Value)
	}
	if it, ok := Find(items, 0xDFAE01); !ok || !bytes.Equal(it.Value, []byte{5}) {
		t.Errorf("nested DFAE01: %v % X", ok, it.Value)
	}
	if _, ok := Find(items, 0x9F1E); ok {
		t.Error("found absent 9F1E")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(unhex(f, resetResponse))
	f.Add(unhex(f, "E1 05 DF AE 01 01 05"))
	f.Add(unhex(f, "E1 0A DF A2 09 01 01 DF A2 0A 01 55"))
	f.Add(unhex(f, "E6 0F C3 01 01 C4 0A 50 4F 57 45 52 45 44 20 4F 4E"))
	f.Add(unhex(f, "48 81 80"+strings.Repeat("00", 128)))
	f.Add(unhex(f, "5A 82 01 00"+strings.Repeat("11", 256)))
	f.Add([]byte{0x63, 0x02, 0x3B, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := Decode(b)
		if err != nil {
			return
		}
		// Strict decoding means a successful parse re-encodes to the input.
		if got := Encode(items...); !bytes.Equal(got, b) {
			t.Fatalf("re-encode mismatch\n in  % X\n out % X", b, got)
		}
	})
}

func TestDecodeFirst(t *testing.T) {
	b := []byte{0xE1, 0x03, 0x9C, 0x01, 0x00, 0x90, 0x00}
	it, n, err := DecodeFirst(b)
	if err != nil || n != 5 || it.Tag != 0xE1 || len(it.Children) != 1 || it.Children[0].Tag != 0x9C {
		t.Fatalf("DecodeFirst = %+v, %d, %v", it, n, err)
	}
	for _, bad := range [][]byte{nil, {0xE1}, {0xE1, 0x05, 0x00}, {0xE1, 0x02, 0x9C, 0x05}, {0x9F}} {
		if _, _, err := DecodeFirst(bad); err == nil {
			t.Errorf("DecodeFirst(% X) accepted", bad)
		}
	}
}

func FuzzDecodeFirst(f *testing.F) {
	f.Add([]byte{0xE1, 0x03, 0x9C, 0x01, 0x00, 0x90, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		it, n, err := DecodeFirst(b)
		if err != nil {
			return
		}
		if n > len(b) {
			t.Fatalf("took %d of %d bytes", n, len(b))
		}
		items, err := Decode(b[:n])
		if err != nil || len(items) != 1 || items[0].Tag != it.Tag {
			t.Fatalf("DecodeFirst disagrees with Decode: %v", err)
		}
	})
}
