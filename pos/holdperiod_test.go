package pos

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"kassa/mapi/sandbox"
)

// TestApplyConfigHoldPeriod (issue 11): ApplyConfig takes a new hold period
// of whole days from 1 to 30 (into the running config and the file's
// hold_period_days) and refuses others with CauseHoldPeriodInvalid, the
// running hold period unchanged. One case a line, in order.
func TestApplyConfigHoldPeriod(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	e := startEngine(t, testConfig(t, sb.URL, pollingOnly))
	t.Cleanup(func() { os.Remove(ConfigPath()) })
	for _, tc := range []struct {
		hold, want time.Duration
		bad        bool
	}{
		{10 * 24 * time.Hour, 10 * 24 * time.Hour, false},
		{45 * 24 * time.Hour, 10 * 24 * time.Hour, true},
		{36 * time.Hour, 10 * 24 * time.Hour, true},
		{-24 * time.Hour, 10 * 24 * time.Hour, true},
		{0, 10 * 24 * time.Hour, false}, // 0: keep the running one
		{30 * 24 * time.Hour, 30 * 24 * time.Hour, false},
	} {
		cfg := e.Config()
		cfg.HoldPeriod = tc.hold
		err := e.ApplyConfig(context.Background(), cfg)
		if got := e.Config().HoldPeriod; got != tc.want || tc.bad != (ReasonOf(err).Cause == CauseHoldPeriodInvalid) || !tc.bad && err != nil {
			t.Errorf("hold %v: running %v, err %v", tc.hold, got, err)
		}
	}
	b, _ := os.ReadFile(ConfigPath())
	if !strings.Contains(string(b), `"hold_period_days": 30`) {
		t.Errorf("config file:\n%s", b)
	}
}
