package pos

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"kassa/mapi/sandbox"
)

// TestCloseStopsGoroutines: every goroutine the engine started stops on Close.
func TestCloseStopsGoroutines(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, callbackAndPo)
	cfg.ResultWait = 100 * time.Millisecond
	e, err := Start(context.Background(), cfg, testLogger(t), simReader(t, cfg)...)
	if err != nil {
		t.Fatal(err)
	}
	e.WaitRecovered(context.Background())
	e.Subscribe(func(Snapshot) {})
	pay(t, e, cardVisa, 100)
	v := pay(t, e, cardUnknown, 100)
	_ = v // still resolving in the background when Close comes
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	waitFor(t, 5*time.Second, "engine goroutines to stop", func() bool {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		stacks := string(buf[:n])
		return !strings.Contains(stacks, "kassa/pos.(*") && !strings.Contains(stacks, "kassa/device.(*") &&
			!strings.Contains(stacks, "kassa/device/sim.")
	})
	if _, err := e.Pay(context.Background(), Sale, Amount{Minor: 1, Currency: "RUB"}, ""); !errors.Is(err, ErrClosed) {
		t.Errorf("Pay after Close: %v", err)
	}
}

// TestStageNames: every stage has its name (the words are ui/words').
func TestStageNames(t *testing.T) {
	for _, s := range []Stage{StageStarting, StageRecovering, StageReady, StageWaitingReader, StageWaitingCard, StageSending,
		StageWaitingBank, StageApproved, StageDeclined, StageFailed, StageUnknown} {
		if s.String() == "" || strings.HasPrefix(s.String(), "stage(") {
			t.Errorf("%d has no name", s)
		}
	}
	if StageRecovering.String() != "recovering" || StageWaitingCard.String() != "waiting-card" {
		t.Error("stage names changed")
	}
}

// TestLogsCarryNoSecrets: at debug level, a whole sale logs no clear PAN,
// no control key and no encrypted card data.
func TestLogsCarryNoSecrets(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	var buf syncBuffer
	cfg := testConfig(t, sb.URL, callbackAndPo)
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e, err := Start(context.Background(), cfg, log, simReaderLog(t, cfg, log)...)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.WaitRecovered(context.Background())
	v := pay(t, e, cardVisa, 1234)
	pay(t, e, cardHeld, 1235) // unknown path: errors are logged
	e.Close()
	logs := buf.String()
	if v.Status != StatusApproved || !strings.Contains(logs, "level=") {
		t.Fatalf("status %s; %d bytes of logs", v.Status, len(logs))
	}
	for _, bad := range []string{cardVisa, cardHeld, "demo-control-key", "DFAE02", "dfae02"} {
		if strings.Contains(logs, bad) {
			t.Errorf("logs contain %q", bad)
		}
	}
}
