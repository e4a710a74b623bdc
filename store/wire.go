package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// The compact binary encoding of events and payment records (schema 3).
// Integers are varints; a string is one uvarint v: v odd names word v>>1 of
// the words table, v even is a literal of v>>1 bytes that follow. UUIDs
// (client_orderid) are their 16 raw bytes.

// words are the strings the journal writes most (field names, event types,
// statuses, kinds, currencies, sources, receipt copies), one per line. The
// table is part of the file format: APPEND ONLY, never reorder or remove.
var words = []string{
	"",
	string(EventIntent), string(EventSent), string(EventAccepted), string(EventFinal), string(EventUnknown),
	string(EventResolved), string(EventAlert), string(EventOverride), string(EventClose), string(EventReceipt),
	string(StatusPending), string(StatusSent), string(StatusAccepted), string(StatusApproved),
	string(StatusDeclined), string(StatusFiltered), string(StatusError), string(StatusUnknown),
	string(KindSale), string(KindPreauth),
	FieldPaynetOrderID, FieldSerialNumber, FieldApprovalCode, FieldRRN, FieldReceiptID, FieldCardScheme,
	FieldReason, FieldManager, FieldRequestID, FieldSource, FieldCopy, FieldPrint, FieldDuplicate, legacyReprint,
	"reply", "callback", "status", "recovery", "lookup", "yes", "no", "1", "2", "3",
	"CUSTOMER COPY", "MERCHANT COPY", "RUB", "USD", "EUR", "KZT", "BYN", "UZS", "GBP",
	"VISA", "MASTERCARD", "MIR", "MAESTRO", "UNIONPAY", "AMEX", "JCB",
	"reported_type", "journaled_status", "journaled_paynet_order_id", "cause", "code", "message",
	"stage", "currency", "payments", BatchFinished, BatchProcessing, BatchError,
	"sale_count", "sale_sum", "reversal_count", "reversal_sum", "preauth_count", "preauth_sum",
	"reply_status", "0",
}

var wordIndex = func() map[string]uint64 {
	m := make(map[string]uint64, len(words))
	for i, w := range words {
		m[w] = uint64(i)
	}
	return m
}()

var errShort = errors.New("record is cut short")

// wbuf builds an encoded record.
type wbuf []byte

func (w *wbuf) uvarint(n uint64) { *w = binary.AppendUvarint(*w, n) }
func (w *wbuf) varint(n int64)   { *w = binary.AppendVarint(*w, n) }
func (w *wbuf) raw(b []byte)     { *w = append(*w, b...) }

func (w *wbuf) str(s string) {
	if i, ok := wordIndex[s]; ok {
		w.uvarint(i<<1 | 1)
		return
	}
	w.uvarint(uint64(len(s)) << 1)
	*w = append(*w, s...)
}

// id writes a canonical UUID as 16 bytes, or "" as one zero byte and
// anything else as a literal (flag 2).
func (w *wbuf) id(s string) {
	if s == "" {
		*w = append(*w, 0)
		return
	}
	if u, err := uuid.Parse(s); err == nil && u.String() == s {
		*w = append(*w, 1)
		*w = append(*w, u[:]...)
		return
	}
	*w = append(*w, 2)
	w.str(s)
}

// rbuf reads an encoded record; the first error sticks.
type rbuf struct {
	b   []byte
	err error
}

func (r *rbuf) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *rbuf) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	n, k := binary.Uvarint(r.b)
	if k <= 0 {
		r.fail(errShort)
		return 0
	}
	r.b = r.b[k:]
	return n
}

func (r *rbuf) varint() int64 {
	if r.err != nil {
		return 0
	}
	n, k := binary.Varint(r.b)
	if k <= 0 {
		r.fail(errShort)
		return 0
	}
	r.b = r.b[k:]
	return n
}

func (r *rbuf) raw(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b) < n {
		r.fail(errShort)
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *rbuf) byte1() byte {
	b := r.raw(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func (r *rbuf) str() string {
	v := r.uvarint()
	if v&1 == 1 {
		if v>>1 >= uint64(len(words)) {
			r.fail(fmt.Errorf("unknown word %d (written by a newer Kassa?)", v>>1))
			return ""
		}
		return words[v>>1]
	}
	if v>>1 > uint64(len(r.b)) {
		r.fail(errShort)
		return ""
	}
	return string(r.raw(int(v >> 1)))
}

func (r *rbuf) id() string {
	switch r.byte1() {
	case 0:
		return ""
	case 1:
		b := r.raw(16)
		if b == nil {
			return ""
		}
		return uuid.UUID(b).String()
	case 2:
		return r.str()
	}
	r.fail(errors.New("bad id tag"))
	return ""
}

// end reports the first error, or trailing bytes.
func (r *rbuf) end() error {
	if r.err == nil && len(r.b) != 0 {
		return fmt.Errorf("%d unexpected bytes at the end", len(r.b))
	}
	return r.err
}
