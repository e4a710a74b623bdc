package pos

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/zalando/go-keyring"
)

// Merchant holds the merchant's details sent with payments and printed on
// receipts.
type Merchant struct {
	Name     string `json:"name,omitempty"`
	Address1 string `json:"address1,omitempty"`
	City     string `json:"city,omitempty"`
	ZipCode  string `json:"zip_code,omitempty"`
	Country  string `json:"country,omitempty"`
	Email    string `json:"email,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

// Config is Kassa's configuration: the file config.json in
// os.UserConfigDir()/kassa, overridden by KASSA_* environment variables.
type Config struct {
	DataDir    string `json:"data_dir,omitempty"`    // KASSA_DATA_DIR; default os.UserConfigDir()/kassa
	GatewayURL string `json:"gateway_url,omitempty"` // KASSA_GATEWAY_URL, base e.g. https://host/paynet
	EndpointID string `json:"endpoint_id,omitempty"` // KASSA_ENDPOINT_ID
	Login      string `json:"login,omitempty"`       // KASSA_LOGIN
	// ControlKey is the merchant control key: env KASSA_CONTROL_KEY or the OS
	// keyring (service "kassa"); it is never written to the config file.
	ControlKey     string        `json:"-"`
	Reader         string        `json:"reader,omitempty"`          // KASSA_READER: port path | auto | sim
	CallbackListen string        `json:"callback_listen,omitempty"` // KASSA_CALLBACK_LISTEN, e.g. :8080
	CallbackURL    string        `json:"callback_url,omitempty"`    // KASSA_CALLBACK_URL, public URL
	Currency       string        `json:"currency,omitempty"`        // KASSA_CURRENCY, default RUB
	TerminalID     string        `json:"terminal_id,omitempty"`     // KASSA_TERMINAL_ID; default a UUID made at first start
	TerminalName   string        `json:"terminal_name,omitempty"`
	SaleTimeout    time.Duration `json:"sale_timeout,omitempty"` // KASSA_SALE_TIMEOUT, default 30s
	Demo           bool          `json:"-"`                      // --demo, or no gateway configured
	Merchant       Merchant      `json:"merchant"`
	Language       string        `json:"language,omitempty"`
	CashierPINHash string        `json:"cashier_pin_hash,omitempty"`
	ManagerPINHash string        `json:"manager_pin_hash,omitempty"`

	// Receipt printer (issue 16; see PrinterSetup). Printer is
	// KASSA_PRINTER: tcp:HOST[:PORT] (port 9100), usb:/dev/usb/lp0,
	// serial:PORT[,BAUD] or pdf (the default: a PDF printed by the OS).
	Printer string `json:"printer,omitempty"`
	// PrinterWidth is KASSA_PRINTER_WIDTH: 32, 42 or 48 characters a line;
	// 0 is 42.
	PrinterWidth int `json:"printer_width,omitempty"`
	// PrinterCodePage is KASSA_PRINTER_CODEPAGE: the number under which the
	// printer keeps code page PC866 (Epson: 17, the default when empty).
	PrinterCodePage string `json:"printer_codepage,omitempty"`
	// PrintAfter is what is printed when a payment is approved
	// (KASSA_PRINT_AFTER): PrintBoth, PrintCustomer or PrintAsk; empty is
	// PrintBoth on an ESC/POS printer and PrintAsk with the PDF.
	PrintAfter string `json:"print_after,omitempty"`

	// SimAutoSwipe is the simulated reader's auto-swipe delay (demo mode or
	// Reader "sim"): 0 is the simulator's default (1.5 s), negative turns it
	// off (swipe from the demo panel). Env KASSA_SIM_AUTOSWIPE.
	SimAutoSwipe time.Duration `json:"-"`
	// NoReader: do not open the card reader (headless commands that make no
	// payment).
	NoReader bool `json:"-"`

	// ResultWait is how long Pay waits for a final answer after sending
	// before it returns the payment as unknown (it keeps resolving in the
	// background). Default 2 minutes. Env KASSA_RESULT_WAIT; not in the file.
	ResultWait time.Duration `json:"-"`
	// PollInterval is the status polling interval for the first five minutes
	// (MAPI §4: 3–5 s, i.e. 4 s ± 25 %). Default 4 s. Env
	// KASSA_POLL_INTERVAL (tests shorten it); not in the file.
	PollInterval time.Duration `json:"-"`
	// NotFoundGrace is how long a sent payment the gateway reports as "order
	// not found" stays unknown before it is recorded as not charged ("the
	// bank has no record of it"). Default 10 minutes. Env
	// KASSA_NOT_FOUND_GRACE; not in the file.
	NotFoundGrace time.Duration `json:"-"`
	// HoldPeriod is how long an approved preauth's hold lasts from the
	// preauth (MAPI.md §9): open holds show their time left, warn from
	// HoldWarning before the end, and a capture or release after it is
	// refused. Default 7 days. In the file and Settings as whole days,
	// hold_period_days, 1 to 30 (HoldPeriodDays); env KASSA_HOLD_PERIOD (a
	// duration, issue 11) overrides it.
	HoldPeriod time.Duration `json:"hold_period_days,omitempty"`

	// issue 14: automatic backups after every finished close-day into
	// BackupDir (KASSA_BACKUP_DIR, or Settings; empty: none), keeping the
	// newest BackupKeep (KASSA_BACKUP_KEEP; 0: store.DefaultBackupKeep, 30).
	BackupDir  string `json:"backup_dir,omitempty"`
	BackupKeep int    `json:"backup_keep,omitempty"`
}

// Defaults.
const (
	DefaultCurrency      = "RUB"
	DefaultSaleTimeout   = 30 * time.Second
	DefaultResultWait    = 2 * time.Minute
	DefaultPollInterval  = 4 * time.Second
	DefaultNotFoundGrace = 10 * time.Minute
	DefaultHoldPeriod    = 7 * 24 * time.Hour // issue 11
	// HoldWarning is how long before its end an open hold is shown as
	// expiring (amber).
	HoldWarning = 2 * 24 * time.Hour
	// KeyringService is the OS keyring service holding the control key.
	KeyringService = "kassa"
)

// ErrKeyringUnavailable is returned (wrapped) when the OS keyring cannot be
// used, e.g. no D-Bus secret service on a headless machine.
var ErrKeyringUnavailable = errors.New("the OS keyring is not available (no secret service?); set KASSA_CONTROL_KEY instead")

// ConfigDir is os.UserConfigDir()/kassa (or ./kassa-config if there is none).
func ConfigDir() string {
	d, err := os.UserConfigDir()
	if err != nil || d == "" {
		return "kassa-config"
	}
	return filepath.Join(d, "kassa")
}

// ConfigPath is the config file's path.
func ConfigPath() string { return filepath.Join(ConfigDir(), "config.json") }

// LoadConfig reads the config file (missing is fine), applies environment
// overrides and defaults, and fetches the control key from the keyring when
// KASSA_CONTROL_KEY is not set. With demo true, or with no gateway
// configured, the result is in demo mode. A terminal id is made and saved at
// first start.
func LoadConfig(demo bool) (Config, error) {
	var cfg Config
	b, err := os.ReadFile(ConfigPath())
	switch {
	case err == nil:
		if cfg, err = parseConfigFile(b); err != nil {
			return Config{}, fmt.Errorf("config file %s: %w", ConfigPath(), err)
		}
	case errors.Is(err, os.ErrNotExist):
	default:
		return Config{}, fmt.Errorf("config file: %w", err)
	}
	if err := applyEnv(&cfg); err != nil {
		return Config{}, err
	}
	if cfg.TerminalID == "" {
		id := uuid.NewString()
		cfg.TerminalID = id
		// Saved (alone: never the environment's overrides) so the id stays
		// the same; failure to save is not fatal.
		_ = updateConfigFile(func(c *Config) { c.TerminalID = id })
	}
	cfg.Demo = demo || cfg.GatewayURL == ""
	if !cfg.Demo && cfg.ControlKey == "" {
		k, err := keyring.Get(KeyringService, keyringUser(cfg))
		if err != nil && !errors.Is(err, keyring.ErrNotFound) {
			return cfg, fmt.Errorf("control key: %w: %v", ErrKeyringUnavailable, err)
		}
		cfg.ControlKey = k
	}
	cfg.fillDefaults()
	return cfg, nil
}

// parseConfigFile decodes the config file's content. Fields the file never
// carries (the control key, demo mode, the advanced timings) stay zero.
func parseConfigFile(b []byte) (Config, error) {
	var cfg Config
	if err := json.Unmarshal(b, &cfg); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func keyringUser(cfg Config) string {
	if cfg.Login != "" {
		return cfg.Login
	}
	return "control-key"
}

func applyEnv(cfg *Config) error {
	str := map[string]*string{
		"KASSA_DATA_DIR":        &cfg.DataDir,
		"KASSA_GATEWAY_URL":     &cfg.GatewayURL,
		"KASSA_ENDPOINT_ID":     &cfg.EndpointID,
		"KASSA_LOGIN":           &cfg.Login,
		"KASSA_CONTROL_KEY":     &cfg.ControlKey,
		"KASSA_READER":          &cfg.Reader,
		"KASSA_CALLBACK_LISTEN": &cfg.CallbackListen,
		"KASSA_CALLBACK_URL":    &cfg.CallbackURL,
		"KASSA_CURRENCY":        &cfg.Currency,
		"KASSA_TERMINAL_ID":     &cfg.TerminalID,
		"KASSA_BACKUP_DIR":      &cfg.BackupDir, // issue 14
		// issue 16: the receipt printer
		"KASSA_PRINTER":          &cfg.Printer,
		"KASSA_PRINTER_CODEPAGE": &cfg.PrinterCodePage,
		"KASSA_PRINT_AFTER":      &cfg.PrintAfter,
	}
	for k, p := range str {
		if v, ok := os.LookupEnv(k); ok && v != "" {
			*p = strings.TrimSpace(v)
		}
	}
	if err := applyPrinterEnv(cfg); err != nil {
		return err
	}
	durs := []struct {
		name string
		dst  *time.Duration
		neg  bool
	}{
		{"KASSA_SALE_TIMEOUT", &cfg.SaleTimeout, false},
		// Advanced (mainly for tests): see the Config fields.
		{"KASSA_RESULT_WAIT", &cfg.ResultWait, false},
		{"KASSA_POLL_INTERVAL", &cfg.PollInterval, false},
		{"KASSA_NOT_FOUND_GRACE", &cfg.NotFoundGrace, true},
		{"KASSA_SIM_AUTOSWIPE", &cfg.SimAutoSwipe, true},
		{"KASSA_HOLD_PERIOD", &cfg.HoldPeriod, false}, // issue 11
	}
	if err := applyBackupEnv(cfg); err != nil { // issue 14: KASSA_BACKUP_KEEP
		return err
	}
	for _, d := range durs {
		v := strings.TrimSpace(os.Getenv(d.name))
		if v == "" {
			continue
		}
		x, err := parseEnvDuration(d.name, v, d.neg)
		if err != nil {
			return err
		}
		*d.dst = x
	}
	return nil
}

// parseEnvDuration parses the value v of the duration variable name: a Go
// duration (30s, 1m30s) or plain seconds. It must be positive; with neg,
// zero and negative values are allowed too (zero becomes 1ns: "immediately",
// as 0 in Config means the default).
func parseEnvDuration(name, v string, neg bool) (time.Duration, error) {
	x, err := time.ParseDuration(v)
	if err != nil {
		// plain seconds
		n, err2 := strconv.Atoi(v)
		if err2 != nil {
			return 0, fmt.Errorf("%s=%q: want a duration like 30s", name, v)
		}
		// n seconds must fit a Duration: a larger count would wrap round
		// to some unrelated (even tiny or negative) timeout.
		if lim := int(math.MaxInt64 / time.Second); n > lim || n < -lim {
			return 0, fmt.Errorf("%s=%q: too long, want at most %d seconds", name, v, lim)
		}
		x = time.Duration(n) * time.Second
	}
	if x < 0 && !neg || x == 0 && !neg {
		return 0, fmt.Errorf("%s=%q: must be positive", name, v)
	}
	if x == 0 {
		x = 1
	}
	return x, nil
}

func (c *Config) fillDefaults() {
	if c.DataDir == "" {
		c.DataDir = ConfigDir()
	}
	if c.Currency == "" {
		c.Currency = DefaultCurrency
	}
	c.Currency = strings.ToUpper(c.Currency)
	if c.SaleTimeout <= 0 {
		c.SaleTimeout = DefaultSaleTimeout
	}
	if c.ResultWait <= 0 {
		c.ResultWait = DefaultResultWait
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.NotFoundGrace <= 0 {
		c.NotFoundGrace = DefaultNotFoundGrace
	}
	if c.HoldPeriod <= 0 {
		c.HoldPeriod = DefaultHoldPeriod
	}
	if c.Reader == "" {
		c.Reader = "auto"
	}
	if c.TerminalName == "" {
		c.TerminalName = "Kassa"
	}
}

// SaveConfig writes the config file (never the control key). Environment
// overrides in force are written as they are.
func SaveConfig(cfg Config) error { return saveFile(cfg) }

func saveFile(cfg Config) error {
	if err := os.MkdirAll(ConfigDir(), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	tmp := ConfigPath() + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, ConfigPath())
}

// StoreControlKey saves the control key in the OS keyring (service "kassa")
// for the login of the saved config. It returns an error wrapping
// ErrKeyringUnavailable when there is no keyring.
func StoreControlKey(key string) error {
	var cfg Config
	if b, err := os.ReadFile(ConfigPath()); err == nil {
		_ = json.Unmarshal(b, &cfg)
	}
	if v := os.Getenv("KASSA_LOGIN"); v != "" {
		cfg.Login = v
	}
	if err := keyring.Set(KeyringService, keyringUser(cfg), key); err != nil {
		return fmt.Errorf("%w: %v", ErrKeyringUnavailable, err)
	}
	return nil
}
