//go:build unix

package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"kassa/device"
	"kassa/device/emv"
)

// readerSimProc runs `kassa reader-sim args…` with piped stdin/stdout.
type readerSimProc struct {
	t      *testing.T
	path   string
	stdin  *io.PipeWriter
	lines  chan string
	cancel context.CancelFunc
	code   chan int
	errb   *readerSimBuf
}

// readerSimBuf is a bytes.Buffer safe for the command's logger and the test.
type readerSimBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *readerSimBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}
func (b *readerSimBuf) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }

func startReaderSim(t *testing.T, args ...string) *readerSimProc {
	t.Helper()
	stdinR, stdinW := io.Pipe()
	old := readerSimStdin
	readerSimStdin = stdinR
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	p := &readerSimProc{t: t, stdin: stdinW, lines: make(chan string, 16), cancel: cancel, code: make(chan int, 1), errb: &readerSimBuf{}}
	go func() {
		p.code <- Run(ctx, append([]string{"reader-sim"}, args...), outW, p.errb)
		outW.Close()
	}()
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		cancel()
		stdinW.Close()
		select {
		case <-p.code:
		case <-time.After(5 * time.Second):
			t.Error("reader-sim did not stop")
		}
		readerSimStdin = old
	})
	p.path = p.next()
	if !strings.HasPrefix(p.path, "/") {
		t.Fatalf("first line %q is not a path", p.path)
	}
	return p
}

func (p *readerSimProc) next() string {
	p.t.Helper()
	select {
	case l := <-p.lines:
		return l
	case <-time.After(5 * time.Second):
		p.t.Fatal("no line on stdout")
		return ""
	}
}

func (p *readerSimProc) control(line, want string) string {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		p.t.Fatal(err)
	}
	got := p.next()
	if !strings.HasPrefix(got, want) {
		p.t.Fatalf("%q answered %q, want %q...", line, got, want)
	}
	return got
}

func chipRead() device.ReadRequest {
	return device.ReadRequest{Currency: "RUB", AmountMinor: 1050, Exponent: 2, Timeout: 5 * time.Second}
}

// `kassa reader-sim --entry tap`: the automatic presentation is a tap.
func TestReaderSimEntryTap(t *testing.T) {
	p := startReaderSim(t, "--entry", "tap", "--auto-swipe", "20ms")
	r, err := device.Open(t.Context(), device.Options{Port: p.path, BatteryInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	card, err := r.ReadCard(t.Context(), chipRead())
	if err != nil {
		t.Fatal(err)
	}
	if card.Entry != device.EntryContactless || card.EncryptedType != "miura" || card.Chip == nil {
		t.Fatalf("entry %s type %s", card.Entry, card.EncryptedType)
	}
	if err := card.Chip.End(t.Context(), true); err != nil {
		t.Error(err)
	}
}

// The §12.6 control lines: card PAN insert|tap|swipe, insert, tap, swipe,
// remove, entry, and the chip faults.
func TestReaderSimChipControlLines(t *testing.T) {
	p := startReaderSim(t, "--auto-swipe", "0")
	p.control("tap", "error: the host is not waiting")
	p.control("insert", "error: the host is not waiting")
	p.control("remove", "error: no card in the slot")
	p.control("entry bogus", "error: entry must be")
	p.control("entry insert", "ok entry insert")
	p.control("card 4111111111111111 wave", "error: unknown presentation")
	for _, f := range []string{"pull", "chip-error", "no-tap", "wrong-pin", "none"} {
		p.control("fault "+f, "ok fault "+f)
	}
	r, err := device.Open(t.Context(), device.Options{Port: p.path, BatteryInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	type result struct {
		card *device.Card
		err  error
	}
	read := func() chan result {
		ch := make(chan result, 1)
		go func() { c, err := r.ReadCard(t.Context(), chipRead()); ch <- result{c, err} }()
		for !strings.Contains(p.control("status", "ok card"), "waiting true") {
			time.Sleep(5 * time.Millisecond)
		}
		return ch
	}
	ch := read()
	p.control("card 4000000000000705 insert", "ok card 400000******0705 inserted")
	res := <-ch
	if res.err != nil || res.card.Entry != device.EntryChip || res.card.CVM != emv.CVMOnlinePIN || !res.card.PINBlock {
		t.Fatalf("insert: %v", res.err)
	}
	if err := res.card.Chip.End(t.Context(), false); err != nil {
		t.Error(err)
	}
	if got := p.control("status", "ok card"); !strings.Contains(got, "inserted 400000******0705") {
		t.Errorf("status %q", got)
	}
	p.control("remove", "ok removed")

	ch = read()
	p.control("card 5555555555554444", "ok card 555555******4444")
	p.control("tap", "ok tapped")
	if res := <-ch; res.err != nil || res.card.Entry != device.EntryContactless || res.card.AppLabel != "MASTERCARD" {
		t.Fatalf("tap: %v", res.err)
	} else {
		_ = res.card.Chip.End(t.Context(), true)
	}

	ch = read()
	p.control("swipe", "ok swiped")
	if res := <-ch; res.err != nil || res.card.Entry != device.EntrySwipe {
		t.Fatalf("swipe: %v", res.err)
	}
	if strings.Contains(p.errb.String(), "5555555555554444") || strings.Contains(p.errb.String(), "4000000000000705") {
		t.Error("stderr holds a clear PAN")
	}
}
