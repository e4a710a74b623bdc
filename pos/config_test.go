package pos

import (
	"encoding/json"
	"errors"
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

// TestHoldPeriodSetting (issue 11): the hold period is hold_period_days in
// the config file (whole days, 1 to 30), KASSA_HOLD_PERIOD overrides it,
// and a bad file value is a CauseHoldPeriodInvalid error. One case a line.
func TestHoldPeriodSetting(t *testing.T) {
	for _, tc := range []struct {
		file, env string
		want      time.Duration
		bad       bool
	}{
		{`{}`, "", DefaultHoldPeriod, false},
		{`{"hold_period_days":1}`, "", 24 * time.Hour, false},
		{`{"hold_period_days":14}`, "", 14 * 24 * time.Hour, false},
		{`{"hold_period_days":30}`, "", 30 * 24 * time.Hour, false},
		{`{"hold_period_days":null}`, "", DefaultHoldPeriod, false},
		{`{"hold_period_days":14}`, "36h", 36 * time.Hour, false},
		{`{}`, "3s", 3 * time.Second, false},
		{`{"hold_period_days":0}`, "", 0, true},
		{`{"hold_period_days":31}`, "", 0, true},
		{`{"hold_period_days":-2}`, "", 0, true},
		{`{"hold_period_days":1.5}`, "", 0, true},
		{`{"hold_period_days":"7"}`, "", 0, true},
		{`{"hold_period_days":7}`, "soon", 0, true},
	} {
		dir := t.TempDir()
		t.Setenv("XDG_CONFIG_HOME", dir)
		t.Setenv("HOME", dir)
		t.Setenv("KASSA_DATA_DIR", dir)
		t.Setenv("KASSA_HOLD_PERIOD", tc.env)
		if err := os.MkdirAll(ConfigDir(), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ConfigPath(), []byte(tc.file), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := LoadConfig(true)
		switch {
		case tc.bad && err == nil:
			t.Errorf("%s env %q: accepted, hold %v", tc.file, tc.env, cfg.HoldPeriod)
		case tc.bad && tc.env == "" && ReasonOf(err).Cause != CauseHoldPeriodInvalid:
			t.Errorf("%s: %v, want cause hold-period-invalid", tc.file, err)
		case !tc.bad && (err != nil || cfg.HoldPeriod != tc.want):
			t.Errorf("%s env %q: %v %v, want %v", tc.file, tc.env, cfg.HoldPeriod, err, tc.want)
		}
	}
}

// TestParseHoldPeriodDays: what Settings accepts as the hold period (whole
// days, 1 to 30), and how the config file writes it back. One case a line.
func TestParseHoldPeriodDays(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		file string // how SaveConfig writes it
		bad  bool
	}{
		{"7", 7 * 24 * time.Hour, `"hold_period_days": 7`, false},
		{" 1 ", 24 * time.Hour, `"hold_period_days": 1`, false},
		{"30", 30 * 24 * time.Hour, `"hold_period_days": 30`, false},
		{"0", 0, "", true},
		{"31", 0, "", true},
		{"", 0, "", true},
		{"7d", 0, "", true},
		{"seven", 0, "", true},
		{"-1", 0, "", true},
	} {
		d, err := ParseHoldPeriodDays(tc.in)
		if tc.bad {
			if r := ReasonOf(err); r.Cause != CauseHoldPeriodInvalid || !errors.Is(err, ErrConfig) {
				t.Errorf("%q: %v (%v), want cause hold-period-invalid", tc.in, err, r.Cause)
			}
			continue
		}
		b, merr := json.MarshalIndent(Config{HoldPeriod: d}, "", " ")
		if err != nil || d != tc.want || merr != nil || !strings.Contains(string(b), tc.file) {
			t.Errorf("%q: %v %v, file %s", tc.in, d, err, b)
		}
	}
}
