//go:build unix

package device_test

// The driver over a real pseudo-terminal through go.bug.st/serial, served by
// sim.ListenPTY.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"kassa/device"
	"kassa/device/sim"
)

func listenPTY(t testing.TB, s *sim.Reader) *sim.PTY {
	ctx, cancel := context.WithCancel(context.Background())
	p, err := sim.ListenPTY(ctx, s)
	if err != nil {
		cancel()
		t.Skip("no pseudo-terminal:", err)
	}
	t.Cleanup(func() { p.Close(); cancel() })
	return p
}

func TestPTYOpenAndRead(t *testing.T) {
	var logs syncBuf
	s := newSim(sim.Config{AutoSwipe: 50 * time.Millisecond})
	p := listenPTY(t, s)
	r, err := device.Open(t.Context(), device.Options{Port: p.Path, Logger: debugLogger(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if info := r.Info(); info.Serial != "SIM00001" || !info.SREDReady || info.Port != p.Path || info.Battery.Percent != 85 {
		t.Errorf("info %+v", info)
	}
	card, err := r.ReadCard(t.Context(), device.ReadRequest{Display: "Amount: 10.50 RUB\nSwipe card"})
	if err != nil {
		t.Fatal(err)
	}
	wantGoldenCard(t, card)
	assertClean(t, logs.String())
	// Close and reopen the same port: still served.
	r.Close()
	r2, err := device.Open(t.Context(), device.Options{Port: p.Path})
	if err != nil {
		t.Fatal("reopen:", err)
	}
	r2.Close()
}

// TestPTYUnplug: the simulator closes its end mid-read; the host sees the
// port go away, the read fails with ErrDeviceGone and is not retried, and the
// states stream shows reconnecting; after the replug (a new terminal behind
// the same path) the reader is connected again.
func TestPTYUnplug(t *testing.T) {
	s := newSim(sim.Config{AutoSwipe: 200 * time.Millisecond})
	p := listenPTY(t, s)
	r, err := device.Open(t.Context(), device.Options{Port: p.Path, Reconnect: true,
		Backoff: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	states := r.States()
	s.SetFault(sim.Fault("unplug"))
	_, err = r.ReadCard(t.Context(), device.ReadRequest{Timeout: 5 * time.Second})
	if !errors.Is(err, device.ErrDeviceGone) {
		t.Fatalf("read: %v", err)
	}
	st := waitState(t, states, device.StateReconnecting, 2*time.Second)
	if !errors.Is(st.Err, device.ErrDeviceGone) {
		t.Errorf("reconnecting with %v", st.Err)
	}
	time.Sleep(300 * time.Millisecond) // a few failed attempts while unplugged
	if err := p.Replug(); err != nil {
		t.Fatal(err)
	}
	st = waitState(t, states, device.StateConnected, 3*time.Second)
	if st.Info.Serial != "SIM00001" || st.Info.Port != p.Path {
		t.Errorf("back as %+v", st.Info)
	}
	if s.Waiting() {
		t.Error("the interrupted read was retried after the replug")
	}
	card, err := r.ReadCard(t.Context(), device.ReadRequest{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if card.Last4 != "8909" {
		t.Errorf("card %+v", card)
	}
}

// TestPTYBusy: a second Open of a port in use fails with ErrPortBusy. Root
// may open a TIOCEXCL terminal twice, so the check needs a normal user.
func TestPTYBusy(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("as root a second open of an exclusive tty succeeds (TIOCEXCL does not bind root); run as a normal user")
	}
	p := listenPTY(t, newSim(sim.Config{}))
	r, err := device.Open(t.Context(), device.Options{Port: p.Path})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := device.Open(t.Context(), device.Options{Port: p.Path}); !errors.Is(err, device.ErrPortBusy) {
		t.Fatalf("second open: %v", err)
	}
}

func TestPTYNoGoroutineLeak(t *testing.T) {
	s := newSim(sim.Config{AutoSwipe: 20 * time.Millisecond})
	p := listenPTY(t, s)
	time.Sleep(50 * time.Millisecond)
	before := runtime.NumGoroutine()
	for i := 0; i < 3; i++ {
		r, err := device.Open(t.Context(), device.Options{Port: p.Path, Reconnect: true, BatteryInterval: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.ReadCard(t.Context(), device.ReadRequest{}); err != nil {
			t.Fatal(err)
		}
		states := r.States()
		r.Close()
		for range states {
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d before, %d after Close\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// BenchmarkPTYSwipeToCard: from the moment the simulator has written the
// swipe packet's last byte to the pty until ReadCard hands the card over
// (which includes CARD STATUS 00 and DISPLAY "Processing", per §10).
// Baseline in the same run: one raw ABORT round trip over the same pty.
func BenchmarkPTYSwipeToCard(b *testing.B) {
	s := newSim(sim.Config{AutoSwipe: -1})
	p := listenPTY(b, s)

	b.Run("baseline-raw-roundtrip", func(b *testing.B) {
		conn, err := device.OpenSerial(p.Path)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		abort := []byte{0x01, 0x00, 0x04, 0xD0, 0xFF, 0x00, 0x00, 0x2A}
		ok := []byte{0x01, 0x00, 0x02, 0x90, 0x00, 0x93}
		// The first packet of a connection is POWERED ON: read past it.
		if _, err := conn.Write(abort); err != nil {
			b.Fatal(err)
		}
		readUntil(b, conn, ok)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := conn.Write(abort); err != nil {
				b.Fatal(err)
			}
			readUntil(b, conn, ok)
		}
	})

	b.Run("swipe-to-card", func(b *testing.B) {
		r, err := device.Open(context.Background(), device.Options{Port: p.Path, BatteryInterval: -1})
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		var total time.Duration
		for i := 0; i < b.N; i++ {
			swiped := make(chan time.Time, 1)
			go func() {
				for s.Swipe() != nil {
					time.Sleep(200 * time.Microsecond)
				}
				swiped <- time.Now()
			}()
			card, err := r.ReadCard(context.Background(), device.ReadRequest{Timeout: 10 * time.Second})
			got := time.Now()
			if err != nil || card == nil {
				b.Fatal(err)
			}
			total += got.Sub(<-swiped)
		}
		b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs-swipe-to-card/op")
	})
}

// readUntil reads until the bytes read end with want.
func readUntil(b *testing.B, r io.Reader, want []byte) {
	var got []byte
	buf := make([]byte, 256)
	for !bytes.HasSuffix(got, want) {
		n, err := r.Read(buf)
		if err != nil {
			b.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
}
