package device

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// h decodes spaced hex.
func hx(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// packet builds one packet with its LRC (test-local, independent of frame.go).
func pkt(nad, pcb byte, inf []byte) []byte {
	p := append([]byte{nad, pcb, byte(len(inf))}, inf...)
	var lrc byte
	for _, b := range p {
		lrc ^= b
	}
	return append(p, lrc)
}

// fakeReader is a scripted reader on the far end of a net.Pipe: for each
// command packet it calls answer(apdu) and writes the raw bytes returned.
type fakeReader struct {
	t      testing.TB
	conn   net.Conn
	mu     sync.Mutex
	got    [][]byte // command APDUs received
	answer func(apdu []byte) []byte
	done   chan struct{}
}

func newFake(t testing.TB, answer func(apdu []byte) []byte) (*fakeReader, net.Conn) {
	f, host := newFakeNoCleanup(t, answer)
	t.Cleanup(func() { f.conn.Close(); host.Close(); <-f.done })
	return f, host
}

func newFakeNoCleanup(t testing.TB, answer func(apdu []byte) []byte) (*fakeReader, net.Conn) {
	host, dev := net.Pipe()
	f := &fakeReader{t: t, conn: dev, answer: answer, done: make(chan struct{})}
	go f.loop()
	return f, host
}

func (f *fakeReader) loop() {
	defer close(f.done)
	for {
		var hdr [3]byte
		if _, err := io.ReadFull(f.conn, hdr[:]); err != nil {
			return
		}
		rest := make([]byte, int(hdr[2])+1)
		if _, err := io.ReadFull(f.conn, rest); err != nil {
			return
		}
		apdu := rest[:len(rest)-1]
		f.mu.Lock()
		f.got = append(f.got, apdu)
		f.mu.Unlock()
		if out := f.answer(apdu); len(out) > 0 {
			if _, err := f.conn.Write(out); err != nil {
				return
			}
		}
	}
}

func (f *fakeReader) commands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, a := range f.got {
		out = append(out, strings.ToUpper(hex.EncodeToString(a[:2])))
	}
	return out
}

var (
	okPkt        = pkt(1, 0, []byte{0x90, 0x00})
	poweredOnPkt = []byte{0x01, 0x40, 0x13, 0xE6, 0x0F, 0xC3, 0x01, 0x01, 0xC4, 0x0A, 0x50, 0x4F, 0x57, 0x45, 0x52, 0x45, 0x44, 0x20, 0x4F, 0x4E, 0x90, 0x00, 0x59}
)

func testLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestCommandPackets(t *testing.T) {
	disp, err := DisplayText("Amount: 10.50 RUB\nSwipe card")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c    Command
		want string
	}{
		{ResetDevice(), "01 00 04 D0 00 00 00 D5"},
		{GetDeviceInfo(), "01 00 04 D0 02 00 00 D7"},
		{P2PEStatus(), "01 00 04 EE E0 00 00 0B"},
		{CardStatus(true), "01 00 04 D0 60 1D 00 A8"},
		{CardStatus(false), "01 00 04 D0 60 00 00 B5"},
		{BatteryStatus(), "01 00 04 D0 62 00 00 B7"},
		{Abort(), "01 00 04 D0 FF 00 00 2A"},
		{disp, "01 00 21 D2 01 00 81 1C 41 6D 6F 75 6E 74 3A 20 31 30 2E 35 30 20 52 55 42 0A 53 77 69 70 65 20 63 61 72 64 71"},
	} {
		got, err := encodeCommand(tc.c)
		if err != nil {
			t.Fatal(tc.c.Name, err)
		}
		if !bytes.Equal(got, hx(t, tc.want)) {
			t.Errorf("%s: % X, want %s", tc.c.Name, got, tc.want)
		}
	}
	if _, err := DisplayText(""); err == nil {
		t.Error("empty display text accepted")
	}
	if _, err := DisplayText(strings.Repeat("x", 250)); err == nil {
		t.Error("250-byte display text accepted")
	}
}

func TestDecoders(t *testing.T) {
	// §2 worked packet 2: the simulator's RESET DEVICE answer (INF without SW).
	reset := hx(t, "E1 32 9F 1E 08 53 49 4D 30 30 30 30 31 EF 12 DF 0D 08 4D 30 30 30 2D 4D 50 49 DF 7F 04 31 2D 34 37 EF 11 DF 0D 07 4D 30 30 30 2D 4F 53 DF 7F 04 37 2D 31 32")
	ri, err := DecodeReset(reset)
	if err != nil {
		t.Fatal(err)
	}
	if (ri != ResetInfo{Serial: "SIM00001", MPIID: "M000-MPI", MPIVersion: "1-47", OSID: "M000-OS", OSVersion: "7-12"}) {
		t.Errorf("reset: %+v", ri)
	}
	// RPI 1-1 firmware bug: a second DF0D in place of DF7F.
	bug := hx(t, "E1 1A 9F 1E 02 41 42 EF 0A DF 0D 03 4D 50 49 DF 0D 01 35 EF 07 DF 0D 01 4F DF 7F 00")
	if ri, err := DecodeReset(bug); err != nil || ri.MPIVersion != "5" || ri.OSID != "O" {
		t.Errorf("reset with DF0D twice: %+v %v", ri, err)
	}
	p, err := DecodeP2PEStatus(hx(t, "E1 05 DF AE 01 01 05"))
	if err != nil || !p.SREDReady() || !p.Initialised() || p.PINKeyReady() {
		t.Errorf("p2pe %02X %v", byte(p), err)
	}
	b, err := DecodeBattery(hx(t, "E1 0A DF A2 09 01 01 DF A2 0A 01 55"))
	if err != nil || b != (Battery{85, Charging}) || b.String() != "85% charging" {
		t.Errorf("battery %+v %v", b, err)
	}
	di, err := DecodeDeviceInfo(hx(t, "E1 11 EF 06 DF 0D 03 4D 53 52 EF 07 DF 0D 04 53 52 45 44"))
	if err != nil || len(di) != 2 || di[0].Name != "MSR" || di[1].Name != "SRED" {
		t.Errorf("device info %+v %v", di, err)
	}
	code, text, ok := DecodeDeviceStatus(poweredOnPkt[3 : len(poweredOnPkt)-3])
	if !ok || code != 1 || text != "POWERED ON" {
		t.Errorf("device status %v %q %v", code, text, ok)
	}
	// §6: no card, bad swipe, golden card.
	for _, tc := range []struct {
		body string
		want swipeKind
	}{
		{"E1 04 48 02 00 00", swipeNone},
		{"E1 04 48 02 00 01", swipeBad},
		{"E1 04 48 02 01 00", swipeChip},
		{"E1 0B 48 02 00 05 5F 22 04 3B 31 3D 3F", swipeClear},
		{"E1 04 48 02 00 05", swipeClear},
		{goldenSwipeBody, swipeGood},
	} {
		m, _, err := DecodeCardStatus(hx(t, tc.body))
		if err != nil || m.kind() != tc.want {
			t.Errorf("%s: kind %v err %v, want %v", tc.body, m.kind(), err, tc.want)
		}
	}
}

// goldenSwipeBody is the §6 worked example's INF without the SW.
const goldenSwipeBody = "E1 5A 48 02 00 05 DF AE 02 20 5A 7A BC 7F EF 1F 0D EB 6A 46 A1 3C 28 01 CD 2A F8 7C F9 94 CB DD 04 E1 10 7E 1A 07 46 35 C9 22 DF AE 03 0A FF FF 98 76 54 32 10 E0 00 01 DF AE 22 20 3B 34 30 31 32 33 34 2A 2A 2A 38 39 30 39 3D 32 38 31 32 31 30 31 2A 2A 2A 2A 2A 2A 2A 2A 2A 3F"

// TestSessionUnsolicitedBetween: an unsolicited packet between a command and
// its response goes to the events, the response to the command.
func TestSessionUnsolicitedBetween(t *testing.T) {
	_, host := newFake(t, func(apdu []byte) []byte {
		return append(append([]byte{}, poweredOnPkt...), okPkt...)
	})
	s := newSession(host, slog.New(slog.DiscardHandler), time.Second)
	defer s.close()
	body, err := s.transact(context.Background(), Abort())
	if err != nil || len(body) != 0 {
		t.Fatalf("transact: %x %v", body, err)
	}
	select {
	case m := <-s.events:
		if !m.unsolicited || !bytes.Equal(m.apdu, poweredOnPkt[3:len(poweredOnPkt)-1]) {
			t.Errorf("event % X", m.apdu)
		}
	case <-time.After(time.Second):
		t.Fatal("no event")
	}
}

// TestSession6F00 fails only the command; 9F26 sends ABORT and retries once.
func TestSessionStatusWords(t *testing.T) {
	n := 0
	f, host := newFake(t, func(apdu []byte) []byte {
		n++
		switch n {
		case 1:
			return pkt(1, 0, []byte{0x6F, 0x00})
		case 2: // P2PE STATUS: not allowed
			return pkt(1, 0, []byte{0x9F, 0x26})
		case 3: // ABORT
			return okPkt
		case 4: // P2PE STATUS again
			return pkt(1, 0, hx(t, "E1 05 DF AE 01 01 05 90 00"))
		case 5: // battery: 9F26 twice -> fails after one retry
			return pkt(1, 0, []byte{0x9F, 0x26})
		case 6:
			return okPkt
		case 7:
			return pkt(1, 0, []byte{0x9F, 0x26})
		}
		return okPkt
	})
	s := newSession(host, slog.New(slog.DiscardHandler), time.Second)
	defer s.close()
	ctx := context.Background()
	_, err := s.transact(ctx, GetDeviceInfo())
	var se *StatusError
	if !errors.As(err, &se) || se.SW != 0x6F00 || errors.Is(err, ErrDeviceGone) {
		t.Fatalf("6F00: %v", err)
	}
	body, err := s.transact(ctx, P2PEStatus())
	if err != nil {
		t.Fatalf("9F26 retry: %v", err)
	}
	if p, _ := DecodeP2PEStatus(body); !p.SREDReady() {
		t.Errorf("p2pe after retry: %x", body)
	}
	_, err = s.transact(ctx, BatteryStatus())
	if !errors.As(err, &se) || se.SW != 0x9F26 {
		t.Fatalf("second 9F26: %v", err)
	}
	if s.broken() != nil {
		t.Fatal("status words broke the session")
	}
	want := "D002 EEE0 D0FF EEE0 D062 D0FF D062"
	if got := strings.Join(f.commands(), " "); got != want {
		t.Errorf("commands %s, want %s", got, want)
	}
}

// TestSessionBreaks: a timeout, a framing error, EOF and an unexpected
// response each break the session; pending and later calls get ErrDeviceGone.
func TestSessionBreaks(t *testing.T) {
	ctx := context.Background()
	t.Run("timeout", func(t *testing.T) {
		_, host := newFake(t, func([]byte) []byte { return nil })
		s := newSession(host, slog.New(slog.DiscardHandler), 100*time.Millisecond)
		defer s.close()
		_, err := s.transact(ctx, Abort())
		if !errors.Is(err, ErrNoResponse) || !errors.Is(err, ErrDeviceGone) {
			t.Fatalf("got %v", err)
		}
		if _, err := s.transact(ctx, Abort()); !errors.Is(err, ErrDeviceGone) {
			t.Fatalf("after break: %v", err)
		}
	})
	t.Run("bad LRC", func(t *testing.T) {
		_, host := newFake(t, func([]byte) []byte { p := pkt(1, 0, []byte{0x90, 0}); p[3] ^= 1; return p })
		s := newSession(host, slog.New(slog.DiscardHandler), time.Second)
		defer s.close()
		if _, err := s.transact(ctx, Abort()); !errors.Is(err, ErrDeviceGone) || errors.Is(err, ErrNoResponse) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("bad NAD", func(t *testing.T) {
		_, host := newFake(t, func([]byte) []byte { return pkt(3, 0, []byte{0x90, 0}) })
		s := newSession(host, slog.New(slog.DiscardHandler), time.Second)
		defer s.close()
		if _, err := s.transact(ctx, Abort()); !errors.Is(err, ErrDeviceGone) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("EOF", func(t *testing.T) {
		f, host := newFake(t, nil)
		f.answer = func([]byte) []byte { f.conn.Close(); return nil }
		s := newSession(host, slog.New(slog.DiscardHandler), time.Second)
		defer s.close()
		if _, err := s.transact(ctx, Abort()); !errors.Is(err, ErrDeviceGone) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("half packet", func(t *testing.T) {
		_, host := newFake(t, func([]byte) []byte { return okPkt[:3] })
		s := newSession(host, slog.New(slog.DiscardHandler), 3*time.Second)
		defer s.close()
		start := time.Now()
		_, err := s.transact(ctx, Abort())
		if !errors.Is(err, ErrDeviceGone) || errors.Is(err, ErrNoResponse) {
			t.Fatalf("got %v", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("1 s packet rule took %v", d)
		}
	})
	t.Run("unexpected response", func(t *testing.T) {
		f, host := newFake(t, func([]byte) []byte { return okPkt })
		s := newSession(host, slog.New(slog.DiscardHandler), time.Second)
		defer s.close()
		f.conn.Write(okPkt) // nobody asked
		select {
		case <-s.done:
		case <-time.After(time.Second):
			t.Fatal("session survived a response without a command")
		}
	})
	t.Run("chained and NAD 02", func(t *testing.T) {
		_, host := newFake(t, func([]byte) []byte {
			var out []byte
			out = append(out, pkt(2, 0, []byte{0x90, 0x00})...) // retail base: discarded
			out = append(out, pkt(1, 1, hx(t, "E1 05 DF AE"))...)
			out = append(out, pkt(1, 0, hx(t, "01 01 05 90 00"))...)
			return out
		})
		s := newSession(host, slog.New(slog.DiscardHandler), time.Second)
		defer s.close()
		body, err := s.transact(ctx, P2PEStatus())
		if err != nil {
			t.Fatal(err)
		}
		if p, err := DecodeP2PEStatus(body); err != nil || byte(p) != 5 {
			t.Errorf("chained: %x %v", body, err)
		}
	})
}
