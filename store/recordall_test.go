package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func types(p Payment) string {
	var s []string
	for _, ev := range p.Events {
		s = append(s, string(ev.Type)+":"+string(ev.Status))
	}
	return strings.Join(s, " ")
}

// TestRecordAll: several events of one payment in one transaction, each
// decided against the state the ones before it left, chained in order.
func TestRecordAll(t *testing.T) {
	acc := func(gw string) Event {
		return Event{Type: EventAccepted, Status: StatusAccepted, Fields: map[string]string{FieldPaynetOrderID: gw, FieldSource: "reply"}}
	}
	final := func(s Status) Event {
		return Event{Type: EventFinal, Status: s, Fields: map[string]string{FieldApprovalCode: "AB12", FieldSource: "status"}}
	}
	for _, tc := range []struct {
		name     string
		before   []Event // recorded one by one first
		evs      []Event
		want     []Outcome
		err      error // errors.Is; nil: no error
		status   Status
		events   string // the payment's events afterwards
		open     int64  // open-day sale count afterwards
		newCount int    // events the call stored
	}{
		{name: "accepted and final in one write", evs: []Event{acc("71"), final(StatusApproved)},
			want: []Outcome{OutcomeApplied, OutcomeApplied}, status: StatusApproved,
			events: "intent:pending accepted:accepted final:approved", open: 1, newCount: 2},
		{name: "sent and accepted in one write", evs: []Event{{Type: EventSent}, acc("72")},
			want: []Outcome{OutcomeApplied, OutcomeApplied}, status: StatusAccepted,
			events: "intent:pending sent:sent accepted:accepted", newCount: 2},
		{name: "accepted and unknown", evs: []Event{acc("73"), {Type: EventUnknown, Fields: map[string]string{FieldReason: "no answer"}}},
			want: []Outcome{OutcomeApplied, OutcomeApplied}, status: StatusUnknown,
			events: "intent:pending accepted:accepted unknown:unknown", newCount: 2},
		{name: "already final: repeats store nothing", before: []Event{acc("74"), final(StatusApproved)},
			evs: []Event{acc("74"), final(StatusApproved)}, want: []Outcome{OutcomeRepeat, OutcomeRepeat}, status: StatusApproved,
			events: "intent:pending accepted:accepted final:approved", open: 1},
		{name: "contradiction becomes an alert", before: []Event{final(StatusDeclined)},
			evs: []Event{acc("75"), final(StatusApproved)}, want: []Outcome{OutcomeRepeat, OutcomeConflict}, err: ErrConflict,
			status: StatusDeclined, events: "intent:pending final:declined alert:approved", newCount: 1},
		{name: "stale event skipped, the rest applied", before: []Event{acc("76")},
			evs: []Event{{Type: EventSent}, final(StatusApproved)}, want: []Outcome{OutcomeStale, OutcomeApplied}, err: ErrStale,
			status: StatusApproved, events: "intent:pending accepted:accepted final:approved", open: 1, newCount: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, _, _ := newJ(t)
			p := mustBegin(t, j, pay(KindSale, 500, "RUB", "401234****1111"))
			for _, ev := range tc.before {
				mustRecord(t, j, p.ClientOrderID, ev)
			}
			_, n0 := verifyOK(t, j)
			got, outs, err := j.ApplyAll(p.ClientOrderID, tc.evs...)
			if (tc.err == nil && err != nil) || (tc.err != nil && !errors.Is(err, tc.err)) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if fmt.Sprint(outs) != fmt.Sprint(tc.want) {
				t.Errorf("outcomes %v, want %v", outs, tc.want)
			}
			if got.Status != tc.status || types(got) != tc.events {
				t.Errorf("status %s events %q, want %s %q", got.Status, types(got), tc.status, tc.events)
			}
			if _, n := verifyOK(t, j); n != n0+tc.newCount {
				t.Errorf("%d events stored, want %d", n-n0, tc.newCount)
			}
			// The record in the journal is what the call returned.
			again, _ := j.Get(p.ClientOrderID)
			if types(again) != tc.events || again.Status != tc.status {
				t.Errorf("journal says %s %q", again.Status, types(again))
			}
			if tot, _ := j.OpenDayTotals(); tot["RUB"].SaleCount != tc.open {
				t.Errorf("open-day sales %d, want %d", tot["RUB"].SaleCount, tc.open)
			}
			// Chained one after the other.
			for i := 1; i < len(got.Events); i++ {
				if got.Events[i].Prev != got.Events[i-1].Hash {
					t.Errorf("event %d does not follow event %d", got.Events[i].Seq, got.Events[i-1].Seq)
				}
			}
		})
	}
}

// TestRecordAllAllOrNothing: one invalid event and nothing is stored.
func TestRecordAllAllOrNothing(t *testing.T) {
	j, _, _ := newJ(t)
	p := mustBegin(t, j, pay(KindSale, 500, "RUB", "401234****1111"))
	head, n0 := verifyOK(t, j)
	for _, tc := range []struct {
		name string
		evs  []Event
		err  error
	}{
		{"no events", nil, ErrInvalid},
		{"card data in the second", []Event{{Type: EventAccepted, Fields: map[string]string{FieldPaynetOrderID: "1"}},
			{Type: EventFinal, Status: StatusApproved, Fields: map[string]string{"pan": "4012345678908909"}}}, ErrCardData},
		{"final without a final status", []Event{{Type: EventSent}, {Type: EventFinal, Status: StatusAccepted}}, ErrInvalid},
		{"an intent", []Event{{Type: EventSent}, {Type: EventIntent}}, ErrInvalid},
	} {
		if _, err := j.RecordAll(p.ClientOrderID, tc.evs...); !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
	if _, err := j.RecordAll("00000000-0000-4000-8000-000000000000", Event{Type: EventSent}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown payment: %v", err)
	}
	if h, n := verifyOK(t, j); n != n0 || h != head {
		t.Fatalf("refused calls stored events: %d, want %d", n, n0)
	}
	if got, _ := j.Get(p.ClientOrderID); got.Status != StatusPending || len(got.Events) != 1 {
		t.Fatalf("payment changed: %s %q", got.Status, types(got))
	}
}

// TestReceiptEvents: every print is journaled, numbered per copy by the
// journal; the second and later prints of a copy are duplicates; prints are
// accepted in any state and change nothing on the payment.
func TestReceiptEvents(t *testing.T) {
	j, _, _ := newJ(t)
	p := mustBegin(t, j, pay(KindSale, 500, "RUB", "401234****1111"))
	id := p.ClientOrderID
	print := func(copyName string) Event {
		t.Helper()
		got := mustRecord(t, j, id, Event{Type: EventReceipt, Fields: map[string]string{FieldCopy: copyName}})
		return got.Events[len(got.Events)-1]
	}
	// A pending payment may be printed (a "result not known" slip).
	before, _ := j.Get(id)
	ev := print("CUSTOMER COPY")
	after, _ := j.Get(id)
	if ev.Type != EventReceipt || ev.Status != StatusPending || after.Status != StatusPending || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Fatalf("print of a pending payment: %+v; payment %s updated %v", ev, after.Status, after.UpdatedAt)
	}
	approve(t, j, id, "90")
	for i, tc := range []struct {
		copy, print, dup string
	}{
		{"CUSTOMER COPY", "2", "yes"},
		{"MERCHANT COPY", "1", "no"},
		{"MERCHANT COPY", "2", "yes"},
		{"CUSTOMER COPY", "3", "yes"},
	} {
		ev := print(tc.copy)
		if ev.Fields[FieldPrint] != tc.print || ev.Fields[FieldDuplicate] != tc.dup || ev.Fields[FieldCopy] != tc.copy || ev.Status != StatusApproved {
			t.Errorf("print %d (%s): %v %s, want print %s duplicate %s", i, tc.copy, ev.Fields, ev.Status, tc.print, tc.dup)
		}
	}
	got, _ := j.Get(id)
	if got.Status != StatusApproved || got.ApprovalCode != "AB12" {
		t.Errorf("prints changed the payment: %+v", got)
	}
	if tot, _ := j.OpenDayTotals(); tot["RUB"].SaleCount != 1 {
		t.Errorf("prints counted as sales: %+v", tot)
	}
	// The caller names the copy; the journal alone numbers prints.
	for _, f := range []map[string]string{nil, {FieldCopy: " "},
		{FieldCopy: "CUSTOMER COPY", FieldPrint: "1"}, {FieldCopy: "CUSTOMER COPY", FieldDuplicate: "no"}} {
		if _, err := j.Record(id, Event{Type: EventReceipt, Fields: f}); !errors.Is(err, ErrInvalid) {
			t.Errorf("receipt fields %v: %v", f, err)
		}
	}
	verifyOK(t, j)
}

// TestReceiptCountsLegacyPrints: prints journaled as override notes before
// EventReceipt existed still count, so the next print is a duplicate.
func TestReceiptCountsLegacyPrints(t *testing.T) {
	j, _, _ := newJ(t)
	p := mustBegin(t, j, pay(KindSale, 500, "RUB", "401234****1111"))
	approve(t, j, p.ClientOrderID, "91")
	mustRecord(t, j, p.ClientOrderID, Event{Type: EventOverride, Fields: map[string]string{legacyReprint: "1", FieldCopy: "CUSTOMER COPY"}})
	mustRecord(t, j, p.ClientOrderID, Event{Type: EventOverride, Fields: map[string]string{FieldManager: "anna", FieldReason: "customer left"}})
	got := mustRecord(t, j, p.ClientOrderID, Event{Type: EventReceipt, Fields: map[string]string{FieldCopy: "CUSTOMER COPY"}})
	ev := got.Events[len(got.Events)-1]
	if ev.Fields[FieldPrint] != "2" || ev.Fields[FieldDuplicate] != "yes" {
		t.Fatalf("after a legacy print: %v", ev.Fields)
	}
	verifyOK(t, j)
}

// TestVerifyCatchesReceiptNumbering: a receipt event whose numbering does
// not follow the payment's prints (written past the journal's API, chain
// intact) fails Verify.
func TestVerifyCatchesReceiptNumbering(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields map[string]string
		want   string
	}{
		{"first print marked duplicate", map[string]string{FieldCopy: "CUSTOMER COPY", FieldPrint: "1", FieldDuplicate: "yes"}, "but it is print 1"},
		{"second print not a duplicate", map[string]string{FieldCopy: "MERCHANT COPY", FieldPrint: "2", FieldDuplicate: "no"}, "but it is print 2"},
		{"no copy", map[string]string{FieldPrint: "1"}, "names no copy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, _, path := newJ(t)
			p := mustBegin(t, j, pay(KindSale, 500, "RUB", "401234****1111"))
			approve(t, j, p.ClientOrderID, "92")
			mustRecord(t, j, p.ClientOrderID, Event{Type: EventReceipt, Fields: map[string]string{FieldCopy: "MERCHANT COPY"}})
			verifyOK(t, j)
			rawEdit(t, j, path, func(tx *bolt.Tx) error {
				q, err := getPayment(tx, p.ClientOrderID, false)
				if err != nil {
					return err
				}
				if _, err := appendPaymentEvent(tx, &q, &rec{Type: EventReceipt, At: 1, Status: q.Status, Fields: tc.fields}); err != nil {
					return err
				}
				return putPayment(tx, &q)
			})
			wantChainError(t, path, tc.want)
		})
	}
}
