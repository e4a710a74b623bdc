//go:build unix

package sim_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"go.bug.st/serial"

	"kassa/device/sim"
)

func listen(t *testing.T, s *sim.Reader) *sim.PTY {
	t.Helper()
	p, err := sim.ListenPTY(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func openPort(t *testing.T, path string) serial.Port {
	t.Helper()
	port, err := serial.Open(path, &serial.Mode{BaudRate: 115200, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	if err := port.SetReadTimeout(100 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	return port
}

// readN reads exactly n bytes within 3 s.
func readN(t *testing.T, port serial.Port, n int) []byte {
	t.Helper()
	var got []byte
	buf := make([]byte, 256)
	deadline := time.Now().Add(3 * time.Second)
	for len(got) < n && time.Now().Before(deadline) {
		k, err := port.Read(buf)
		if err != nil {
			t.Fatalf("read: %v after % X", err, got)
		}
		got = append(got, buf[:k]...)
	}
	return got
}

func exchange(t *testing.T, port serial.Port, cmd, want string) {
	t.Helper()
	if _, err := port.Write(unhex(t, cmd)); err != nil {
		t.Fatal(err)
	}
	w := unhex(t, want)
	if got := readN(t, port, len(w)); !bytes.Equal(got, w) {
		t.Fatalf("got  % X\nwant % X", got, w)
	}
}

// The host opens the path with go.bug.st/serial, gets the §2 answer to
// RESET DEVICE, closes, reopens (a new connection: POWERED ON again) and
// is still served; binary bytes (0A, 0D, 11, 13, 03...) pass unchanged.
func TestPTYServesAcrossReopen(t *testing.T) {
	s := sim.New(sim.Config{AutoSwipe: 20 * time.Millisecond})
	p := listen(t, s)
	if fi, err := os.Lstat(p.Path); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("Path %s is not a symlink: %v", p.Path, err)
	}
	for i := 0; i < 3; i++ {
		port := openPort(t, p.Path)
		exchange(t, port, pktReset, ansPoweredOn+ansReset)
		exchange(t, port, pktDisplay, ansOK) // holds 0A
		exchange(t, port, pktBattery, ansBattery)
		// 0D 0A 11 13 03 7F inside text: raw mode must not touch them.
		exchange(t, port, withLRC(t, "01 00 0B D2 01 00 00 06 0D 0A 11 13 03 7F"), ansOK)
		port.Close()
	}
	// A swipe over the terminal.
	port := openPort(t, p.Path)
	defer port.Close()
	exchange(t, port, pktCardOn, ansPoweredOn+ansNoCard+ansGoldenSwipe)
}

// Unplug makes the port vanish (the host's reads fail, the path is gone)
// until Replug; the unplug fault does the same during the wait for a swipe.
func TestPTYUnplugReplug(t *testing.T) {
	s := sim.New(sim.Config{AutoSwipe: 50 * time.Millisecond})
	p := listen(t, s)
	port := openPort(t, p.Path)
	exchange(t, port, pktReset, ansPoweredOn+ansReset)
	s.SetFault(sim.FaultUnplug)
	exchange(t, port, pktCardOn, ansNoCard)
	if err := readUntilError(port, 3*time.Second); err == nil {
		t.Fatal("host reads kept working after the unplug")
	}
	port.Close()
	waitGone(t, p.Path)
	if _, err := serial.Open(p.Path, &serial.Mode{BaudRate: 115200}); err == nil {
		t.Fatal("port opens while unplugged")
	}
	if err := p.Replug(); err != nil {
		t.Fatal(err)
	}
	port = openPort(t, p.Path)
	exchange(t, port, pktReset, ansPoweredOn+ansReset)
	exchange(t, port, pktCardOn, ansNoCard+ansGoldenSwipe)
	// Unplug by hand, with the port open.
	if err := p.Unplug(); err != nil {
		t.Fatal(err)
	}
	if err := readUntilError(port, 3*time.Second); err == nil {
		t.Fatal("host reads kept working after Unplug")
	}
	port.Close()
	if err := p.Replug(); err != nil {
		t.Fatal(err)
	}
	port = openPort(t, p.Path)
	defer port.Close()
	exchange(t, port, pktReset, ansPoweredOn+ansReset)
}

func waitGone(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s still exists after the unplug", path)
}

// readUntilError reads until the port fails or reports end of file (a
// closed terminal reads as 0 bytes with no timeout elapsed).
func readUntilError(port serial.Port, within time.Duration) error {
	buf := make([]byte, 64)
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		start := time.Now()
		n, err := port.Read(buf)
		if err != nil {
			return err
		}
		if n == 0 && time.Since(start) < 50*time.Millisecond {
			return io.EOF
		}
	}
	return nil
}

func TestPTYCloseStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	p, err := sim.ListenPTY(ctx, sim.New(sim.Config{}))
	if err != nil {
		t.Fatal(err)
	}
	port := openPort(t, p.Path)
	exchange(t, port, pktReset, ansPoweredOn+ansReset)
	cancel() // ctx ends: serving stops and the path goes, even without Close
	dir := filepath.Dir(p.Path)
	deadline := time.Now().Add(2 * time.Second)
	for {
		if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s left behind after ctx ended", dir)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := p.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	port.Close()
	deadline = time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("goroutines: %d before, %d after Close", before, n)
	}
}
