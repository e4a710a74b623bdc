package device_test

import (
	"bytes"
	"errors"
	"testing"

	"kassa/device"
)

func TestEncodeAPDU(t *testing.T) {
	text := []byte("Amount: 10.50 RUB\nSwipe card")
	tests := []struct {
		name             string
		cla, ins, p1, p2 byte
		data             []byte
		want             string
	}{
		{"RESET DEVICE", 0xD0, 0x00, 0, 0, nil, "D0 00 00 00"},
		{"CARD STATUS on", 0xD0, 0x60, 0x1D, 0, nil, "D0 60 1D 00"},
		{"DISPLAY TEXT", 0xD2, 0x01, 0, 0x81, text, "D2 01 00 81 1C 41 6D 6F 75 6E 74 3A 20 31 30 2E 35 30 20 52 55 42 0A 53 77 69 70 65 20 63 61 72 64"},
		{"249 bytes", 0xD2, 0x01, 0, 0, bytes.Repeat([]byte{'a'}, 249), "D2 01 00 00 F9" + string(bytes.Repeat([]byte("61"), 249))},
	}
	for _, tt := range tests {
		got, err := device.EncodeAPDU(tt.cla, tt.ins, tt.p1, tt.p2, tt.data)
		if err != nil || !bytes.Equal(got, unhex(t, tt.want)) {
			t.Errorf("%s: % X, %v", tt.name, got, err)
			continue
		}
		c, err := device.ParseCommandAPDU(got)
		if err != nil || c.CLA != tt.cla || c.INS != tt.ins || c.P1 != tt.p1 || c.P2 != tt.p2 || !bytes.Equal(c.Data, tt.data) {
			t.Errorf("%s: ParseCommandAPDU = %+v, %v", tt.name, c, err)
		}
		if again, _ := c.Encode(); !bytes.Equal(again, got) {
			t.Errorf("%s: re-encode % X", tt.name, again)
		}
	}
	if _, err := device.EncodeAPDU(0xD2, 1, 0, 0, make([]byte, 250)); !errors.Is(err, device.ErrDataTooLong) {
		t.Errorf("250 data bytes: %v", err)
	}
}

func TestParseCommandAPDU(t *testing.T) {
	tests := []struct {
		in   string
		data string
		err  error
	}{
		{"D0 00 00 00", "", nil},
		{"D0 00 00 00 00", "", nil}, // Le only
		{"D2 01 00 00 02 41 42", "4142", nil},
		{"D2 01 00 00 02 41 42 00", "4142", nil}, // Le ignored
		{"D2 01", "", device.ErrShortAPDU},
		{"", "", device.ErrShortAPDU},
		{"D2 01 00 00 05 41 42", "", device.ErrLc},
		{"D2 01 00 00 01 41 42 43", "", device.ErrLc},
		{"D2 01 00 00 00 41", "", device.ErrLc},
	}
	for _, tt := range tests {
		c, err := device.ParseCommandAPDU(unhex(t, tt.in))
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: err %v, want %v", tt.in, err, tt.err)
			continue
		}
		if err == nil && !bytes.Equal(c.Data, unhex(t, tt.data)) {
			t.Errorf("%s: data % X", tt.in, c.Data)
		}
	}
}

func TestParseResponse(t *testing.T) {
	tests := []struct {
		in   string
		body string
		sw   device.SW
		text string
	}{
		{"90 00", "", device.SWSuccess, "9000 success"},
		{"E1 05 DF AE 01 01 05 90 00", "E1 05 DF AE 01 01 05", 0x9000, "9000 success"},
		{"6D 00", "", device.SWUnknownCommand, "6D00 instruction not supported"},
		{"6F 00", "", device.SWPacketProblem, "6F00 packet problem"},
		{"9F 14", "", device.SWFormatting, "9F14 command formatting error"},
		{"9F 27", "", device.SWDataMissing, "9F27 data missing from command"},
		{"9F 26", "", device.SWNotAllowed, "9F26 command not allowed in this state"},
		{"9F E4", "", 0x9FE4, "9FE4 key import: DUKPT key error"},
		{"12 34", "", 0x1234, "1234 unknown status"},
	}
	for _, tt := range tests {
		body, sw, err := device.ParseResponse(unhex(t, tt.in))
		if err != nil || sw != tt.sw || !bytes.Equal(body, unhex(t, tt.body)) || sw.String() != tt.text {
			t.Errorf("%s: body % X sw %v err %v", tt.in, body, sw, err)
		}
		if sw.OK() != (tt.sw == 0x9000) {
			t.Errorf("%s: OK() = %v", tt.in, sw.OK())
		}
		if got := device.AppendSW(unhex(t, tt.body), tt.sw); !bytes.Equal(got, unhex(t, tt.in)) {
			t.Errorf("AppendSW = % X", got)
		}
	}
	for _, in := range []string{"", "90"} {
		if _, _, err := device.ParseResponse(unhex(t, in)); !errors.Is(err, device.ErrShortResponse) {
			t.Errorf("%q: %v", in, err)
		}
	}
	if !device.SW(0x9F21).DriverBug() || device.SW(0x9F26).DriverBug() {
		t.Error("DriverBug classification")
	}
}

func FuzzParseCommandAPDU(f *testing.F) {
	for _, s := range []string{"D0 00 00 00", "D0 00 00 00 00", "D2 01 00 81 02 41 42", "D2 01 00 00 02 41 42 00", "D2 01 00 00 05 41", "D2"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := device.ParseCommandAPDU(b)
		if err != nil {
			return
		}
		enc, err := c.Encode()
		if err != nil {
			t.Fatalf("parsed command does not encode: %v", err)
		}
		// Encoding drops only a trailing Le.
		if !bytes.Equal(enc, b) && !bytes.Equal(enc, b[:len(b)-1]) {
			t.Fatalf("re-encode % X from % X", enc, b)
		}
	})
}

func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{"90 00", "E1 05 DF AE 01 01 05 90 00", "6D 00", "90"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		body, sw, err := device.ParseResponse(b)
		if err != nil {
			if len(b) >= 2 {
				t.Fatalf("rejected %d bytes", len(b))
			}
			return
		}
		if got := device.AppendSW(append([]byte(nil), body...), sw); !bytes.Equal(got, b) {
			t.Fatalf("round trip % X", got)
		}
		if sw.String() == "" {
			t.Fatal("empty SW text")
		}
	})
}
