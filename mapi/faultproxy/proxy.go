package faultproxy

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Options tune the proxy; zero values take the defaults.
type Options struct {
	Delay        time.Duration // how long Delay holds a reply; default 3 s
	TrickleEvery time.Duration // the pause between two bytes of a Trickle reply; default 20 ms
}

// Proxy forwards HTTP requests from its loopback address to the upstream
// gateway, breaking the armed ones.
type Proxy struct {
	upstream *url.URL
	opts     Options
	tr       *http.Transport
	addr     string

	mu       sync.Mutex
	ln       net.Listener
	armed    map[string]*plan // by operation (OpAny included)
	last     map[string]*http.Response
	lastBody map[string][]byte
	conns    map[net.Conn]struct{}
	injected map[Fault]int
	seen     map[string]int
	closed   bool
	wg       sync.WaitGroup
}

// plan is a fault armed for the next n requests of an operation.
type plan struct {
	fault Fault
	n     int
}

// Start listens on a free loopback port and forwards to upstream, the
// gateway's base URL (e.g. the sandbox's http://127.0.0.1:PORT/paynet).
func Start(upstream string, opts Options) (*Proxy, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: upstream %q: %w", upstream, err)
	}
	if opts.Delay <= 0 {
		opts.Delay = 3 * time.Second
	}
	if opts.TrickleEvery <= 0 {
		opts.TrickleEvery = 20 * time.Millisecond
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	p := &Proxy{upstream: u, opts: opts, ln: ln, addr: ln.Addr().String(),
		tr:    &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second},
		armed: map[string]*plan{}, last: map[string]*http.Response{}, lastBody: map[string][]byte{},
		conns: map[net.Conn]struct{}{}, injected: map[Fault]int{}, seen: map[string]int{}}
	p.serve(ln)
	return p, nil
}

// URL is the gateway base URL to give the client: the upstream's path on
// the proxy's address.
func (p *Proxy) URL() string {
	u := *p.upstream
	u.Host = p.addr
	return u.String()
}

// Arm makes the next n requests of op (OpSale, …, OpAny) fail with f.
// Refused takes effect at once: the proxy stops listening (and drops its
// idle connections) until the n refused connections have been tried, or
// until Disarm.
func (p *Proxy) Arm(op string, f Fault, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f == None || n <= 0 {
		delete(p.armed, op)
		return
	}
	p.armed[op] = &plan{fault: f, n: n}
	if f == Refused {
		p.stopListeningLocked()
		p.injected[Refused] += n
		delete(p.armed, op)
	}
}

// Disarm clears every armed fault and listens again if refusing.
func (p *Proxy) Disarm() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.armed = map[string]*plan{}
	p.listenLocked()
}

// Listen starts listening again after Refused (same address).
func (p *Proxy) Listen() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.listenLocked()
}

// Injected counts the faults injected so far, by fault.
func (p *Proxy) Injected() map[Fault]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[Fault]int, len(p.injected))
	for f, n := range p.injected {
		out[f] = n
	}
	return out
}

// Seen counts the requests received per operation.
func (p *Proxy) Seen(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[op]
}

// Close stops the proxy, drops every connection and waits for its goroutines.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.stopListeningLocked()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	p.tr.CloseIdleConnections()
	return nil
}

func (p *Proxy) stopListeningLocked() {
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close() // idle keep-alive connections would bypass the refusal
	}
}

func (p *Proxy) listenLocked() error {
	if p.ln != nil || p.closed {
		return nil
	}
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may linger a moment after close
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("faultproxy: listen again on %s: %w", p.addr, err)
	}
	p.ln = ln
	p.serve(ln)
	return nil
}

func (p *Proxy) serve(ln net.Listener) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !p.track(c, true) {
				c.Close()
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				defer p.track(c, false)
				p.handle(c)
			}()
		}
	}()
}

func (p *Proxy) track(c net.Conn, add bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !add {
		delete(p.conns, c)
		c.Close()
		return true
	}
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

// take is the fault for the next request of op (None when none is armed),
// counting it as injected.
func (p *Proxy) take(op string) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen[op]++
	for _, key := range []string{op, OpAny} {
		if pl := p.armed[key]; pl != nil {
			pl.n--
			if pl.n <= 0 {
				delete(p.armed, key)
			}
			p.injected[pl.fault]++
			return pl.fault
		}
	}
	return None
}

// handle serves one client connection, request after request.
func (p *Proxy) handle(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		req.Body.Close()
		op := opOf(req.URL.Path)
		f := p.take(op)
		if f == ResetBefore {
			reset(c)
			return
		}
		if err != nil || !p.answer(c, req, body, op, f) {
			return
		}
	}
}

// answer forwards req (unless f says not to) and writes the reply the fault
// calls for. It reports whether the connection may serve another request.
func (p *Proxy) answer(c net.Conn, req *http.Request, body []byte, op string, f Fault) bool {
	switch f {
	case HTTP502:
		return writePlain(c, http.StatusBadGateway)
	case HTTP404:
		return writePlain(c, http.StatusNotFound)
	}
	resp, rbody, err := p.forward(req, body)
	if err != nil {
		return writePlain(c, http.StatusBadGateway)
	}
	wrongResp, wrongBody := p.remember(op, resp, rbody)
	switch f {
	case ResetAfter:
		reset(c)
		return false
	case Delay:
		time.Sleep(p.opts.Delay)
		return writeResp(c, resp, rbody) == nil
	case Truncated:
		var b bytes.Buffer
		_ = writeResp(&b, resp, rbody)
		_, _ = c.Write(b.Bytes()[:b.Len()-len(rbody)/2-1])
		return false
	case Garbage:
		g := make([]byte, 64+rand.IntN(512))
		for i := range g {
			g[i] = byte(rand.IntN(256))
		}
		return writeResp(c, resp, g) == nil
	case HTTP500:
		return writePlain(c, http.StatusInternalServerError)
	case HTTP503:
		return writePlain(c, http.StatusServiceUnavailable)
	case WrongReply:
		if wrongResp != nil {
			return writeResp(c, wrongResp, wrongBody) == nil
		}
	case Trickle:
		var b bytes.Buffer
		_ = writeResp(&b, resp, rbody)
		for _, by := range b.Bytes() {
			if _, err := c.Write([]byte{by}); err != nil {
				return false
			}
			time.Sleep(p.opts.TrickleEvery)
		}
		return true
	}
	return writeResp(c, resp, rbody) == nil
}

// remember keeps the reply as op's latest and returns the one before it.
func (p *Proxy) remember(op string, resp *http.Response, body []byte) (*http.Response, []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	prev, prevBody := p.last[op], p.lastBody[op]
	if resp.StatusCode == http.StatusOK {
		p.last[op], p.lastBody[op] = resp, body
	}
	return prev, prevBody
}

// forward sends the request upstream and reads the whole reply.
func (p *Proxy) forward(req *http.Request, body []byte) (*http.Response, []byte, error) {
	u := *p.upstream
	u.Path, u.RawQuery = req.URL.Path, req.URL.RawQuery
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := http.NewRequestWithContext(ctx, req.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	out.Header = req.Header.Clone()
	out.Host = req.Host // the OAuth signature covers the URL the client used
	resp, err := p.tr.RoundTrip(out)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	rbody, err := io.ReadAll(resp.Body)
	return resp, rbody, err
}

// writeResp writes resp's status and headers with body as its body.
func writeResp(w io.Writer, resp *http.Response, body []byte) error {
	out := &http.Response{StatusCode: resp.StatusCode, ProtoMajor: 1, ProtoMinor: 1, Header: resp.Header.Clone(),
		ContentLength: int64(len(body)), Body: io.NopCloser(bytes.NewReader(body))}
	out.Header.Del("Transfer-Encoding")
	return out.Write(w)
}

func writePlain(c net.Conn, code int) bool {
	body := []byte(http.StatusText(code) + "\n")
	resp := &http.Response{StatusCode: code, Header: http.Header{"Content-Type": {"text/plain"}}}
	return writeResp(c, resp, body) == nil
}

// reset closes c with an RST (no FIN): the client sees "connection reset".
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}
