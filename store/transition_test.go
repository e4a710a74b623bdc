package store

import (
	"errors"
	"fmt"
	"testing"
)

// TestTransitionTable lists every (state, event) pair of the journal's state
// machine with what must happen, independently of the rules table: first
// each event type plain (no gateway order id on either side; final and
// resolved report approved), then the cases that hinge on the gateway order
// id or the reported final status. It fails when a state or an event type
// has no line here, so a new one must be written down.
func TestTransitionTable(t *testing.T) {
	var (
		sent     = Event{Type: EventSent}
		alert    = Event{Type: EventAlert, Status: StatusApproved}
		override = Event{Type: EventOverride, Fields: map[string]string{FieldManager: "anna"}}
		receipt  = Event{Type: EventReceipt, Fields: map[string]string{FieldCopy: "CUSTOMER COPY"}}
		intent   = Event{Type: EventIntent}
		closeEv  = Event{Type: EventClose}
	)
	gwFields := func(gw []string) map[string]string {
		if len(gw) == 0 {
			return nil
		}
		return map[string]string{FieldPaynetOrderID: gw[0]}
	}
	accepted := func(gw ...string) Event { return Event{Type: EventAccepted, Fields: gwFields(gw)} }
	unknown := func(gw ...string) Event { return Event{Type: EventUnknown, Fields: gwFields(gw)} }
	final := func(s Status, gw ...string) Event { return Event{Type: EventFinal, Status: s, Fields: gwFields(gw)} }
	resolved := func(s Status, gw ...string) Event { return Event{Type: EventResolved, Status: s, Fields: gwFields(gw)} }

	type pair struct {
		cur  Status
		gw   string // the payment's gateway order id
		ev   Event
		next Status
		out  Outcome
	}
	plain := []pair{
		{StatusPending, "", sent, StatusSent, OutcomeApplied},
		{StatusSent, "", sent, StatusSent, OutcomeRepeat},
		{StatusAccepted, "", sent, StatusAccepted, OutcomeStale},
		{StatusUnknown, "", sent, StatusUnknown, OutcomeStale},
		{StatusApproved, "", sent, StatusApproved, OutcomeStale},
		{StatusDeclined, "", sent, StatusDeclined, OutcomeStale},
		{StatusFiltered, "", sent, StatusFiltered, OutcomeStale},
		{StatusError, "", sent, StatusError, OutcomeStale},
		{StatusPending, "", accepted(), StatusAccepted, OutcomeApplied},
		{StatusSent, "", accepted(), StatusAccepted, OutcomeApplied},
		{StatusAccepted, "", accepted(), StatusAccepted, OutcomeRepeat},
		{StatusUnknown, "", accepted(), StatusUnknown, OutcomeRepeat},
		{StatusApproved, "", accepted(), StatusApproved, OutcomeRepeat},
		{StatusDeclined, "", accepted(), StatusDeclined, OutcomeRepeat},
		{StatusFiltered, "", accepted(), StatusFiltered, OutcomeRepeat},
		{StatusError, "", accepted(), StatusError, OutcomeRepeat},
		{StatusPending, "", unknown(), StatusUnknown, OutcomeApplied},
		{StatusSent, "", unknown(), StatusUnknown, OutcomeApplied},
		{StatusAccepted, "", unknown(), StatusUnknown, OutcomeApplied},
		{StatusUnknown, "", unknown(), StatusUnknown, OutcomeRepeat},
		{StatusApproved, "", unknown(), StatusApproved, OutcomeStale},
		{StatusDeclined, "", unknown(), StatusDeclined, OutcomeStale},
		{StatusFiltered, "", unknown(), StatusFiltered, OutcomeStale},
		{StatusError, "", unknown(), StatusError, OutcomeStale},
		{StatusPending, "", final(StatusApproved), StatusApproved, OutcomeApplied},
		{StatusSent, "", final(StatusApproved), StatusApproved, OutcomeApplied},
		{StatusAccepted, "", final(StatusApproved), StatusApproved, OutcomeApplied},
		{StatusUnknown, "", final(StatusApproved), StatusApproved, OutcomeApplied},
		{StatusApproved, "", final(StatusApproved), StatusApproved, OutcomeRepeat},
		{StatusDeclined, "", final(StatusApproved), StatusDeclined, OutcomeConflict},
		{StatusFiltered, "", final(StatusApproved), StatusFiltered, OutcomeConflict},
		{StatusError, "", final(StatusApproved), StatusError, OutcomeConflict},
		{StatusPending, "", resolved(StatusApproved), StatusApproved, OutcomeApplied},
		{StatusSent, "", resolved(StatusApproved), StatusApproved, OutcomeApplied},
		{StatusAccepted, "", resolved(StatusApproved), StatusApproved, OutcomeApplied},
		{StatusUnknown, "", resolved(StatusApproved), StatusApproved, OutcomeApplied},
		{StatusApproved, "", resolved(StatusApproved), StatusApproved, OutcomeRepeat},
		{StatusDeclined, "", resolved(StatusApproved), StatusDeclined, OutcomeConflict},
		{StatusFiltered, "", resolved(StatusApproved), StatusFiltered, OutcomeConflict},
		{StatusError, "", resolved(StatusApproved), StatusError, OutcomeConflict},
		{StatusPending, "", alert, StatusPending, OutcomeApplied},
		{StatusSent, "", alert, StatusSent, OutcomeApplied},
		{StatusAccepted, "", alert, StatusAccepted, OutcomeApplied},
		{StatusUnknown, "", alert, StatusUnknown, OutcomeApplied},
		{StatusApproved, "", alert, StatusApproved, OutcomeApplied},
		{StatusDeclined, "", alert, StatusDeclined, OutcomeApplied},
		{StatusFiltered, "", alert, StatusFiltered, OutcomeApplied},
		{StatusError, "", alert, StatusError, OutcomeApplied},
		{StatusPending, "", override, StatusPending, OutcomeApplied},
		{StatusSent, "", override, StatusSent, OutcomeApplied},
		{StatusAccepted, "", override, StatusAccepted, OutcomeApplied},
		{StatusUnknown, "", override, StatusUnknown, OutcomeApplied},
		{StatusApproved, "", override, StatusApproved, OutcomeApplied},
		{StatusDeclined, "", override, StatusDeclined, OutcomeApplied},
		{StatusFiltered, "", override, StatusFiltered, OutcomeApplied},
		{StatusError, "", override, StatusError, OutcomeApplied},
		{StatusPending, "", receipt, StatusPending, OutcomeApplied},
		{StatusSent, "", receipt, StatusSent, OutcomeApplied},
		{StatusAccepted, "", receipt, StatusAccepted, OutcomeApplied},
		{StatusUnknown, "", receipt, StatusUnknown, OutcomeApplied},
		{StatusApproved, "", receipt, StatusApproved, OutcomeApplied},
		{StatusDeclined, "", receipt, StatusDeclined, OutcomeApplied},
		{StatusFiltered, "", receipt, StatusFiltered, OutcomeApplied},
		{StatusError, "", receipt, StatusError, OutcomeApplied},
	}
	special := []pair{
		// Another gateway order id than the journaled one contradicts, in any state.
		{StatusAccepted, "G1", accepted("G2"), StatusAccepted, OutcomeConflict},
		{StatusApproved, "G1", accepted("G2"), StatusApproved, OutcomeConflict},
		{StatusSent, "G1", unknown("G2"), StatusSent, OutcomeConflict},
		{StatusUnknown, "G1", unknown("G2"), StatusUnknown, OutcomeConflict},
		{StatusAccepted, "G1", final(StatusApproved, "G2"), StatusAccepted, OutcomeConflict},
		{StatusApproved, "G1", final(StatusApproved, "G2"), StatusApproved, OutcomeConflict},
		{StatusUnknown, "G1", resolved(StatusDeclined, "G2"), StatusUnknown, OutcomeConflict},
		// The same gateway order id is no news.
		{StatusAccepted, "G1", accepted("G1"), StatusAccepted, OutcomeRepeat},
		{StatusUnknown, "G1", accepted("G1"), StatusUnknown, OutcomeRepeat},
		{StatusAccepted, "G1", final(StatusDeclined, "G1"), StatusDeclined, OutcomeApplied},
		{StatusApproved, "G1", final(StatusApproved, "G1"), StatusApproved, OutcomeRepeat},
		// A gateway order id for an unknown payment is news; it stays unknown.
		{StatusUnknown, "", accepted("G1"), StatusUnknown, OutcomeApplied},
		{StatusPending, "", accepted("G1"), StatusAccepted, OutcomeApplied},
		// A gateway order id for a payment that lacks one, after the final answer: a repeat.
		{StatusDeclined, "", accepted("G1"), StatusDeclined, OutcomeRepeat},
		// The reported final status against the journaled one.
		{StatusDeclined, "", final(StatusDeclined), StatusDeclined, OutcomeRepeat},
		{StatusApproved, "", final(StatusDeclined), StatusApproved, OutcomeConflict},
		{StatusError, "", resolved(StatusError), StatusError, OutcomeRepeat},
		{StatusUnknown, "", resolved(StatusFiltered), StatusFiltered, OutcomeApplied},
		{StatusSent, "", final(StatusError), StatusError, OutcomeApplied},
		// Intents and close events are not Record's: no rule, stale.
		{StatusPending, "", intent, StatusPending, OutcomeStale},
		{StatusApproved, "", closeEv, StatusApproved, OutcomeStale},
		{StatusSent, "", Event{Type: "refund"}, StatusSent, OutcomeStale},
	}
	covered := map[string]bool{}
	for _, tc := range append(plain, special...) {
		name := fmt.Sprintf("%s/%s(%s,%s)/gw=%q", tc.cur, tc.ev.Type, tc.ev.Status, tc.ev.Fields[FieldPaynetOrderID], tc.gw)
		next, out := transition(tc.cur, tc.gw, tc.ev)
		if next != tc.next || out != tc.out {
			t.Errorf("%s: got %s %s, want %s %s", name, next, out, tc.next, tc.out)
		}
		if tc.gw == "" && tc.ev.Fields[FieldPaynetOrderID] == "" {
			covered[string(tc.cur)+"/"+string(tc.ev.Type)] = true
		}
	}
	// Every state (from the states table) meets every event Record takes.
	for s := range states {
		for _, e := range []EventType{EventSent, EventAccepted, EventUnknown, EventFinal, EventResolved,
			EventAlert, EventOverride, EventReceipt} {
			if !covered[string(s)+"/"+string(e)] {
				t.Errorf("no line for state %s, event %s", s, e)
			}
		}
	}
	if len(plain) != len(states)*8 {
		t.Errorf("%d plain lines for %d states and 8 event types", len(plain), len(states))
	}
}

// TestEveryStateIsClassified: each known state has a class in the states
// table, and Status.Final agrees with it.
func TestEveryStateIsClassified(t *testing.T) {
	for _, s := range []Status{StatusPending, StatusSent, StatusAccepted, StatusUnknown,
		StatusApproved, StatusDeclined, StatusFiltered, StatusError} {
		if states[s] == 0 {
			t.Errorf("state %s has no class", s)
		}
		if s.Final() != (states[s] == final) {
			t.Errorf("state %s: Final() disagrees with its class", s)
		}
	}
	if len(states) != 8 {
		t.Errorf("%d states, the test knows 8", len(states))
	}
}

// TestAddingAnEventIsOneLine: one more line in rules is all it takes for
// Record to take a new event type and Verify to replay it.
func TestAddingAnEventIsOneLine(t *testing.T) {
	const EventNote EventType = "note"
	saved := rules
	t.Cleanup(func() { rules = saved })
	j, _, _ := newJ(t)
	p := mustBegin(t, j, pay(KindSale, 100, "RUB", ""))
	if _, err := j.Record(p.ClientOrderID, Event{Type: EventNote}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown event type: %v", err)
	}
	rules = append(append([]rule{}, saved...), rule{EventNote, anyState, always, note, OutcomeApplied})
	got := mustRecord(t, j, p.ClientOrderID, Event{Type: EventNote, Fields: map[string]string{"text": "hello"}})
	if got.Status != StatusPending || got.Events[1].Type != EventNote {
		t.Fatalf("note: %+v", got)
	}
	verifyOK(t, j)
}
