//go:build unix

package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/creack/pty"

	"kassa/device/sim"
)

func TestReaderInfoSimPTY(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := sim.ListenPTY(ctx, sim.New(sim.Config{}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var out, errb bytes.Buffer
	if code := Run(ctx, []string{"reader", "info", "--port", p.Path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want := "serial: SIM00001\nmpi_version: 1-47\nos_version: 7-12\nsred_ready: true\nbattery: 85% charging\nemv: yes\ncontactless: yes\n"
	if out.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestReaderInfoSwipeOnlyPTY: a reader without chip and contactless.
func TestReaderInfoSwipeOnlyPTY(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := sim.ListenPTY(ctx, sim.New(sim.Config{SwipeOnly: true}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var out, errb bytes.Buffer
	if code := Run(ctx, []string{"reader", "info", "--port", p.Path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.HasSuffix(out.String(), "battery: 85% charging\nemv: no\ncontactless: no\n") {
		t.Errorf("stdout:\n%s", out.String())
	}
}

// TestReaderInfoSilentPort: a terminal nobody answers on.
func TestReaderInfoSilentPort(t *testing.T) {
	master, slave, err := pty.Open()
	if err != nil {
		t.Skip("no pty:", err)
	}
	defer master.Close()
	defer slave.Close()
	go func() { // swallow what the driver writes
		b := make([]byte, 256)
		for {
			if _, err := master.Read(b); err != nil {
				return
			}
		}
	}()
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"reader", "info", "--port", slave.Name(), "--timeout", "300ms"}, &out, &errb)
	if code == 0 {
		t.Fatalf("exit 0 for a silent port:\n%s", out.String())
	}
	if !strings.Contains(errb.String(), "no reader answered on "+slave.Name()+": check the cable and that the reader is on") {
		t.Errorf("stderr %q", errb.String())
	}
}
