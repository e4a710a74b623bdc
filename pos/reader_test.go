package pos

import (
	"context"
	"testing"
	"time"

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
	if v := pay(t, e, cardVisa, 100); v.Status != StatusApproved {
		t.Errorf("after replug: %s", v.Status)
	}
	if err := e.Demo().SetFault("no-such-fault"); err == nil {
		t.Error("unknown fault accepted")
	}
}
