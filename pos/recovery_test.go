package pos

import (
	"context"
	"testing"
	"time"

	"kassa/mapi/sandbox"
)

// TestRecoveryAtStart: an unknown payment left by one engine is resolved by
// the next one's start-up check, a visible stage.
func TestRecoveryAtStart(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, callbackOnly)
	cfg.ResultWait = 200 * time.Millisecond
	e1 := startEngine(t, cfg)
	v := pay(t, e1, cardNoCB, 3410)
	if v.Status != StatusUnknown {
		t.Fatalf("status %s", v.Status)
	}
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}
	cfg2 := cfg
	cfg2.CallbackListen = ""
	e2, err := Start(context.Background(), cfg2, testLogger(t), simReader(t, cfg2)...)
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	if s := e2.Snapshot(); s.Stage != StageRecovering {
		t.Errorf("first stage %s, want recovering", s.Stage)
	}
	if err := e2.WaitRecovered(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _ := e2.Payment(v.ClientOrderID)
	if got.Status != StatusApproved {
		t.Errorf("after recovery: %s", got.Status)
	}
	if s := e2.Snapshot(); s.Stage != StageReady || s.Blocked || s.Unresolved != 0 {
		t.Errorf("snapshot after recovery: %s blocked=%v unresolved=%d", s.Stage, s.Blocked, s.Unresolved)
	}
	if ids := e2.Recovered(); len(ids) != 1 || ids[0] != v.ClientOrderID {
		t.Errorf("Recovered() = %v", ids)
	}
}

// TestRecoveryUnreachable: an unresolved payment the gateway cannot answer
// stays unknown and visible; recovery does not hang.
func TestRecoveryUnreachable(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, callbackOnly)
	cfg.ResultWait = 200 * time.Millisecond
	e1 := startEngine(t, cfg)
	v := pay(t, e1, cardNoCB, 3411)
	e1.Close()
	cfg.GatewayURL = "http://127.0.0.1:1/paynet" // nothing listens there
	cfg.CallbackListen = ""
	start := time.Now()
	e2 := startEngine(t, cfg)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("recovery took %v", d)
	}
	s := e2.Snapshot()
	if s.Stage != StageReady || !s.Blocked || s.Unresolved != 1 {
		t.Errorf("snapshot %s blocked=%v unresolved=%d", s.Stage, s.Blocked, s.Unresolved)
	}
	got, _ := e2.Payment(v.ClientOrderID)
	if got.Status != StatusUnknown {
		t.Errorf("status %s", got.Status)
	}
	if s.Gateway.OK {
		t.Error("gateway reported OK")
	}
}
