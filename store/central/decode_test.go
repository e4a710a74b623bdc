package central

import (
	"encoding/json"
	"maps"
	"testing"
	"time"

	"kassa/store"
)

// factsJournal writes a journal with every event kind the reports read.
func factsJournal(tb testing.TB) *testLane {
	tb.Helper()
	l := openLane(tb, tb.TempDir(), "lane-f", "TF")
	l.pay(tb, 1234, "RUB", store.StatusApproved)
	l.pay(tb, 999, "EUR", store.StatusDeclined)
	id := l.pay(tb, 5000, "RUB", store.StatusUnknown)
	if _, err := l.j.Record(id, store.Event{Type: store.EventResolved, Status: store.StatusApproved,
		Fields: map[string]string{store.FieldApprovalCode: "A1", store.FieldSource: "status"}}); err != nil {
		tb.Fatal(err)
	}
	if _, err := l.j.Record(id, store.Event{Type: store.EventReceipt, Fields: map[string]string{store.FieldCopy: "CUSTOMER COPY"}}); err != nil {
		tb.Fatal(err)
	}
	l.closeDay(tb, "RUB", 0)
	return l
}

// TestFactsMatchJournal: the facts the shipper decodes from binary events
// are what the journal itself reads from them.
func TestFactsMatchJournal(t *testing.T) {
	l := factsJournal(t)
	evs, err := FromJournal(l.j).EventsSince(0, 1000)
	if err != nil || len(evs) < 15 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
	closes := 0
	for _, e := range evs {
		if e.Facts == nil {
			t.Fatalf("event %d: no facts (binary: %v)", e.Seq, e.Body[0] == formatBinary)
		}
		var f eventFacts
		if err := json.Unmarshal(e.Facts, &f); err != nil {
			t.Fatal(err)
		}
		if f.Seq != e.Seq || f.Prev != e.Prev {
			t.Fatalf("event %d: facts say seq %d prev %s", e.Seq, f.Seq, f.Prev)
		}
		if f.Order == "" {
			closes++
			if f.Type != "close" || f.Fields["request_id"] == "" || f.Fields["stage"] == "" {
				t.Fatalf("journal-level event %d: %+v", e.Seq, f)
			}
			continue
		}
		p, err := l.j.Get(f.Order)
		if err != nil {
			t.Fatal(err)
		}
		var want store.Event
		for _, pe := range p.Events {
			if pe.Seq == e.Seq {
				want = pe
			}
		}
		if string(want.Type) != f.Type || string(want.Status) != f.Status || !want.At.Equal(time.Unix(0, f.At)) ||
			!maps.Equal(want.Fields, f.Fields) {
			t.Fatalf("event %d: facts %+v, journal %+v", e.Seq, f, want)
		}
		if f.Type == "intent" {
			fp := f.Payment
			if fp == nil || fp.OrderID != p.ClientOrderID || fp.Kind != string(p.Kind) || fp.AmountMinor != p.AmountMinor ||
				fp.Currency != p.Currency || fp.Day != p.Day || fp.CreatedAt != p.CreatedAt.UTC().Format(time.RFC3339Nano) {
				t.Fatalf("intent %d: %+v, payment %+v", e.Seq, fp, p)
			}
		}
	}
	if closes != 2 {
		t.Fatalf("%d journal-level close events", closes)
	}
}

// FuzzBinaryFacts: any bytes decode to facts or an error, never a panic;
// facts always re-encode as JSON with the seq and link of the bytes.
func FuzzBinaryFacts(f *testing.F) {
	l := factsJournal(f)
	evs, _ := FromJournal(l.j).EventsSince(0, 1000)
	for _, e := range evs {
		f.Add(e.Body)
	}
	f.Add([]byte{formatBinary})
	f.Add([]byte(`{"q":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := binaryFacts(b)
		if err != nil || out == nil {
			return
		}
		var e eventFacts
		if err := json.Unmarshal(out, &e); err != nil {
			t.Fatalf("facts are not JSON: %v", err)
		}
		if len(e.Prev) != 64 {
			t.Fatalf("prev %q", e.Prev)
		}
	})
}

// FuzzParseRefusal: any note gives a Refusal, never a panic.
func FuzzParseRefusal(f *testing.F) {
	f.Add("00000000-0000-4000-8000-000000000001 5 fork event 5 differs from the event 5 already stored")
	f.Add("x 18446744073709551615 gap")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		r := parseRefusal(s)
		if r == nil || r.Kind.String() == "" || r.Error() == "" {
			t.Fatalf("%q: %+v", s, r)
		}
	})
}
