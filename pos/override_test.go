package pos

import (
	"strings"
	"testing"
	"time"

	"kassa/mapi/sandbox"
	"kassa/store"
)

// TestOverride: a manager lets new payments start despite an unknown one;
// the decision is journaled.
func TestOverride(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, callbackOnly)
	cfg.ResultWait = 200 * time.Millisecond
	e := startEngine(t, cfg)
	v := pay(t, e, cardNoCB, 3412)
	if !e.Snapshot().Blocked {
		t.Fatal("not blocked after an unknown payment")
	}
	if err := e.Override("", "x"); err == nil {
		t.Error("override without a manager accepted")
	}
	if err := e.Override("Anna (manager)", "customer paid cash; bank line down"); err != nil {
		t.Fatal(err)
	}
	if e.Snapshot().Blocked {
		t.Fatal("still blocked after override")
	}
	p, _ := e.Journal().Get(v.ClientOrderID)
	if countEvents(p, store.EventOverride) != 1 {
		t.Errorf("events %v", eventTypes(p))
	}
	pv, _ := e.Payment(v.ClientOrderID)
	found := false
	for _, ev := range pv.Events {
		if strings.Contains(ev.Detail, "Anna") && strings.Contains(ev.Detail, "bank line down") {
			found = true
		}
	}
	if !found {
		t.Errorf("override not visible in events: %+v", pv.Events)
	}
	if v2 := pay(t, e, cardVisa, 100); v2.Status != StatusApproved {
		t.Errorf("payment after override: %s", v2.Status)
	}
	// The override survives a restart.
	e.Close()
	cfg.GatewayURL = "http://127.0.0.1:1/paynet"
	cfg.CallbackListen = ""
	e2 := startEngine(t, cfg)
	if e2.Snapshot().Blocked {
		t.Error("blocked again after restart")
	}
}
