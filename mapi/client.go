package mapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Config configures a Client. ControlKey is a Secret and never printed.
type Config struct {
	BaseURL    string        // gateway base, e.g. https://sandbox.payneteasy.com/paynet
	EndpointID string        // ENDPOINTID of the terminal's endpoint
	Login      string        // merchant login (OAuth consumer key)
	ControlKey Secret        // merchant control key
	HTTPClient *http.Client  // nil: a client with Go's default transport
	Timeout    time.Duration // per request, on top of the caller's context; 0: DefaultTimeout (30 s)
	Logger     *slog.Logger  // nil: slog.Default()
	SDKVersion string        // Kassa's version; sdk-version is "kassa-" + SDKVersion ("dev" when empty)
}

// Client calls the gateway. It is safe for concurrent use. It never retries a
// request: a payment is sent at most once per call.
type Client struct {
	base, endpoint, login string
	key                   *Secret // behind a pointer: reflection-based dumps print an address
	hc                    *http.Client
	timeout               time.Duration
	log                   *slog.Logger
	sdk                   string
	now                   func() time.Time
	nonce                 func() string
}

// New checks cfg and returns a Client. The base URL must be absolute http or
// https; login, endpoint id and control key must be set.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("gateway URL %q must be an absolute http(s) URL without query, like https://host/paynet", clip(cfg.BaseURL))
	}
	switch {
	case strings.TrimSpace(cfg.EndpointID) == "" || strings.ContainsAny(cfg.EndpointID, "/?#"):
		return nil, errors.New("the gateway endpoint id is missing or invalid; set it in Settings")
	case strings.TrimSpace(cfg.Login) == "":
		return nil, errors.New("the gateway login is missing; set it in Settings")
	case cfg.ControlKey.IsZero():
		return nil, errors.New("the merchant control key is missing; set it in Settings")
	case cfg.Timeout < 0:
		return nil, errors.New("the gateway timeout must not be negative")
	}
	c := &Client{
		base:     strings.TrimRight(cfg.BaseURL, "/"),
		endpoint: cfg.EndpointID,
		login:    cfg.Login,
		key:      &cfg.ControlKey,
		timeout:  cfg.Timeout,
		log:      cfg.Logger,
		sdk:      SDKVersionPrefix + cfg.SDKVersion,
		now:      time.Now,
		nonce:    NewNonce,
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if cfg.SDKVersion == "" {
		c.sdk = SDKVersionPrefix + DefaultSDKVersion
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// Idle connections are dropped well before a server's usual keep-alive
	// timeout, so that a payment rarely meets a connection the server is
	// closing (which would make its outcome unknown).
	tr.IdleConnTimeout = 30 * time.Second
	hc := http.Client{Transport: tr}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	// A redirect is never followed: a POST must not go anywhere else.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.hc = &hc
	return c, nil
}

// String describes the client without its key.
func (c Client) String() string {
	return fmt.Sprintf("mapi.Client{%s endpoint %s login %s}", c.base, c.endpoint, c.login)
}

// GoString is String, for %#v.
func (c Client) GoString() string { return c.String() }

// Format prints String for every verb, so %v and %+v never show the key.
func (c Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue makes slog print String.
func (c Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

// CloseIdleConnections closes idle keep-alive connections to the gateway.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// commandURL is {base}/{path}/{ENDPOINTID}, path being e.g. "mapi/v1/sale".
func (c *Client) commandURL(path string) string {
	return c.base + "/" + path + "/" + url.PathEscape(c.endpoint)
}

// callLog collects what the one log line of a call reports.
type callLog struct {
	c           *Client
	ctx         context.Context
	op, orderID string
	start       time.Time
	httpStatus  int
	typ, status string
}

// track starts the log record of one call.
func (c *Client) track(ctx context.Context, op, orderID string) *callLog {
	return &callLog{c: c, ctx: ctx, op: op, orderID: orderID, start: time.Now()}
}

// done logs the call's outcome: command, client_orderid, HTTP status, reply
// type, duration; never the key or card data.
func (l *callLog) done(err error) {
	attrs := []slog.Attr{
		slog.String("command", l.op), slog.String("client_orderid", l.orderID),
		slog.Int("http_status", l.httpStatus), slog.String("type", l.typ),
		slog.Duration("duration", time.Since(l.start)),
	}
	switch {
	case err == nil:
		attrs = append(attrs, slog.String("outcome", "ok"), slog.String("status", l.status))
	case IsNotSent(err):
		attrs = append(attrs, slog.String("outcome", "not-sent"), slog.String("error", err.Error()), slog.String("cause", causeOf(err)))
	case IsRefused(err):
		attrs = append(attrs, slog.String("outcome", "refused"), slog.String("error", err.Error()))
	default:
		attrs = append(attrs, slog.String("outcome", "unknown"), slog.String("error", err.Error()), slog.String("cause", causeOf(err)))
	}
	l.c.log.LogAttrs(l.ctx, slog.LevelInfo, "gateway call", attrs...)
}

// roundTrip posts form to the command and returns the parsed 200 reply whose
// type is not validation-error or error. Every error is a *NotSentError,
// *RefusedError or *UnknownError.
func (c *Client) roundTrip(ctx context.Context, l *callLog, path string, form url.Values, signed bool) (url.Values, error) {
	op := l.op
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return nil, &NotSentError{Op: op, Err: err}
	}
	u := c.commandURL(path)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, &NotSentError{Op: op, Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", c.sdk)
	if signed {
		req.Header.Set("Authorization", OAuthHeader(http.MethodPost, u, form, c.login, *c.key, c.nonce(), c.now().Unix()))
	}
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "gateway request", slog.String("command", op), slog.String("url", u), slog.Any("fields", keys))

	// wrote is set once any request byte may have been handed to the
	// connection. The transport retries a POST only when nothing was written,
	// on a new connection, so GotConn clears it for each attempt.
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{
		GotConn:      func(httptrace.GotConnInfo) { wrote.Store(false) },
		WroteHeaders: func() { wrote.Store(true) },
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) },
	}
	resp, err := c.hc.Do(req.WithContext(httptrace.WithClientTrace(ctx, trace)))
	if err != nil {
		if !wrote.Load() {
			return nil, &NotSentError{Op: op, Err: err}
		}
		return nil, &UnknownError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	l.httpStatus = resp.StatusCode
	data, rerr := io.ReadAll(io.LimitReader(resp.Body, MaxReplySize+1))
	switch {
	case resp.StatusCode == http.StatusForbidden:
		return nil, &RefusedError{Op: op, HTTPStatus: resp.StatusCode, Message: clip(strings.TrimSpace(string(data)))}
	case resp.StatusCode != http.StatusOK:
		return nil, &UnknownError{Op: op, HTTPStatus: resp.StatusCode, Err: fmt.Errorf("the gateway answered HTTP %d", resp.StatusCode)}
	case rerr != nil:
		return nil, &UnknownError{Op: op, HTTPStatus: resp.StatusCode, Err: fmt.Errorf("reading the reply: %w", rerr)}
	case len(data) > MaxReplySize:
		return nil, &UnknownError{Op: op, HTTPStatus: resp.StatusCode, Err: fmt.Errorf("%w: longer than %d bytes", ErrMalformedReply, MaxReplySize)}
	}
	v, err := ParseReply(data)
	if err != nil {
		return nil, &UnknownError{Op: op, HTTPStatus: resp.StatusCode, Err: err}
	}
	l.typ = v.Get("type")
	l.status = v.Get("status")
	keys = keys[:0]
	for k := range v {
		keys = append(keys, k)
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "gateway reply", slog.String("command", op), slog.String("type", l.typ), slog.Any("fields", keys))
	if l.typ == "validation-error" || l.typ == "error" {
		return nil, &RefusedError{
			Op: op, HTTPStatus: resp.StatusCode, Type: l.typ,
			Code: either(v, "error-code", "error_code"), Message: clip256(either(v, "error-message", "error_message")),
			PaynetOrderID: v.Get("paynet-order-id"), SerialNumber: v.Get("serial-number"),
		}
	}
	return v, nil
}

// either is the value of key a, or of its other spelling b when a is empty
// (MAPI.md §9: accept error_code/error_message too).
func either(v url.Values, a, b string) string {
	if s := v.Get(a); s != "" {
		return s
	}
	return v.Get(b)
}

func clip256(s string) string {
	if len(s) <= 256 {
		return s
	}
	return s[:256] + "..."
}

// unknownReply is the error for a 200 reply Kassa cannot use.
func unknownReply(op, format string, args ...any) error {
	return &UnknownError{Op: op, HTTPStatus: http.StatusOK, Err: fmt.Errorf("%w: "+format, append([]any{ErrMalformedReply}, args...)...)}
}

// notSent is the error for a request refused before sending.
func notSent(op, format string, args ...any) error {
	return &NotSentError{Op: op, Err: fmt.Errorf("invalid request: "+format, args...)}
}

// causeOf is the technical cause of a not-sent or unknown error, for the log.
func causeOf(err error) string {
	if c := errors.Unwrap(err); c != nil {
		return c.Error()
	}
	return ""
}
