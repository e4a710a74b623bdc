package pos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"kassa/mapi"
	"kassa/store"
)

// startCallbacks starts the callback listener when configured (in demo mode
// always, on loopback).
func (e *Engine) startCallbacks(cfg Config) error {
	listen, public := cfg.CallbackListen, cfg.CallbackURL
	if cfg.Demo && listen == "" {
		listen = "127.0.0.1:0"
	}
	if listen == "" {
		return nil
	}
	path := "/"
	if public != "" {
		u, err := url.Parse(public)
		if err != nil || u.Host == "" {
			return fmt.Errorf("%w: KASSA_CALLBACK_URL %q is not a URL", ErrConfig, public)
		}
		if u.Path != "" {
			path = u.Path
		}
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("%w: callback listener on %s: %v", ErrConfig, listen, err)
	}
	if public == "" {
		// Only a loopback listener's URL can be known without configuration.
		if ta, ok := ln.Addr().(*net.TCPAddr); ok && ta.IP.IsLoopback() {
			public = "http://" + ln.Addr().String() + "/kassa/callback"
			path = "/kassa/callback"
		} else {
			e.log.Warn("callback listener without KASSA_CALLBACK_URL: the gateway is not told where to call back; polling only")
		}
	}
	mux := http.NewServeMux()
	mux.Handle(path, mapi.NewCallbackHandler(mapi.Secret(cfg.ControlKey), e.onCallback, e.log))
	// Callbacks are small GET requests: cap the request line and headers and
	// bound every phase so a slow or hostile client cannot hold connections.
	e.cbSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 32 << 10}
	e.cbURL = public
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		if err := e.cbSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("callback listener stopped", "err", err)
		}
	}()
	e.log.Info("callback listener", "addr", ln.Addr().String(), "url", public)
	return nil
}

// CallbackURL is the public URL sent as server_callback_url ("" when the
// listener is off).
func (e *Engine) CallbackURL() string { return e.cbURL }

// onCallback feeds a verified callback to its payment, which confirms it
// with one status call. An unknown client_orderid or a mismatching orderid
// changes nothing (a mismatch or a contradiction is journaled as an alert).
func (e *Engine) onCallback(_ context.Context, ev mapi.CallbackEvent) error {
	if h := e.hooks.Load(); h != nil && h.callback != nil {
		h.callback(ev.ClientOrderID, time.Now())
	}
	// Fast path: a payment being resolved whose gateway order id agrees.
	if pm := e.registered(ev.ClientOrderID); pm != nil {
		pm.mu.Lock()
		ok := pm.orderID != "" && pm.orderID == ev.OrderID
		pm.mu.Unlock()
		if ok {
			pm.hintCallback(ev)
			return nil
		}
	}
	p, err := e.journal.Get(ev.ClientOrderID)
	if errors.Is(err, store.ErrNotFound) {
		e.log.Warn("ALERT: callback for a payment this terminal does not know; ignored",
			"client_orderid", ev.ClientOrderID, "orderid", ev.OrderID, "status", ev.Status)
		return nil
	}
	if err != nil {
		return err
	}
	if p.PaynetOrderID != "" && ev.OrderID != "" && ev.OrderID != p.PaynetOrderID {
		e.paymentOf(p).alert(Reason{Cause: CauseCallbackOtherOrder, Code: ev.OrderID}, "callback")
		return nil
	}
	if p.Final() {
		if statusOfGateway(ev.Status) != StatusOf(p.Status) {
			e.paymentOf(p).alert(Reason{Cause: CauseCallbackContradicts, Code: string(ev.Status)}, "callback")
		}
		return nil // duplicate or late: nothing to do
	}
	pm, created := e.paymentFor(p)
	pm.setOrderID(ev.OrderID)
	pm.hintCallback(ev)
	if created {
		pm.start(e.pollDelay(0))
	}
	return nil
}

// hintCallback queues a status check for a callback.
func (pm *payment) hintCallback(ev mapi.CallbackEvent) {
	select {
	case pm.hint <- ev:
	default: // a check is already queued
	}
}
