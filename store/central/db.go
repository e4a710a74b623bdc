package central

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DB is what the package needs of a database handle: *pgx.Conn (and
// pgxpool.Pool) satisfy it.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Errors of the package. Test them with errors.Is.
var (
	// ErrNoSchema means the database has no (or an older) central schema:
	// run kassa central init.
	ErrNoSchema = errors.New("the store database has no kassa schema; run kassa central init")
	// ErrRefused means the database refused an event of the journal (see
	// *Refusal for which and why).
	ErrRefused = errors.New("the store database refused an event of this journal")
	// ErrNotConfigured means KASSA_CENTRAL_DB is not set.
	ErrNotConfigured = errors.New("no store database configured (KASSA_CENTRAL_DB)")
)

// DefaultConnectTimeout bounds Connect when the context has no deadline.
const DefaultConnectTimeout = 5 * time.Second

// Connect opens one connection to the database named by dsn (a PostgreSQL
// connection string or URL). Statements run in pgx's exec mode: no
// server-side prepared statement outlives a statement, so the connection may
// go through PgBouncer in transaction mode.
func Connect(ctx context.Context, dsn string) (*pgx.Conn, error) { return connect(ctx, dsn, "") }

func connect(ctx context.Context, dsn, password string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store database address: %w", err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	if cfg.Password == "" && password != "" {
		cfg.Password = password
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "kassa"
	}
	return pgx.ConnectConfig(ctx, cfg)
}
