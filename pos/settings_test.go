package pos

import (
	"context"
	"os"
	"strings"
	"testing"

	"kassa/mapi/sandbox"
)

// TestSettings: TestGateway tells good credentials from bad; ApplyConfig
// saves the settings (never the key) and takes effect.
func TestSettings(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, pollingOnly)
	e := startEngine(t, cfg)
	if err := e.TestGateway(context.Background(), cfg); err != nil {
		t.Errorf("good credentials: %v", err)
	}
	bad := cfg
	bad.ControlKey = "wrong"
	if err := e.TestGateway(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("bad key: %v", err)
	}
	down := cfg
	down.GatewayURL = "http://127.0.0.1:1/paynet"
	if err := e.TestGateway(context.Background(), down); err == nil || !strings.Contains(err.Error(), "cannot be reached") {
		t.Errorf("unreachable: %v", err)
	}
	st, err := e.TestReader(context.Background(), "")
	if err != nil || st.State != ReaderStateSimulated || st.Serial == "" {
		t.Errorf("TestReader: %+v %v", st, err)
	}
	nc := e.Config()
	nc.Merchant.Name = "Кофейня «Ромашка»"
	nc.ControlKey = ""
	if err := e.ApplyConfig(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	if e.Config().Merchant.Name != nc.Merchant.Name {
		t.Error("merchant name not applied")
	}
	b, _ := os.ReadFile(ConfigPath())
	if !strings.Contains(string(b), "Ромашка") || strings.Contains(string(b), "demo-control-key") {
		t.Errorf("config file: %s", b)
	}
	// The kept key still works.
	if v := pay(t, e, cardVisa, 100); v.Status != StatusApproved {
		t.Errorf("sale after ApplyConfig: %s", v.Status)
	}
	if r, _ := e.Receipt(pay(t, e, cardMC, 200).ClientOrderID, MerchantCopy); r.Merchant != nc.Merchant.Name {
		t.Errorf("receipt merchant %q", r.Merchant)
	}
}
