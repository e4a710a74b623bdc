// Package sandbox is a local Elecsnet mPOS API gateway (MAPI.md §7): a real
// net/http server for sale, preauth, status, close-day, capture, return and
// callbacks, with the test cards of §7 and §9 and the timings of §8. It runs
// embedded (tests, demo mode) through New or Start, and standalone as `kassa
// sandbox`. It speaks plain HTTP on the address it is given (use loopback).
//
// Defaults: login "demo", control key "demo-control-key", endpoint "1",
// currency RUB, the test BDK of READER-PROTOCOL.md §7 and the test IMK of
// §12.4, real §8 timings, orders in memory only.
//
// Card data (READER-PROTOCOL.md §8): encrypted-type "miura" and the hex
// (either case) of the reader's whole template, E1 for a swipe, E4 (or an
// offline E3/E5) for chip and contactless, parsed, decrypted and checked
// against its masked PAN and expiry with device/emv, the implementation the
// reader and its simulator use. Anything else is code 1.
//
// Chip and contactless (MAPI.md §10): the ARQC is verified (wrong: declined,
// auth-response-code Z1) and an online PIN block checked against 1234
// (…0705 on contact must carry one; wrong: declined, 55). A contact issuer
// approval, and …0002 with ARC 05, come to the EMV stage when the card's
// scenario would be final: processing, order-stage sale_emv_validating
// (auth_emv_validating for a preauth), auth-response-code and
// emv-issuer-response = 91 computed from the ARQC. The emv-advice's E3 must
// carry a TC that verifies (else declined, Z1): approved after 1 s; an E5
// after 00 is reversed ("declined by the card"); after 05 the issuer's
// decline stands. No advice within 60 s of the stage: declined ("no card
// confirmation"). Contactless (DF30) is final by the scenario without the
// stage; an E3/E5 sent as the sale is approved/declined. Every other contact
// outcome ends without the stage. Status replies of chip orders carry the
// emv-* receipt fields.
//
// Test cards (PAN decrypted from encrypted-data; times from acceptance, at
// Speed 1): 4111111111111111, 5555555555554444, 2200000000000004 approved
// after 1 s; 4000000000000002 declined (insufficient funds), …0119 error,
// …0259 filtered, after 1 s; …0077 processing for 20 s, then approved; …0341
// approved, no callback; …0432 approved, callback sent twice 10 s apart;
// …0994 approved after 1 s but the sale reply held 45 s (or until the client
// hangs up); …0127 unknown for 60 s, then approved; any other card declined
// (invalid card number) after 1 s. The sale reply always says processing.
// §9 cards, approved after 1 s: …0531 every refund declined ("refund
// declined by issuer"); …0580 the reply to the first capture or return held
// 45 s (the child exists); …0614 no partial operations (no gate-partial-*,
// a partial request gets code 6).
//
// Capture and return (MAPI.md §9): SHA-1 control with the amount when sent;
// children are processing for 1 s (scaled by Speed), then final, and get no
// callbacks. Refusals are validation-error with code 3 (no such order), 4
// (wrong state: parent not approved, already captured or released, hold
// expired, another child still processing, nothing left to refund), 5
// (amount over the hold or over what is left to refund), 6 (partial on a gate
// without it, or a release with an amount). A return on a preauth that was
// never captured is a cancel (the whole hold); on a sale or a captured
// preauth a reversal. A partial capture releases the rest of the hold. The
// hold lasts Options.HoldDays (7) from the preauth's approval. Status without
// by-request-sn describes the order's latest transaction, with it that
// request's (the order's own serial-number is its sale or preauth); every
// status reply carries total-reversal-amount, total-capture-amount and, but
// for …0614, gate-partial-capture and gate-partial-reversal = enabled.
//
// Choices where MAPI.md leaves room:
//   - Close day: the first call with a new day_close_request_id answers
//     status=processing (isDayClosing=true) for 2 s (scaled by Speed); the
//     first call after that finishes it and stores the reply, which every
//     repeat of the id gets back. A finished close covers the orders that
//     were final at its finish time and not covered by an earlier finished
//     close; it counts approved sales and captures (at the captured amount)
//     as sales and approved refunds as reversals, each child in the close
//     after it became final.
//     Payments are not blocked while a close is processing.
//   - OAuth timestamps are not checked unless Options.MaxClockSkew is set, so
//     signatures made with fixed nonce/timestamp pairs (MAPI.md §2's check
//     value) are accepted. Nonces are not remembered.
//   - Parameter errors of close-day come as type=error, error-code=1; those
//     of sale, preauth and status as type=validation-error (codes 1, 2, 3).
//     An endpoint id other than the configured one is error-code 1.
//   - Callbacks: first attempt when the order becomes final, then after 1,
//     2, 4, 8, 16 s and every 60 s (scaled by Speed) until a 200, at most 30
//     attempts.
package sandbox

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"kassa/device/emv"
	"kassa/device/sred"
	"kassa/mapi"
	"kassa/mapi/money"
)

// Defaults used when the matching Options field is empty.
const (
	DefaultLogin    = "demo"
	DefaultKey      = "demo-control-key"
	DefaultEndpoint = "1"
	DefaultCurrency = "RUB"
	// DefaultCallbackTries is how many times a callback is sent at most.
	DefaultCallbackTries = 30
	// DefaultHoldDays is the hold period of a preauth (MAPI.md §9).
	DefaultHoldDays = 7
)

// defaultRetry is the pause after the 1st, 2nd, ... failed callback attempt
// (MAPI.md §8); the last value repeats. Scaled by Speed.
var defaultRetry = []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 60 * time.Second}

// closeDayProcessing is how long a new close-day answers processing.
const closeDayProcessing = 2 * time.Second

// maxBody caps request bodies.
const maxBody = 64 << 10

// Options configure a sandbox. The zero value is a working sandbox with the
// defaults above.
type Options struct {
	Login      string      // merchant login (oauth_consumer_key, status login); default "demo"
	Key        mapi.Secret // merchant control key; default "demo-control-key"
	EndpointID string      // the one endpoint served; default "1"
	Currency   string      // the endpoint's currency; default RUB
	BDK        [16]byte    // DUKPT base key for encrypted-data; zero = sred.TestBDK
	IMK        [16]byte    // issuer master key of the chip cards; zero = emv.TestIMK

	// Speed divides every §8 delay (card outcomes, held reply, close-day
	// processing, default callback retries): 0, 1 or less is real time, 50
	// is 50x faster. For tests only.
	Speed float64
	// Instant makes every delay zero (benchmarks): orders are final as soon
	// as they are accepted and replies are never held.
	Instant bool
	// CallbackRetry, when set, replaces the pauses between callback attempts
	// (the last one repeats); used as given, not scaled by Speed.
	CallbackRetry []time.Duration
	// CallbackTries caps the attempts per callback; default 30.
	CallbackTries int
	// HoldDays is how long an approved preauth can be captured or
	// released, in days from its approval; 0 is DefaultHoldDays (7).
	// Fractions shorten it for tests (0.0001 is 8.64 s); not scaled by Speed.
	HoldDays float64
	// MaxClockSkew, when positive, refuses (403) OAuth requests whose
	// oauth_timestamp is further than this from the sandbox's clock. Zero
	// (default) accepts any timestamp.
	MaxClockSkew time.Duration

	// DataFile, when set, keeps orders, pending callbacks and close-days in
	// this JSON file (rewritten atomically on every change) so a restarted
	// sandbox answers as before. Without it everything is in memory.
	DataFile string
	// Logger gets one line per request; nil discards. It never sees the
	// control key, encrypted-data or a clear PAN.
	Logger *slog.Logger
	// HTTPClient sends callbacks; nil is a client with a 5 s timeout.
	HTTPClient *http.Client
}

// Server is the sandbox gateway: an http.Handler serving paths under
// /paynet/. Close stops its callbacks and timers.
type Server struct {
	opts    Options
	log     *slog.Logger
	client  *http.Client
	scale   float64 // 1/Speed; 0 when Instant
	loadErr error   // data file unreadable: every request gets 503

	ctx    context.Context // cancelled by Close: in-flight callbacks
	cancel context.CancelFunc
	done   chan struct{} // closed by Close: held replies return

	mu       sync.Mutex
	st       *state
	byClient map[string]*order
	closes   map[string]*closeDay
	timers   map[*delivery]*time.Timer
	faults   map[string]Fault
	requests map[string]int
	reqLog   []LoggedRequest
	closed   bool
	wg       sync.WaitGroup // timers, callbacks and handlers in flight

	saveMu sync.Mutex // orders data file writes
}

// New returns a sandbox serving opts. If opts.DataFile exists but cannot be
// read, the server answers every request with HTTP 503 saying so (and never
// overwrites the file); use NewServer to get that error directly.
func New(opts Options) *Server {
	s, _ := NewServer(opts)
	return s
}

// NewServer is New, returning the data file's error too (the server is
// usable either way, as New describes).
func NewServer(opts Options) (*Server, error) {
	if opts.Login == "" {
		opts.Login = DefaultLogin
	}
	if opts.Key == "" {
		opts.Key = DefaultKey
	}
	if opts.EndpointID == "" {
		opts.EndpointID = DefaultEndpoint
	}
	if opts.Currency == "" {
		opts.Currency = DefaultCurrency
	}
	if opts.BDK == ([16]byte{}) {
		opts.BDK = sred.TestBDK
	}
	if opts.IMK == ([16]byte{}) {
		opts.IMK = emv.TestIMK
	}
	if opts.HoldDays <= 0 {
		opts.HoldDays = DefaultHoldDays
	}
	if opts.CallbackTries <= 0 {
		opts.CallbackTries = DefaultCallbackTries
	}
	s := &Server{
		opts:     opts,
		log:      opts.Logger,
		client:   opts.HTTPClient,
		scale:    1,
		done:     make(chan struct{}),
		byClient: map[string]*order{},
		closes:   map[string]*closeDay{},
		timers:   map[*delivery]*time.Timer{},
		faults:   map[string]Fault{},
		requests: map[string]int{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 5 * time.Second}
	}
	switch {
	case opts.Instant:
		s.scale = 0
	case opts.Speed > 1:
		s.scale = 1 / opts.Speed
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if _, err := money.Exponent(opts.Currency); err != nil {
		s.loadErr = fmt.Errorf("sandbox currency %q is not an ISO 4217 code", opts.Currency)
		return s, s.loadErr
	}
	s.st = &state{Version: stateVersion, NextOrder: time.Now().UnixMilli(), NextSerial: 1, NextClose: 1}
	if opts.DataFile != "" {
		st, err := loadState(opts.DataFile)
		if err != nil {
			s.loadErr = fmt.Errorf("sandbox data file %s is unreadable (%v); fix or move it away, it was left untouched", opts.DataFile, err)
			s.log.Error("sandbox: data file unreadable", "file", opts.DataFile, "err", err)
			return s, s.loadErr
		}
		if st != nil {
			s.st = st
		}
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.st.Orders {
		s.byClient[o.ClientOrderID] = o
		for _, d := range o.Callbacks {
			if d.pending() {
				s.scheduleLocked(o, d, now)
			}
		}
	}
	for _, c := range s.st.Closes {
		s.closes[c.RequestID] = c
	}
	return s, nil
}

// Close stops every timer and callback of the server, makes held replies
// return, and waits for its goroutines. Requests after Close get 503.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	s.cancel()
	for d, t := range s.timers {
		if t.Stop() {
			s.wg.Done()
		}
		delete(s.timers, d)
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// Command names, as used by FailNext and Requests.
const (
	CmdSale     = "sale"
	CmdPreauth  = "preauth"
	CmdStatus   = "status"
	CmdCloseDay = "close-day"
	CmdCapture  = "capture"
	CmdReturn   = "return"
	// CmdEMVAdvice is /mapi/v1/emv-advice (MAPI.md §10).
	CmdEMVAdvice = "emv-advice"
)

// route maps /paynet/{family}/{version}/{command}/{endpoint} to a command.
func route(path string) (cmd, endpoint string, ok bool) {
	rest, found := strings.CutPrefix(path, "/paynet/")
	if !found {
		return "", "", false
	}
	parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	if len(parts) != 4 || parts[3] == "" {
		return "", "", false
	}
	switch parts[0] + "/" + parts[1] + "/" + parts[2] {
	case "mapi/v1/sale":
		return CmdSale, parts[3], true
	case "mapi/v1/preauth":
		return CmdPreauth, parts[3], true
	case "mapi/v1/emv-advice":
		return CmdEMVAdvice, parts[3], true
	case "api/v2/status":
		return CmdStatus, parts[3], true
	case "api/v2/close-day":
		return CmdCloseDay, parts[3], true
	case "api/v2/capture":
		return CmdCapture, parts[3], true
	case "api/v2/return":
		return CmdReturn, parts[3], true
	}
	return "", "", false
}

// ServeHTTP serves the MAPI commands under /paynet/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.loadErr != nil {
		plain(w, http.StatusServiceUnavailable, s.loadErr.Error())
		return
	}
	cmd, endpoint, ok := route(r.URL.Path)
	if !ok {
		plain(w, http.StatusNotFound, "no such MAPI command: "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		plain(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		plain(w, http.StatusServiceUnavailable, "sandbox is shutting down")
		return
	}
	s.wg.Add(1)
	s.requests[cmd]++
	fault := s.faults[cmd]
	delete(s.faults, cmd)
	s.mu.Unlock()
	defer s.wg.Done()

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			plain(w, http.StatusRequestEntityTooLarge, "request body too large")
			return
		}
		plain(w, http.StatusBadRequest, "could not read the request body")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		plain(w, http.StatusBadRequest, "request body is not application/x-www-form-urlencoded")
		return
	}
	req := &request{cmd: cmd, endpoint: endpoint, r: r, form: form, fault: fault, start: time.Now()}
	var rep reply
	switch cmd {
	case CmdSale, CmdPreauth:
		rep = s.payment(req)
	case CmdStatus:
		rep = s.status(req)
	case CmdCloseDay:
		rep = s.closeDay(req)
	case CmdCapture:
		rep = s.capture(req)
	case CmdReturn:
		rep = s.ret(req)
	case CmdEMVAdvice:
		rep = s.advice(req)
	}
	s.finish(w, req, rep)
}

// request is one incoming command.
type request struct {
	cmd, endpoint string
	r             *http.Request
	form          url.Values
	fault         Fault
	start         time.Time
	clientOrderID string // for the log
	card          string // masked, for the log
}

// reply is what a command answers: a plain HTTP error (forbidden), or the
// reply fields, maybe held for a while first.
type reply struct {
	httpStatus int    // non-zero: plain-text error reply
	text       string // its body
	kv         [][2]string
	hold       time.Duration
	took       bool // the request took effect (an order or close-day was created)
}

// value returns a trimmed form value (the gateway strips whitespace).
func (q *request) value(k string) string { return strings.TrimSpace(q.form.Get(k)) }

// finish applies a held reply and injected faults, writes the reply and logs.
func (s *Server) finish(w http.ResponseWriter, q *request, rep reply) {
	typ, code := "", ""
	for _, kv := range rep.kv {
		switch kv[0] {
		case "type":
			typ = kv[1]
		case "error-code":
			code = kv[1]
		}
	}
	s.logRequest(q, rep, typ, code)
	if rep.hold > 0 {
		t := time.NewTimer(rep.hold)
		select {
		case <-t.C:
		case <-q.r.Context().Done():
		case <-s.done:
		}
		t.Stop()
	}
	attrs := []any{"command", q.cmd, "client_orderid", q.clientOrderID}
	if q.card != "" {
		attrs = append(attrs, "card", q.card)
	}
	switch q.fault {
	case FaultServerError:
		s.log.Info("sandbox: injected 500", append(attrs, "took_effect", rep.took)...)
		plain(w, http.StatusInternalServerError, "internal server error (injected)")
		return
	case FaultDrop:
		s.log.Info("sandbox: injected dropped connection", append(attrs, "took_effect", rep.took)...)
		panic(http.ErrAbortHandler)
	}
	if rep.httpStatus != 0 {
		s.log.Warn("sandbox: refused", append(attrs, "http_status", rep.httpStatus, "reason", rep.text)...)
		plain(w, rep.httpStatus, rep.text)
		return
	}
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(mapi.EncodeReply(rep.kv))
	s.log.Info("sandbox: "+q.cmd, append(attrs, "type", typ, "error_code", code, "duration", time.Since(q.start))...)
}

// logRequest adds q to the request log (status polls are not logged).
func (s *Server) logRequest(q *request, rep reply, typ, code string) {
	if q.cmd == CmdStatus {
		return
	}
	cid := q.clientOrderID
	if cid == "" { // refused before the handler read it (a bad signature)
		cid = q.value("client_orderid")
	}
	e := LoggedRequest{Command: q.cmd, ClientOrderID: cid, PaynetOrderID: q.value("orderid"),
		Amount: q.value("amount"), ReplyType: typ, ErrorCode: code, HTTPStatus: http.StatusOK, TookEffect: rep.took, At: q.start}
	for _, kv := range rep.kv {
		if kv[0] == "serial-number" {
			e.SerialNumber = kv[1]
		}
	}
	switch {
	case q.fault == FaultServerError:
		e.HTTPStatus = http.StatusInternalServerError
	case q.fault == FaultDrop:
		e.HTTPStatus = 0
	case rep.httpStatus != 0:
		e.HTTPStatus, e.ReplyType, e.SerialNumber = rep.httpStatus, "", ""
	}
	s.mu.Lock()
	s.reqLog = append(s.reqLog, e)
	s.mu.Unlock()
}

// plain writes a short plain-text HTTP error.
func plain(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	io.WriteString(w, msg+"\n")
}

// save writes the data file (if any) with the current state. Writes are
// serialised so the file always holds the latest state.
func (s *Server) save() error {
	if s.opts.DataFile == "" {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.Lock()
	b, err := json.MarshalIndent(s.st, "", " ")
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.opts.DataFile, b); err != nil {
		s.log.Error("sandbox: could not write the data file", "file", s.opts.DataFile, "err", err)
		return err
	}
	return nil
}

// constantEqual compares two strings derived from the key in constant time.
func constantEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// serialLocked returns a new serial-number in the gateway's style.
func (s *Server) serialLocked() string {
	n := s.st.NextSerial
	s.st.NextSerial++
	return fmt.Sprintf("00000000-0000-0000-0000-%012x", n)
}

// now is the sandbox clock.
func now() time.Time { return time.Now() }
