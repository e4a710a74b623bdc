package sandbox

import (
	"sort"
	"time"
)

// Fault is a misbehaviour injected into the next request of a command, for
// tests of clients that must cope with lost replies.
type Fault int

const (
	// FaultNone clears an injected fault.
	FaultNone Fault = iota
	// FaultServerError lets the request take effect (a sale creates its
	// order), then answers HTTP 500 instead of the reply.
	FaultServerError
	// FaultDrop lets the request take effect, then closes the connection
	// without a reply (panics with http.ErrAbortHandler, which net/http
	// turns into a dropped connection).
	FaultDrop
)

// FailNext makes the next request of command (CmdSale, CmdPreauth,
// CmdStatus, CmdCloseDay) misbehave as f. Test hook.
func (s *Server) FailNext(command string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == FaultNone {
		delete(s.faults, command)
		return
	}
	s.faults[command] = f
}

// Requests counts the requests received for command since the server
// started (whatever their outcome, 403s included). Test hook.
func (s *Server) Requests(command string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[command]
}

// Orders lists every order, oldest first, with its status now. Test hook.
func (s *Server) Orders() []OrderView {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := time.Now()
	out := make([]OrderView, 0, len(s.st.Orders))
	for _, o := range s.st.Orders {
		out = append(out, o.view(at))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].AcceptedAt.Before(out[j].AcceptedAt) })
	return out
}

// Order returns the order with client_orderid id, with its status now.
// Test hook.
func (s *Server) Order(id string) (OrderView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.byClient[id]
	if !ok {
		return OrderView{}, false
	}
	return o.view(time.Now()), true
}

// Options returns the options in effect, defaults filled in.
func (s *Server) Options() Options { return s.opts }
