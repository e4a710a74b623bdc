package pos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"kassa/mapi"
)

// TestClassify lists every rule for a sale or preauth reply (MAPI §3), one
// line per case.
func TestClassify(t *testing.T) {
	dup := &mapi.RefusedError{Op: "sale", Type: "error", Code: mapi.CodeDuplicate, PaynetOrderID: "77"}
	ok := &mapi.Accepted{PaynetOrderID: "501"}
	for _, tc := range []struct {
		name     string
		acc      *mapi.Accepted
		err      error
		outcome  replyOutcome
		cause    Cause
		answered bool
		orderID  string
	}{
		{"accepted", ok, nil, replyAccepted, CauseWaitingBank, true, ""},
		{"not sent: dial failed", nil, &mapi.NotSentError{Op: "sale", Err: io.EOF}, replyNotSent, CauseBankUnreachable, false, ""},
		{"not sent, wrapped", nil, fmt.Errorf("x: %w", &mapi.NotSentError{Op: "sale", Err: context.Canceled}), replyNotSent, CauseBankUnreachable, false, ""},
		{"refused: validation", nil, &mapi.RefusedError{Op: "sale", Type: "validation-error", Code: "1", Message: "bad amount"}, replyRefused, CauseBankRefused, true, ""},
		{"refused: HTTP 403", nil, &mapi.RefusedError{Op: "sale", HTTPStatus: 403}, replyRefused, CauseBankRefused, true, ""},
		{"refused: duplicate → its status decides", nil, dup, replyUnknown, CauseNoReply, true, "77"},
		{"unknown: timeout after writing", nil, &mapi.UnknownError{Op: "sale", Err: context.DeadlineExceeded}, replyUnknown, CauseNoReply, false, ""},
		{"unknown: HTTP 502", nil, &mapi.UnknownError{Op: "sale", HTTPStatus: 502}, replyUnknown, CauseNoReply, false, ""},
		{"unknown: any other error", nil, errors.New("boom"), replyUnknown, CauseNoReply, false, ""},
		{"unknown: no error and no reply", nil, nil, replyUnknown, CauseNoReply, false, ""},
	} {
		d := classify(tc.acc, tc.err)
		if d.outcome != tc.outcome || d.reason.Cause != tc.cause || d.answered != tc.answered || d.orderID != tc.orderID {
			t.Errorf("%s: %+v, want outcome %d cause %s answered %v order %q", tc.name, d, tc.outcome, tc.cause, tc.answered, tc.orderID)
		}
	}
	if d := classify(nil, &mapi.RefusedError{Type: "error", Code: "9", Message: "Do not honour."}); d.reason.Code != "9" || d.reason.Message != "Do not honour." {
		t.Errorf("refused reason %+v", d.reason)
	}
	if d := classify(nil, &mapi.RefusedError{Type: "validation-error"}); d.reason.Message != "validation-error" {
		t.Errorf("refused without message: %+v", d.reason)
	}
}

// TestClassifyStatus lists every rule for a status answer, one line per
// case ("not found" depends on whether the gateway acknowledged the order
// and on the grace period).
func TestClassifyStatus(t *testing.T) {
	notFound := &mapi.RefusedError{Op: "status", Type: "error", Code: mapi.CodeNotFound}
	res := func(s mapi.Status) *mapi.StatusResult {
		return &mapi.StatusResult{Status: s, ErrorCode: "05", ErrorMessage: "Insufficient funds"}
	}
	young := statusFacts{sinceSent: time.Second, grace: time.Minute}
	old := statusFacts{sinceSent: time.Hour, grace: time.Minute}
	ackedYoung, ackedOld := young, old
	ackedYoung.acked, ackedOld.acked = true, true
	for _, tc := range []struct {
		name     string
		res      *mapi.StatusResult
		err      error
		facts    statusFacts
		outcome  statusOutcome
		status   Status
		cause    Cause
		answered bool
	}{
		{"approved", res(mapi.StatusApproved), nil, young, statusFinal, StatusApproved, CauseApproved, true},
		{"declined", res(mapi.StatusDeclined), nil, young, statusFinal, StatusDeclined, CauseDeclined, true},
		{"filtered", res(mapi.StatusFiltered), nil, young, statusFinal, StatusFiltered, CauseFiltered, true},
		{"error", res(mapi.StatusError), nil, young, statusFinal, StatusFailed, CauseFailed, true},
		{"processing", res(mapi.StatusProcessing), nil, young, statusWait, StatusPending, CauseNone, true},
		{"unknown", res(mapi.StatusUnknown), nil, young, statusUnknown, StatusPending, CauseBankSaysUnknown, true},
		{"not found, within grace", nil, notFound, young, statusUnknown, StatusPending, CauseNotFoundYet, true},
		{"not found, after grace", nil, notFound, old, statusFinal, StatusFailed, CauseNoRecordAtBank, true},
		{"not found, acknowledged, within grace", nil, notFound, ackedYoung, statusWait, StatusPending, CauseNone, true},
		{"not found, acknowledged, after grace", nil, notFound, ackedOld, statusUnknown, StatusPending, CauseAcceptedThenMissing, true},
		{"refused otherwise", nil, &mapi.RefusedError{Op: "status", HTTPStatus: 403}, old, statusWait, StatusPending, CauseNone, true},
		{"no answer", nil, &mapi.UnknownError{Op: "status"}, old, statusWait, StatusPending, CauseNone, false},
		{"not sent", nil, &mapi.NotSentError{Op: "status", Err: io.EOF}, old, statusWait, StatusPending, CauseNone, false},
	} {
		d := classifyStatus(tc.res, tc.err, tc.facts)
		if d.outcome != tc.outcome || d.status != tc.status || d.reason.Cause != tc.cause || d.answered != tc.answered {
			t.Errorf("%s: %+v, want outcome %d status %s cause %s answered %v", tc.name, d, tc.outcome, tc.status, tc.cause, tc.answered)
		}
	}
	if d := classifyStatus(res(mapi.StatusDeclined), nil, young); d.reason.Code != "05" || d.reason.Message != "Insufficient funds" {
		t.Errorf("decline reason %+v", d.reason)
	}
}
