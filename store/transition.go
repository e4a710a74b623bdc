package store

// The journal's state machine: every way an event can move a payment, in one
// table. Record, RecordAll and Apply decide each event with transition, and
// Verify replays stored events with the same function, so the journal and
// its checker cannot disagree.
//
// Adding an event type is one line per case in rules (Record then takes
// it; a note's target is note); adding a state is one line in states (its
// class) plus the rules that name it. A rule that names
// a class (anyState, inFlight, final) covers a new state of that class with
// no further change.

// class groups states for the rules: in flight (no final answer yet) or final.
type class uint8

const (
	inFlight class = iota + 1 // pending, sent, accepted, unknown
	final                     // approved, declined, filtered, error
)

// states lists every payment state and its class, one line per state.
var states = map[Status]class{
	StatusPending:  inFlight,
	StatusSent:     inFlight,
	StatusAccepted: inFlight,
	StatusUnknown:  inFlight,
	StatusApproved: final,
	StatusDeclined: final,
	StatusFiltered: final,
	StatusError:    final,
}

// stateSet matches the payment's current state: one state, or a whole class.
type stateSet struct {
	state Status // "" when class (or any state) is meant
	class class  // 0: any class
}

// Matchers for the rules.
var (
	anyState = stateSet{}
	anyFinal = stateSet{class: final}
	notFinal = stateSet{class: inFlight}
)

func in(s Status) stateSet { return stateSet{state: s} }

func (f stateSet) match(s Status) bool {
	if f.state != "" {
		return f.state == s
	}
	return f.class == 0 || states[s] == f.class
}

// when is a condition on the event against the journaled payment.
type when uint8

const (
	always    when = iota
	gwClash        // the event names another gateway order id than the payment's
	gwNew          // the event brings a gateway order id the payment lacks
	sameFinal      // the event's final status is the payment's
)

func (w when) holds(cur Status, gw string, ev Event) bool {
	evGW := ev.Fields[FieldPaynetOrderID]
	if childEvents[ev.Type] {
		evGW = ev.Fields[FieldSerialNumber] // a child is named by its request's serial number
	}
	switch w {
	case gwClash:
		return evGW != "" && gw != "" && evGW != gw
	case gwNew:
		return evGW != "" && gw == ""
	case sameFinal:
		return ev.Status == cur
	}
	return true
}

// target is the state after an applied event.
type target struct {
	state   Status // the new state; "" with fromEvent false: unchanged
	fromEvt bool   // the event's own (final) status
	note    bool   // a note: the payment (state and fields) stays as it is
}

var (
	same    = target{}
	byEvent = target{fromEvt: true}
	note    = target{note: true}
)

func become(s Status) target { return target{state: s} }

func (t target) next(cur Status, ev Event) Status {
	switch {
	case t.fromEvt:
		return ev.Status
	case t.state != "":
		return t.state
	}
	return cur
}

// rule is one case of the state machine. The first rule that matches the
// event type, the current state and the condition decides.
type rule struct {
	event EventType
	from  stateSet
	when  when
	to    target
	out   Outcome
}

// rules is the journal's state machine, one line per case, first match wins.
// Outcomes: applied (stored, state moved), repeat (nothing stored, no
// error), stale (would move backwards: nothing stored), conflict (contradicts
// the journal: stored as an alert, state unchanged).
var rules = []rule{
	// Notes: stored in any state, change nothing on the payment.
	{EventAlert, anyState, always, note, OutcomeApplied},
	{EventOverride, anyState, always, note, OutcomeApplied},
	{EventReceipt, anyState, always, note, OutcomeApplied},

	// Issue 12: the EMV advice is a note on a payment in flight (its status
	// decides); after the final status it is stale.
	{EventAdvice, notFinal, always, note, OutcomeApplied},
	{EventAdvice, anyState, always, same, OutcomeStale},

	{EventSent, in(StatusPending), always, become(StatusSent), OutcomeApplied},
	{EventSent, in(StatusSent), always, same, OutcomeRepeat},
	{EventSent, anyState, always, same, OutcomeStale},

	{EventAccepted, anyState, gwClash, same, OutcomeConflict},
	{EventAccepted, in(StatusPending), always, become(StatusAccepted), OutcomeApplied},
	{EventAccepted, in(StatusSent), always, become(StatusAccepted), OutcomeApplied},
	{EventAccepted, in(StatusUnknown), gwNew, same, OutcomeApplied}, // news; the status stays unknown
	{EventAccepted, anyState, always, same, OutcomeRepeat},

	{EventUnknown, anyState, gwClash, same, OutcomeConflict},
	{EventUnknown, in(StatusUnknown), always, same, OutcomeRepeat},
	{EventUnknown, anyFinal, always, same, OutcomeStale},
	{EventUnknown, notFinal, always, become(StatusUnknown), OutcomeApplied},

	{EventFinal, anyState, gwClash, same, OutcomeConflict},
	{EventFinal, notFinal, always, byEvent, OutcomeApplied},
	{EventFinal, anyFinal, sameFinal, same, OutcomeRepeat},
	{EventFinal, anyFinal, always, same, OutcomeConflict},

	{EventResolved, anyState, gwClash, same, OutcomeConflict},
	{EventResolved, notFinal, always, byEvent, OutcomeApplied},
	{EventResolved, anyFinal, sameFinal, same, OutcomeRepeat},
	{EventResolved, anyFinal, always, same, OutcomeConflict},

	// Children of an approved payment (capture, release, refund; MAPI.md
	// §9, issue 11). Their state is the child's own, never the payment's:
	// a child's begin is decided against the payment (only an approved one
	// has children) and starts the child pending; its later events are
	// decided against the child's state and its request's serial number
	// (the "gateway id" of these rules).
	{EventChild, in(StatusApproved), always, become(StatusPending), OutcomeApplied},
	{EventChild, anyState, always, same, OutcomeStale},

	{EventChildAccepted, anyState, gwClash, same, OutcomeConflict},
	{EventChildAccepted, in(StatusPending), always, become(StatusAccepted), OutcomeApplied},
	{EventChildAccepted, in(StatusUnknown), gwNew, same, OutcomeApplied}, // news; the child stays unknown
	{EventChildAccepted, anyState, always, same, OutcomeRepeat},

	{EventChildUnknown, anyState, gwClash, same, OutcomeConflict},
	{EventChildUnknown, in(StatusUnknown), always, same, OutcomeRepeat},
	{EventChildUnknown, anyFinal, always, same, OutcomeStale},
	{EventChildUnknown, notFinal, always, become(StatusUnknown), OutcomeApplied},

	{EventChildFinal, anyState, gwClash, same, OutcomeConflict},
	{EventChildFinal, notFinal, always, byEvent, OutcomeApplied},
	{EventChildFinal, anyFinal, sameFinal, same, OutcomeRepeat},
	{EventChildFinal, anyFinal, always, same, OutcomeConflict},
}

// childEvents are the event types of a payment's children: decided against
// the child's state (childState), never changing the payment's own.
var childEvents = map[EventType]bool{EventChild: true, EventChildAccepted: true, EventChildUnknown: true, EventChildFinal: true}

// transition decides an event against a payment in state current whose
// gateway order id is gw (empty when not known yet): the state after it and
// what to do with it. An event no rule covers is stale: nothing is stored.
func transition(current Status, gw string, ev Event) (next Status, outcome Outcome) {
	for _, r := range rules {
		if r.event == ev.Type && r.from.match(current) && r.when.holds(current, gw, ev) {
			if r.out != OutcomeApplied {
				return current, r.out
			}
			return r.to.next(current, ev), r.out
		}
	}
	return current, OutcomeStale
}

// changesPayment reports whether an applied event of type t may change the
// payment's status or fields; notes (alerts, overrides, receipt prints)
// change nothing on it.
func changesPayment(t EventType) bool {
	if childEvents[t] {
		return false
	}
	for _, r := range rules {
		if r.event == t && r.to.note {
			return false
		}
	}
	return true
}

// recordable reports whether Record takes events of type t: those the rules
// name (intents and close events have their own calls).
func recordable(t EventType) bool {
	for _, r := range rules {
		if r.event == t {
			return true
		}
	}
	return false
}

func isFinal(s Status) bool { return states[s] == final }
