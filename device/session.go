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

// The session layer (READER-PROTOCOL §10): one command at a time over one
// link; unsolicited messages go to an event channel, never the response
// queue; response timeouts of 3 s (RESET DEVICE 10 s); any framing error,
// EOF, write error or response timeout breaks the session for good (the
// caller closes and reopens); a non-9000 status word fails only its command;
// after 9F26 the session sends ABORT and retries the command once.

// rxMessage is one reassembled message from the reader.
type rxMessage struct {
	nad         byte
	unsolicited bool
	apdu        []byte // response APDU: body + SW1 SW2
}

// session owns one link. Its reader goroutine ends when the link breaks or
// the session is closed; done is closed then and err says why.
type session struct {
	conn  io.ReadWriteCloser
	log   *slog.Logger
	respT time.Duration

	cmdMu  sync.Mutex // one command at a time (ABORT of a blocked START aside)
	pendMu sync.Mutex
	pend   []*waiter // commands waiting for their response, oldest first (at most a START and its ABORT)

	events chan rxMessage // unsolicited messages, NAD 01

	done      chan struct{}
	breakOnce sync.Once
	err       error // set before done is closed
	wg        sync.WaitGroup

	in *timedReader
}

// newSession starts the reader goroutine on conn.
func newSession(conn io.ReadWriteCloser, log *slog.Logger, respTimeout time.Duration) *session {
	if respTimeout <= 0 {
		respTimeout = DefaultResponseTimeout
	}
	s := &session{
		conn:   conn,
		log:    log,
		respT:  respTimeout,
		events: make(chan rxMessage, 32),
		done:   make(chan struct{}),
	}
	s.in = newTimedReader(conn, s.done)
	s.wg.Add(2)
	go func() { defer s.wg.Done(); s.in.pump() }()
	go func() { defer s.wg.Done(); s.readLoop() }()
	return s
}

// fail breaks the session once: records why, closes the link and wakes every
// waiter. Later calls are no-ops.
func (s *session) fail(err error) {
	s.breakOnce.Do(func() {
		s.err = err
		close(s.done)
		_ = s.conn.Close()
		if !errors.Is(err, ErrClosed) {
			s.log.Warn("reader session broken", "err", err)
		}
	})
}

// close ends the session and waits for its goroutines.
func (s *session) close() {
	s.fail(ErrClosed)
	s.wg.Wait()
}

// broken reports the error that broke the session, or nil.
func (s *session) broken() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

// readLoop reads packets, reassembles messages and routes them.
func (s *session) readLoop() {
	fr := newFrameReader(s.in)
	for {
		m, err := fr.next()
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			s.fail(&linkError{cause: err})
			return
		}
		if m.nad != NADMPI {
			// A Miura retail base (RPI): reassembled, then discarded [OD].
			s.log.Debug("reader: discarded message from NAD 02", "len", len(m.apdu))
			continue
		}
		if m.unsolicited {
			select {
			case s.events <- m:
			default:
				s.log.Warn("reader: event queue full, unsolicited message dropped")
				clear(m.apdu)
			}
			continue
		}
		w := s.pair(m)
		if w == nil {
			// A response nobody waits for would pair with the wrong command.
			s.fail(&linkError{cause: errors.New("unexpected response from the reader")})
			return
		}
		w.ch <- m
	}
}

// waiter is one command waiting for its response.
type waiter struct {
	ch    chan rxMessage // buffered 1
	abort bool           // an ABORT sent while a blocking command is outstanding
}

func newWaiter(abort bool) *waiter { return &waiter{ch: make(chan rxMessage, 1), abort: abort} }

// pair takes the waiter a response belongs to off the queue (§12.3): with
// one outstanding command, that one; with a blocked START and its ABORT,
// a bare 9000 is the ABORT's and anything else the START's (as Miura's SDK
// guesses). nil when nobody waits.
func (s *session) pair(m rxMessage) *waiter {
	s.pendMu.Lock()
	defer s.pendMu.Unlock()
	if len(s.pend) == 0 {
		return nil
	}
	i := 0
	if len(s.pend) > 1 {
		bare := len(m.apdu) == 2 && SW(m.apdu[0])<<8|SW(m.apdu[1]) == SWSuccess
		for j, w := range s.pend {
			if w.abort == bare {
				i = j
				break
			}
		}
	}
	w := s.pend[i]
	s.pend = append(s.pend[:i:i], s.pend[i+1:]...)
	return w
}

// enqueue registers w before its command is sent.
func (s *session) enqueue(w *waiter) {
	s.pendMu.Lock()
	s.pend = append(s.pend, w)
	s.pendMu.Unlock()
}

// dequeue removes w if it is still waiting and reports whether it was.
func (s *session) dequeue(w *waiter) bool {
	s.pendMu.Lock()
	defer s.pendMu.Unlock()
	for i, x := range s.pend {
		if x == w {
			s.pend = append(s.pend[:i:i], s.pend[i+1:]...)
			return true
		}
	}
	return false
}

// send writes one command packet.
func (s *session) send(c Command) error {
	if err := s.broken(); err != nil {
		return err
	}
	pkt, err := encodeCommand(c)
	if err != nil {
		return err
	}
	if _, err := s.conn.Write(pkt); err != nil {
		err = &linkError{cause: fmt.Errorf("write %s: %w", c.Name, err)}
		s.fail(err)
		return err
	}
	return nil
}

// transact sends c and, unless c has no response, waits for its response and
// returns the response body. It implements the 9F26 rule (ABORT, retry once).
// ctx is only checked before sending: once a command is out, only its
// response or the response timeout ends the wait (a late response would
// otherwise pair with the next command).
func (s *session) transact(ctx context.Context, c Command) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.cmdMu.Lock()
	defer s.cmdMu.Unlock()
	body, sw, err := s.roundTrip(c)
	if err == nil && sw == SWNotAllowed && c.retryAfterAbortSW {
		s.log.Info("reader: command not allowed in this state, sending ABORT and retrying once", "cmd", c.Name)
		if _, asw, aerr := s.roundTrip(Abort()); aerr != nil {
			return nil, aerr
		} else if asw != SWSuccess {
			s.log.Warn("reader: ABORT refused", "sw", asw.String())
		}
		body, sw, err = s.roundTrip(c)
	}
	if err != nil {
		return nil, err
	}
	if sw != SWSuccess && !c.NoResponse {
		if sw.DriverBug() {
			s.log.Error("reader: command refused as malformed (driver bug)", "cmd", c.Name, "sw", sw.String())
		}
		return nil, &StatusError{Command: c.Name, SW: sw}
	}
	return body, nil
}

func (s *session) roundTrip(c Command) (body []byte, sw SW, err error) {
	start := time.Now()
	if c.NoResponse {
		err = s.send(c)
		s.log.Debug("reader: sent", "cmd", c.Name, "err", err)
		return nil, SWSuccess, err
	}
	w := newWaiter(false)
	s.enqueue(w)
	if err := s.send(c); err != nil {
		return nil, 0, err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = s.respT
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case m := <-w.ch:
		return s.parsed(c, m, start)
	case <-s.done:
		return nil, 0, s.err
	case <-t.C:
		err = &linkError{timeout: true, cause: fmt.Errorf("no response to %s within %v", c.Name, timeout)}
		s.fail(err)
		return nil, 0, err
	}
}

// parsed splits the response to c; a malformed one breaks the session.
func (s *session) parsed(c Command, m rxMessage, start time.Time) ([]byte, SW, error) {
	body, sw, err := ParseResponse(m.apdu)
	if err != nil {
		err = &linkError{cause: fmt.Errorf("%s: %w", c.Name, err)}
		s.fail(err)
		return nil, 0, err
	}
	s.log.Debug("reader: response", "cmd", c.Name, "sw", sw.String(), "took", time.Since(start))
	return body, sw, nil
}

// drainEvents discards queued unsolicited messages (stale state from before
// a read).
func (s *session) drainEvents() {
	for {
		select {
		case m := <-s.events:
			clear(m.apdu)
		default:
			return
		}
	}
}

// timedReader turns the link into a reader for the packet parser with the
// §2 rule: once a packet's first byte is in, the rest must arrive within 1 s.
// A pump goroutine reads the link (any io.Reader: serial port, pty, pipe).
type timedReader struct {
	src  io.Reader
	ch   chan []byte
	done <-chan struct{}
	err  error // set before ch is closed

	buf      []byte
	deadline time.Time // zero: waiting for a packet's first byte
	inPacket bool
}

func newTimedReader(src io.Reader, done <-chan struct{}) *timedReader {
	return &timedReader{src: src, ch: make(chan []byte, 4), done: done}
}

// pump copies the link into ch until a read error (EOF, port closed).
// A read returning 0 bytes and no error (a serial read timeout) is retried.
func (t *timedReader) pump() {
	defer close(t.ch)
	for {
		b := make([]byte, 512)
		n, err := t.src.Read(b)
		if n > 0 {
			select {
			case t.ch <- b[:n]:
			case <-t.done:
				return
			}
		}
		if err != nil {
			t.err = err
			return
		}
	}
}

// startPacket marks the start of a packet: the next byte read starts the
// 1 s clock.
func (t *timedReader) startPacket() { t.inPacket = false }

// Read implements io.Reader for the packet parser.
func (t *timedReader) Read(p []byte) (int, error) {
	for len(t.buf) == 0 {
		var timeout <-chan time.Time
		if t.inPacket {
			d := time.Until(t.deadline)
			if d <= 0 {
				return 0, errPacketTimeout
			}
			tm := time.NewTimer(d)
			defer tm.Stop()
			timeout = tm.C
		}
		select {
		case b, ok := <-t.ch:
			if !ok {
				if t.err == nil || t.err == io.EOF {
					return 0, io.EOF
				}
				return 0, t.err
			}
			t.buf = b
		case <-timeout:
			return 0, errPacketTimeout
		case <-t.done:
			return 0, ErrClosed
		}
	}
	if !t.inPacket {
		t.inPacket = true
		t.deadline = time.Now().Add(PacketTimeout) // §2: the rest within 1 s of the NAD
	}
	n := copy(p, t.buf)
	t.buf = t.buf[n:]
	return n, nil
}
