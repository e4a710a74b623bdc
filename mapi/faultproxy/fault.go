// Package faultproxy is a fault-injecting HTTP proxy on loopback, put between
// Kassa and the sandbox gateway by the reliability tests: it forwards every
// request unchanged until a fault is armed for an operation, then breaks the
// next requests of that operation in the armed way (connection refused, a
// reset, a delayed, truncated, garbage or wrong reply, an HTTP error, a slow
// trickle). It is test tooling: it never runs in the product.
package faultproxy

import "fmt"

// Fault is one way the proxy breaks a request.
type Fault uint8

// The faults. "Forwarded" says whether the sandbox gets the request (so the
// money may have moved) before the client sees the fault.
const (
	None        Fault = iota // forward the request and the reply unchanged
	Refused                  // the proxy stops listening: the client's connect is refused; not forwarded
	ResetBefore              // the connection is reset once the request's headers arrive; not forwarded
	ResetAfter               // forwarded; the connection is reset instead of the reply
	Delay                    // forwarded; the reply is held past the client's timeout (Options.Delay)
	Truncated                // forwarded; half the reply, then the connection closes
	Garbage                  // forwarded; HTTP 200 with random bytes as the body
	HTTP500                  // forwarded; HTTP 500 instead of the reply
	HTTP502                  // not forwarded; HTTP 502 (a front proxy that could not reach the gateway)
	HTTP503                  // forwarded; HTTP 503 instead of the reply
	HTTP404                  // not forwarded; HTTP 404
	WrongReply               // forwarded; the client gets the reply of an earlier request of the same operation
	Trickle                  // forwarded; the reply one byte at a time (Options.TrickleEvery apart)
	faultCount
)

var faultNames = [...]string{"none", "refused", "reset-before", "reset-after", "delay", "truncated", "garbage",
	"http-500", "http-502", "http-503", "http-404", "wrong-reply", "trickle"}

// String is the fault's stable name, e.g. "reset-after".
func (f Fault) String() string {
	if f < faultCount {
		return faultNames[f]
	}
	return fmt.Sprintf("fault(%d)", f)
}

// Forwards says whether the sandbox gets the request under this fault.
func (f Fault) Forwards() bool {
	switch f {
	case Refused, ResetBefore, HTTP502, HTTP404:
		return false
	}
	return true
}

// Faults lists every fault but None.
func Faults() []Fault {
	out := make([]Fault, 0, faultCount-1)
	for f := Refused; f < faultCount; f++ {
		out = append(out, f)
	}
	return out
}

// ParseFault is the fault named s (String's names).
func ParseFault(s string) (Fault, bool) {
	for i, n := range faultNames {
		if n == s {
			return Fault(i), true
		}
	}
	return None, false
}
