package central

import (
	"encoding/json"
	"fmt"
	"time"

	"kassa/store"
)

// The store database derives payment and close-day facts from each event.
// It reads the JSON events of journals before schema 3 itself; for the
// compact binary events (schema 3 on, first byte store.FormatBinary) the
// shipper decodes them with the journal's own decoder (store.DecodeEvent)
// and sends the facts with the bytes, in the JSON event shape
// ({"q","o","t","a","s","f","p"}). The bytes stay what the database checks
// (hash, link); the facts are the lane's reading of them.

const formatBinary = store.FormatBinary

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
	ev, p, err := store.DecodeEvent(data)
	if err != nil {
		return nil, fmt.Errorf("event: %w", err)
	}
	e := eventFacts{Seq: ev.Seq, Order: ev.OrderID, Type: string(ev.Type), At: ev.At.UnixNano(),
		Status: string(ev.Status), Fields: ev.Fields, Prev: ev.Prev}
	if p != nil {
		e.Payment = &paymentFacts{OrderID: p.ClientOrderID, Kind: string(p.Kind), AmountMinor: p.AmountMinor,
			Currency: p.Currency, Status: string(p.Status), Day: p.Day, CreatedAt: factTime(p.CreatedAt)}
	}
	return json.Marshal(e)
}

// factTime is a time as the facts carry it: RFC 3339 in UTC, "" for none.
func factTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
