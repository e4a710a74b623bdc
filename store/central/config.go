package central

import (
	"context"
	"errors"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/zalando/go-keyring"
)

// Environment variables of the store database.
const (
	EnvDB    = "KASSA_CENTRAL_DB" // PostgreSQL connection string; unset: no shipping at all
	EnvStore = "KASSA_STORE_ID"   // the store's id (default DefaultStoreID)
	EnvLane  = "KASSA_LANE"       // the lane's name (default: the terminal id)
)

// DefaultStoreID is the store id when KASSA_STORE_ID is not set.
const DefaultStoreID = "default"

// Keyring names of the store database password (used when the connection
// string carries none): service "kassa", user KeyringUser.
const (
	KeyringService = "kassa"
	KeyringUser    = "central-db"
)

// Config is where and as whom a lane ships.
type Config struct {
	DSN        string // KASSA_CENTRAL_DB
	StoreID    string // KASSA_STORE_ID
	Lane       string // KASSA_LANE, default TerminalID
	TerminalID string
	// Password comes from the OS keyring when DSN has none; never logged.
	Password string
}

// Enabled reports whether a store database is configured.
func (c Config) Enabled() bool { return c.DSN != "" }

// LaneInfo is the lane's attributes as the database keeps them.
func (c Config) LaneInfo() Lane {
	return Lane{StoreID: c.StoreID, Lane: c.Lane, TerminalID: c.TerminalID}
}

// ConfigFromEnv reads KASSA_CENTRAL_DB, KASSA_STORE_ID and KASSA_LANE.
// Without KASSA_CENTRAL_DB the result is not Enabled and nothing else is
// looked at. When the connection string has no password, the keyring
// (service "kassa", user "central-db") is asked; a missing keyring is not an
// error (trust, peer or .pgpass authentication need none).
func ConfigFromEnv(terminalID string) Config {
	c := Config{DSN: strings.TrimSpace(os.Getenv(EnvDB)), TerminalID: terminalID}
	if !c.Enabled() {
		return c
	}
	c.StoreID = strings.TrimSpace(os.Getenv(EnvStore))
	if c.StoreID == "" {
		c.StoreID = DefaultStoreID
	}
	c.Lane = strings.TrimSpace(os.Getenv(EnvLane))
	if c.Lane == "" {
		c.Lane = terminalID
	}
	if pc, err := pgx.ParseConfig(c.DSN); err == nil && pc.Password == "" && os.Getenv("PGPASSWORD") == "" {
		if pw, err := keyring.Get(KeyringService, KeyringUser); err == nil {
			c.Password = pw
		}
	}
	return c
}

// Connect opens a connection with the configuration (see Connect).
func (c Config) Connect(ctx context.Context) (*pgx.Conn, error) {
	if !c.Enabled() {
		return nil, ErrNotConfigured
	}
	return connect(ctx, c.DSN, c.Password)
}

// StorePassword saves the store database password in the OS keyring.
func StorePassword(pw string) error {
	if err := keyring.Set(KeyringService, KeyringUser, pw); err != nil {
		return errors.Join(errors.New("the OS keyring is not available; put the password in KASSA_CENTRAL_DB or ~/.pgpass"), err)
	}
	return nil
}
