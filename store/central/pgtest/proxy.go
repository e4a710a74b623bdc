package pgtest

import (
	"bytes"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy is a loopback TCP proxy between a client and a cluster's TCP
// listener (Options.TCP), for tests that cut the connection at the worst
// moments. It sees the frontend protocol's bytes, so it knows when a client
// sends COMMIT.
type Proxy struct {
	l      net.Listener
	target string

	armed   atomic.Bool  // cut after the next COMMIT's answer
	refuse  atomic.Bool  // close every new connection at once
	stall   atomic.Bool  // hold every byte (both ways) until off
	latency atomic.Int64 // delay before each chunk to the client (ns)
	commits atomic.Int64 // COMMITs seen from the clients
	cuts    atomic.Int64 // connections cut (ArmCommitCut, CutAll, OnCommit)

	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	onCommit func() CommitFault
	wg       sync.WaitGroup
}

// CommitFault is what OnCommit's function decides for one COMMIT.
type CommitFault int

// The faults at a COMMIT.
const (
	CommitPass   CommitFault = iota // forward it
	CommitBefore                    // cut before the COMMIT reaches the server: rolled back
	CommitAfter                     // forward it, drop the server's answer and cut: committed, the client does not know
)

// NewProxy starts a proxy in front of target (host:port, e.g.
// Cluster.TCPAddr). Close it with Close.
func NewProxy(target string) (*Proxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{l: l, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// DSN is a connection string for database db through the proxy.
func (p *Proxy) DSN(db string) string {
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable&connect_timeout=5", User, p.l.Addr(), db)
}

// ArmCommitCut makes the proxy forward the next COMMIT, wait for the
// server's answer (so the transaction committed), drop that answer and cut
// the connection: the ambiguous case.
func (p *Proxy) ArmCommitCut() { p.armed.Store(true) }

// Armed reports whether ArmCommitCut's cut is still to happen.
func (p *Proxy) Armed() bool { return p.armed.Load() }

// OnCommit calls f at every COMMIT a client sends (nil: none); its answer
// decides the fault.
func (p *Proxy) OnCommit(f func() CommitFault) {
	p.mu.Lock()
	p.onCommit = f
	p.mu.Unlock()
}

// Refuse makes the proxy close new connections at once (on) or forward
// them again (off).
func (p *Proxy) Refuse(on bool) { p.refuse.Store(on) }

// Stall makes the proxy hold every byte in both directions (on) — a link
// that accepts and then says nothing — or forward again (off). A cut
// connection stops waiting.
func (p *Proxy) Stall(on bool) { p.stall.Store(on) }

// hold waits while the proxy stalls and c is open.
func (p *Proxy) hold(c net.Conn) {
	for p.stall.Load() {
		p.mu.Lock()
		_, open := p.conns[c]
		p.mu.Unlock()
		if !open {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Latency delays every chunk sent to the client by d (a slow link).
func (p *Proxy) Latency(d time.Duration) { p.latency.Store(int64(d)) }

// CutAll cuts every open connection.
func (p *Proxy) CutAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
	if len(p.conns) > 0 {
		p.cuts.Add(1)
	}
}

// Commits is the number of COMMITs the clients sent.
func (p *Proxy) Commits() int { return int(p.commits.Load()) }

// Cuts is the number of cuts so far.
func (p *Proxy) Cuts() int { return int(p.cuts.Load()) }

// Close stops the proxy and cuts its connections.
func (p *Proxy) Close() error {
	err := p.l.Close()
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) track(cs ...net.Conn) {
	p.mu.Lock()
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	p.mu.Unlock()
}

func (p *Proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	for _, c := range cs {
		delete(p.conns, c)
		_ = c.Close()
	}
	p.mu.Unlock()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		cl, err := p.l.Accept()
		if err != nil {
			return
		}
		if p.refuse.Load() {
			_ = cl.Close()
			continue
		}
		srv, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = cl.Close()
			continue
		}
		p.track(cl, srv)
		p.wg.Add(2)
		var committed atomic.Bool // a COMMIT whose answer is to be dropped went through
		go func() {               // client -> server
			defer p.wg.Done()
			defer p.untrack(cl, srv)
			buf := make([]byte, 64<<10)
			for {
				n, err := cl.Read(buf)
				if n > 0 && bytes.Contains(buf[:n], []byte("commit\x00")) {
					p.commits.Add(1)
					fault := CommitPass
					if p.armed.Load() {
						fault = CommitAfter
					} else {
						p.mu.Lock()
						f := p.onCommit
						p.mu.Unlock()
						if f != nil {
							fault = f()
						}
					}
					switch fault {
					case CommitBefore:
						p.cuts.Add(1)
						return
					case CommitAfter:
						committed.Store(true)
					}
				}
				if n > 0 {
					p.hold(cl)
					if _, werr := srv.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
		go func() { // server -> client
			defer p.wg.Done()
			defer p.untrack(cl, srv)
			buf := make([]byte, 64<<10)
			for {
				n, err := srv.Read(buf)
				if n > 0 && committed.Load() {
					p.armed.Store(false)
					p.cuts.Add(1)
					return
				}
				if d := time.Duration(p.latency.Load()); n > 0 && d > 0 {
					time.Sleep(d)
				}
				if n > 0 {
					p.hold(cl)
					if _, werr := cl.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}
