package printertest

import (
	"context"
	"net"
)

// ListenTCP starts a fake network printer on 127.0.0.1 (a random port);
// it stops when ctx ends or Close is called. Its receive buffer is small,
// so a Silent printer stalls the host soon.
func ListenTCP(ctx context.Context) (*Printer, error) {
	lc := net.ListenConfig{Control: smallReceiveBuffer}
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := newPrinter()
	p.Spec = "tcp:" + ln.Addr().String()
	p.stop = ln.Close
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.serveTCP(c)
			}()
		}
	}()
	stop := context.AfterFunc(ctx, func() { p.Close() })
	context.AfterFunc(p.ctx, func() { stop() })
	return p, nil
}

func (p *Printer) serveTCP(nc net.Conn) {
	defer nc.Close()
	stop := context.AfterFunc(p.ctx, func() { nc.Close() })
	defer stop()
	c := &conn{}
	buf := make([]byte, 1024)
	for {
		if p.behavior().Silent {
			<-p.ctx.Done()
			return
		}
		n, err := nc.Read(buf)
		if n > 0 {
			reply := p.take(c, buf[:n])
			if c.hungUp {
				return
			}
			if len(reply) > 0 {
				nc.Write(reply)
			}
		}
		if err != nil {
			return
		}
	}
}
