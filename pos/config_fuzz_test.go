package pos

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// plainError fails t unless err reads as one line of text of at most max
// bytes: no control characters, no invalid UTF-8, not a dump of the input.
func plainError(t *testing.T, err error, max int) {
	t.Helper()
	msg := err.Error()
	if msg == "" || len(msg) > max || !utf8.ValidString(msg) ||
		strings.IndexFunc(msg, unicode.IsControl) >= 0 {
		t.Fatalf("error is not a plain message: %q", msg)
	}
}

// controlKeyCanary stands for the merchant control key in the fuzz targets.
const controlKeyCanary = "CANARY-control-key-0123456789"

var configSeeds = []string{
	`{}`,
	`{"gateway_url":"https://gate.example/paynet","endpoint_id":"1234","login":"shop","reader":"/dev/ttyUSB0",` +
		`"callback_listen":"127.0.0.1:8080","callback_url":"https://shop.example/cb","currency":"rub",` +
		`"terminal_id":"0b7c5a1e-6f0e-4c57-9d54-3e1f2c7a9b10","terminal_name":"Till 2","sale_timeout":30000000000,` +
		`"merchant":{"name":"Cafe","address1":"Main st 1","city":"Moscow","zip_code":"101000","country":"RU",` +
		`"email":"a@b.ru","phone":"+7 495 000 00 00"},"language":"ru","cashier_pin_hash":"x","manager_pin_hash":"y"}`,
	`{"control_key":"` + controlKeyCanary + `","ControlKey":"` + controlKeyCanary + `","controlkey":"` + controlKeyCanary + `"}`,
	`{"Demo":true,"ResultWait":1,"PollInterval":1,"NotFoundGrace":1,"SimAutoSwipe":1,"NoReader":true}`,
	`{"sale_timeout":"30s"}`,
	`{"sale_timeout":-1,"merchant":null}`,
	`{"gateway_url":1}`,
	"{\"login\":\"\xff\x00\"}",
	`[]`,
	`null`,
	``,
	`{"a":`,
	`{"hold_period_days":7}`, `{"hold_period_days":0}`, `{"hold_period_days":"7"}`, `{"hold_period_days":null}`, // polish (issue 11)
}

// FuzzConfigFile feeds arbitrary bytes as the config file: parsing never
// panics, errors are plain messages, a parsed config carries nothing the
// file never holds (the control key above all), and what SaveConfig would
// write for it (with a control key set) parses back to the same config and
// does not contain the key.
func FuzzConfigFile(f *testing.F) {
	for _, s := range configSeeds {
		f.Add([]byte(s))
	}
	saved, err := json.MarshalIndent(Config{GatewayURL: "https://g/paynet", Login: "l", SaleTimeout: time.Minute,
		Merchant: Merchant{Name: "M"}}, "", "  ")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(saved)
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := parseConfigFile(b)
		if err != nil {
			plainError(t, err, 300)
			if !reflect.DeepEqual(cfg, Config{}) {
				t.Fatalf("failed parse returned %+v", cfg)
			}
			return
		}
		if cfg.ControlKey != "" || cfg.Demo || cfg.NoReader || cfg.ResultWait != 0 || cfg.PollInterval != 0 ||
			cfg.NotFoundGrace != 0 || cfg.SimAutoSwipe != 0 {
			t.Fatalf("config file %q set a field the file never holds: %+v", b, cfg)
		}
		withKey := cfg
		withKey.ControlKey = controlKeyCanary
		out, err := json.MarshalIndent(withKey, "", "  ")
		if err != nil {
			t.Fatalf("parsed config does not save: %v", err)
		}
		if strings.Contains(string(out), controlKeyCanary) {
			t.Fatalf("saved config holds the control key: %s", out)
		}
		again, err := parseConfigFile(out)
		if err != nil {
			t.Fatalf("saved config %s does not load: %v", out, err)
		}
		if !reflect.DeepEqual(again, cfg) {
			t.Fatalf("config changes when saved and loaded:\n%+v\n%+v", cfg, again)
		}
	})
}

// FuzzEnvDuration feeds arbitrary values to the KASSA_* duration parsing:
// never a panic, errors are plain messages, an accepted value is positive
// (or, where allowed, zero/negative) and plain seconds mean exactly that
// many seconds.
func FuzzEnvDuration(f *testing.F) {
	for _, s := range []string{"30s", "1m30s", "45", "0", "-1", "-5s", "0s", "1ns", "abc", "9223372037",
		"18446744073", "9223372036854775807", "+7", "1.5h", "\x00"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, v string, neg bool) {
		d, err := parseEnvDuration("KASSA_SALE_TIMEOUT", v, neg)
		if err != nil {
			// The value is quoted in the message (at most 10 bytes per byte).
			plainError(t, err, 100+10*len(v))
			return
		}
		if d == 0 || d < 0 && !neg {
			t.Fatalf("%q (neg %v) gave %v", v, neg, d)
		}
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n != 0 {
			if _, perr := time.ParseDuration(v); perr != nil && (d/time.Second != time.Duration(n) || d%time.Second != 0) {
				t.Fatalf("%q plain seconds gave %v", v, d)
			}
		}
	})
}

// TestLoadConfigFileNeverGivesControlKey: whatever the file says, the
// control key comes only from KASSA_CONTROL_KEY (or the keyring), and the
// terminal id LoadConfig saves does not write it to the file.
func TestLoadConfigFileNeverGivesControlKey(t *testing.T) {
	for _, tc := range []struct {
		name, file, env string
		wantKey         string
	}{
		{"key in the file only", configSeeds[2], "", ""},
		{"key from the environment", configSeeds[2], "env-key", "env-key"},
		{"ordinary file", configSeeds[1], "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("XDG_CONFIG_HOME", dir)
			t.Setenv("HOME", dir)
			for _, e := range os.Environ() {
				if k, _, _ := strings.Cut(e, "="); strings.HasPrefix(k, "KASSA_") {
					t.Setenv(k, "")
				}
			}
			t.Setenv("KASSA_CONTROL_KEY", tc.env)
			if err := os.MkdirAll(ConfigDir(), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(ConfigPath(), []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := LoadConfig(true) // demo: never asks the keyring
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ControlKey != tc.wantKey {
				t.Fatalf("control key %q, want %q", cfg.ControlKey, tc.wantKey)
			}
			if err := SaveConfig(cfg); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(dir, "kassa", "config.json"))
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantKey != "" && strings.Contains(string(b), tc.wantKey) {
				t.Fatalf("saved config holds the control key: %s", b)
			}
			if strings.Contains(string(b), "control") {
				t.Fatalf("saved config has a control key entry: %s", b)
			}
		})
	}
}

// TestEnvDurationPlainSeconds: plain seconds too large for a duration are
// refused instead of wrapping round to a tiny or negative timeout (found by
// FuzzEnvDuration: KASSA_SALE_TIMEOUT=18446744074 used to mean 0.29 s).
func TestEnvDurationPlainSeconds(t *testing.T) {
	for _, tc := range []struct {
		name, v string
		want    time.Duration
		wantErr string
	}{
		{"seconds", "45", 45 * time.Second, ""},
		{"go duration", "1m30s", 90 * time.Second, ""},
		{"largest seconds", "9223372036", 9223372036 * time.Second, ""},
		{"wraps to 0.29s", "18446744074", 0, "too long"},
		{"wraps negative", "9223372037", 0, "too long"},
		{"not a number", "soon", 0, "want a duration like 30s"},
		{"zero", "0", 0, "must be positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("KASSA_SALE_TIMEOUT", tc.v)
			var cfg Config
			err := applyEnv(&cfg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("KASSA_SALE_TIMEOUT=%s: err %v, want %q (timeout %v)", tc.v, err, tc.wantErr, cfg.SaleTimeout)
				}
				return
			}
			if err != nil || cfg.SaleTimeout != tc.want {
				t.Fatalf("KASSA_SALE_TIMEOUT=%s: %v, %v; want %v", tc.v, cfg.SaleTimeout, err, tc.want)
			}
		})
	}
}
