package device_test

// The driver against the simulator (device/sim) over net.Pipe: open, the
// golden card read, and every fault of READER-PROTOCOL §9/§11.

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

	"kassa/device"
	"kassa/device/sim"
)

const goldenPAN = "4012345678909"

var (
	assertClean = device.AssertNoCardData
	waitState   = device.NextState
)

// recConn records what the host writes (command packets).
type recConn struct {
	io.ReadWriteCloser
	mu  sync.Mutex
	out []byte
}

func (c *recConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.out = append(c.out, p...)
	c.mu.Unlock()
	return c.ReadWriteCloser.Write(p)
}

// commands lists the CLA INS P1 of each command packet written, e.g. "D0601D".
func (c *recConn) commands() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for b := c.out; len(b) >= 4; {
		n := int(b[2]) + 4
		if n > len(b) {
			break
		}
		out = append(out, strings.ToUpper(hex.EncodeToString(b[3:6])))
		b = b[n:]
	}
	return out
}

// simLink serves s on a fresh net.Pipe and returns the host end, recorded.
func simLink(t testing.TB, ctx context.Context, s *sim.Reader) *recConn {
	host, dev := net.Pipe()
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(ctx, dev) }()
	t.Cleanup(func() { host.Close(); dev.Close(); <-done })
	return &recConn{ReadWriteCloser: host}
}

func debugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// syncBuf is a goroutine-safe log buffer.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newSim(cfg sim.Config) *sim.Reader {
	if cfg.Card == "" {
		cfg.Card = goldenPAN
	}
	return sim.New(cfg)
}

func wantGoldenCard(t *testing.T, card *device.Card) {
	t.Helper()
	want := device.GoldenSwipeView
	if card == nil || device.ViewOf(card) != want {
		t.Fatalf("card\n%+v\nwant\n%+v", device.ViewOf(card), want)
	}
}

func TestSimOpenInfo(t *testing.T) {
	ctx := t.Context()
	r, err := device.OpenConn(ctx, simLink(t, ctx, newSim(sim.Config{})), device.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	info := r.Info()
	want := device.Info{Serial: "SIM00001", MPIVersion: "1-47", OSVersion: "7-12", SREDReady: true,
		Battery: device.Battery{Percent: 85, Charging: "charging"}}
	if info != want {
		t.Errorf("info %+v", info)
	}
}

// TestSimGoldenRead: a fresh simulator's first swipe of the golden card gives
// the §8 blob byte for byte, and a debug log of the whole read holds no card
// data.
func TestSimGoldenRead(t *testing.T) {
	ctx := t.Context()
	var logs syncBuf
	conn := simLink(t, ctx, newSim(sim.Config{AutoSwipe: 50 * time.Millisecond, Logger: debugLogger(&logs)}))
	r, err := device.OpenConn(ctx, conn, device.Options{Logger: debugLogger(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	card, err := r.ReadCard(ctx, device.ReadRequest{Display: "Amount: 10.50 RUB\nSwipe card"})
	if err != nil {
		t.Fatal(err)
	}
	wantGoldenCard(t, card)
	want := "D00000 EEE000 D06200 D20100 D20100 D0601D D06000 D20100"
	if got := strings.Join(conn.commands(), " "); got != want {
		t.Errorf("commands %s\nwant     %s", got, want)
	}
	r.Close()
	if !strings.Contains(logs.String(), "401234***8909") {
		t.Errorf("the masked PAN is not in the log; is the logger wired?\n%s", logs.String())
	}
	assertClean(t, logs.String())
}

// swipeWhenReady swipes as soon as the simulator's card status is on.
func swipeWhenReady(t *testing.T, s *sim.Reader) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s.Swipe() != nil {
		if time.Now().After(deadline) {
			t.Error("simulator never ready for a swipe")
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSimBadSwipeThenGood(t *testing.T) {
	ctx := t.Context()
	s := newSim(sim.Config{AutoSwipe: -1})
	r, err := device.OpenConn(ctx, simLink(t, ctx, s), device.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s.SetFault(sim.FaultBadSwipe)
	events := make(chan device.ReadEvent, 4)
	go swipeWhenReady(t, s)
	card, err := r.ReadCard(ctx, device.ReadRequest{Timeout: 10 * time.Second, OnEvent: func(e device.ReadEvent) {
		events <- e
		go swipeWhenReady(t, s) // the cashier asks for another swipe
	}})
	if err != nil {
		t.Fatal(err)
	}
	wantGoldenCard(t, card)
	select {
	case e := <-events:
		if e != device.EventBadSwipe {
			t.Errorf("event %q", e)
		}
	default:
		t.Error("no bad-swipe event")
	}
}

// reconnecting opens r over the simulator with reconnects through fresh pipes
// to the same simulator; dials records the links.
type reconnecting struct {
	mu    sync.Mutex
	links []*recConn
}

func (rc *reconnecting) last() *recConn {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.links[len(rc.links)-1]
}

func openReconnecting(t *testing.T, s *sim.Reader, logger *slog.Logger) (*device.Reader, *reconnecting) {
	ctx := t.Context()
	rc := &reconnecting{}
	first := simLink(t, ctx, s)
	rc.links = append(rc.links, first)
	opts := device.Options{Reconnect: true, Logger: logger,
		Backoff: []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond},
		Dial: func(context.Context) (io.ReadWriteCloser, error) {
			c := simLink(t, ctx, s)
			rc.mu.Lock()
			rc.links = append(rc.links, c)
			rc.mu.Unlock()
			return c, nil
		}}
	r, err := device.OpenConn(ctx, first, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, rc
}

// TestSimLinkFaults: corrupt and unplug break the session; the read fails
// with ErrDeviceGone, the states stream shows reconnecting, the reader comes
// back and the read is not retried.
func TestSimLinkFaults(t *testing.T) {
	for _, fault := range []string{"corrupt", "unplug"} {
		t.Run(fault, func(t *testing.T) {
			var logs syncBuf
			s := newSim(sim.Config{AutoSwipe: 50 * time.Millisecond})
			r, rc := openReconnecting(t, s, debugLogger(&logs))
			states := r.States()
			s.SetFault(sim.Fault(fault))
			_, err := r.ReadCard(t.Context(), device.ReadRequest{Timeout: 5 * time.Second})
			if !errors.Is(err, device.ErrDeviceGone) {
				t.Fatalf("read: %v", err)
			}
			st := waitState(t, states, device.StateReconnecting, 2*time.Second)
			if !errors.Is(st.Err, device.ErrDeviceGone) {
				t.Errorf("reconnecting with %v", st.Err)
			}
			waitState(t, states, device.StateConnected, 5*time.Second)
			time.Sleep(100 * time.Millisecond)
			for _, c := range rc.last().commands() {
				if c == "D0601D" {
					t.Errorf("read retried after reconnect: %v", rc.last().commands())
				}
			}
			// The next read (asked for by the caller) works.
			card, err := r.ReadCard(t.Context(), device.ReadRequest{Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if card.Last4 != "8909" {
				t.Errorf("card %+v", card)
			}
			assertClean(t, logs.String())
		})
	}
}

// TestSimSlowAndDrop: a response held 4 s (> 3 s) or never sent fails with
// ErrNoResponse and breaks the session.
func TestSimSlowAndDrop(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for real 3 s timeouts")
	}
	for _, fault := range []string{"slow", "drop"} {
		t.Run(fault, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s := newSim(sim.Config{})
			s.SetFault(sim.Fault(fault))
			start := time.Now()
			_, err := device.OpenConn(ctx, simLink(t, ctx, s), device.Options{})
			if !errors.Is(err, device.ErrNoResponse) || !errors.Is(err, device.ErrDeviceGone) {
				t.Fatalf("open: %v", err)
			}
			if d := time.Since(start); d < 3*time.Second || d > 5*time.Second {
				t.Errorf("timed out after %v, want 3 s", d)
			}
		})
	}
	t.Run("slow during reconnect", func(t *testing.T) {
		t.Parallel()
		s := newSim(sim.Config{AutoSwipe: -1})
		r, rc := openReconnecting(t, s, nil)
		states := r.States()
		s.SetFault(sim.FaultSlow)
		rc.last().Close() // cable pulled; the first reopen meets the slow response
		st := waitState(t, states, device.StateReconnecting, time.Second)
		sawTimeout := errors.Is(st.Err, device.ErrNoResponse)
		deadline := time.After(15 * time.Second)
		for {
			select {
			case st := <-states:
				sawTimeout = sawTimeout || errors.Is(st.Err, device.ErrNoResponse)
				if st.Kind != device.StateConnected {
					continue
				}
				if !sawTimeout {
					t.Error("no reconnect attempt failed on the slow response")
				}
				return
			case <-deadline:
				t.Fatal("never reconnected")
			}
		}
	})
}

// TestSimNoKeys: no SRED key, seen at open (P2PE 01) or only at the swipe
// (clear tracks 5F21/5F22): ErrNotSREDReady, the clear data wiped and never
// in the logs, and the reader stays usable.
func TestSimNoKeys(t *testing.T) {
	for _, when := range []string{"at open", "at swipe"} {
		t.Run(when, func(t *testing.T) {
			ctx := t.Context()
			var logs syncBuf
			s := newSim(sim.Config{AutoSwipe: 50 * time.Millisecond, Logger: debugLogger(&logs)})
			if when == "at open" {
				s.SetFault(sim.FaultNoKeys)
			}
			r, err := device.OpenConn(ctx, simLink(t, ctx, s), device.Options{Logger: debugLogger(&logs)})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if got := r.Info().SREDReady; got != (when != "at open") {
				t.Errorf("SREDReady %v", got)
			}
			if when == "at swipe" {
				s.SetFault(sim.FaultNoKeys)
			}
			card, err := r.ReadCard(ctx, device.ReadRequest{Timeout: 5 * time.Second})
			if !errors.Is(err, device.ErrNotSREDReady) || card != nil {
				t.Fatalf("read: %v %+v", err, card)
			}
			if err := r.Display(ctx, "Welcome"); err != nil {
				t.Errorf("reader unusable after refusing clear data: %v", err)
			}
			if when == "at swipe" && !strings.Contains(logs.String(), "card data not encrypted") {
				t.Errorf("the clear swipe was not seen:\n%s", logs.String())
			}
			assertClean(t, logs.String())
		})
	}
}

// TestSimNoCard: the read times out, or is cancelled through ctx; both send
// CARD STATUS 00 and ABORT and show the idle text.
func TestSimNoCard(t *testing.T) {
	ctx := t.Context()
	s := newSim(sim.Config{})
	conn := simLink(t, ctx, s)
	r, err := device.OpenConn(ctx, conn, device.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s.SetFault(sim.FaultNoCard)
	if _, err := r.ReadCard(ctx, device.ReadRequest{Timeout: 300 * time.Millisecond}); !errors.Is(err, device.ErrReadTimeout) {
		t.Fatalf("timeout: %v", err)
	}
	s.SetFault(sim.FaultNoCard)
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(300*time.Millisecond, cancel)
	if _, err := r.ReadCard(cctx, device.ReadRequest{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: %v", err)
	}
	want := "D00000 EEE000 D06200 D20100 " +
		"D20100 D0601D D06000 D0FF00 D20100 " +
		"D20100 D0601D D06000 D0FF00 D20100"
	if got := strings.Join(conn.commands(), " "); got != want {
		t.Errorf("commands %s\nwant     %s", got, want)
	}
	if err := r.Display(ctx, "still there"); err != nil {
		t.Errorf("session unusable after cancel: %v", err)
	}
}

// TestSimReplug: after a replug the reader is back only with the same serial.
func TestSimReplug(t *testing.T) {
	ctx := t.Context()
	var mu sync.Mutex
	other := false
	links := []*recConn{simLink(t, ctx, newSim(sim.Config{}))}
	lastLink := func() *recConn { mu.Lock(); defer mu.Unlock(); return links[len(links)-1] }
	opts := device.Options{Reconnect: true, Backoff: []time.Duration{20 * time.Millisecond},
		Dial: func(context.Context) (io.ReadWriteCloser, error) {
			mu.Lock()
			defer mu.Unlock()
			cfg := sim.Config{}
			if other {
				cfg.Serial = "SIM00999"
			}
			c := simLink(t, ctx, newSim(cfg))
			links = append(links, c)
			return c, nil
		}}
	r, err := device.OpenConn(ctx, links[0], opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	states := r.States()
	lastLink().Close() // unplug; the same reader comes back
	waitState(t, states, device.StateReconnecting, time.Second)
	if st := waitState(t, states, device.StateConnected, 2*time.Second); st.Info.Serial != "SIM00001" {
		t.Fatalf("back as %+v", st.Info)
	}
	mu.Lock()
	other = true
	mu.Unlock()
	lastLink().Close() // unplug; another reader is plugged in
	waitState(t, states, device.StateReconnecting, time.Second)
	st := waitState(t, states, device.StateGone, 2*time.Second)
	for !errors.Is(st.Err, device.ErrOtherReader) {
		st = waitState(t, states, device.StateGone, 2*time.Second)
	}
	if st.Info.Serial != "SIM00001" {
		t.Errorf("gone state names %q", st.Info.Serial)
	}
	timeout := time.After(300 * time.Millisecond)
	for {
		select {
		case st := <-states:
			if st.Kind == device.StateConnected {
				t.Fatalf("another reader counted as back: %+v", st.Info)
			}
		case <-timeout:
			if _, err := r.ReadCard(ctx, device.ReadRequest{}); !errors.Is(err, device.ErrDeviceGone) {
				t.Errorf("read with another reader: %v", err)
			}
			return
		}
	}
}
