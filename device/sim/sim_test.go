package sim_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"kassa/device"
	"kassa/device/sim"
	"kassa/device/sred"
	"kassa/device/tlv"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Packets of READER-PROTOCOL.md.
const (
	pktReset      = "01 00 04 D0 00 00 00 D5"
	pktDeviceInfo = "01 00 04 D0 02 00 00 D7"
	pktP2PE       = "01 00 04 EE E0 00 00 0B"
	pktCardOn     = "01 00 04 D0 60 1D 00 A8"
	pktCardOff    = "01 00 04 D0 60 00 00 B5"
	pktBattery    = "01 00 04 D0 62 00 00 B7"
	pktAbort      = "01 00 04 D0 FF 00 00 2A"
	pktDisplay    = "01 00 21 D2 01 00 81 1C 41 6D 6F 75 6E 74 3A 20 31 30 2E 35 30 20 52 55 42 0A 53 77 69 70 65 20 63 61 72 64 71"
	ansReset      = "01 00 36 E1 32 9F 1E 08 53 49 4D 30 30 30 30 31 EF 12 DF 0D 08 4D 30 30 30 2D 4D 50 49 DF 7F 04 31 2D 34 37 EF 11 DF 0D 07 4D 30 30 30 2D 4F 53 DF 7F 04 37 2D 31 32 90 00 D9"
	// §12.6: a chip-capable simulator lists MSR, SRED, EMV, CTLS.
	ansDeviceInfo  = "01 00 26 E1 22 EF 06 DF 0D 03 4D 53 52 EF 07 DF 0D 04 53 52 45 44 EF 06 DF 0D 03 45 4D 56 EF 07 DF 0D 04 43 54 4C 53 90 00 6E"
	ansP2PE        = "01 00 09 E1 05 DF AE 01 01 05 90 00 08"
	ansBattery     = "01 00 0E E1 0A DF A2 09 01 01 DF A2 0A 01 55 90 00 23"
	ansOK          = "01 00 02 90 00 93"
	ansPoweredOn   = "01 40 13 E6 0F C3 01 01 C4 0A 50 4F 57 45 52 45 44 20 4F 4E 90 00 59"
	ansNoCard      = "01 40 08 E1 04 48 02 00 00 90 00 76"
	ansBadSwipe    = "01 40 08 E1 04 48 02 00 01 90 00 77"
	ansGoldenSwipe = "01 40 5E E1 5A 48 02 00 05 DF AE 02 20 5A 7A BC 7F EF 1F 0D EB 6A 46 A1 3C 28 01 CD 2A F8 7C F9 94 CB DD 04 E1 10 7E 1A 07 46 35 C9 22 DF AE 03 0A FF FF 98 76 54 32 10 E0 00 01 DF AE 22 20 3B 34 30 31 32 33 34 2A 2A 2A 38 39 30 39 3D 32 38 31 32 31 30 31 2A 2A 2A 2A 2A 2A 2A 2A 2A 3F 90 00 29"
	ansP2PENoKeys  = "01 00 09 E1 05 DF AE 01 01 01 90 00 0C"
	ansUnknown     = "01 00 02 6D 00 6E"
	ansInvalidData = "01 00 02 9F 21 BD"
	ansPacketIssue = "01 00 02 6F 00 6C"
	ansFormatting  = "01 00 02 9F 14 88"
	ansDataMissing = "01 00 02 9F 27 BB"
)

// host is the host end of a simulator link.
type host struct {
	t    testing.TB
	conn net.Conn
	done chan error
}

// connect serves s on a fresh net.Pipe.
func connect(t testing.TB, ctx context.Context, s *sim.Reader) *host {
	t.Helper()
	h, dev := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, dev) }()
	hh := &host{t: t, conn: h, done: done}
	t.Cleanup(func() {
		h.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after the host closed the link")
		}
	})
	return hh
}

func (h *host) send(pkt string) {
	h.t.Helper()
	h.sendRaw(unhex(h.t, pkt))
}

func (h *host) sendRaw(b []byte) {
	h.t.Helper()
	h.conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	if _, err := h.conn.Write(b); err != nil {
		h.t.Fatalf("write: %v", err)
	}
}

// expect reads exactly the bytes of want.
func (h *host) expect(want string) {
	h.t.Helper()
	w := unhex(h.t, want)
	got := make([]byte, len(w))
	h.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	if n, err := io.ReadFull(h.conn, got); err != nil {
		h.t.Fatalf("read: %v after % X\nwant % X", err, got[:n], w)
	}
	if !bytes.Equal(got, w) {
		h.t.Fatalf("got  % X\nwant % X", got, w)
	}
}

// silent checks that nothing arrives within d.
func (h *host) silent(d time.Duration) {
	h.t.Helper()
	h.conn.SetReadDeadline(time.Now().Add(d))
	b := make([]byte, 1)
	if n, err := h.conn.Read(b); n > 0 || !errors.Is(err, context.DeadlineExceeded) && !isTimeout(err) {
		h.t.Fatalf("unexpected % X (%v)", b[:n], err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// readPacket reads one packet.
func (h *host) readPacket() device.Packet {
	h.t.Helper()
	h.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	p, err := device.NewPacketReader(h.conn).Next()
	if err != nil {
		h.t.Fatalf("read packet: %v", err)
	}
	return p
}

// open does the POWERED ON + RESET DEVICE exchange.
func (h *host) open() {
	h.t.Helper()
	h.send(pktReset)
	h.expect(ansPoweredOn)
	h.expect(ansReset)
}

// manual is a simulator that swipes only on Swipe().
func manual(cfg sim.Config) *sim.Reader {
	cfg.AutoSwipe = -1
	return sim.New(cfg)
}

func swipeWhenReady(t testing.TB, s *sim.Reader) error {
	deadline := time.Now().Add(3 * time.Second)
	for {
		err := s.Swipe()
		if !errors.Is(err, sim.ErrNotWaiting) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Every command of §5 answered with the exact bytes; POWERED ON first.
func TestCommands(t *testing.T) {
	h := connect(t, t.Context(), manual(sim.Config{}))
	h.send(pktReset)
	h.expect(ansPoweredOn + ansReset)
	steps := []struct{ name, cmd, answer string }{
		{"GET DEVICE INFO", pktDeviceInfo, ansDeviceInfo},
		{"P2PE STATUS", pktP2PE, ansP2PE},
		{"BATTERY STATUS", pktBattery, ansBattery},
		{"DISPLAY TEXT", pktDisplay, ansOK},
		{"ABORT", pktAbort, ansOK},
		{"RESET again", pktReset, ansReset},
		{"unknown CLA/INS", "01 00 04 DE 99 00 00 42", ansUnknown},
		{"START TRANSACTION without data", "01 00 04 DE D1 00 00 0A", ansInvalidData},
		{"under 4 INF bytes", "01 00 02 D0 00 D3", ansPacketIssue},
		{"Lc too big", withLRC(t, "01 00 07 D2 01 00 00 05 41 42"), ansFormatting},
		{"DISPLAY TEXT without text", "01 00 04 D2 01 00 00 D6", ansDataMissing},
	}
	for _, s := range steps {
		h.send(s.cmd)
		h.expect(s.answer)
	}
	// CARD STATUS gets no solicited response: the state message only.
	h.send(pktCardOn)
	h.expect(ansNoCard)
	h.silent(50 * time.Millisecond)
	h.send(pktCardOff)
	h.silent(50 * time.Millisecond)
	h.send(pktAbort)
	h.expect(ansOK)
}

// withLRC appends the LRC to a packet without one.
func withLRC(t testing.TB, s string) string {
	return s + " " + hex.EncodeToString([]byte{device.LRC(unhex(t, s))})
}

// §6/§9: a fresh simulator's first swipe of the golden card, byte for byte.
func TestGoldenSwipe(t *testing.T) {
	var logs syncBuf
	s := sim.New(sim.Config{AutoSwipe: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	h := connect(t, t.Context(), s)
	h.open()
	h.send(pktCardOn)
	h.expect(ansNoCard)
	h.expect(ansGoldenSwipe)
	if n := len(unhex(t, ansGoldenSwipe)); n != 98 {
		t.Fatalf("golden swipe is %d bytes", n)
	}
	h.silent(100 * time.Millisecond) // nothing after the swipe until the next change
	if got := s.KSN().String(); got != "FFFF9876543210E00001" {
		t.Errorf("KSN after one swipe %s", got)
	}
	log := logs.String()
	if !strings.Contains(log, "401234***8909") {
		t.Errorf("masked PAN not logged:\n%s", log)
	}
	for _, bad := range []string{"4012345678909", "2812101000000000", "5A7ABC", "5a7abc", "Z\xbc"} {
		if strings.Contains(log, bad) {
			t.Errorf("log holds card data %q:\n%s", bad, log)
		}
	}
}

// The DUKPT counter goes up by one per swipe and survives reconnection; the
// blob opens under the test BDK for every test card.
func TestCounterAndCards(t *testing.T) {
	s := manual(sim.Config{})
	want := uint32(0)
	for i, pan := range s.Cards() {
		if err := s.SetCard(pan); err != nil {
			t.Fatal(err)
		}
		h := connect(t, t.Context(), s) // a new connection per card
		h.open()
		h.send(pktCardOn)
		h.expect(ansNoCard)
		go swipeWhenReady(t, s)
		p := h.readPacket()
		want++
		items, err := tlv.Decode(p.INF[:len(p.INF)-2])
		if err != nil {
			t.Fatal(err)
		}
		ct, _ := tlv.Find(items, sred.TagCiphertext)
		ksnT, _ := tlv.Find(items, sred.TagKSN)
		m, _ := tlv.Find(items, sred.TagMaskedTrack2)
		var ksn sred.KSN
		copy(ksn[:], ksnT.Value)
		if ksn.Counter() != want {
			t.Fatalf("card %d: counter %d, want %d", i, ksn.Counter(), want)
		}
		clear, err := sred.Decrypt(sred.TestBDK, ksn, ct.Value)
		tr, perr := sred.ParseTrack2(clear)
		if err != nil || perr != nil || tr.PAN != pan || tr.String() != ";"+pan+"=2812101000000000?" {
			t.Fatalf("card %d: decrypt: %v %v", i, err, perr)
		}
		if want, _ := sred.Mask(tr.String()); string(m.Value) != want {
			t.Fatalf("card %d: masked track %q, want %q", i, m.Value, want)
		}
		h.conn.Close()
	}
	for _, bad := range []string{"", "12345678901", "12345678901234567890", "4111-1111-1111"} {
		if err := s.SetCard(bad); err == nil {
			t.Errorf("SetCard(%q) accepted", bad)
		}
	}
	if err := s.SetCard("123456789012"); err != nil {
		t.Errorf("12-digit PAN: %v", err)
	}
}

// POWERED ON precedes the first outgoing packet of every connection, even
// when that packet is unsolicited.
func TestPoweredOnPerConnection(t *testing.T) {
	s := manual(sim.Config{})
	for i := 0; i < 2; i++ {
		h := connect(t, t.Context(), s)
		h.send(pktCardOn)
		h.expect(ansPoweredOn + ansNoCard)
		h.send(pktAbort)
		h.expect(ansOK)
		h.conn.Close()
	}
}

// Framing errors are dropped silently and the next packet is answered.
func TestFramingErrorsDropped(t *testing.T) {
	h := connect(t, t.Context(), manual(sim.Config{}))
	h.open()
	bad := []string{
		"01 00 04 D0 02 00 00 D6", // bad LRC
		"05",                      // bad NAD
		"01 80",                   // bad PCB
		"01 00 01",                // bad LEN
		"01 01 04 D0 02 00 00 D6", // chained command
		"02 00 04 D0 02 00 00 D4", // NAD 02
	}
	for _, b := range bad {
		h.send(b)
	}
	h.silent(50 * time.Millisecond)
	h.send(pktDeviceInfo)
	h.expect(ansDeviceInfo)
	// A packet left incomplete for over 1 s is discarded too.
	h.send("01 00 04 D0")
	time.Sleep(1100 * time.Millisecond)
	h.send(pktP2PE)
	h.expect(ansP2PE)
}

func TestSwipeWhenNotWaiting(t *testing.T) {
	s := manual(sim.Config{})
	if err := s.Swipe(); !errors.Is(err, sim.ErrNotWaiting) {
		t.Fatalf("Swipe with no host: %v", err)
	}
	h := connect(t, t.Context(), s)
	h.open()
	if err := s.Swipe(); !errors.Is(err, sim.ErrNotWaiting) {
		t.Fatalf("Swipe with card status off: %v", err)
	}
	h.send(pktCardOn)
	h.expect(ansNoCard)
	if s.Waiting() != true {
		t.Fatal("not waiting after CARD STATUS on")
	}
	h.send(pktAbort) // ABORT turns card status off (§11)
	h.expect(ansOK)
	if err := s.Swipe(); !errors.Is(err, sim.ErrNotWaiting) {
		t.Fatalf("Swipe after ABORT: %v", err)
	}
}

func TestFaults(t *testing.T) {
	t.Run("bad-swipe then good", func(t *testing.T) {
		s := manual(sim.Config{})
		h := connect(t, t.Context(), s)
		h.open()
		s.SetFault(sim.FaultBadSwipe)
		h.send(pktCardOn)
		h.expect(ansNoCard)
		go s.Swipe()
		h.expect(ansBadSwipe)
		go s.Swipe()
		h.expect(ansGoldenSwipe) // a bad swipe does not use a KSN
	})
	t.Run("bad-swipe auto retries", func(t *testing.T) {
		s := sim.New(sim.Config{AutoSwipe: 10 * time.Millisecond})
		h := connect(t, t.Context(), s)
		h.open()
		s.SetFault(sim.FaultBadSwipe)
		h.send(pktCardOn)
		h.expect(ansNoCard + ansBadSwipe + ansGoldenSwipe)
	})
	t.Run("no-card until the wait ends", func(t *testing.T) {
		s := sim.New(sim.Config{AutoSwipe: 10 * time.Millisecond})
		h := connect(t, t.Context(), s)
		h.open()
		s.SetFault(sim.FaultNoCard)
		h.send(pktCardOn)
		h.expect(ansNoCard)
		h.silent(100 * time.Millisecond)
		if err := s.Swipe(); !errors.Is(err, sim.ErrNoCard) {
			t.Fatalf("Swipe: %v", err)
		}
		h.send(pktCardOff)
		h.send(pktAbort) // a response: CARD STATUS off has been handled
		h.expect(ansOK)
		if f := s.Fault(); f != sim.FaultNone {
			t.Fatalf("fault %s after the wait", f)
		}
		h.send(pktCardOn)
		h.expect(ansNoCard + ansGoldenSwipe)
	})
	t.Run("corrupt", func(t *testing.T) {
		s := manual(sim.Config{})
		h := connect(t, t.Context(), s)
		h.open()
		s.SetFault(sim.FaultCorrupt)
		h.send(pktCardOn)
		h.expect(ansNoCard)
		go s.Swipe()
		want := unhex(t, ansGoldenSwipe)
		got := make([]byte, len(want))
		h.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := io.ReadFull(h.conn, got); err != nil {
			t.Fatal(err)
		}
		diff := 0
		for i := range got {
			if x := got[i] ^ want[i]; x != 0 {
				if i < 3 || i == len(got)-1 || x&(x-1) != 0 {
					t.Fatalf("byte %d changed by %02X: not one INF bit", i, x)
				}
				diff++
			}
		}
		if diff != 1 || device.LRC(got) == 0 {
			t.Fatalf("%d bytes differ; LRC check %02X", diff, device.LRC(got))
		}
		if _, err := device.NewPacketReader(bytes.NewReader(got)).Next(); !errors.Is(err, device.ErrFraming) {
			t.Fatalf("host reads corrupt packet as %v", err)
		}
	})
	t.Run("no-keys", func(t *testing.T) {
		s := manual(sim.Config{})
		s.SetFault(sim.FaultNoKeys)
		h := connect(t, t.Context(), s)
		h.open()
		h.send(pktP2PE)
		h.expect(ansP2PENoKeys)
		h.send(pktCardOn)
		h.expect(ansNoCard)
		go s.Swipe()
		p := h.readPacket()
		items, err := tlv.Decode(p.INF[:len(p.INF)-2])
		if err != nil {
			t.Fatal(err)
		}
		st, _ := tlv.Find(items, 0x48)
		t2, ok2 := tlv.Find(items, 0x5F22)
		_, ok1 := tlv.Find(items, 0x5F21)
		m, okm := tlv.Find(items, sred.TagMaskedTrack2)
		if _, enc := tlv.Find(items, sred.TagCiphertext); enc || !ok1 || !ok2 || !okm ||
			string(t2.Value) != ";4012345678909=2812101000000000?" || string(m.Value) != ";401234***8909=2812101*********?" ||
			!bytes.Equal(st.Value, []byte{0, 7}) {
			t.Fatalf("clear swipe % X", p.INF)
		}
		h.conn.Close()
		<-waitServe(h)
		if f := s.Fault(); f != sim.FaultNone {
			t.Fatalf("no-keys not cleared at the end of the connection: %s", f)
		}
		if s.KSN().Counter() != 0 {
			t.Fatal("a clear swipe used a KSN")
		}
	})
	t.Run("slow", func(t *testing.T) {
		s := manual(sim.Config{Slow: 300 * time.Millisecond})
		s.SetFault(sim.FaultSlow)
		h := connect(t, t.Context(), s)
		h.open() // RESET itself is answered at once
		start := time.Now()
		h.send(pktP2PE)
		h.expect(ansP2PE)
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Fatalf("first response after RESET came after %v", d)
		}
		start = time.Now()
		h.send(pktP2PE)
		h.expect(ansP2PE)
		if d := time.Since(start); d > 200*time.Millisecond {
			t.Fatalf("slow fault did not clear: %v", d)
		}
	})
	t.Run("drop", func(t *testing.T) {
		s := manual(sim.Config{})
		s.SetFault(sim.FaultDrop)
		h := connect(t, t.Context(), s)
		h.open()
		h.send(pktP2PE)
		h.silent(200 * time.Millisecond)
		h.send(pktP2PE)
		h.expect(ansP2PE)
	})
	t.Run("unplug", func(t *testing.T) {
		s := sim.New(sim.Config{AutoSwipe: 20 * time.Millisecond})
		h := connect(t, t.Context(), s)
		h.open()
		s.SetFault(sim.FaultUnplug)
		h.send(pktCardOn)
		h.expect(ansNoCard)
		h.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		if n, err := h.conn.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("host read %d, %v; want EOF", n, err)
		}
		if err := <-waitServe(h); !errors.Is(err, sim.ErrUnplugged) {
			t.Fatalf("Serve: %v", err)
		}
		// Plugged in again (a new connection): served, fault cleared.
		h2 := connect(t, t.Context(), s)
		h2.open()
		h2.send(pktCardOn)
		h2.expect(ansNoCard + ansGoldenSwipe)
	})
}

// waitServe returns the Serve result channel, re-armed for Cleanup.
func waitServe(h *host) <-chan error {
	ch := make(chan error, 1)
	go func() {
		err := <-h.done
		h.done <- err
		ch <- err
	}()
	return ch
}

func TestParseFault(t *testing.T) {
	for _, f := range sim.Faults() {
		if got, err := sim.ParseFault(string(f)); err != nil || got != f {
			t.Errorf("ParseFault(%s) = %s, %v", f, got, err)
		}
	}
	if _, err := sim.ParseFault("melt"); err == nil {
		t.Error("unknown fault accepted")
	}
	s := manual(sim.Config{})
	s.SetFault("melt")
	if s.Fault() != sim.FaultNone {
		t.Error("unknown fault armed")
	}
}

// Serve returns on ctx cancellation; Pipe's goroutine ends with its link.
func TestServeStopsAndNoLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	s := sim.New(sim.Config{AutoSwipe: 5 * time.Millisecond})
	h, dev := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, dev) }()
	hh := &host{t: t, conn: h}
	hh.send(pktCardOn)
	hh.expect(ansPoweredOn + ansNoCard + ansGoldenSwipe)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Serve ignored ctx")
	}
	h.Close()

	for i := 0; i < 3; i++ {
		c := sim.Pipe(context.Background(), s)
		ph := &host{t: t, conn: c.(net.Conn)}
		ph.open()
		c.Close()
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("goroutines: %d before, %d after", before, n)
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
