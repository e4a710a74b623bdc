package sim_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"

	"kassa/device"
	"kassa/device/sim"
)

// FuzzServe feeds arbitrary host bytes to the simulator: it must keep
// reading, never panic and answer only with well-formed packets.
func FuzzServe(f *testing.F) {
	for _, s := range []string{pktReset, pktCardOn, pktDisplay, "01 00 02 D0 00 D3", "01 00 04 D0 02 00 00 D6", "01 01 FE", "05 01 80",
		pktStart, pktStartCTLS, pktContinueARPC, pktContinueZ3, pktCardOn + pktStartCTLS + pktAbort, pktStartCTLS + pktBattery} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s := sim.New(sim.Config{AutoSwipe: -1})
		h, dev := net.Pipe()
		done := make(chan error, 1)
		go func() { done <- s.Serve(ctx, dev) }()
		defer h.Close()
		// Drain and check everything the simulator says.
		out := make(chan []byte, 1)
		go func() {
			b, _ := io.ReadAll(h)
			out <- b
		}()
		h.SetWriteDeadline(time.Now().Add(2 * time.Second))
		if _, err := h.Write(in); err != nil {
			t.Fatalf("simulator stopped reading: %v", err)
		}
		cancel()
		<-done
		h.Close()
		b := <-out
		r := device.NewPacketReader(bytes.NewReader(b))
		for {
			p, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil || p.NAD != device.NADMPI {
				t.Fatalf("simulator sent a bad packet (%v) in % X", err, b)
			}
		}
	})
}
