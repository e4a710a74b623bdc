package central

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"kassa/store"
)

// Shipper ships one lane's journal in the background: after every Notify,
// and every IdleInterval anyway, it ships what the database lacks. It keeps
// its connection while the lane is busy and closes it after KeepOpen
// without a round that shipped something (idle lanes hold no backend; busy
// ones do not pay a connection per sale). After an error it drops the
// connection and backs off from 1 s to 60 s. Nothing it does blocks the caller: Notify never waits, and a
// payment's journal write never waits for the shipper (bbolt readers do not
// block its writer).
type Shipper struct {
	cfg  Config
	src  Source
	opts ShipperOptions
	wake chan struct{}

	connMu   sync.Mutex // one round at a time; guards conn and lastSent
	conn     *pgx.Conn
	lastSent time.Time

	mu sync.Mutex
	st ShipperStatus

	done chan struct{} // Start's goroutine
}

// ShipperOptions tune a Shipper. Zero values mean the defaults.
type ShipperOptions struct {
	Ship         ShipOptions
	IdleInterval time.Duration // default 30 s
	MinBackoff   time.Duration // default 1 s
	MaxBackoff   time.Duration // default 60 s
	// KeepOpen is how long the connection stays open after the last round
	// that shipped events (default 60 s; negative: a new connection per
	// round).
	KeepOpen time.Duration
	Logger   *slog.Logger
}

// ShipperStatus is what the lane shows: "N events not yet at the store
// database" (Backlog), and when it last reached it.
type ShipperStatus struct {
	Enabled     bool      // a store database is configured
	Backlog     int       // events not yet committed at the store database; -1 unknown
	DBSeq       uint64    // the database's last accepted seq for this journal
	LastContact time.Time // last successful round
	LastError   string    // short error of the last round, "" when it succeeded
	Refused     *Refusal  // the database refused an event: shipping is stuck until a manager acts
}

// NewShipper returns a shipper of src to the database of cfg. With cfg not
// Enabled, Run returns at once and Status says Enabled false.
func NewShipper(cfg Config, src Source, opts ShipperOptions) *Shipper {
	if opts.IdleInterval <= 0 {
		opts.IdleInterval = 30 * time.Second
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Minute
	}
	if opts.KeepOpen == 0 {
		opts.KeepOpen = time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Ship.Logger == nil {
		opts.Ship.Logger = opts.Logger
	}
	return &Shipper{cfg: cfg, src: src, opts: opts, wake: make(chan struct{}, 1),
		st: ShipperStatus{Enabled: cfg.Enabled(), Backlog: -1}}
}

// Notify asks for a round soon (after a journal write). It never blocks.
func (s *Shipper) Notify() {
	if s == nil {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Status returns the last round's outcome.
func (s *Shipper) Status() ShipperStatus {
	if s == nil {
		return ShipperStatus{Backlog: 0}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	return st
}

// Run ships until ctx is done. It returns at once when no store database is
// configured.
func (s *Shipper) Run(ctx context.Context) {
	if !s.cfg.Enabled() {
		return
	}
	backoff := s.opts.MinBackoff
	for {
		wait := s.opts.IdleInterval
		if err := s.Flush(ctx); err != nil && ctx.Err() == nil {
			wait = backoff
			backoff = min(backoff*2, s.opts.MaxBackoff)
		} else {
			backoff = s.opts.MinBackoff
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			s.closeConn()
			return
		case <-s.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// Flush runs one round now: connect, ship, disconnect, all within the
// ShipOptions timeout and ctx. Headless commands call it before they exit
// with a short context.
func (s *Shipper) Flush(ctx context.Context) error {
	if s == nil || !s.cfg.Enabled() {
		return ErrNotConfigured
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Ship.timeout())
	defer cancel()
	res, err := s.round(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if res.To > 0 || err == nil {
		s.st.DBSeq = res.To
	}
	s.st.Backlog = res.Backlog
	var ref *Refusal
	s.st.Refused = nil
	if errors.As(err, &ref) {
		s.st.Refused = ref
	}
	if err != nil {
		if s.st.Backlog < 0 {
			s.st.Backlog = Backlog(s.src, s.st.DBSeq)
		}
		s.st.LastError = err.Error()
		s.opts.Logger.Warn("store database: shipping failed", "err", err, "backlog", s.st.Backlog)
		return err
	}
	s.st.LastError = ""
	s.st.LastContact = time.Now()
	return nil
}

func (s *Shipper) round(ctx context.Context) (Result, error) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.conn != nil && (s.conn.IsClosed() || s.opts.KeepOpen < 0 || time.Since(s.lastSent) > s.opts.KeepOpen) {
		s.closeLocked()
	}
	if s.conn == nil {
		conn, err := s.cfg.Connect(ctx)
		if err != nil {
			return Result{Backlog: -1}, err
		}
		s.conn, s.lastSent = conn, time.Now()
	}
	res, err := Ship(ctx, s.src, s.conn, s.cfg.LaneInfo(), s.opts.Ship)
	switch {
	case err != nil || s.opts.KeepOpen < 0:
		s.closeLocked()
	case res.Shipped > 0:
		s.lastSent = time.Now()
	}
	return res, err
}

// closeConn closes the kept connection, if any.
func (s *Shipper) closeConn() {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	s.closeLocked()
}

func (s *Shipper) closeLocked() {
	if s.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = s.conn.Close(ctx)
	s.conn = nil
}

// Close closes the kept connection (Run closes it when it returns).
func (s *Shipper) Close() {
	if s != nil {
		s.closeConn()
	}
}

// Start is what the engine calls once its journal is open: it reads
// KASSA_CENTRAL_DB, KASSA_STORE_ID and KASSA_LANE (default terminalID) and,
// when a store database is configured, ships j in the background until ctx
// is done. It returns nil when none is configured; every Shipper method is
// safe on nil (Notify does nothing, Status says Enabled false, Flush returns
// ErrNotConfigured), so callers need no checks.
func Start(ctx context.Context, j *store.Journal, terminalID string, log *slog.Logger) *Shipper {
	cfg := ConfigFromEnv(terminalID)
	if !cfg.Enabled() {
		return nil
	}
	s := NewShipper(cfg, FromJournal(j), ShipperOptions{Logger: log})
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		s.Run(ctx)
	}()
	return s
}

// Done is closed when the goroutine Start began has returned (closed at
// once for a nil Shipper or one Start did not run).
func (s *Shipper) Done() <-chan struct{} {
	if s == nil || s.done == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return s.done
}
