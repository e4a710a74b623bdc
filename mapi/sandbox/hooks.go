package sandbox

import (
	"slices"
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
// CmdStatus, CmdCloseDay, CmdCapture, CmdReturn, CmdEMVAdvice) misbehave
// as f. Test hook.
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
		out = append(out, o.view(at, s.holdPeriod()))
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
	return o.view(time.Now(), s.holdPeriod()), true
}

// Options returns the options in effect, defaults filled in.
func (s *Server) Options() Options { return s.opts }

// LoggedRequest is one request the sandbox received (every command but
// status), in arrival order: what the reliability tests read to prove that
// a payment or a child was sent at most once.
type LoggedRequest struct {
	Command       string // CmdSale, CmdPreauth, CmdCapture, CmdReturn, CmdEMVAdvice, CmdCloseDay
	ClientOrderID string // client_orderid (day_close_request_id for close-day)
	PaynetOrderID string // orderid as sent (capture, return, emv-advice)
	Amount        string // amount as sent, "" when left out
	SerialNumber  string // serial-number of the reply, "" for a plain HTTP error
	ReplyType     string // async-response, validation-error, error, "" for a plain HTTP error
	ErrorCode     string // error-code of a refusal
	HTTPStatus    int    // HTTP status answered (or injected)
	TookEffect    bool   // an order, child, advice or close-day was created or changed
	At            time.Time
}

// RequestLog returns every logged request since the server started. Test hook.
func (s *Server) RequestLog() []LoggedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]LoggedRequest(nil), s.reqLog...)
}

// ChildRequests returns the accepted captures and returns (TookEffect) of
// client_orderid id, in order: each child must appear once. Test hook.
func (s *Server) ChildRequests(id string) []LoggedRequest {
	return s.accepted(id, CmdCapture, CmdReturn)
}

// Accepted returns the requests of command for client_orderid id that took
// effect (a sale that made its order, an advice that was applied, a child
// that was created), in order. Test hook.
func (s *Server) Accepted(command, id string) []LoggedRequest { return s.accepted(id, command) }

func (s *Server) accepted(id string, commands ...string) []LoggedRequest {
	var out []LoggedRequest
	for _, r := range s.RequestLog() {
		if slices.Contains(commands, r.Command) && r.ClientOrderID == id && r.TookEffect {
			out = append(out, r)
		}
	}
	return out
}
