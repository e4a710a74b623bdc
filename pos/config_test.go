package pos

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestLoadConfigEnv(t *testing.T) {
	t.Setenv("KASSA_GATEWAY_URL", "https://gw.example/paynet")
	t.Setenv("KASSA_ENDPOINT_ID", "77")
	t.Setenv("KASSA_LOGIN", "merchant")
	t.Setenv("KASSA_CONTROL_KEY", "secret-key")
	t.Setenv("KASSA_SALE_TIMEOUT", "12s")
	t.Setenv("KASSA_CURRENCY", "usd")
	t.Setenv("KASSA_DATA_DIR", t.TempDir())
	cfg, err := LoadConfig(false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Demo || cfg.EndpointID != "77" || cfg.ControlKey != "secret-key" || cfg.SaleTimeout != 12*time.Second || cfg.Currency != "USD" || cfg.TerminalID == "" {
		t.Errorf("config %+v", cfg)
	}
	// The terminal id is kept; the key never reaches the file.
	cfg2, _ := LoadConfig(false)
	if cfg2.TerminalID != cfg.TerminalID {
		t.Error("terminal id not kept")
	}
	if err := SaveConfig(cfg); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(ConfigPath())
	if strings.Contains(string(b), "secret-key") {
		t.Error("control key written to the config file")
	}
	t.Setenv("KASSA_GATEWAY_URL", "")
	os.Unsetenv("KASSA_GATEWAY_URL")
	os.Remove(ConfigPath())
	cfg3, _ := LoadConfig(false)
	if !cfg3.Demo {
		t.Error("no gateway configured, but not demo")
	}
	t.Setenv("KASSA_SALE_TIMEOUT", "soon")
	if _, err := LoadConfig(true); err == nil {
		t.Error("bad KASSA_SALE_TIMEOUT accepted")
	}
}

// TestKeyring: without KASSA_CONTROL_KEY the key comes from the OS keyring
// (mocked here), saved by StoreControlKey; the config file never holds it.
func TestKeyring(t *testing.T) {
	t.Setenv("KASSA_GATEWAY_URL", "https://gw.example/paynet")
	t.Setenv("KASSA_LOGIN", "shop-7")
	t.Setenv("KASSA_ENDPOINT_ID", "7")
	os.Unsetenv("KASSA_CONTROL_KEY")
	if err := StoreControlKey("from-the-keyring"); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ControlKey != "from-the-keyring" || cfg.Demo {
		t.Errorf("key %q demo %v", cfg.ControlKey, cfg.Demo)
	}
	if err := SaveConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(ConfigPath()); strings.Contains(string(b), "from-the-keyring") {
		t.Error("key in the config file")
	}
	os.Remove(ConfigPath())
}
