package pos

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"kassa/device"
	"kassa/store"
)

// TestStatusTable: every status has its word, parses back, and maps to and
// from the journal's status.
func TestStatusTable(t *testing.T) {
	for _, tc := range []struct {
		s              Status
		word           string
		final, charged bool
		journal        store.Status
	}{
		{StatusPending, "pending", false, false, store.StatusPending},
		{StatusApproved, "approved", true, true, store.StatusApproved},
		{StatusDeclined, "declined", true, false, store.StatusDeclined},
		{StatusFiltered, "filtered", true, false, store.StatusFiltered},
		{StatusFailed, "error", true, false, store.StatusError},
		{StatusUnknown, "unknown", false, false, store.StatusUnknown},
	} {
		var back Status
		if tc.s.String() != tc.word || tc.s.Final() != tc.final || tc.s.Charged() != tc.charged ||
			StatusOf(tc.journal) != tc.s || back.UnmarshalText([]byte(tc.word)) != nil || back != tc.s {
			t.Errorf("%d: %s final=%v charged=%v", tc.s, tc.s, tc.s.Final(), tc.s.Charged())
		}
	}
	for _, j := range []store.Status{store.StatusSent, store.StatusAccepted, ""} {
		if StatusOf(j) != StatusPending {
			t.Errorf("journal %q → %s, want pending (in flight)", j, StatusOf(j))
		}
	}
	var s Status
	if s.UnmarshalText([]byte("charged")) == nil {
		t.Error("unknown status word accepted")
	}
}

// TestCauseNames: every cause has one unique name that parses back.
func TestCauseNames(t *testing.T) {
	seen := map[string]Cause{}
	for _, c := range Causes() {
		n := c.String()
		if n == "" || seen[n] != CauseNone {
			t.Errorf("cause %d: name %q (also %d)", c, n, seen[n])
		}
		seen[n] = c
		if back, ok := ParseCause(n); !ok || back != c {
			t.Errorf("ParseCause(%q) = %d %v", n, back, ok)
		}
	}
	if len(causeNames) != int(causeCount) {
		t.Errorf("%d names for %d causes", len(causeNames), causeCount)
	}
}

// TestReaderProblemOf: the driver's errors, wrapped or not, one line each.
func TestReaderProblemOf(t *testing.T) {
	for err, want := range map[error]ReaderProblem{
		nil:                    ReaderOK,
		device.ErrReadTimeout:  ReaderTimeout,
		device.ErrDeviceGone:   ReaderGone,
		device.ErrNotFound:     ReaderNotFound,
		device.ErrPortBusy:     ReaderPortBusy,
		device.ErrNotSREDReady: ReaderNoKeys,
		device.ErrNoResponse:   ReaderNoAnswer,
		device.ErrPermission:   ReaderNoPermission,
		device.ErrOtherReader:  ReaderWrongReader,
		fmt.Errorf("read: %w", device.ErrDeviceGone): ReaderGone,
		errors.New("weird"):                          ReaderOther,
	} {
		if got := ReaderProblemOf(err); got != want {
			t.Errorf("%v → %s, want %s", err, got, want)
		}
	}
}

// TestErrorWrapsSentinel: engine errors keep errors.Is and carry their
// reason; the text is short and lower-case.
func TestErrorWrapsSentinel(t *testing.T) {
	err := error(errorOf(ErrNoReader, Reason{Cause: CauseReaderUnavailable, Reader: ReaderNotFound}))
	if !errors.Is(err, ErrNoReader) || ReasonOf(err).Reader != ReaderNotFound || err.Error() != "card reader not available: reader not found" {
		t.Errorf("%v %+v", err, ReasonOf(err))
	}
	if r := ReasonOf(errors.New("x")); r.Cause != CauseNone {
		t.Errorf("plain error reason %+v", r)
	}
	if s := (Reason{Cause: CauseDeclined, Code: "05", Message: "Insufficient funds."}).Error(); s != "declined (05): Insufficient funds" {
		t.Errorf("reason text %q", s)
	}
}

// TestLegacyJournalReason: an event written before causes (an English
// "reason", no "cause") is shown as it is; a journaled cause wins.
func TestLegacyJournalReason(t *testing.T) {
	at := time.Now()
	legacy := store.Payment{ClientOrderID: "a", Status: store.StatusError, Events: []store.Event{
		{Type: store.EventIntent, Status: store.StatusPending, At: at},
		{Type: store.EventFinal, Status: store.StatusError, At: at, Fields: map[string]string{
			fReason: "Not charged: Kassa could not reach the bank (dial tcp).", fNotCharged: "yes"}},
	}}
	v := viewOf(legacy)
	if v.Status != StatusFailed || v.Reason.Cause != CauseNone || v.LegacyText != "Not charged: Kassa could not reach the bank (dial tcp)." {
		t.Errorf("legacy view %s %+v %q", v.Status, v.Reason, v.LegacyText)
	}
	typed := legacy
	typed.Events = append([]store.Event(nil), legacy.Events[0], store.Event{Type: store.EventFinal, Status: store.StatusError,
		At: at, Fields: reasonFields(Reason{Cause: CauseBankUnreachable})})
	if v := viewOf(typed); v.Reason.Cause != CauseBankUnreachable || v.LegacyText != "" {
		t.Errorf("typed view %+v %q", v.Reason, v.LegacyText)
	}
	// An old decline has no reason field: the bank's message gives the cause.
	declined := store.Payment{ClientOrderID: "b", Status: store.StatusDeclined, Events: []store.Event{
		{Type: store.EventFinal, Status: store.StatusDeclined, At: at, Fields: map[string]string{fMessage: "Insufficient funds", fCode: "05"}}}}
	if v := viewOf(declined); v.Reason.Cause != CauseDeclined || v.Reason.Message != "Insufficient funds" || v.Reason.Code != "05" {
		t.Errorf("old decline %+v", v.Reason)
	}
	// The reason of an unknown event does not explain a later approval.
	resolved := store.Payment{ClientOrderID: "c", Status: store.StatusApproved, Events: []store.Event{
		{Type: store.EventUnknown, Status: store.StatusUnknown, At: at, Fields: reasonFields(Reason{Cause: CauseNoReply})},
		{Type: store.EventResolved, Status: store.StatusApproved, At: at}}}
	if v := viewOf(resolved); v.Reason.Cause != CauseApproved {
		t.Errorf("resolved %+v", v.Reason)
	}
}

// TestStageOf: the one function deriving the screen's stage, one line per
// case.
func TestStageOf(t *testing.T) {
	unknown := &PaymentView{Status: StatusUnknown, Reason: Reason{Cause: CauseNoReply}}
	pending := &PaymentView{Status: StatusPending}
	approved := &PaymentView{Status: StatusApproved, Reason: Reason{Cause: CauseApproved}}
	filtered := &PaymentView{Status: StatusFiltered, Reason: Reason{Cause: CauseFiltered}}
	failed := Reason{Cause: CauseCardUnreadable, Reader: ReaderTimeout}
	for _, tc := range []struct {
		f     flow
		p     *PaymentView
		stage Stage
		cause Cause
	}{
		{flow{phase: phaseStarting}, nil, StageStarting, CauseNone},
		{flow{phase: phaseRecovering}, approved, StageRecovering, CauseCheckingEarlier},
		{flow{phase: phaseIdle}, nil, StageReady, CauseNone},
		{flow{phase: phaseReader}, nil, StageWaitingReader, CauseConnectingReader},
		{flow{phase: phaseCard}, nil, StageWaitingCard, CauseSwipeCard},
		{flow{phase: phaseCard, event: CauseBadSwipe}, nil, StageWaitingCard, CauseBadSwipe},
		{flow{phase: phaseSending}, pending, StageSending, CauseSending},
		{flow{phase: phaseAwaiting}, pending, StageWaitingBank, CauseWaitingBank},
		{flow{phase: phaseAwaiting}, unknown, StageUnknown, CauseNoReply},
		{flow{phase: phaseAwaiting}, approved, StageApproved, CauseApproved},
		{flow{phase: phaseIdle}, approved, StageApproved, CauseApproved},
		{flow{phase: phaseIdle}, filtered, StageDeclined, CauseFiltered},
		{flow{phase: phaseIdle}, unknown, StageUnknown, CauseNoReply},
		{flow{phase: phaseIdle, note: failed, failed: true}, nil, StageFailed, CauseCardUnreadable},
		{flow{phase: phaseIdle, note: Reason{Cause: CauseCancelled}}, nil, StageReady, CauseCancelled},
		{flow{phase: phaseIdle, note: Reason{Cause: CauseOverridden}}, unknown, StageReady, CauseOverridden},
	} {
		st, r := stageOf(tc.f, tc.p)
		if st != tc.stage || r.Cause != tc.cause {
			t.Errorf("%+v %v: %s %s, want %s %s", tc.f, tc.p, st, r.Cause, tc.stage, tc.cause)
		}
	}
}
