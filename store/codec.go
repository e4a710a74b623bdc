package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Event values. Since schema 3 an event is stored as formatBinary, the
// previous event's raw SHA-256 (32 bytes) and the event's fields (wire.go);
// its hash is the SHA-256 of exactly those stored bytes. Events written
// before schema 3 stay as they were (the chain covers them): the hex SHA-256
// of a JSON body (64 bytes), then the body, with the previous hash in its
// "v" member.
const formatBinary = 0x01

// rec is an event as stored.
type rec struct {
	Seq     uint64            `json:"q"`
	Order   string            `json:"o,omitempty"`
	Type    EventType         `json:"t"`
	At      int64             `json:"a"` // unix nanoseconds
	Status  Status            `json:"s,omitempty"`
	Fields  map[string]string `json:"f,omitempty"`
	Payment *Payment          `json:"p,omitempty"` // intent: the payment as begun (chained with it)
	Prev    string            `json:"v"`
}

func k8(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

func u64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// encodeEvent is the stored value of r (binary format; r.Prev is hex).
func encodeEvent(r *rec) ([]byte, error) {
	prev, err := hex.DecodeString(r.Prev)
	if err != nil || len(prev) != sha256.Size {
		return nil, fmt.Errorf("bad previous hash %q", r.Prev)
	}
	w := make(wbuf, 0, 160)
	w = append(w, formatBinary)
	w.raw(prev)
	w.uvarint(r.Seq)
	w.varint(r.At)
	w.str(string(r.Type))
	w.id(r.Order)
	w.str(string(r.Status))
	writeFields(&w, r.Fields)
	if r.Payment == nil {
		w = append(w, 0)
	} else {
		w = append(w, 1)
		writePayment(&w, r.Payment)
	}
	return w, nil
}

func writeFields(w *wbuf, f map[string]string) {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w.uvarint(uint64(len(keys)))
	for _, k := range keys {
		w.str(k)
		w.str(f[k])
	}
}

func readFields(r *rbuf) map[string]string {
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
		if _, dup := f[k]; dup {
			r.fail(fmt.Errorf("field %q twice", k))
		}
		f[k] = r.str()
	}
	return f
}

// decodeEvent decodes a stored event value and returns it with its hash.
func decodeEvent(v []byte) (rec, string, error) {
	body, h, err := splitStored(v)
	if err != nil {
		return rec{}, "", err
	}
	r, err := decodeBody(body)
	return r, h, err
}

// splitStored splits a stored event value into the bytes its hash covers
// and its hash (hex): all of a binary event, which hashes to it; the JSON
// body of an older event, whose stored hash prefix is returned (Verify
// checks that it matches).
func splitStored(v []byte) (body []byte, hash string, err error) {
	if len(v) > 0 && v[0] == formatBinary {
		sum := sha256.Sum256(v)
		return v, hex.EncodeToString(sum[:]), nil
	}
	if len(v) < 64 {
		return nil, "", errors.New("event too short")
	}
	return v[64:], string(v[:64]), nil
}

// decodeBody decodes the hashed bytes of an event, binary or JSON.
func decodeBody(body []byte) (rec, error) {
	if len(body) > 0 && body[0] == formatBinary {
		return decodeBinaryEvent(body)
	}
	var r rec
	if err := json.Unmarshal(body, &r); err != nil {
		return r, err
	}
	if !isHash(r.Prev) {
		return rec{}, fmt.Errorf("previous hash %q is not a SHA-256", r.Prev)
	}
	return r, nil
}

// isHash reports whether s is a lower-case hex SHA-256.
func isHash(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// binaryHead reads a binary event's link (the previous event's hash, raw)
// and sequence number without decoding the rest.
func binaryHead(v []byte) (prev []byte, seq uint64, ok bool) {
	if len(v) < 1+sha256.Size+1 || v[0] != formatBinary {
		return nil, 0, false
	}
	seq, n := binary.Uvarint(v[1+sha256.Size:])
	return v[1 : 1+sha256.Size], seq, n > 0
}

func decodeBinaryEvent(v []byte) (rec, error) {
	r := &rbuf{b: v[1:]}
	prev := r.raw(sha256.Size)
	var e rec
	e.Prev = hex.EncodeToString(prev)
	e.Seq = r.uvarint()
	e.At = r.varint()
	e.Type = EventType(r.str())
	e.Order = r.id()
	e.Status = Status(r.str())
	e.Fields = readFields(r)
	switch r.byte1() {
	case 0:
	case 1:
		p := readPayment(r)
		e.Payment = &p
	default:
		r.fail(errors.New("bad payment tag"))
	}
	if err := r.end(); err != nil {
		return rec{}, fmt.Errorf("event: %w", err)
	}
	return e, nil
}

func (r rec) event(hash string) Event {
	return Event{Seq: r.Seq, OrderID: r.Order, Type: r.Type, At: time.Unix(0, r.At), Status: r.Status,
		Fields: r.Fields, Prev: r.Prev, Hash: hash}
}

// Payment records. Since schema 3: formatBinary and what can change after
// Begin or is needed without the events (kind, amount, currency, gateway
// ids, status, times, close batch) and the payment's event sequence numbers
// (deltas). What never changes after Begin (card, reader, terminal, cashier,
// description, day, creation time) is read from the intent event, where the
// chain covers it (completePayment). Before schema 3: JSON (stored), whole.
func encodePayment(p *Payment) []byte {
	w := make(wbuf, 0, 96)
	w = append(w, formatBinary)
	w.str(string(p.Kind))
	w.varint(p.AmountMinor)
	for _, s := range []string{p.Currency, p.CardScheme, p.PaynetOrderID, p.SerialNumber, p.ApprovalCode, p.RRN,
		p.ReceiptID, string(p.Status), p.CloseBatch} {
		w.str(s)
	}
	writeTime(&w, p.UpdatedAt)
	w.uvarint(uint64(len(p.seqs)))
	var last uint64
	for _, s := range p.seqs {
		w.uvarint(s - last)
		last = s
	}
	return w
}

func decodeRecord(v []byte) (Payment, error) {
	r := &rbuf{b: v[1:]}
	var p Payment
	p.Kind = Kind(r.str())
	p.AmountMinor = r.varint()
	var status string
	for _, s := range []*string{&p.Currency, &p.CardScheme, &p.PaynetOrderID, &p.SerialNumber, &p.ApprovalCode,
		&p.RRN, &p.ReceiptID, &status, &p.CloseBatch} {
		*s = r.str()
	}
	p.Status = Status(status)
	p.UpdatedAt = readTime(r)
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail(errShort)
	}
	var last uint64
	for i := uint64(0); i < n && r.err == nil; i++ {
		last += r.uvarint()
		p.seqs = append(p.seqs, last)
	}
	if err := r.end(); err != nil {
		return Payment{}, fmt.Errorf("payment record: %w", err)
	}
	p.slim = true
	return p, nil
}

// completePayment gives a payment decoded from its record (key id) the
// fields a schema-3 record leaves to its intent event.
func completePayment(tx *bolt.Tx, id string, p *Payment) error {
	p.ClientOrderID = id
	if !p.slim {
		return nil
	}
	if len(p.seqs) == 0 {
		return fmt.Errorf("%w: payment %s has no events", ErrChain, id)
	}
	v := tx.Bucket(bEvents).Get(k8(p.seqs[0]))
	if v == nil {
		return fmt.Errorf("%w: intent %d of %s is missing", ErrChain, p.seqs[0], id)
	}
	body, _, err := splitStored(v)
	if err != nil {
		return fmt.Errorf("%w: intent of %s: %v", ErrChain, id, err)
	}
	r, err := decodeBody(body)
	if err != nil || r.Type != EventIntent || r.Payment == nil || r.Order != id {
		return fmt.Errorf("%w: event %d is not the intent of %s", ErrChain, p.seqs[0], id)
	}
	fillFromIntent(p, r.Payment)
	return nil
}

// fillFromIntent completes a slim payment record with what never changes
// after Begin, from its intent's payment b.
func fillFromIntent(p, b *Payment) {
	p.slim = false
	p.MaskedPAN, p.ReaderSerial, p.KSN, p.TerminalID = b.MaskedPAN, b.ReaderSerial, b.KSN, b.TerminalID
	p.CashierID, p.Description, p.Day, p.CreatedAt = b.CashierID, b.Description, b.Day, b.CreatedAt
	p.EntryMode, p.AID, p.AppLabel, p.CVM = b.EntryMode, b.AID, b.AppLabel, b.CVM
}

func writeTime(w *wbuf, t time.Time) {
	if t.IsZero() {
		w.varint(0)
		return
	}
	w.varint(t.UnixNano())
}

func readTime(r *rbuf) time.Time {
	n := r.varint()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// writePayment writes a payment's fields (not its events). The order is the
// file format: append new fields at the end only.
func writePayment(w *wbuf, p *Payment) {
	w.id(p.ClientOrderID)
	w.str(string(p.Kind))
	w.varint(p.AmountMinor)
	for _, s := range []string{p.Currency, p.MaskedPAN, p.CardScheme, p.ReaderSerial, p.KSN, p.TerminalID,
		p.CashierID, p.Description, p.PaynetOrderID, p.SerialNumber, p.ApprovalCode, p.RRN, p.ReceiptID,
		string(p.Status), p.Day} {
		w.str(s)
	}
	writeTime(w, p.CreatedAt)
	writeTime(w, p.UpdatedAt)
	w.str(p.CloseBatch)
	if p.EntryMode != "" || p.AID != "" || p.AppLabel != "" || p.CVM != "" {
		// Issue 12: the card's entry mode and chip application, only when
		// known (intents before them end at CloseBatch).
		for _, s := range []string{p.EntryMode, p.AID, p.AppLabel, p.CVM} {
			w.str(s)
		}
	}
}

func readPayment(r *rbuf) Payment {
	var p Payment
	p.ClientOrderID = r.id()
	p.Kind = Kind(r.str())
	p.AmountMinor = r.varint()
	var status string
	for _, s := range []*string{&p.Currency, &p.MaskedPAN, &p.CardScheme, &p.ReaderSerial, &p.KSN, &p.TerminalID,
		&p.CashierID, &p.Description, &p.PaynetOrderID, &p.SerialNumber, &p.ApprovalCode, &p.RRN, &p.ReceiptID,
		&status, &p.Day} {
		*s = r.str()
	}
	p.Status = Status(status)
	p.CreatedAt = readTime(r)
	p.UpdatedAt = readTime(r)
	p.CloseBatch = r.str()
	if r.err == nil && len(r.b) > 0 { // the payment is the event's last part
		for _, s := range []*string{&p.EntryMode, &p.AID, &p.AppLabel, &p.CVM} {
			*s = r.str()
		}
	}
	return p
}

// stored is a payment record as schema 1 and 2 stored it (JSON).
type stored struct {
	Payment
	Seqs []uint64 `json:"seqs"`
}

func putPayment(tx *bolt.Tx, p *Payment) error {
	// Not filled past bbolt's default half: a record grows with each of its
	// events after it was put (measured: a 90 % fill split the pages the
	// final events grow, 1,167 -> 1,324 bytes per payment).
	return tx.Bucket(bPayments).Put(idBytes(p.ClientOrderID), encodePayment(p))
}

// decodePayment decodes a payment record; a schema-3 one still needs
// completePayment.
func decodePayment(v []byte) (Payment, error) {
	if len(v) > 0 && v[0] == formatBinary {
		return decodeRecord(v)
	}
	var s stored
	if err := json.Unmarshal(v, &s); err != nil {
		return Payment{}, err
	}
	s.Payment.seqs = s.Seqs
	return s.Payment, nil
}

func getPayment(tx *bolt.Tx, id string, withEvents bool) (Payment, error) {
	v := tx.Bucket(bPayments).Get(idBytes(id))
	if v == nil {
		return Payment{}, fmt.Errorf("payment %s: %w", id, ErrNotFound)
	}
	p, err := decodePayment(v)
	if err != nil {
		return p, fmt.Errorf("payment %s: %w", id, err)
	}
	if err := completePayment(tx, id, &p); err != nil {
		return p, err
	}
	if withEvents {
		evs, err := paymentEvents(tx, &p)
		if err != nil {
			return p, err
		}
		p.Events = evs
	}
	return p, nil
}

func paymentEvents(tx *bolt.Tx, p *Payment) ([]Event, error) {
	events := tx.Bucket(bEvents)
	out := make([]Event, 0, len(p.seqs))
	for _, seq := range p.seqs {
		v := events.Get(k8(seq))
		if v == nil {
			return nil, fmt.Errorf("%w: event %d of %s is missing", ErrChain, seq, p.ClientOrderID)
		}
		r, h, err := decodeEvent(v)
		if err != nil {
			return nil, err
		}
		out = append(out, r.event(h))
	}
	return out, nil
}

// idBytes is a client_orderid's 16 bytes: the payments and open-day keys
// and the gateway-id index's values (since schema 4) and the index keys
// (since schema 3). Ids are canonical UUIDs (validatePayment has required
// that since the first journal); anything else keeps its text.
func idBytes(id string) []byte {
	var w wbuf
	w.id(id)
	if len(w) == 17 && w[0] == 1 {
		return w[1:]
	}
	return []byte(id)
}

// idString undoes idBytes.
func idString(b []byte) string {
	if len(b) == 16 {
		r := rbuf{b: append([]byte{1}, b...)}
		return r.id()
	}
	return string(b)
}
