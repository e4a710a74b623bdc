package device_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"kassa/device"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Worked packets of READER-PROTOCOL.md §2, §5, §6 and §9.
var workedPackets = []struct {
	name        string
	nad         byte
	unsolicited bool
	apdu        string // INF (command or response APDU)
	packet      string
}{
	{"RESET DEVICE", 1, false, "D0 00 00 00", "01 00 04 D0 00 00 00 D5"},
	{"RESET DEVICE answer", 1, false,
		"E1 32 9F 1E 08 53 49 4D 30 30 30 30 31 EF 12 DF 0D 08 4D 30 30 30 2D 4D 50 49 DF 7F 04 31 2D 34 37 EF 11 DF 0D 07 4D 30 30 30 2D 4F 53 DF 7F 04 37 2D 31 32 90 00",
		"01 00 36 E1 32 9F 1E 08 53 49 4D 30 30 30 30 31 EF 12 DF 0D 08 4D 30 30 30 2D 4D 50 49 DF 7F 04 31 2D 34 37 EF 11 DF 0D 07 4D 30 30 30 2D 4F 53 DF 7F 04 37 2D 31 32 90 00 D9"},
	{"bare success", 1, false, "90 00", "01 00 02 90 00 93"},
	{"device status PIN OK", 1, true, "E6 10 C3 01 02 C4 06 50 49 4E 20 4F 4B DF A1 02 01 02 90 00",
		"01 40 14 E6 10 C3 01 02 C4 06 50 49 4E 20 4F 4B DF A1 02 01 02 90 00 3D"},
	{"GET DEVICE INFO", 1, false, "D0 02 00 00", "01 00 04 D0 02 00 00 D7"},
	{"GET DEVICE INFO answer", 1, false, "E1 11 EF 06 DF 0D 03 4D 53 52 EF 07 DF 0D 04 53 52 45 44 90 00",
		"01 00 15 E1 11 EF 06 DF 0D 03 4D 53 52 EF 07 DF 0D 04 53 52 45 44 90 00 3E"},
	{"P2PE STATUS", 1, false, "EE E0 00 00", "01 00 04 EE E0 00 00 0B"},
	{"P2PE STATUS answer", 1, false, "E1 05 DF AE 01 01 05 90 00", "01 00 09 E1 05 DF AE 01 01 05 90 00 08"},
	{"CARD STATUS on", 1, false, "D0 60 1D 00", "01 00 04 D0 60 1D 00 A8"},
	{"CARD STATUS off", 1, false, "D0 60 00 00", "01 00 04 D0 60 00 00 B5"},
	{"BATTERY STATUS", 1, false, "D0 62 00 00", "01 00 04 D0 62 00 00 B7"},
	{"BATTERY STATUS answer", 1, false, "E1 0A DF A2 09 01 01 DF A2 0A 01 55 90 00",
		"01 00 0E E1 0A DF A2 09 01 01 DF A2 0A 01 55 90 00 23"},
	{"DISPLAY TEXT", 1, false,
		"D2 01 00 81 1C 41 6D 6F 75 6E 74 3A 20 31 30 2E 35 30 20 52 55 42 0A 53 77 69 70 65 20 63 61 72 64",
		"01 00 21 D2 01 00 81 1C 41 6D 6F 75 6E 74 3A 20 31 30 2E 35 30 20 52 55 42 0A 53 77 69 70 65 20 63 61 72 64 71"},
	{"ABORT", 1, false, "D0 FF 00 00", "01 00 04 D0 FF 00 00 2A"},
	{"no card", 1, true, "E1 04 48 02 00 00 90 00", "01 40 08 E1 04 48 02 00 00 90 00 76"},
	{"bad swipe", 1, true, "E1 04 48 02 00 01 90 00", "01 40 08 E1 04 48 02 00 01 90 00 77"},
	{"POWERED ON", 1, true, "E6 0F C3 01 01 C4 0A 50 4F 57 45 52 45 44 20 4F 4E 90 00",
		"01 40 13 E6 0F C3 01 01 C4 0A 50 4F 57 45 52 45 44 20 4F 4E 90 00 59"},
	{"golden swipe", 1, true, goldenSwipeINF, goldenSwipePacket},
}

const goldenSwipeINF = "E1 5A 48 02 00 05" +
	"DF AE 02 20 5A 7A BC 7F EF 1F 0D EB 6A 46 A1 3C 28 01 CD 2A F8 7C F9 94 CB DD 04 E1 10 7E 1A 07 46 35 C9 22" +
	"DF AE 03 0A FF FF 98 76 54 32 10 E0 00 01" +
	"DF AE 22 20 3B 34 30 31 32 33 34 2A 2A 2A 38 39 30 39 3D 32 38 31 32 31 30 31 2A 2A 2A 2A 2A 2A 2A 2A 2A 3F" +
	"90 00"

const goldenSwipePacket = "01 40 5E " + goldenSwipeINF + " 29"

func TestWorkedPackets(t *testing.T) {
	for _, tt := range workedPackets {
		t.Run(tt.name, func(t *testing.T) {
			want := unhex(t, tt.packet)
			if device.LRC(want) != 0 {
				t.Fatalf("fixture does not XOR to zero")
			}
			got := device.EncodeMessage(tt.nad, tt.unsolicited, unhex(t, tt.apdu))
			if !bytes.Equal(got, want) {
				t.Fatalf("EncodeMessage = % X\nwant            % X", got, want)
			}
			pcb := byte(0)
			if tt.unsolicited {
				pcb = device.PCBUnsolicited
			}
			if got := device.EncodePacket(tt.nad, pcb, unhex(t, tt.apdu)); !bytes.Equal(got, want) {
				t.Fatalf("EncodePacket = % X", got)
			}
			p, err := device.NewPacketReader(bytes.NewReader(want)).Next()
			if err != nil {
				t.Fatal(err)
			}
			var a device.Assembler
			m, done, err := a.Add(p)
			if err != nil || !done {
				t.Fatalf("Add: %v %v", done, err)
			}
			if m.NAD != tt.nad || m.Unsolicited != tt.unsolicited || !bytes.Equal(m.APDU, unhex(t, tt.apdu)) {
				t.Fatalf("message = %+v", m)
			}
		})
	}
	if n := len(unhex(t, goldenSwipePacket)); n != 98 {
		t.Fatalf("golden swipe packet is %d bytes, want 98", n)
	}
}

// §2 worked packet 5: a 300-byte response chained as 258 + 50 bytes.
func chain300(t testing.TB) (msg, a, b []byte) {
	msg = make([]byte, 298)
	for i := range msg {
		msg[i] = byte(i)
	}
	msg = append(msg, 0x90, 0x00)
	a = append([]byte{0x01, 0x01, 0xFE}, msg[:254]...)
	a = append(a, 0xFF)
	b = append([]byte{0x01, 0x00, 0x2E}, msg[254:]...)
	b = append(b, 0xBF)
	if len(a) != 258 || len(b) != 50 || !bytes.Equal(b[3:5], []byte{0xFE, 0xFF}) || !bytes.HasSuffix(b, []byte{0x29, 0x90, 0x00, 0xBF}) {
		t.Fatal("bad fixture")
	}
	return msg, a, b
}

func TestChaining300(t *testing.T) {
	msg, a, b := chain300(t)
	got := device.EncodeMessage(device.NADMPI, false, msg)
	if want := append(append([]byte{}, a...), b...); !bytes.Equal(got, want) {
		t.Fatalf("EncodeMessage(300 bytes) =\n% X\nwant\n% X", got, want)
	}
	r := device.NewPacketReader(bytes.NewReader(got))
	var asm device.Assembler
	p1, err := r.Next()
	if err != nil || !p1.Chained() {
		t.Fatalf("first packet: %v chained=%v", err, p1.Chained())
	}
	if _, done, err := asm.Add(p1); done || err != nil || !asm.Pending() {
		t.Fatalf("after A: done=%v err=%v", done, err)
	}
	p2, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	m, done, err := asm.Add(p2)
	if !done || err != nil || !bytes.Equal(m.APDU, msg) || asm.Pending() {
		t.Fatalf("after B: done=%v err=%v len=%d", done, err, len(m.APDU))
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("at end: %v, want io.EOF", err)
	}
}

func TestEncodeMessageChainLengths(t *testing.T) {
	tests := []struct {
		n    int
		lens []int
	}{
		{2, []int{2}},
		{254, []int{254}},
		{255, []int{253, 2}}, // never a 1-byte last packet
		{256, []int{254, 2}},
		{509, []int{254, 253, 2}},
		{8192, append(repeatInt(254, 32), 64)},
	}
	for _, tt := range tests {
		msg := bytes.Repeat([]byte{0xAB}, tt.n)
		out := device.EncodeMessage(device.NADMPI, true, msg)
		r := device.NewPacketReader(bytes.NewReader(out))
		var asm device.Assembler
		var lens []int
		for {
			p, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			wantPCB := byte(0x40)
			if len(lens) < len(tt.lens)-1 {
				wantPCB = 0x41
			}
			if p.PCB != wantPCB {
				t.Fatalf("n=%d packet %d PCB %02X, want %02X", tt.n, len(lens), p.PCB, wantPCB)
			}
			lens = append(lens, len(p.INF))
			m, done, err := asm.Add(p)
			if err != nil {
				t.Fatal(err)
			}
			if done && !bytes.Equal(m.APDU, msg) {
				t.Fatalf("n=%d reassembled %d bytes", tt.n, len(m.APDU))
			}
		}
		if !equalInts(lens, tt.lens) {
			t.Errorf("n=%d packet lengths %v, want %v", tt.n, lens, tt.lens)
		}
	}
}

func repeatInt(v, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPacketReaderErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		reason string
		cause  error
	}{
		{"bad NAD", "03 00 02 90 00 91", "bad NAD", nil},
		{"NAD 00", "00 00 02 90 00 92", "bad NAD", nil},
		{"bad PCB", "01 02 02 90 00 91", "bad PCB", nil},
		{"PCB 80", "01 80 02 90 00 13", "bad PCB", nil},
		{"LEN 00", "01 00 00 01", "bad LEN", nil},
		{"LEN 01", "01 00 01 90 90", "bad LEN", nil},
		{"LEN FF", "01 00 FF", "bad LEN", nil},
		{"bad LRC", "01 00 02 90 00 94", "bad LRC", nil},
		{"cut in header", "01 00", "cut short", io.ErrUnexpectedEOF},
		{"cut in INF", "01 00 04 D0 00", "cut short", io.ErrUnexpectedEOF},
		{"cut before LRC", "01 00 02 90 00", "cut short", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := device.NewPacketReader(bytes.NewReader(unhex(t, tt.in))).Next()
			var fe *device.FramingError
			if !errors.Is(err, device.ErrFraming) || !errors.As(err, &fe) || !strings.Contains(fe.Reason, tt.reason) {
				t.Fatalf("err = %v, want framing error %q", err, tt.reason)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Fatalf("err = %v, want cause %v", err, tt.cause)
			}
		})
	}
	if _, err := device.NewPacketReader(bytes.NewReader(nil)).Next(); err != io.EOF {
		t.Fatalf("empty stream: %v, want io.EOF", err)
	}
}

// The header is checked byte by byte: a bad NAD is reported without
// waiting for more bytes.
func TestPacketReaderChecksEachHeaderByte(t *testing.T) {
	host, dev := net.Pipe()
	defer host.Close()
	defer dev.Close()
	go dev.Write([]byte{0x05})
	_, err := device.NewPacketReader(host).Next()
	if !errors.Is(err, device.ErrFraming) {
		t.Fatalf("err = %v", err)
	}
}

// §2: the rest of a packet must arrive within the packet timeout of its NAD.
func TestPacketReaderTimeout(t *testing.T) {
	host, dev := net.Pipe()
	defer host.Close()
	defer dev.Close()
	go dev.Write([]byte{0x01, 0x00, 0x04, 0xD0})
	r := device.NewPacketReader(host)
	r.Timeout = 50 * time.Millisecond
	starts := 0
	r.Start = func() { starts++ }
	_, err := r.Next()
	if !errors.Is(err, device.ErrFraming) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v, want framing error after deadline", err)
	}
	if starts != 1 {
		t.Fatalf("Start called %d times", starts)
	}
	// The deadline is per packet: an idle link between packets is fine.
	host2, dev2 := net.Pipe()
	defer host2.Close()
	defer dev2.Close()
	r2 := device.NewPacketReader(host2)
	r2.Timeout = 50 * time.Millisecond
	go func() {
		dev2.Write(unhex(t, "01 00 02 90 00 93"))
		time.Sleep(120 * time.Millisecond)
		dev2.Write(unhex(t, "01 00 02 90 00 93"))
	}()
	for i := 0; i < 2; i++ {
		if _, err := r2.Next(); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
	}
}

func TestAssemblerRules(t *testing.T) {
	pk := func(nad, pcb byte, inf ...byte) device.Packet { return device.Packet{NAD: nad, PCB: pcb, INF: inf} }
	t.Run("other NAD interleaves", func(t *testing.T) {
		var a device.Assembler
		steps := []struct {
			p    device.Packet
			done bool
			apdu []byte
			nad  byte
		}{
			{pk(1, 0x01, 1, 2), false, nil, 0},
			{pk(2, 0x00, 9, 9), true, []byte{9, 9}, 2},
			{pk(1, 0x00, 3, 4), true, []byte{1, 2, 3, 4}, 1},
		}
		for i, s := range steps {
			m, done, err := a.Add(s.p)
			if err != nil || done != s.done || (done && (!bytes.Equal(m.APDU, s.apdu) || m.NAD != s.nad)) {
				t.Fatalf("step %d: %+v %v %v", i, m, done, err)
			}
		}
	})
	t.Run("unsolicited chain 41", func(t *testing.T) {
		var a device.Assembler
		a.Add(pk(1, 0x41, 1, 2))
		m, done, err := a.Add(pk(1, 0x40, 3, 4))
		if err != nil || !done || !m.Unsolicited || len(m.APDU) != 4 {
			t.Fatalf("%+v %v %v", m, done, err)
		}
	})
	bad := []struct {
		name string
		ps   []device.Packet
	}{
		{"chain mixes unsolicited bit", []device.Packet{pk(1, 0x01, 1, 2), pk(1, 0x40, 3, 4)}},
		{"chain mixes solicited", []device.Packet{pk(1, 0x41, 1, 2), pk(1, 0x00, 3, 4)}},
		{"bad NAD", []device.Packet{pk(3, 0, 1, 2)}},
		{"bad PCB", []device.Packet{pk(1, 0x80, 1, 2)}},
		{"short INF", []device.Packet{pk(1, 0, 1)}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			var a device.Assembler
			var err error
			for _, p := range tt.ps {
				if _, _, err = a.Add(p); err != nil {
					break
				}
			}
			if !errors.Is(err, device.ErrFraming) {
				t.Fatalf("err = %v", err)
			}
			if a.Pending() {
				t.Fatal("partial message kept after a framing error")
			}
		})
	}
	t.Run("8 KiB cap", func(t *testing.T) {
		var a device.Assembler
		full := bytes.Repeat([]byte{1}, 254)
		var err error
		total := 0
		for i := 0; err == nil && i < 40; i++ {
			_, _, err = a.Add(device.Packet{NAD: 1, PCB: 1, INF: full})
			total += 254
		}
		if !errors.Is(err, device.ErrFraming) || total <= device.MaxMessage || total > device.MaxMessage+254 {
			t.Fatalf("err = %v after %d bytes", err, total)
		}
		// Exactly 8192 is fine.
		out := device.EncodeMessage(1, false, make([]byte, device.MaxMessage))
		r := device.NewPacketReader(bytes.NewReader(out))
		var b device.Assembler
		for {
			p, err := r.Next()
			if err != nil {
				t.Fatalf("8192 bytes not reassembled: %v", err)
			}
			m, done, err := b.Add(p)
			if err != nil {
				t.Fatal(err)
			}
			if done {
				if len(m.APDU) != device.MaxMessage {
					t.Fatalf("len %d", len(m.APDU))
				}
				break
			}
		}
	})
}

func TestEncodePacketPanicsOnBadLength(t *testing.T) {
	for _, n := range []int{0, 1, 255} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("EncodePacket with %d INF bytes did not panic", n)
				}
			}()
			device.EncodePacket(1, 0, make([]byte, n))
		}()
	}
}

func fuzzSeeds(f *testing.F) {
	for _, w := range workedPackets {
		f.Add(unhex(f, w.packet))
	}
	_, a, b := chain300(f)
	f.Add(append(append([]byte{}, a...), b...))
	f.Add(unhex(f, "01 01 02 01 02 00 02 01 02 03 01 00 02 03 04 04"))
	f.Add(unhex(f, "01 41 02 01 02 43 01 00 02 03 04 04"))
}

func FuzzPacketReader(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		r := device.NewPacketReader(bytes.NewReader(b))
		var out []byte
		for {
			p, err := r.Next()
			if err != nil {
				if err != io.EOF && !errors.Is(err, device.ErrFraming) {
					t.Fatalf("unexpected error type: %v", err)
				}
				if err == io.EOF && !bytes.Equal(out, b) {
					t.Fatalf("packets re-encode to % X, input % X", out, b)
				}
				return
			}
			out = append(out, device.EncodePacket(p.NAD, p.PCB, p.INF)...)
		}
	})
}

func FuzzAssembler(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		r := device.NewPacketReader(bytes.NewReader(b))
		var a device.Assembler
		for {
			p, err := r.Next()
			if err != nil {
				return
			}
			m, done, err := a.Add(p)
			if err != nil {
				if a.Pending() {
					t.Fatal("partial message kept after error")
				}
				return
			}
			if done {
				if len(m.APDU) > device.MaxMessage || len(m.APDU) < device.MinINF {
					t.Fatalf("message of %d bytes", len(m.APDU))
				}
				// Re-framing and re-reading the message gives it back.
				again := device.EncodeMessage(m.NAD, m.Unsolicited, m.APDU)
				rr := device.NewPacketReader(bytes.NewReader(again))
				var aa device.Assembler
				for {
					q, err := rr.Next()
					if err != nil {
						t.Fatalf("re-read: %v", err)
					}
					mm, ok, err := aa.Add(q)
					if err != nil {
						t.Fatal(err)
					}
					if ok {
						if !bytes.Equal(mm.APDU, m.APDU) || mm.NAD != m.NAD || mm.Unsolicited != m.Unsolicited {
							t.Fatal("round trip changed the message")
						}
						break
					}
				}
			}
		}
	})
}
