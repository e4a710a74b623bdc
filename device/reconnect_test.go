package device

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"kassa/device/tlv"
)

// resetAnswer is a RESET DEVICE answer packet for serial.
func resetAnswer(serial string) []byte {
	body := tlv.Encode(tlv.Constructed(TagTemplate,
		tlv.New(TagSerial, []byte(serial)),
		tlv.Constructed(TagEntry, tlv.New(TagIdentifier, []byte("M000-MPI")), tlv.New(TagVersion, []byte("1-47"))),
		tlv.Constructed(TagEntry, tlv.New(TagIdentifier, []byte("M000-OS")), tlv.New(TagVersion, []byte("7-12"))),
	))
	return pkt(1, 0, append(body, 0x90, 0x00))
}

// fakeWithSerial is scripted() with another serial.
func fakeWithSerial(t *testing.T, serial string) func([]byte) []byte {
	base := scripted(t, nil)
	return func(apdu []byte) []byte {
		if apdu[0] == 0xD0 && apdu[1] == 0x00 {
			return resetAnswer(serial)
		}
		return base(apdu)
	}
}

// nextState waits for a state of kind (skipping others) or fails.
func nextState(t *testing.T, ch <-chan State, kind StateKind, within time.Duration) State {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case st, ok := <-ch:
			if !ok {
				t.Fatalf("states closed while waiting for %s", kind)
			}
			if st.Kind == kind {
				return st
			}
		case <-deadline:
			t.Fatalf("no %s state within %v", kind, within)
		}
	}
}

var fastBackoff = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond}

func TestReconnectSameSerial(t *testing.T) {
	f, host := newFake(t, fakeWithSerial(t, "SIM00001"))
	var mu sync.Mutex
	dials := 0
	opts := Options{Reconnect: true, Backoff: fastBackoff, Dial: func(ctx context.Context) (io.ReadWriteCloser, error) {
		mu.Lock()
		defer mu.Unlock()
		dials++
		if dials < 3 {
			return nil, ErrNotFound // unplugged for two attempts
		}
		_, c := newFake(t, fakeWithSerial(t, "SIM00001"))
		return c, nil
	}}
	r, err := OpenConn(context.Background(), host, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	states := r.States()
	if st := <-states; st.Kind != StateConnected {
		t.Fatalf("first state %v", st.Kind)
	}
	f.conn.Close() // unplug
	st := nextState(t, states, StateReconnecting, time.Second)
	if !errors.Is(st.Err, ErrDeviceGone) {
		t.Errorf("reconnecting err %v", st.Err)
	}
	st = nextState(t, states, StateConnected, 2*time.Second)
	if st.Info.Serial != "SIM00001" {
		t.Errorf("back with %+v", st.Info)
	}
	if err := r.Display(context.Background(), "hello"); err != nil {
		t.Errorf("display after reconnect: %v", err)
	}
}

func TestReconnectOtherSerial(t *testing.T) {
	f, host := newFake(t, fakeWithSerial(t, "SIM00001"))
	opts := Options{Reconnect: true, Backoff: fastBackoff, Dial: func(ctx context.Context) (io.ReadWriteCloser, error) {
		_, c := newFake(t, fakeWithSerial(t, "OTHER007"))
		return c, nil
	}}
	r, err := OpenConn(context.Background(), host, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	states := r.States()
	<-states
	f.conn.Close()
	nextState(t, states, StateReconnecting, time.Second)
	deadline := time.After(500 * time.Millisecond)
	sawOther := false
	for done := false; !done; {
		select {
		case st := <-states:
			if st.Kind == StateConnected {
				t.Fatalf("a reader with another serial counted as back: %+v", st)
			}
			if errors.Is(st.Err, ErrOtherReader) {
				sawOther = true
			}
		case <-deadline:
			done = true
		}
	}
	if !sawOther {
		t.Error("no state reported the other reader")
	}
	if _, err := r.ReadCard(context.Background(), ReadRequest{}); !errors.Is(err, ErrDeviceGone) {
		t.Errorf("read while gone: %v", err)
	}
	if r.Info().Serial != "SIM00001" {
		t.Errorf("info replaced by the other reader: %+v", r.Info())
	}
}

// TestReadFailsOnBreakNotRetried: a link break during a read fails it with
// ErrDeviceGone; after the reconnect no CARD STATUS on is sent by itself.
func TestReadFailsOnBreakNotRetried(t *testing.T) {
	var f *fakeReader
	f, host := newFake(t, nil)
	f.answer = scripted(t, func() []byte { f.conn.Close(); return nil })
	var second *fakeReader
	var mu sync.Mutex
	opts := Options{Reconnect: true, Backoff: fastBackoff, Dial: func(ctx context.Context) (io.ReadWriteCloser, error) {
		fk, c := newFake(t, scripted(t, nil))
		mu.Lock()
		second = fk
		mu.Unlock()
		return c, nil
	}}
	r, err := OpenConn(context.Background(), host, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	states := r.States()
	_, err = r.ReadCard(context.Background(), ReadRequest{})
	if !errors.Is(err, ErrDeviceGone) {
		t.Fatalf("read: %v", err)
	}
	nextState(t, states, StateReconnecting, time.Second)
	nextState(t, states, StateConnected, 2*time.Second)
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	for _, c := range second.commands() {
		if c == "D060" {
			t.Errorf("the read was retried after reconnect: %v", second.commands())
		}
	}
}

func TestBatteryUpdate(t *testing.T) {
	level := byte(85)
	var mu sync.Mutex
	base := scripted(t, nil)
	_, host := newFake(t, func(apdu []byte) []byte {
		if apdu[0] == 0xD0 && apdu[1] == 0x62 {
			mu.Lock()
			defer mu.Unlock()
			return pkt(1, 0, hx(t, "E1 0A DF A2 09 01 00 DF A2 0A 01 "+string("0123456789ABCDEF"[level>>4])+string("0123456789ABCDEF"[level&15])+" 90 00"))
		}
		return base(apdu)
	})
	r, err := OpenConn(context.Background(), host, Options{BatteryInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	states := r.States()
	<-states
	mu.Lock()
	level = 0x40
	mu.Unlock()
	st := nextState(t, states, StateConnected, time.Second)
	if st.Info.Battery != (Battery{64, OnBattery}) || r.Info().Battery.Percent != 64 {
		t.Errorf("battery update %+v", st.Info.Battery)
	}
}

// TestNoGoroutineLeak: Close stops every goroutine, also mid-reconnect.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 3; i++ {
		f, host := newFakeNoCleanup(t, fakeWithSerial(t, "SIM00001"))
		opts := Options{Reconnect: true, Backoff: fastBackoff, BatteryInterval: 5 * time.Millisecond,
			Dial: func(ctx context.Context) (io.ReadWriteCloser, error) { return nil, ErrNotFound }}
		r, err := OpenConn(context.Background(), host, opts)
		if err != nil {
			t.Fatal(err)
		}
		states := r.States()
		if i == 1 {
			f.conn.Close()
			nextState(t, states, StateReconnecting, time.Second)
		}
		r.Close()
		for range states { // closed by Close
		}
		f.conn.Close()
		<-f.done
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d before, %d after Close\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
