package reliability

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kassa/device"
	"kassa/device/sim"
	"kassa/device/sred"
	"kassa/mapi"
	"kassa/mapi/sandbox"
	"kassa/pos"
)

// Reader faults, on the line between the driver and the simulator's
// pseudo-terminal (mangle) or in the simulator itself.
const (
	lineClean   int32 = iota
	lineCorrupt       // a random byte of a read flipped
	lineGarbage       // random bytes before a read's data (between packets)
	lineSlow          // every read held 50–300 ms, and the simulator's slow reset
	lineStorm         // the cable pulled and put back several times during the read
	lineSimBad        // the simulator's corrupt swipe packet and bad swipe
	lineModes
)

var lineNames = [...]string{"clean", "corrupt", "garbage", "slow", "storm", "sim-bad-swipe"}

// mangle is the serial port to the simulator's pseudo-terminal with faults
// on what the driver reads.
type mangle struct {
	io.ReadWriteCloser
	mode   *atomic.Int32
	faults *atomic.Int64
}

func (m *mangle) Read(p []byte) (int, error) {
	n, err := m.ReadWriteCloser.Read(p)
	if n == 0 {
		return n, err
	}
	switch m.mode.Load() {
	case lineCorrupt:
		if rand.IntN(5) == 0 {
			p[rand.IntN(n)] ^= byte(1 + rand.IntN(255))
			m.faults.Add(1)
		}
	case lineGarbage:
		if g := 1 + rand.IntN(6); rand.IntN(4) == 0 && n+g <= len(p) {
			copy(p[g:n+g], p[:n])
			for i := 0; i < g; i++ {
				p[i] = byte(rand.IntN(256))
			}
			n += g
			m.faults.Add(1)
		}
	case lineSlow:
		time.Sleep(time.Duration(50+rand.IntN(250)) * time.Millisecond)
		m.faults.Add(1)
	}
	return n, err
}

// TestReaderFaults runs payments through the real driver and the simulator
// over a pty with corrupted bytes, garbage between packets, slow replies,
// unplug/replug storms and bad swipes: no crash, nothing charged without a
// good card read, the reader back within 6 s of each fault ending, and no
// card data in any log line (TestZLogsHaveNoCardData).
func TestReaderFaults(t *testing.T) {
	n := runs(6, 100)
	row := newRow(t, fmt.Sprintf("%d payments through reader faults (%d kinds) over a pty, reconnect after each", n, lineModes-1))
	sb, err := sandbox.Start(context.Background(), "127.0.0.1:0", sandbox.Options{Speed: 50})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s := sim.New(sim.Config{BDK: sred.TestBDK, Card: cardVisa, AutoSwipe: 20 * time.Millisecond, Slow: 300 * time.Millisecond,
		Logger: scanLogger(io.Discard)})
	pty, err := sim.ListenPTY(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pty.Close() })
	var mode atomic.Int32
	var faults atomic.Int64
	dial := func(context.Context) (io.ReadWriteCloser, error) {
		c, err := device.OpenSerial(pty.Path)
		if err != nil {
			return nil, err
		}
		return &mangle{ReadWriteCloser: c, mode: &mode, faults: &faults}, nil
	}
	open := func(ctx context.Context, opts device.Options) (pos.Reader, error) {
		opts.Dial = dial
		c, err := dial(ctx)
		if err != nil {
			return nil, err
		}
		r, err := device.OpenConn(ctx, c, opts)
		if err != nil {
			c.Close()
			return nil, err
		}
		return r, nil
	}
	cfg := rigConfig(t, sb.URL)
	e, err := pos.Start(context.Background(), cfg, logger(), pos.WithReader(open, true))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if err := e.WaitRecovered(ctx); err != nil {
		t.Fatal(err)
	}
	var slowest time.Duration
	for i := 0; i < n; i++ {
		m := 1 + int32(i)%(lineModes-1)
		readerRun(t, row, e, s, pty, &mode, m, int64(500+i))
		start := time.Now()
		if !waitUsable(e, 6*time.Second) {
			row.fail(t, "run %d (%s): the reader is not back 6 s after the fault ended: %+v", i, lineNames[m], e.Snapshot().Reader)
			waitUsable(e, 60*time.Second)
		}
		slowest = max(slowest, time.Since(start))
		row.add(&row.Runs, 1)
	}
	row.Faults = int(faults.Load()) + n
	row.Note = fmt.Sprintf("slowest reconnect %s", slowest.Round(10*time.Millisecond))
	readerVerdict(t, row, e, sb)
}

// readerRun is one payment under fault m.
func readerRun(t *testing.T, row *row, e *pos.Engine, s *sim.Reader, pty *sim.PTY, mode *atomic.Int32, m int32, minor int64) {
	var storm sync.WaitGroup
	switch m {
	case lineStorm:
		storm.Add(1)
		go func() {
			defer storm.Done()
			for k := 0; k < 2+rand.IntN(3); k++ {
				time.Sleep(time.Duration(rand.IntN(150)) * time.Millisecond)
				_ = pty.Unplug()
				time.Sleep(time.Duration(20+rand.IntN(200)) * time.Millisecond)
				_ = pty.Replug()
			}
		}()
	case lineSimBad:
		s.SetFault([]sim.Fault{sim.FaultCorrupt, sim.FaultBadSwipe}[rand.IntN(2)])
	case lineSlow:
		s.SetFault(sim.FaultSlow)
	}
	mode.Store(m)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	v, err := e.Pay(ctx, pos.Sale, pos.Amount{Minor: minor, Currency: "RUB"}, "")
	mode.Store(lineClean)
	storm.Wait()
	s.SetFault(sim.FaultNone)
	if v.ClientOrderID != "" && !v.Status.Final() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = e.Recover(ctx)
		cancel()
	}
	_ = err
}

// waitUsable waits up to d for the reader to be usable again.
func waitUsable(e *pos.Engine, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for !e.Snapshot().Reader.State.Usable() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// readerVerdict: every charge the sandbox made is a good read of the
// simulator's card for an amount the suite paid, the journal agrees, and
// the terminal still takes a clean payment.
func readerVerdict(t *testing.T, row *row, e *pos.Engine, sb *sandbox.Running) {
	charged := 0
	for _, o := range sb.Server.Orders() {
		if o.Status == mapi.StatusApproved {
			charged++
		}
		if o.Status == mapi.StatusApproved && (o.MaskedPAN != "411111******1111" || o.Amount.Minor < 500) {
			row.fail(t, "the sandbox charged %s %v: not a good read of the card", o.MaskedPAN, o.Amount)
		}
		v, err := e.Payment(o.ClientOrderID)
		if err != nil || v.Status.Charged() != (o.Status == mapi.StatusApproved) {
			row.fail(t, "%s: journal %v, sandbox %s (%v)", o.ClientOrderID, v.Status, o.Status, err)
		}
	}
	row.Note += fmt.Sprintf("; %d charged after a good read, the rest not charged", charged)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if v, err := e.Pay(ctx, pos.Sale, pos.Amount{Minor: 100, Currency: "RUB"}, ""); err != nil || v.Status != pos.StatusApproved {
		row.fail(t, "a clean payment after the faults: %v %v", v.Status, err)
	}
}
