package pos

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

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
	if r, _ := e.ReceiptPreview(pay(t, e, cardMC, 200).ClientOrderID, MerchantCopy); r.Merchant != nc.Merchant.Name {
		t.Errorf("receipt merchant %q", r.Merchant)
	}
}

// TestSettingsSaveOnlyChanges: ApplyConfig writes only what the manager
// changed — never environment overrides such as the data directory or a
// gateway URL from KASSA_GATEWAY_URL — and durations as text; files with
// nanoseconds still read.
func TestSettingsSaveOnlyChanges(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	if err := os.MkdirAll(ConfigDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	// A file of an earlier version: nanoseconds, a gateway the env overrides.
	old := `{"gateway_url":"https://file.example/paynet","terminal_name":"Till 1","sale_timeout":45000000000,"merchant":{"name":"Old"}}`
	if err := os.WriteFile(ConfigPath(), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(ConfigPath()) })
	if c, err := parseConfigFile([]byte(old)); err != nil || c.SaleTimeout != 45*time.Second {
		t.Fatalf("old file: %v %v", c.SaleTimeout, err)
	}
	cfg := testConfig(t, sb.URL, pollingOnly) // as if KASSA_DATA_DIR and KASSA_GATEWAY_URL were set
	cfg.TerminalName, cfg.SaleTimeout = "Till 1", 45*time.Second
	e := startEngine(t, cfg)
	nc := e.Config()
	nc.Merchant.Name = "New"
	nc.SaleTimeout = 2 * time.Minute
	if err := e.ApplyConfig(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(ConfigPath())
	file := string(b)
	for _, want := range []string{`"sale_timeout": "2m0s"`, `"name": "New"`, `"gateway_url": "https://file.example/paynet"`, `"terminal_name": "Till 1"`} {
		if !strings.Contains(file, want) {
			t.Errorf("config file lacks %s:\n%s", want, file)
		}
	}
	for _, never := range []string{"data_dir", sb.URL, cfg.DataDir, "demo-control-key"} {
		if strings.Contains(file, never) {
			t.Errorf("config file has %q:\n%s", never, file)
		}
	}
	if c, err := parseConfigFile(b); err != nil || c.SaleTimeout != 2*time.Minute || c.Merchant.Name != "New" {
		t.Errorf("saved file reads back as %+v %v", c, err)
	}
	if got := e.Config(); got.SaleTimeout != 2*time.Minute || got.GatewayURL != sb.URL {
		t.Errorf("running config %v %s", got.SaleTimeout, got.GatewayURL)
	}
}
