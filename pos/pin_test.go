package pos

import (
	"os"
	"strings"
	"testing"

	"kassa/mapi/sandbox"
)

func TestPINs(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	e := startEngine(t, testConfig(t, sb.URL, pollingOnly))
	if e.CheckPIN(Manager, "1234") || e.HasPIN(Manager) {
		t.Error("live mode has a default manager PIN")
	}
	if err := e.SetPIN(Manager, "12"); err == nil {
		t.Error("short PIN accepted")
	}
	if err := e.SetPIN(Manager, "482913"); err != nil {
		t.Fatal(err)
	}
	if !e.CheckPIN(Manager, "482913") || e.CheckPIN(Manager, "482914") || e.CheckPIN(Cashier, "482913") {
		t.Error("CheckPIN wrong")
	}
	h := e.Config().ManagerPINHash
	if h == "" || strings.Contains(h, "482913") {
		t.Errorf("hash %q", h)
	}
	b, _ := os.ReadFile(ConfigPath())
	if !strings.Contains(string(b), h) || strings.Contains(string(b), "demo-control-key") {
		t.Errorf("config file: %s", b)
	}
	if !checkPIN("", DemoManagerPIN, true, Manager) || !checkPIN("", DemoCashierPIN, true, Cashier) || checkPIN("", "1234", false, Manager) {
		t.Error("demo defaults")
	}
}
