package pos

import (
	"errors"
	"testing"
	"time"

	"kassa/mapi"
	"kassa/mapi/money"
	"kassa/store"
)

// TestClassifyChildStatus: what a status answer means for a child, by its
// serial number or, without one, by the order's latest transaction and
// totals against the journal's expectation (MAPI.md §9). One line a case.
func TestClassifyChildStatus(t *testing.T) {
	refund := store.Child{Operation: store.OpRefund, AmountMinor: 300}
	capture := store.Child{Operation: store.OpCapture, AmountMinor: 700}
	release := store.Child{Operation: store.OpRelease, AmountMinor: 1000}
	rub := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: "RUB"} }
	res := func(tt mapi.TransactionType, st mapi.Status, rev, capt int64) *mapi.StatusResult {
		return &mapi.StatusResult{TransactionType: tt, Status: st, TotalReversal: rub(rev), TotalCapture: rub(capt)}
	}
	late := childFacts{sinceBegin: time.Hour, grace: time.Minute}
	early := childFacts{sinceBegin: time.Second, grace: time.Minute}
	serial := childFacts{bySerial: true, sinceBegin: time.Second, grace: time.Minute}
	lateEarlier := childFacts{sinceBegin: time.Hour, grace: time.Minute, earlier: true}
	notFound := &mapi.RefusedError{Op: "status", Code: mapi.CodeNotFound}
	cases := []struct {
		name    string
		c       store.Child
		before  store.Ledger
		res     *mapi.StatusResult
		err     error
		f       childFacts
		outcome childOutcome
		status  Status
		cause   Cause
	}{
		{"by serial approved", refund, store.Ledger{}, res(mapi.TxReversal, mapi.StatusApproved, 300, 0), nil, serial, childFinal, StatusApproved, CauseChildDone},
		{"by serial declined", refund, store.Ledger{}, res(mapi.TxReversal, mapi.StatusDeclined, 0, 0), nil, serial, childFinal, StatusDeclined, CauseChildDeclined},
		{"by serial processing", refund, store.Ledger{}, res(mapi.TxReversal, mapi.StatusProcessing, 0, 0), nil, serial, childWait, 0, CauseChildProcessing},
		{"by serial: unknown serial is no proof", refund, store.Ledger{}, nil, notFound, serial, childWait, 0, CauseChildNoReply},
		{"totals show the refund", refund, store.Ledger{Refunded: 200}, res(mapi.TxReversal, mapi.StatusApproved, 500, 0), nil, early, childFinal, StatusApproved, CauseChildDone},
		{"totals show the capture", capture, store.Ledger{}, res(mapi.TxCapture, mapi.StatusApproved, 0, 700), nil, early, childFinal, StatusApproved, CauseChildDone},
		{"latest is ours, processing", refund, store.Ledger{}, res(mapi.TxReversal, mapi.StatusProcessing, 0, 0), nil, late, childWait, 0, CauseChildProcessing},
		{"latest is ours, declined", refund, store.Ledger{}, res(mapi.TxReversal, mapi.StatusDeclined, 0, 0), nil, late, childFinal, StatusDeclined, CauseChildDeclined},
		{"latest release approved", release, store.Ledger{}, res(mapi.TxCancel, mapi.StatusApproved, 0, 0), nil, early, childFinal, StatusApproved, CauseChildDone},
		{"latest is the sale, early", refund, store.Ledger{}, res(mapi.TxSale, mapi.StatusApproved, 0, 0), nil, early, childWait, 0, CauseChildNoReply},
		{"latest is the sale, after the grace", refund, store.Ledger{}, res(mapi.TxSale, mapi.StatusApproved, 0, 0), nil, late, childFinal, StatusFailed, CauseChildNotCreated},
		{"an earlier refund is latest, totals unchanged", refund, store.Ledger{Refunded: 200}, res(mapi.TxReversal, mapi.StatusApproved, 200, 0), nil, lateEarlier, childFinal, StatusFailed, CauseChildNotCreated},
		{"an earlier declined refund is latest", refund, store.Ledger{}, res(mapi.TxReversal, mapi.StatusDeclined, 0, 0), nil, lateEarlier, childFinal, StatusFailed, CauseChildNotCreated},
		{"order not found after the grace", refund, store.Ledger{}, nil, notFound, late, childFinal, StatusFailed, CauseChildNotCreated},
		{"no answer", refund, store.Ledger{}, nil, errors.New("timeout"), late, childWait, 0, CauseChildNoReply},
	}
	for _, tc := range cases {
		d := classifyChildStatus(tc.c, tc.before, tc.res, tc.err, tc.f)
		if d.outcome != tc.outcome || (d.outcome == childFinal && d.status != tc.status) || d.reason.Cause != tc.cause {
			t.Errorf("%s: outcome %d status %s cause %s; want %d %s %s", tc.name, d.outcome, d.status, d.reason.Cause, tc.outcome, tc.status, tc.cause)
		}
		if d.status == StatusFailed && !d.notCreated {
			t.Errorf("%s: failed but not marked never created", tc.name)
		}
	}
}

// TestClassifyChildReply: the reply to a capture or return, one line a case.
func TestClassifyChildReply(t *testing.T) {
	cases := []struct {
		name    string
		acc     *mapi.Accepted
		err     error
		outcome childOutcome
		cause   Cause
	}{
		{"accepted", &mapi.Accepted{SerialNumber: "S1"}, nil, childAccepted, CauseChildProcessing},
		{"not sent", nil, &mapi.NotSentError{Op: "refund", Err: errors.New("refused")}, childFinal, CauseChildNotSent},
		{"refused", nil, &mapi.RefusedError{Op: "refund", Code: mapi.CodeAmountExceeds}, childFinal, CauseChildBankRefused},
		{"unknown", nil, &mapi.UnknownError{Op: "refund", Err: errors.New("reset")}, childUnknown, CauseChildNoReply},
	}
	for _, tc := range cases {
		if d := classifyChildReply(tc.acc, tc.err); d.outcome != tc.outcome || d.reason.Cause != tc.cause {
			t.Errorf("%s: %d %s, want %d %s", tc.name, d.outcome, d.reason.Cause, tc.outcome, tc.cause)
		}
	}
}
