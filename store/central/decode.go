package central

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// The store database derives payment and close-day facts from each event.
// It reads the JSON events of journals before schema 3 itself; for the
// compact binary events (schema 3, first byte formatBinary) the shipper
// decodes them here and sends the facts with the bytes, in the JSON event
// shape ({"q","o","t","a","s","f","p"}). The bytes stay what the database
// checks (hash, link); the facts are the lane's reading of them.
//
// This reader follows store/wire.go and store/codec.go (decodeBinaryEvent,
// readPayment, the words table) and is tested against the journal's own
// decoding (TestFactsMatchJournal). TODO(store): replace it with an
// exported decoder from package store once there is one.

const formatBinary = 0x01

// words is store's words table (store/wire.go), append-only there.
var words = []string{
	"",
	"intent", "sent", "accepted", "final", "unknown", "resolved", "alert", "override", "close", "receipt",
	"pending", "sent", "accepted", "approved", "declined", "filtered", "error", "unknown",
	"sale", "preauth",
	"paynet_order_id", "serial_number", "approval_code", "rrn", "receipt_id", "card_scheme",
	"reason", "manager", "request_id", "source", "copy", "print", "duplicate", "reprint",
	"reply", "callback", "status", "recovery", "lookup", "yes", "no", "1", "2", "3",
	"CUSTOMER COPY", "MERCHANT COPY", "RUB", "USD", "EUR", "KZT", "BYN", "UZS", "GBP",
	"VISA", "MASTERCARD", "MIR", "MAESTRO", "UNIONPAY", "AMEX", "JCB",
	"reported_type", "journaled_status", "journaled_paynet_order_id", "cause", "code", "message",
	"stage", "currency", "payments", "finished", "processing", "error",
	"sale_count", "sale_sum", "reversal_count", "reversal_sum", "preauth_count", "preauth_sum",
	"reply_status", "0",
}

var errShort = errors.New("event is cut short")

type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *reader) uvarint() uint64 {
	n, k := binary.Uvarint(r.b)
	if k <= 0 {
		r.fail(errShort)
		return 0
	}
	r.b = r.b[k:]
	return n
}

func (r *reader) varint() int64 {
	n, k := binary.Varint(r.b)
	if k <= 0 {
		r.fail(errShort)
		return 0
	}
	r.b = r.b[k:]
	return n
}

func (r *reader) raw(n int) []byte {
	if r.err != nil || n < 0 || len(r.b) < n {
		r.fail(errShort)
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) byte1() byte {
	if b := r.raw(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) str() string {
	v := r.uvarint()
	if r.err != nil {
		return ""
	}
	if v&1 == 1 {
		if v>>1 >= uint64(len(words)) {
			r.fail(fmt.Errorf("unknown word %d (a newer Kassa?)", v>>1))
			return ""
		}
		return words[v>>1]
	}
	return string(r.raw(int(v >> 1)))
}

func (r *reader) id() string {
	switch r.byte1() {
	case 0:
		return ""
	case 1:
		if b := r.raw(16); b != nil {
			return uuid.UUID(b).String()
		}
		return ""
	case 2:
		return r.str()
	}
	r.fail(errors.New("bad id tag"))
	return ""
}

func (r *reader) fields() map[string]string {
	n := r.uvarint()
	if n == 0 || r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail(errShort)
		return nil
	}
	f := make(map[string]string, n)
	for i := uint64(0); i < n && r.err == nil; i++ {
		k := r.str()
		f[k] = r.str()
	}
	return f
}

func (r *reader) time() string {
	n := r.varint()
	if n == 0 {
		return ""
	}
	return time.Unix(0, n).UTC().Format(time.RFC3339Nano)
}

// paymentFacts are the intent's payment as the database uses it.
type paymentFacts struct {
	OrderID     string `json:"client_orderid"`
	Kind        string `json:"kind"`
	AmountMinor int64  `json:"amount_minor"`
	Currency    string `json:"currency"`
	Status      string `json:"status"`
	Day         string `json:"day"`
	CreatedAt   string `json:"created_at"`
}

func (r *reader) payment() *paymentFacts {
	p := &paymentFacts{OrderID: r.id(), Kind: r.str(), AmountMinor: r.varint()}
	var skip string
	for _, s := range []*string{&p.Currency, &skip, &skip, &skip, &skip, &skip, &skip, &skip, &skip, &skip,
		&skip, &skip, &skip, &p.Status, &p.Day} {
		*s = r.str()
	}
	p.CreatedAt = r.time()
	r.time() // updated_at
	r.str()  // close batch
	return p
}

// eventFacts is an event in the JSON event shape.
type eventFacts struct {
	Seq     uint64            `json:"q"`
	Order   string            `json:"o,omitempty"`
	Type    string            `json:"t"`
	At      int64             `json:"a"`
	Status  string            `json:"s,omitempty"`
	Fields  map[string]string `json:"f,omitempty"`
	Payment *paymentFacts     `json:"p,omitempty"`
	Prev    string            `json:"v"`
}

// binaryFacts decodes a binary event's facts as JSON; nil for a JSON event
// (the database reads those itself).
func binaryFacts(data []byte) ([]byte, error) {
	if len(data) == 0 || data[0] != formatBinary {
		return nil, nil
	}
	r := &reader{b: data[1:]}
	var e eventFacts
	e.Prev = hex.EncodeToString(r.raw(32))
	e.Seq = r.uvarint()
	e.At = r.varint()
	e.Type = r.str()
	e.Order = r.id()
	e.Status = r.str()
	e.Fields = r.fields()
	switch r.byte1() {
	case 0:
	case 1:
		e.Payment = r.payment()
	default:
		r.fail(errors.New("bad payment tag"))
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail(fmt.Errorf("%d unexpected bytes at the end", len(r.b)))
	}
	if r.err != nil {
		return nil, fmt.Errorf("event %d: %w", e.Seq, r.err)
	}
	return json.Marshal(e)
}
