package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// rawRecords are the stored values of a small real journal, by bucket.
type rawRecords struct {
	events, payments, batches, open [][]byte
	unresolved                      []byte
}

// seedJournal writes a small real journal (an approved sale, a declined and
// an unknown payment, a receipt print, an alert and a finished close-day) in
// dir and returns it open, with the values it stored.
func seedJournal(f *testing.F, dir string) (*Journal, rawRecords) {
	f.Helper()
	j, err := Open(filepath.Join(dir, "journal.db"), Options{Now: newClock().Now, noSync: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = j.Close() })
	must := func(err error) {
		f.Helper()
		if err != nil {
			f.Fatal(err)
		}
	}
	ok := pay(KindSale, 12345, "RUB", "401234****1111")
	bad := pay(KindPreauth, 500, "RUB", "555555****4444")
	lost := pay(KindSale, 700, "USD", "")
	for _, p := range []Payment{ok, bad, lost} {
		must(j.Begin(p))
	}
	_, err = j.RecordAll(ok.ClientOrderID,
		Event{Type: EventSent},
		Event{Type: EventAccepted, Fields: map[string]string{FieldPaynetOrderID: "G1"}},
		Event{Type: EventFinal, Status: StatusApproved, Fields: map[string]string{FieldApprovalCode: "AB12", FieldRRN: "123456789012"}})
	must(err)
	_, err = j.Record(ok.ClientOrderID, Event{Type: EventReceipt, Fields: map[string]string{FieldCopy: "CUSTOMER COPY"}})
	must(err)
	if _, out, _ := j.Apply(ok.ClientOrderID, Event{Type: EventFinal, Status: StatusDeclined}); out != OutcomeConflict {
		f.Fatalf("contradicting final: outcome %s, want an alert", out)
	}
	_, err = j.Record(bad.ClientOrderID, Event{Type: EventFinal, Status: StatusDeclined, Fields: map[string]string{FieldReason: "Insufficient funds"}})
	must(err)
	_, err = j.Record(lost.ClientOrderID, Event{Type: EventUnknown, Fields: map[string]string{FieldReason: "timeout"}})
	must(err)
	rid := uuid.NewString()
	_, err = j.BeginClose(rid, "RUB")
	must(err)
	_, err = j.FinishClose(rid, BatchFinished, map[string]string{"status": "finished"})
	must(err)
	if _, _, err := j.Verify(); err != nil {
		f.Fatal(err)
	}

	var raw rawRecords
	grab := func(tx *bolt.Tx, name []byte) [][]byte {
		var out [][]byte
		_ = tx.Bucket(name).ForEach(func(_, v []byte) error {
			out = append(out, bytes.Clone(v))
			return nil
		})
		return out
	}
	must(j.view(func(tx *bolt.Tx) error {
		raw.events = grab(tx, bEvents)
		raw.payments = grab(tx, bPayments)
		raw.batches = grab(tx, bBatches)
		raw.open = grab(tx, bOpen)
		raw.unresolved = bytes.Clone(tx.Bucket(bMeta).Get(kUnresolved))
		return nil
	}))
	if len(raw.events) < 8 || len(raw.payments) != 3 || len(raw.batches) != 1 || len(raw.unresolved) == 0 {
		f.Fatalf("seed journal: %d events, %d payments, %d batches, unresolved %q",
			len(raw.events), len(raw.payments), len(raw.batches), raw.unresolved)
	}
	return j, raw
}

// reencodeEvent stores r as appendEvent does now (binary).
func reencodeEvent(t *testing.T, r rec) []byte {
	v, err := encodeEvent(&r)
	if err != nil {
		t.Fatalf("decoded event does not re-encode: %v", err)
	}
	return v
}

// hashOf is the hash a stored event value must have: the SHA-256 of a
// binary value, or the stored prefix of an older JSON one.
func hashOf(v []byte) string {
	if len(v) > 0 && v[0] == formatBinary {
		return hashHex(v)
	}
	return string(v[:64])
}

// hashOK reports whether a stored event value checks out on its own (an
// older JSON value against its stored hash; a binary one always does: its
// hash is that of its bytes).
func hashOK(v []byte) bool {
	if len(v) > 0 && v[0] == formatBinary {
		return true
	}
	sum := sha256.Sum256(v[64:])
	return hex.EncodeToString(sum[:]) == string(v[:64])
}

// legacyEvents are the stored events of testdata/v2-journal.db (schema 2,
// JSON, written by the Kassa before the binary encoding).
func legacyEvents(f *testing.F) [][]byte {
	f.Helper()
	path := filepath.Join(f.TempDir(), "v2.db")
	if err := copyFile(filepath.Join("testdata", "v2-journal.db"), path); err != nil {
		f.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	var out [][]byte
	_ = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bEvents).ForEach(func(_, v []byte) error { out = append(out, bytes.Clone(v)); return nil })
	})
	return out
}

// FuzzDecodeEvent: decoding any stored event value (binary, or JSON as
// schema 2 wrote them) never panics; a value it accepts re-encodes to an
// event that decodes to the same thing, and the hash it reports is the
// SHA-256 of a binary value or the stored prefix of a JSON one.
func FuzzDecodeEvent(f *testing.F) {
	_, raw := seedJournal(f, f.TempDir())
	for _, v := range append(raw.events, legacyEvents(f)...) {
		if !hashOK(v) {
			f.Fatalf("real event %q does not verify", v)
		}
		f.Add(v)
	}
	f.Add([]byte(Genesis))
	f.Add([]byte(Genesis + "{}"))
	f.Add([]byte(Genesis + `{"q":1,"t":"intent","a":1,"p":{"created_at":"x"},"v":"` + Genesis + `"}`))
	f.Add(raw.events[0][:70])
	f.Add(append([]byte{formatBinary}, make([]byte, 40)...))
	f.Fuzz(func(t *testing.T, v []byte) {
		r, h, err := decodeEvent(v)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if h != hashOf(v) {
			t.Fatalf("hash %q is not the hash of %q", h, v)
		}
		once := reencodeEvent(t, r)
		r2, h2, err := decodeEvent(once)
		if err != nil {
			t.Fatalf("re-encoded event %q does not decode: %v", once, err)
		}
		if twice := reencodeEvent(t, r2); !bytes.Equal(once, twice) || h2 != hashHex(once) {
			t.Fatalf("event changes on a round trip:\n%q\n%q", once, twice)
		}
		if ev := r.event(h); ev.Seq != r.Seq || ev.Hash != h || ev.Prev != r.Prev || ev.Type != r.Type {
			t.Fatalf("event %+v does not carry record %+v", ev, r)
		}
		// The exported decoder (store/central uses it) reads the hashed
		// bytes the same way.
		body, _, _ := splitStored(v)
		ev, p, err := DecodeEvent(body)
		if err != nil || ev.Seq != r.Seq || ev.Prev != r.Prev || ev.Type != r.Type || (p == nil) != (r.Payment == nil) ||
			ev.Hash != hashHex(body) {
			t.Fatalf("DecodeEvent: %+v %v, want %+v", ev, err, r)
		}
	})
}

// reencodePayment stores p as putPayment does.
func reencodePayment(p Payment) []byte { return encodePayment(&p) }

// FuzzDecodePayment: decoding any stored payment record never panics; a
// record it accepts keeps its event list and is stable on a round trip.
func FuzzDecodePayment(f *testing.F) {
	_, raw := seedJournal(f, f.TempDir())
	for _, v := range raw.payments {
		f.Add(v)
	}
	f.Add([]byte(`{"seqs":[1,2,18446744073709551615]}`))
	f.Add([]byte(`{"amount_minor":1e3}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"client_orderid":"x","created_at":"2026-03-14T09:00:00Z","seqs":[3,1]}`))
	f.Add([]byte{formatBinary, 0, 1, 2})
	f.Fuzz(func(t *testing.T, v []byte) {
		p, err := decodePayment(v)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		once := reencodePayment(p)
		p2, err := decodePayment(once)
		if err != nil {
			t.Fatalf("re-encoded payment %q does not decode: %v", once, err)
		}
		if len(p2.seqs) != len(p.seqs) {
			t.Fatalf("event list %v became %v", p.seqs, p2.seqs)
		}
		if twice := reencodePayment(p2); !bytes.Equal(once, twice) {
			t.Fatalf("payment changes on a round trip:\n%q\n%q", once, twice)
		}
	})
}

// FuzzStoredRecords puts arbitrary bytes in place of one stored record of a
// real journal (a payment, a close-day batch, an open-day entry or the
// unresolved list) and reads it back through the public API: reads never
// panic, and a record that is not what Kassa wrote is either an error or
// caught by Verify.
func FuzzStoredRecords(f *testing.F) {
	j, raw := seedJournal(f, f.TempDir())
	var paymentID, batchID, openID string
	_ = j.view(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bPayments).Cursor().First()
		paymentID = idString(k)
		k, _ = tx.Bucket(bBatches).Cursor().First()
		batchID = string(k)
		return nil
	})
	// Every payment is open before close-day or covered by it: add an
	// approved one after the close so that the open-day index has an entry.
	p := pay(KindSale, 999, "RUB", "401234****2222")
	if err := j.Begin(p); err != nil {
		f.Fatal(err)
	}
	if _, err := j.Record(p.ClientOrderID, Event{Type: EventFinal, Status: StatusApproved}); err != nil {
		f.Fatal(err)
	}
	openID = p.ClientOrderID
	_ = j.view(func(tx *bolt.Tx) error {
		raw.open = append(raw.open, bytes.Clone(tx.Bucket(bOpen).Get(idBytes(openID))))
		return nil
	})
	for _, v := range raw.payments {
		f.Add(uint8(0), v)
	}
	for _, v := range raw.batches {
		f.Add(uint8(1), v)
	}
	for _, v := range raw.open {
		f.Add(uint8(2), v)
	}
	f.Add(uint8(2), []byte("sale|RUB|9223372036854775808"))
	f.Add(uint8(3), raw.unresolved)
	f.Add(uint8(3), []byte(`["`+paymentID+`",""]`))

	type slot struct {
		bucket, key []byte
		read        func() error
	}
	slots := []slot{
		{bPayments, idBytes(paymentID), func() error { _, err := j.Get(paymentID); return err }},
		{bBatches, []byte(batchID), func() error { _, err := j.Batch(batchID); return err }},
		{bOpen, idBytes(openID), func() error { _, err := j.OpenDayTotals(); return err }},
		{bMeta, kUnresolved, func() error { _, err := j.Unresolved(); return err }},
	}
	origPayment, err := j.Get(paymentID)
	if err != nil {
		f.Fatal(err)
	}
	origUnresolved, err := j.Unresolved()
	if err != nil || len(origUnresolved) != 1 {
		f.Fatalf("Unresolved = %v, %v; want the unknown payment", origUnresolved, err)
	}
	f.Fuzz(func(t *testing.T, which uint8, v []byte) {
		s := slots[int(which)%len(slots)]
		var orig []byte
		if err := j.update(func(tx *bolt.Tx) error {
			b := tx.Bucket(s.bucket)
			orig = bytes.Clone(b.Get(s.key))
			return b.Put(s.key, v)
		}); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := j.update(func(tx *bolt.Tx) error { return tx.Bucket(s.bucket).Put(s.key, orig) }); err != nil {
				t.Fatal(err)
			}
		}()
		readErr := s.read()
		_, _, verr := j.Verify()
		if readErr != nil && readErr.Error() == "" || verr != nil && verr.Error() == "" {
			t.Fatal("empty error")
		}
		if verr != nil && !errors.Is(verr, ErrChain) {
			t.Fatalf("Verify = %v, want nil or ErrChain", verr)
		}
		if verr != nil {
			return
		}
		// What Verify accepts is what the events say.
		switch int(which) % len(slots) {
		case 0:
			got, err := j.Get(paymentID)
			if err != nil {
				t.Fatalf("Verify accepts a payment record Get rejects: %v", err)
			}
			if d := diff(origPayment, got); d != "" || len(got.Events) != len(origPayment.Events) {
				t.Fatalf("Verify accepts a changed payment record %q: %s", v, d)
			}
		case 3:
			got, err := j.Unresolved()
			if err != nil || len(got) != len(origUnresolved) || got[0].ClientOrderID != origUnresolved[0].ClientOrderID {
				t.Fatalf("Verify accepts unresolved list %q: Unresolved = %v, %v", v, got, err)
			}
		}
	})
}
