// Package device is the host driver for the Miura card reader, per
// READER-PROTOCOL.md: packet framing (frame.go), APDUs (apdu.go), BER-TLV
// (device/tlv), the §5 command subset and the §12 chip commands
// (commands.go), the session rules of §10 (session.go, blocking.go: START
// and CONTINUE wait on the cardholder, ABORT may go out while one blocks)
// and, here, the Reader the checkout engine uses: open, identity, card reads
// ("take a card": contactless, chip or swipe, take.go), chip transactions
// (chip.go), display, reconnection and a stream of reader states. Card data
// leaves as the reader's whole template (§8, device/emv).
//
// Card data never reaches a log: DFAE02, DFAE04, clear tracks and whole
// templates are neither logged nor kept beyond the Card; DFAE22/DFAE57/DFAE5A
// (masked), DFAE03/DFAE05 (KSN) and 9F1E may be.
package device

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Options configure a Reader.
type Options struct {
	Port            string        // serial port path, or "auto" (find a Miura reader by USB VID/PID)
	Logger          *slog.Logger  // nil: discard
	ResponseTimeout time.Duration // per command; default 3 s (RESET DEVICE: ResetTimeout)
	ReadTimeout     time.Duration // host timeout of a card read; default 60 s
	Reconnect       bool          // reopen the link after it breaks (§10)

	// ResetTimeout overrides the RESET DEVICE response timeout (default 10 s).
	ResetTimeout time.Duration
	// Backoff is the reconnect schedule; the last entry repeats. Default
	// 0.5, 1, 2, 4 s, then every 5 s. Attempts after the first len-1 report
	// the state "gone".
	Backoff []time.Duration
	// Dial reopens the link on reconnect (OpenConn). Open sets it to reopen
	// the serial port (re-found through the enumerator when needed).
	Dial func(ctx context.Context) (io.ReadWriteCloser, error)
	// IdleText is shown on the reader when idle; default "Welcome".
	IdleText string
	// BatteryInterval polls BATTERY STATUS while idle and reports a change as
	// a new "connected" state with the new Info.Battery; 0 = every 5 minutes,
	// < 0 = never.
	BatteryInterval time.Duration
}

// DefaultBackoff is the §10 reconnect schedule.
var DefaultBackoff = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second}

// DefaultReadTimeout is the host timeout of a card read.
const DefaultReadTimeout = 60 * time.Second

// Battery is the reader's battery state.
type Battery struct {
	Percent  int
	Charging string // on battery | charging | charged | error
}

// Info is the reader's identity.
type Info struct {
	Serial, MPIVersion, OSVersion string
	SREDReady                     bool
	Battery                       Battery
	Port                          string

	// Capabilities from GET DEVICE INFO (§12.6), known once CapsKnown:
	// Capabilities or a chip-capable read asks for them once per connection.
	CapsKnown   bool
	EMV         bool // "EMV" entry: chip (contact)
	Contactless bool // "CTLS" entry
}

// ReadRequest describes one card read.
type ReadRequest struct {
	Display string        // shown while waiting, e.g. "Amount: 10.50 RUB\nSwipe card"
	Timeout time.Duration // until a card is presented; 0: Options.ReadTimeout
	OnEvent func(ReadEvent)

	// Currency set makes the read "take a card" (§12.3): contactless first
	// when the reader offers it, chip on insert, swipe on swipe or after a
	// chip that can't be read. Empty: a swipe-only read as before.
	Currency    string    // ISO 4217 alphabetic, e.g. "RUB"
	AmountMinor int64     // the amount for the reader (START TRANSACTION 9F02)
	Exponent    int       // the currency's decimals (5F36), e.g. 2
	At          time.Time // the transaction's date and time (9A, 9F21); zero: now
	// NoContactless skips START CONTACTLESS even when the reader has CTLS.
	NoContactless bool
	// OnPrompt receives the typed reader events for the screen (both paths).
	OnPrompt func(Prompt)
	// Heading, with Display empty, is a first line above the driver's own
	// prompt ("Tap, insert or swipe", or "Swipe card" on a swipe-only
	// reader), e.g. the amount.
	Heading string
}

// ReadEvent is something the cashier should know during a read.
type ReadEvent string

// Read events.
const (
	EventBadSwipe     ReadEvent = "bad swipe, try again"
	EventChipInserted ReadEvent = "chip inserted, please swipe"
)

// StateKind is the kind of a State.
type StateKind string

// Reader states.
const (
	StateConnected    StateKind = "connected"
	StateReconnecting StateKind = "reconnecting"
	StateGone         StateKind = "gone"
)

// State is one entry of the states stream.
type State struct {
	Kind StateKind
	Info Info
	Err  error
	At   time.Time
}

// Reader is an open card reader. Its methods are safe for concurrent use;
// reads and display updates run one at a time.
type Reader struct {
	opts Options
	log  *slog.Logger

	opMu sync.Mutex // one high-level operation (read, display, battery poll) at a time

	mu     sync.Mutex
	sess   *session
	info   Info
	state  State
	subs   []chan State
	closed bool

	stop chan struct{} // closed by Close
	wg   sync.WaitGroup
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ResponseTimeout <= 0 {
		o.ResponseTimeout = DefaultResponseTimeout
	}
	if o.ResetTimeout <= 0 {
		o.ResetTimeout = ResetTimeout
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	if len(o.Backoff) == 0 {
		o.Backoff = DefaultBackoff
	}
	if o.IdleText == "" {
		o.IdleText = "Welcome"
	}
	if o.BatteryInterval == 0 {
		o.BatteryInterval = 5 * time.Minute
	}
}

// OpenConn opens a reader over any stream (a serial port, a pty, net.Pipe):
// the §10 open sequence RESET DEVICE → P2PE STATUS → BATTERY STATUS
// (optional) → DISPLAY TEXT idle. If opts.Reconnect and opts.Dial are set, a
// broken link is reopened through Dial. On error conn is closed.
func OpenConn(ctx context.Context, conn io.ReadWriteCloser, opts Options) (*Reader, error) {
	opts.defaults()
	r := &Reader{opts: opts, log: opts.Logger, stop: make(chan struct{})}
	s, info, err := r.handshake(ctx, conn)
	if err != nil {
		return nil, err
	}
	info.Port = opts.Port
	r.sess, r.info = s, info
	r.state = State{Kind: StateConnected, Info: info, At: time.Now()}
	r.log.Info("card reader connected", "serial", info.Serial, "mpi", info.MPIVersion, "os", info.OSVersion,
		"sred_ready", info.SREDReady, "battery", info.Battery.String(), "port", info.Port)
	r.wg.Add(1)
	go r.supervise(s)
	if opts.BatteryInterval > 0 {
		r.wg.Add(1)
		go r.pollBattery()
	}
	return r, nil
}

// handshake runs the open sequence on a fresh link. ctx cancels it.
func (r *Reader) handshake(ctx context.Context, conn io.ReadWriteCloser) (*session, Info, error) {
	s := newSession(conn, r.log, r.opts.ResponseTimeout)
	stopWatch := context.AfterFunc(ctx, func() { s.fail(ctx.Err()) })
	defer stopWatch()
	info, err := r.identify(ctx, s)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		s.close()
		if ctx.Err() != nil {
			return nil, Info{}, ctx.Err()
		}
		return nil, Info{}, err
	}
	return s, info, nil
}

func (r *Reader) identify(ctx context.Context, s *session) (Info, error) {
	reset := ResetDevice()
	reset.Timeout = r.opts.ResetTimeout
	body, err := s.transact(ctx, reset)
	if err != nil {
		return Info{}, err
	}
	ri, err := DecodeReset(body)
	if err != nil {
		return Info{}, err
	}
	info := Info{Serial: ri.Serial, MPIVersion: ri.MPIVersion, OSVersion: ri.OSVersion}
	body, err = s.transact(ctx, P2PEStatus())
	if err != nil {
		return Info{}, err
	}
	p2pe, err := DecodeP2PEStatus(body)
	if err != nil {
		return Info{}, err
	}
	info.SREDReady = p2pe.SREDReady()
	if body, err := s.transact(ctx, BatteryStatus()); err != nil {
		if s.broken() != nil {
			return Info{}, err
		}
		r.log.Info("reader: battery status unavailable", "err", err)
	} else if b, err := DecodeBattery(body); err == nil {
		info.Battery = b
	}
	if err := r.display(ctx, s, r.opts.IdleText); err != nil {
		return Info{}, err
	}
	return info, nil
}

func (r *Reader) display(ctx context.Context, s *session, text string) error {
	c, err := DisplayText(text)
	if err != nil {
		return err
	}
	_, err = s.transact(ctx, c)
	return err
}

// Info returns the reader's identity as of the last (re)connection or
// battery update.
func (r *Reader) Info() Info {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.info
}

// current returns the live session or ErrDeviceGone.
func (r *Reader) current() (*session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	if r.sess == nil || r.sess.broken() != nil {
		return nil, fmt.Errorf("%w: %s", ErrDeviceGone, r.state.Kind)
	}
	return r.sess, nil
}

// Display shows text on the reader (lines separated by "\n", at most 249
// bytes of UTF-8).
func (r *Reader) Display(ctx context.Context, text string) error {
	r.opMu.Lock()
	defer r.opMu.Unlock()
	s, err := r.current()
	if err != nil {
		return err
	}
	return r.display(ctx, s, text)
}

// ReadCard shows req.Display, enables card status and waits for a card.
//
// With req.Currency set it "takes a card" (§12.3): START CONTACTLESS when
// the reader lists CTLS, START TRANSACTION on a chip insert, the swipe path
// on a swipe (a fallback swipe after 9F28/9F30). A chip or contactless Card
// carries its E4 (or offline E3/E5) and a ChipTransaction to Continue or End
// later; the reader keeps the card until then. Prompts go to OnPrompt.
//
// Without Currency it waits for a good swipe only (§10): bad swipes and an
// inserted chip card are reported through OnEvent and the wait goes on. On success the reader shows "Processing". A cancelled
// ctx or the host timeout sends CARD STATUS 00 and ABORT and shows the idle
// text; they return ctx.Err() and ErrReadTimeout. A broken link fails the
// read with ErrDeviceGone; it is never retried. Clear card data (a reader
// without SRED keys) fails with ErrNotSREDReady and is wiped.
func (r *Reader) ReadCard(ctx context.Context, req ReadRequest) (*Card, error) {
	r.opMu.Lock()
	defer r.opMu.Unlock()
	s, err := r.current()
	if err != nil {
		return nil, err
	}
	info := r.Info()
	if !info.SREDReady {
		return nil, ErrNotSREDReady
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = r.opts.ReadTimeout
	}
	if req.Currency != "" {
		return r.takeCard(ctx, s, req, info, timeout)
	}
	text := req.Display
	if text == "" {
		text = "Swipe card"
	}
	start := time.Now()
	s.drainEvents()
	if err := r.display(ctx, s, text); err != nil {
		return nil, err
	}
	if _, err := s.transact(ctx, CardStatus(true)); err != nil {
		return nil, err
	}
	r.log.Debug("reader: waiting for a swipe", "timeout", timeout)
	card, err := r.waitSwipe(ctx, s, info.Serial, timeout, req.emitter(r.log))
	if err != nil {
		if s.broken() != nil || errors.Is(err, ErrDeviceGone) {
			r.log.Warn("reader: card read failed, link broken", "err", err)
			return nil, err
		}
		if errors.Is(err, ErrNotSREDReady) {
			r.stopCardStatus(s, r.opts.IdleText)
			return nil, err
		}
		r.cancelRead(s)
		return nil, err
	}
	r.stopCardStatus(s, "Processing")
	r.log.Info("reader: card read", "pan", card.MaskedPAN, "expiry", card.Expiry, "ksn", card.KSN, "took", time.Since(start))
	return card, nil
}

// stopCardStatus sends CARD STATUS 00 and shows text; failures are logged
// only (the read result stands).
func (r *Reader) stopCardStatus(s *session, text string) {
	bg := context.Background()
	if _, err := s.transact(bg, CardStatus(false)); err != nil {
		r.log.Warn("reader: CARD STATUS off failed", "err", err)
		return
	}
	if err := r.display(bg, s, text); err != nil {
		r.log.Warn("reader: display failed", "err", err)
	}
}

// stopCardStatusOpen is stopCardStatus while a chip transaction is open:
// DISPLAY TEXT without the 9F26 ABORT-and-retry rule.
func (r *Reader) stopCardStatusOpen(s *session, text string) {
	bg := context.Background()
	if _, err := s.transact(bg, CardStatus(false)); err != nil {
		r.log.Warn("reader: CARD STATUS off failed", "err", err)
		return
	}
	c, err := DisplayText(text)
	if err == nil {
		c.retryAfterAbortSW = false
		_, err = s.transact(bg, c)
	}
	if err != nil {
		r.log.Info("reader: display during the chip transaction failed", "err", err)
	}
}

// cancelRead is the §10 cancel/timeout sequence: CARD STATUS 00, ABORT,
// DISPLAY TEXT idle.
func (r *Reader) cancelRead(s *session) {
	bg := context.Background()
	if _, err := s.transact(bg, CardStatus(false)); err != nil {
		r.log.Warn("reader: CARD STATUS off failed", "err", err)
		return
	}
	if _, err := s.transact(bg, Abort()); err != nil {
		r.log.Warn("reader: ABORT failed", "err", err)
		if s.broken() != nil {
			return
		}
	}
	if err := r.display(bg, s, r.opts.IdleText); err != nil {
		r.log.Warn("reader: display failed", "err", err)
	}
}

// waitSwipe consumes unsolicited messages until a good swipe.
func (r *Reader) waitSwipe(ctx context.Context, s *session, serial string, timeout time.Duration, emit func(ReadEvent, Prompt)) (*Card, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			r.log.Info("reader: card read cancelled")
			return nil, ctx.Err()
		case <-t.C:
			r.log.Info("reader: no card swiped in time", "timeout", timeout)
			return nil, ErrReadTimeout
		case <-s.done:
			return nil, s.err
		case m := <-s.events:
			card, ev, err := r.handleEvent(m, serial)
			if err != nil || card != nil {
				return card, err
			}
			switch ev {
			case EventBadSwipe:
				emit(ev, PromptTryAgain)
			case EventChipInserted:
				emit(ev, PromptSwipe)
			}
		}
	}
}

// handleEvent applies the §6 driver rules to one unsolicited message. The
// message buffer is wiped before it returns (the card's fields are copies).
func (r *Reader) handleEvent(m rxMessage, serial string) (*Card, ReadEvent, error) {
	defer clear(m.apdu) // wipe: it may hold card data
	body, _, err := ParseResponse(m.apdu)
	if err != nil {
		r.log.Warn("reader: malformed unsolicited message", "err", err)
		return nil, "", nil
	}
	if code, text, ok := DecodeDeviceStatus(body); ok {
		r.log.Info("reader: device status", "code", fmt.Sprintf("%02X", code), "text", text)
		return nil, "", nil
	}
	cs, ok, err := DecodeCardStatus(body)
	if err != nil {
		r.log.Warn("reader: malformed card status message", "err", err)
		return nil, "", nil
	}
	if !ok {
		r.log.Debug("reader: unsolicited message ignored")
		return nil, "", nil
	}
	switch cs.kind() {
	case swipeGood:
		card, err := swipeCard(body, serial, EntrySwipe)
		if err != nil {
			return nil, "", err
		}
		return card, "", nil
	case swipeClear:
		r.log.Error("reader: card data not encrypted (reader not SRED-ready); data wiped")
		return nil, "", ErrNotSREDReady
	case swipeBad:
		return nil, EventBadSwipe, nil
	case swipeChip:
		return nil, EventChipInserted, nil
	}
	r.log.Debug("reader: card status change ignored")
	return nil, "", nil
}

// States returns a new subscription to the reader's states. The current
// state is delivered first. A slow subscriber loses older states, never the
// latest. The channel is closed by Close.
func (r *Reader) States() <-chan State {
	ch := make(chan State, 16)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		close(ch)
		return ch
	}
	ch <- r.state
	r.subs = append(r.subs, ch)
	return ch
}

// setState records and broadcasts a state. Caller holds r.mu.
func (r *Reader) setStateLocked(st State) {
	st.At = time.Now()
	r.state = st
	for _, ch := range r.subs {
		select {
		case ch <- st:
		default:
			select { // full: drop the oldest
			case <-ch:
			default:
			}
			select {
			case ch <- st:
			default:
			}
		}
	}
}

func (r *Reader) setState(st State) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.setStateLocked(st)
	}
}

// supervise waits for the session to break, then reconnects (§10).
func (r *Reader) supervise(s *session) {
	defer r.wg.Done()
	for {
		select {
		case <-r.stop:
			return
		case <-s.done:
		}
		cause := s.err
		s.close()
		info := r.Info()
		if !r.opts.Reconnect || r.opts.Dial == nil {
			r.log.Warn("card reader gone", "err", cause)
			r.setState(State{Kind: StateGone, Info: info, Err: cause})
			return
		}
		r.log.Warn("card reader link broken, reconnecting", "err", cause)
		r.setState(State{Kind: StateReconnecting, Info: info, Err: cause})
		s = r.reconnect(info)
		if s == nil {
			return // closed
		}
	}
}

// reconnect retries opening on the backoff schedule until the reader with
// the same serial answers, or Close. It returns the new session, or nil.
func (r *Reader) reconnect(prev Info) *session {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-r.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	for attempt := 0; ; attempt++ {
		delay := r.opts.Backoff[min(attempt, len(r.opts.Backoff)-1)]
		t := time.NewTimer(delay)
		select {
		case <-r.stop:
			t.Stop()
			return nil
		case <-t.C:
		}
		kind := StateReconnecting
		if attempt >= len(r.opts.Backoff)-1 {
			kind = StateGone
		}
		conn, err := r.opts.Dial(ctx)
		if err != nil {
			r.log.Debug("reader: reconnect attempt failed", "attempt", attempt+1, "err", err)
			r.setState(State{Kind: kind, Info: prev, Err: err})
			continue
		}
		s, info, err := r.handshake(ctx, conn)
		if err != nil {
			r.log.Info("reader: reconnect attempt failed", "attempt", attempt+1, "err", err)
			r.setState(State{Kind: kind, Info: prev, Err: err})
			continue
		}
		if info.Serial != prev.Serial {
			s.close()
			err := fmt.Errorf("%w: serial %s, expected %s", ErrOtherReader, info.Serial, prev.Serial)
			r.log.Warn("reader: not the same reader", "serial", info.Serial, "expected", prev.Serial)
			r.setState(State{Kind: StateGone, Info: prev, Err: err})
			continue
		}
		info.Port = prev.Port
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			s.close()
			return nil
		}
		r.sess, r.info = s, info
		r.setStateLocked(State{Kind: StateConnected, Info: info})
		r.mu.Unlock()
		r.log.Info("card reader reconnected", "serial", info.Serial, "attempt", attempt+1)
		return s
	}
}

// pollBattery asks BATTERY STATUS while idle and reports changes.
func (r *Reader) pollBattery() {
	defer r.wg.Done()
	t := time.NewTicker(r.opts.BatteryInterval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		if !r.opMu.TryLock() {
			continue // a read is running
		}
		r.refreshBattery()
		r.opMu.Unlock()
	}
}

func (r *Reader) refreshBattery() {
	s, err := r.current()
	if err != nil {
		return
	}
	body, err := s.transact(context.Background(), BatteryStatus())
	if err != nil {
		r.log.Debug("reader: battery status failed", "err", err)
		return
	}
	b, err := DecodeBattery(body)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.sess != s || r.info.Battery == b {
		return
	}
	r.info.Battery = b
	r.setStateLocked(State{Kind: StateConnected, Info: r.info}) // battery update
}

// Close shows nothing more, closes the link and stops every goroutine. The
// states channels are closed.
func (r *Reader) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.setStateLocked(State{Kind: StateGone, Info: r.info, Err: ErrClosed})
	r.closed = true
	close(r.stop)
	s := r.sess
	r.mu.Unlock()
	if s != nil {
		s.close()
	}
	r.wg.Wait()
	r.mu.Lock()
	for _, ch := range r.subs {
		close(ch)
	}
	r.subs = nil
	r.mu.Unlock()
	return nil
}
