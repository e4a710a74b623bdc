package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Running is a sandbox listening on a TCP address.
type Running struct {
	// URL is the base URL clients use: http://127.0.0.1:PORT/paynet.
	URL string
	// Addr is the address listened on (host:port).
	Addr string
	// Server is the gateway, for its test hooks.
	Server *Server

	srv       *http.Server
	served    chan struct{}
	stop      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves the
// sandbox until ctx is cancelled or Close is called. It returns once the
// listener accepts connections, or with the data file's or the listener's
// error.
func Start(ctx context.Context, addr string, opts Options) (*Running, error) {
	s, err := NewServer(opts)
	if err != nil {
		s.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sandbox cannot listen on %s: %w", addr, err)
	}
	r := &Running{
		URL:    "http://" + ln.Addr().String() + "/paynet",
		Addr:   ln.Addr().String(),
		Server: s,
		srv: &http.Server{
			Handler:           s,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          log.New(slogWriter{s.log}, "", 0),
		},
		served: make(chan struct{}),
		stop:   make(chan struct{}),
	}
	go func() {
		defer close(r.served)
		r.srv.Serve(ln)
	}()
	go func() {
		select {
		case <-ctx.Done():
			r.Close()
		case <-r.stop:
		}
	}()
	s.log.Info("sandbox: listening", "url", r.URL, "login", s.opts.Login, "endpoint", s.opts.EndpointID)
	return r, nil
}

// Close stops listening, ends held replies, callbacks and timers, and waits
// for every goroutine of the sandbox.
func (r *Running) Close() error {
	r.closeOnce.Do(func() {
		close(r.stop)
		r.Server.Close() // held replies return; timers stop
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := r.srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			r.closeErr = err
		}
		r.srv.Close()
		<-r.served
	})
	return r.closeErr
}

// slogWriter sends net/http's own error lines to the sandbox's logger.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Debug("sandbox: http", "msg", string(p))
	return len(p), nil
}
