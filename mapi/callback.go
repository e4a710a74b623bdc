package mapi

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// CallbackEvent is a verified gateway callback (MAPI.md §6). Amount is in
// major units as the gateway wrote it. Treat it as a hint: confirm with
// Status before printing a receipt.
type CallbackEvent struct {
	Status        Status
	OrderID       string // orderid: the gateway's order id
	MerchantOrder string // merchant_order
	ClientOrderID string // client_orderid
	Type          string // type as sent: sale or preauth (or a child's, see ForChild)
	// TransactionType is Type read as a transaction type.
	TransactionType TransactionType
	Amount          string
	Descriptor      string
	ErrorCode       string // error_code
	ErrorMessage    string // error_message
	Name            string
	Email           string
	ApprovalCode    string     // approval-code
	LastFourDigits  string     // last-four-digits
	BIN             string     // bin
	CardType        string     // card-type
	ProcessorRRN    string     // processor-rrn
	MerchantData    string     // merchantdata
	Raw             url.Values // every parameter except control
}

// ForChild reports a callback whose type is neither sale nor preauth (a
// capture's or a return's, should the endpoint send them): MAPI.md §6 says
// it changes nothing by itself and only makes Kassa poll the order's status;
// its status is the child's, never the parent's (the control does not cover
// type).
func (e CallbackEvent) ForChild() bool {
	return e.TransactionType != TxSale && e.TransactionType != TxPreauth
}

// callbackMemory is how many accepted callbacks the handler remembers to
// answer repeats without calling fn again.
const callbackMemory = 4096

// NewCallbackHandler returns the http.Handler for the gateway's callbacks
// (GET with query parameters). It answers:
//
//   - 400 for a malformed request: not GET, a query longer than
//     MaxCallbackSize, a missing or repeated status, orderid, client_orderid
//     or control, a control that is not 40 hex digits, an unknown status;
//   - 403 when control is not sha1(status+orderid+client_orderid+key)
//     (compared in constant time);
//   - 200 after fn accepted the event (returned nil), and 200 at once to a
//     repeat of an event fn already accepted (fn is not called again);
//   - 500 when fn returns an error: the gateway then sends the callback again
//     later (up to 30 times over 14 days), so fn should return an error only
//     for a failure worth retrying, such as a journal that cannot be written.
//
// fn is called with the request's context; calls may run concurrently. log
// may be nil (slog.Default()).
func NewCallbackHandler(key Secret, fn func(context.Context, CallbackEvent) error, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return &callbackHandler{key: &key, fn: fn, log: log, seen: map[string]bool{}}
}

type callbackHandler struct {
	key *Secret // behind a pointer: %v of the handler prints an address
	fn  func(context.Context, CallbackEvent) error
	log *slog.Logger

	mu    sync.Mutex
	seen  map[string]bool
	order []string
}

func (h *callbackHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, MaxCallbackSize)
	}
	ev, code, why := h.parse(r)
	attrs := []slog.Attr{slog.String("client_orderid", clip(ev.ClientOrderID)), slog.String("orderid", clip(ev.OrderID)), slog.String("status", clip(string(ev.Status)))}
	if code != http.StatusOK {
		h.log.LogAttrs(r.Context(), slog.LevelInfo, "callback rejected", append(attrs, slog.Int("http_status", code), slog.String("reason", why))...)
		http.Error(w, why, code)
		return
	}
	id := string(ev.Status) + "\x00" + ev.OrderID + "\x00" + ev.ClientOrderID + "\x00" + ev.Type
	h.mu.Lock()
	repeat := h.seen[id]
	h.mu.Unlock()
	if repeat {
		h.log.LogAttrs(r.Context(), slog.LevelInfo, "callback repeated", attrs...)
		_, _ = w.Write([]byte("OK\n"))
		return
	}
	if err := h.fn(r.Context(), ev); err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelInfo, "callback not accepted, the gateway will retry", append(attrs, slog.String("error", err.Error()))...)
		http.Error(w, "not accepted, retry later", http.StatusInternalServerError)
		return
	}
	h.remember(id)
	h.log.LogAttrs(r.Context(), slog.LevelInfo, "callback accepted", attrs...)
	_, _ = w.Write([]byte("OK\n"))
}

func (h *callbackHandler) remember(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seen[id] {
		return
	}
	h.seen[id] = true
	h.order = append(h.order, id)
	if len(h.order) > callbackMemory {
		delete(h.seen, h.order[0])
		h.order = h.order[1:]
	}
}

// parse checks the request; it returns the event and 200, or a status and why.
func (h *callbackHandler) parse(r *http.Request) (CallbackEvent, int, string) {
	if r.Method != http.MethodGet {
		return CallbackEvent{}, http.StatusBadRequest, "method must be GET"
	}
	if len(r.URL.RawQuery) > MaxCallbackSize || r.ContentLength > MaxCallbackSize {
		return CallbackEvent{}, http.StatusBadRequest, "request too large"
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return CallbackEvent{}, http.StatusBadRequest, "malformed query"
	}
	for k, vs := range q {
		for i := range vs {
			vs[i] = strings.TrimSpace(vs[i])
		}
		q[k] = vs
	}
	one := func(k string) (string, bool) {
		vs := q[k]
		return strings.Join(vs, ""), len(vs) == 1 && vs[0] != ""
	}
	ev := CallbackEvent{}
	var ok [4]bool
	var st, control string
	st, ok[0] = one("status")
	ev.OrderID, ok[1] = one("orderid")
	ev.ClientOrderID, ok[2] = one("client_orderid")
	control, ok[3] = one("control")
	ev.Status = Status(st)
	for i, name := range []string{"status", "orderid", "client_orderid", "control"} {
		if !ok[i] {
			return ev, http.StatusBadRequest, "missing or repeated " + name
		}
	}
	got, err := hex.DecodeString(control)
	if err != nil || len(got) != 20 {
		return ev, http.StatusBadRequest, "control must be 40 hex digits"
	}
	want, _ := hex.DecodeString(CallbackControl(st, ev.OrderID, ev.ClientOrderID, *h.key))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ev, http.StatusForbidden, "bad control"
	}
	if !ev.Status.Valid() {
		return ev, http.StatusBadRequest, "unknown status"
	}
	delete(q, "control")
	ev.MerchantOrder = q.Get("merchant_order")
	ev.Type = q.Get("type")
	ev.TransactionType = ParseTransactionType(ev.Type)
	ev.Amount = q.Get("amount")
	ev.Descriptor = q.Get("descriptor")
	ev.ErrorCode = q.Get("error_code")
	ev.ErrorMessage = q.Get("error_message")
	ev.Name = q.Get("name")
	ev.Email = q.Get("email")
	ev.ApprovalCode = q.Get("approval-code")
	ev.LastFourDigits = q.Get("last-four-digits")
	ev.BIN = q.Get("bin")
	ev.CardType = q.Get("card-type")
	ev.ProcessorRRN = q.Get("processor-rrn")
	ev.MerchantData = q.Get("merchantdata")
	ev.Raw = q
	return ev, http.StatusOK, ""
}
