package pos

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"kassa/device"
	"kassa/mapi"
	"kassa/mapi/sandbox"
)

// TestReaderUnplugged: the reader disappears while waiting for the card →
// failed, not charged; after a replug the next payment works.
func TestReaderUnplugged(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, pollingOnly)
	cfg.SimAutoSwipe = 300 * time.Millisecond
	e := startEngine(t, cfg)
	if err := e.Demo().SetFault("unplug"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := e.Pay(ctx, Sale, Amount{Minor: 100, Currency: "RUB"}, "")
	if err == nil {
		t.Fatal("payment succeeded with the reader unplugged")
	}
	s := e.Snapshot()
	if c := s.Reason.Cause; s.Stage != StageFailed || (c != CauseReaderUnavailable && c != CauseCardUnreadable) { // not charged
		t.Errorf("stage %s reason %q", s.Stage, s.Reason)
	}
	if ps, _ := e.Journal().Latest(5); len(ps) != 0 {
		t.Errorf("journaled %d payments", len(ps))
	}
	if err := e.Demo().SetFault("replug"); err != nil {
		t.Fatal(err)
	}
	// The reader state follows the reader: back without a sale.
	waitFor(t, 15*time.Second, "the replugged reader noticed", func() bool {
		return e.Snapshot().Reader.State == ReaderStateSimulated
	})
	if v := pay(t, e, cardVisa, 100); v.Status != StatusApproved {
		t.Errorf("after replug: %s", v.Status)
	}
	if err := e.Demo().SetFault("no-such-fault"); err == nil {
		t.Error("unknown fault accepted")
	}
}

// TestReaderFoundLater: a reader missing at start is opened in the
// background once it appears (no sale needed), with a growing delay.
func TestReaderFoundLater(t *testing.T) {
	first := reopenFirst
	reopenFirst = 20 * time.Millisecond
	defer func() { reopenFirst = first }()
	var tries atomic.Int32
	g := &fakeGateway{acc: &mapi.Accepted{}, statuses: []statusAnswer{{}}}
	e := startFake(t, g, func(context.Context, device.Options) (Reader, error) {
		if tries.Add(1) < 4 {
			return nil, device.ErrNotFound
		}
		return newFakeReader(fakeCard, nil), nil
	})
	if s := e.Snapshot(); s.Reader.State == ReaderStateConnected && tries.Load() < 4 {
		t.Errorf("connected after %d tries", tries.Load())
	}
	waitFor(t, 5*time.Second, "the reader found", func() bool { return e.Snapshot().Reader.State == ReaderStateConnected })
	if n := tries.Load(); n != 4 {
		t.Errorf("%d opens, want 4", n)
	}
	if s := e.Snapshot(); s.Reader.Serial != "FAKE-1" || !s.Reader.State.Usable() {
		t.Errorf("reader %+v", s.Reader)
	}
}

// TestReaderNotFoundProblem: a missing reader says why.
func TestReaderNotFoundProblem(t *testing.T) {
	g := &fakeGateway{acc: &mapi.Accepted{}, statuses: []statusAnswer{{}}}
	e := startFake(t, g, func(context.Context, device.Options) (Reader, error) { return nil, device.ErrPermission })
	waitFor(t, 5*time.Second, "the open tried", func() bool { return e.Snapshot().Reader.Problem == ReaderNoPermission })
	if s := e.Snapshot(); s.Reader.State != ReaderStateNotFound || s.Reader.State.Usable() {
		t.Errorf("reader %+v", s.Reader)
	}
}
