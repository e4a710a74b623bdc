package store

import (
	"crypto/sha256"
	"encoding/hex"
)

// FormatBinary is the first byte of an event stored in the compact binary
// encoding (schema 3 and later; codec.go, wire.go). Events written before
// are JSON (first byte '{').
const FormatBinary = formatBinary

// DecodeEvent decodes the hashed bytes of one event (RawEvent.Data), in
// either stored format: the event (Hash: the SHA-256 of data) and, for an
// intent, the payment as begun (nil otherwise). It is the journal's own
// decoding, for readers outside it (the store database's shipper) that must
// not keep a copy of the format.
func DecodeEvent(data []byte) (Event, *Payment, error) {
	r, err := decodeBody(data)
	if err != nil {
		return Event{}, nil, err
	}
	sum := sha256.Sum256(data)
	return r.event(hex.EncodeToString(sum[:])), r.Payment, nil
}
