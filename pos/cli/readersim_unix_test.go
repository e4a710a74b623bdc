//go:build unix

package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"strings"
	"testing"
	"time"

	"go.bug.st/serial"
)

func readerSimHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readerSimExchange writes cmd and reads len(want) bytes within 3 s.
func readerSimExchange(t *testing.T, port serial.Port, cmd, want string) {
	t.Helper()
	if _, err := port.Write(readerSimHex(t, cmd)); err != nil {
		t.Fatal(err)
	}
	w := readerSimHex(t, want)
	var got []byte
	buf := make([]byte, 256)
	deadline := time.Now().Add(3 * time.Second)
	for len(got) < len(w) && time.Now().Before(deadline) {
		n, err := port.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, w) {
		t.Fatalf("got  % X\nwant % X", got, w)
	}
}

// The command prints the port first, serves it across close/reopen, obeys
// control lines on stdin and stops with ctx.
func TestReaderSimServesPTY(t *testing.T) {
	stdinR, stdinW := io.Pipe()
	defer stdinW.Close()
	old := readerSimStdin
	readerSimStdin = stdinR
	defer func() { readerSimStdin = old }()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var errb bytes.Buffer
	code := make(chan int, 1)
	go func() {
		code <- Run(ctx, []string{"reader-sim", "--auto-swipe", "0", "--card", "4111111111111111"}, outW, &errb)
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	next := func() string {
		t.Helper()
		got := make(chan string, 1)
		go func() {
			if lines.Scan() {
				got <- lines.Text()
			} else {
				got <- ""
			}
		}()
		select {
		case l := <-got:
			return l
		case <-time.After(5 * time.Second):
			t.Fatal("no line on stdout")
			return ""
		}
	}
	path := next()
	if !strings.HasPrefix(path, "/") {
		t.Fatalf("first line %q is not a path", path)
	}
	const (
		reset     = "01 00 04 D0 00 00 00 D5"
		poweredOn = "01 40 13 E6 0F C3 01 01 C4 0A 50 4F 57 45 52 45 44 20 4F 4E 90 00 59"
		resetAns  = "01 00 36 E1 32 9F 1E 08 53 49 4D 30 30 30 30 31 EF 12 DF 0D 08 4D 30 30 30 2D 4D 50 49 DF 7F 04 31 2D 34 37 EF 11 DF 0D 07 4D 30 30 30 2D 4F 53 DF 7F 04 37 2D 31 32 90 00 D9"
		cardOn    = "01 00 04 D0 60 1D 00 A8"
		noCard    = "01 40 08 E1 04 48 02 00 00 90 00 76"
		badSwipe  = "01 40 08 E1 04 48 02 00 01 90 00 77"
	)
	mode := &serial.Mode{BaudRate: 115200, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}
	for i := 0; i < 2; i++ { // close and reopen: still served
		port, err := serial.Open(path, mode)
		if err != nil {
			t.Fatal(err)
		}
		port.SetReadTimeout(100 * time.Millisecond)
		readerSimExchange(t, port, reset, poweredOn+resetAns)
		port.Close()
		time.Sleep(30 * time.Millisecond)
	}
	port, err := serial.Open(path, mode)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	port.SetReadTimeout(100 * time.Millisecond)
	readerSimExchange(t, port, reset, poweredOn+resetAns)

	control := func(line, want string) {
		t.Helper()
		if _, err := io.WriteString(stdinW, line+"\n"); err != nil {
			t.Fatal(err)
		}
		if got := next(); !strings.HasPrefix(got, want) {
			t.Fatalf("%q answered %q, want %q...", line, got, want)
		}
	}
	control("swipe", "error: the host is not waiting")
	control("fault bad-swipe", "ok fault bad-swipe")
	control("fault melt", "error: unknown fault")
	control("card 12", "error:")
	readerSimExchange(t, port, cardOn, noCard)
	control("swipe", "ok swiped")
	readerSimExchange(t, port, "", badSwipe)
	control("status", "ok card 411111******1111 fault none ksn FFFF9876543210E00000 waiting true")
	control("bogus", "error: unknown command")

	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("exit %d: %s", c, errb.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("reader-sim ignored the interrupt")
	}
	if strings.Contains(errb.String(), "4111111111111111") {
		t.Errorf("stderr holds the clear PAN:\n%s", errb.String())
	}
}
