package pos

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"kassa/device"
	"kassa/mapi"
	"kassa/store"
)

// TestPaymentRules runs Pay against a fake gateway, one line per rule: the
// reply and the status answers → the payment's status, cause, journal
// events and gateway calls. The request always goes out exactly once.
func TestPaymentRules(t *testing.T) {
	accepted := &mapi.Accepted{PaynetOrderID: "501", SerialNumber: "s-1", Status: mapi.StatusProcessing}
	final := func(s mapi.Status) statusAnswer {
		return statusAnswer{res: &mapi.StatusResult{Status: s, PaynetOrderID: "501", ApprovalCode: "A1",
			ErrorCode: "05", ErrorMessage: "Insufficient funds"}}
	}
	processing := statusAnswer{res: &mapi.StatusResult{Status: mapi.StatusProcessing, PaynetOrderID: "501"}}
	notFound := statusAnswer{err: &mapi.RefusedError{Op: "status", Type: "error", Code: mapi.CodeNotFound}}
	for _, tc := range []struct {
		name     string
		acc      *mapi.Accepted
		saleErr  error
		statuses []statusAnswer
		grace    time.Duration
		status   Status
		cause    Cause
		events   string
		checks   int // status calls (-1: at least one)
	}{
		{"accepted, approved at the first check", accepted, nil, []statusAnswer{final(mapi.StatusApproved)}, 0,
			StatusApproved, CauseApproved, "intent accepted final", 1},
		{"accepted, processing, then declined", accepted, nil, []statusAnswer{processing, final(mapi.StatusDeclined)}, 0,
			StatusDeclined, CauseDeclined, "intent accepted final", 2},
		{"not sent", nil, &mapi.NotSentError{Op: "sale", Err: io.EOF}, []statusAnswer{final(mapi.StatusApproved)}, 0,
			StatusFailed, CauseBankUnreachable, "intent final", 0},
		{"refused", nil, &mapi.RefusedError{Op: "sale", Type: "validation-error", Code: "1", Message: "bad"}, []statusAnswer{final(mapi.StatusApproved)}, 0,
			StatusFailed, CauseBankRefused, "intent final", 0},
		{"duplicate: its status decides", nil, &mapi.RefusedError{Op: "sale", Type: "error", Code: mapi.CodeDuplicate, PaynetOrderID: "501"},
			[]statusAnswer{final(mapi.StatusApproved)}, 0, StatusApproved, CauseApproved, "intent unknown resolved", -1},
		{"no reply, then approved by status", nil, &mapi.UnknownError{Op: "sale", Err: context.DeadlineExceeded},
			[]statusAnswer{final(mapi.StatusApproved)}, 0, StatusApproved, CauseApproved, "intent unknown resolved", -1},
		{"no reply, never arrived (after grace)", nil, &mapi.UnknownError{Op: "sale"}, []statusAnswer{notFound}, time.Nanosecond,
			StatusFailed, CauseNoRecordAtBank, "intent unknown resolved", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := &fakeGateway{acc: tc.acc, saleErr: tc.saleErr, statuses: tc.statuses}
			e := startFake(t, g, func(context.Context, device.Options) (Reader, error) { return newFakeReader(fakeCard, nil), nil })
			if tc.grace > 0 {
				e.mu.Lock()
				e.cfg.NotFoundGrace = tc.grace
				e.mu.Unlock()
			}
			v, err := e.Pay(context.Background(), Sale, Amount{Minor: 500, Currency: "RUB"}, "")
			if err != nil {
				t.Fatal(err)
			}
			if v.Status == StatusUnknown { // the background resolution settles it
				waitFor(t, 5*time.Second, "resolution", func() bool { p, _ := e.Payment(v.ClientOrderID); return p.Final() })
				v, _ = e.Payment(v.ClientOrderID)
			}
			p, _ := e.Journal().Get(v.ClientOrderID)
			var evs []string
			for _, ev := range p.Events {
				evs = append(evs, string(ev.Type))
			}
			sales, checks := g.calls()
			if v.Status != tc.status || v.Reason.Cause != tc.cause || strings.Join(evs, " ") != tc.events || sales != 1 ||
				(tc.checks >= 0 && checks != tc.checks) || (tc.checks < 0 && checks < 1) {
				t.Errorf("%s %+v events %v sales %d checks %d", v.Status, v.Reason, evs, sales, checks)
			}
			if notCharged[tc.cause] != (p.Events[len(p.Events)-1].Fields[fNotCharged] == "yes") {
				t.Errorf("not_charged field %v for %s", p.Events[len(p.Events)-1].Fields, tc.cause)
			}
		})
	}
}

// TestReaderRules: before the intent nothing is journaled or sent, and the
// error carries the reader's problem.
func TestReaderRules(t *testing.T) {
	for _, tc := range []struct {
		name     string
		openErr  error
		readErr  error
		sentinel error
		cause    Cause
		problem  ReaderProblem
	}{
		{"no reader", device.ErrNotFound, nil, ErrNoReader, CauseReaderUnavailable, ReaderNotFound},
		{"port busy", device.ErrPortBusy, nil, ErrNoReader, CauseReaderUnavailable, ReaderPortBusy},
		{"no swipe in time", nil, device.ErrReadTimeout, ErrCardRead, CauseCardUnreadable, ReaderTimeout},
		{"no keys (needs support)", nil, device.ErrNotSREDReady, ErrCardRead, CauseCardUnreadable, ReaderNoKeys},
		{"unplugged while reading", nil, device.ErrDeviceGone, ErrCardRead, CauseCardUnreadable, ReaderGone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := &fakeGateway{acc: &mapi.Accepted{}, statuses: []statusAnswer{{}}}
			e := startFake(t, g, func(context.Context, device.Options) (Reader, error) {
				if tc.openErr != nil {
					return nil, tc.openErr
				}
				return newFakeReader(nil, tc.readErr), nil
			})
			_, err := e.Pay(context.Background(), Sale, Amount{Minor: 500, Currency: "RUB"}, "")
			r := ReasonOf(err)
			if !errors.Is(err, tc.sentinel) || r.Cause != tc.cause || r.Reader != tc.problem {
				t.Errorf("err %v reason %+v", err, r)
			}
			s := e.Snapshot()
			if s.Stage != StageFailed || s.Reason.Cause != tc.cause {
				t.Errorf("stage %s reason %+v", s.Stage, s.Reason)
			}
			if ps, _ := e.Journal().Latest(5); len(ps) != 0 {
				t.Errorf("journaled %d payments", len(ps))
			}
			if sales, _ := g.calls(); sales != 0 {
				t.Errorf("%d requests sent", sales)
			}
		})
	}
}

// TestUnresolvedCountsOnlyUnknown: the normal bank wait is not counted as
// unknown; a payment really unknown is.
func TestUnresolvedCountsOnlyUnknown(t *testing.T) {
	accepted := &mapi.Accepted{PaynetOrderID: "501", Status: mapi.StatusProcessing}
	processing := statusAnswer{res: &mapi.StatusResult{Status: mapi.StatusProcessing, PaynetOrderID: "501"}}
	g := &fakeGateway{acc: accepted, statuses: []statusAnswer{processing}}
	e := startFake(t, g, func(context.Context, device.Options) (Reader, error) { return newFakeReader(fakeCard, nil), nil })
	e.mu.Lock()
	e.cfg.ResultWait = 500 * time.Millisecond
	e.mu.Unlock()
	seen := make(chan Snapshot, 64)
	cancel := e.Subscribe(func(s Snapshot) {
		if s.Stage == StageWaitingBank {
			select {
			case seen <- s:
			default:
			}
		}
	})
	defer cancel()
	v, err := e.Pay(context.Background(), Sale, Amount{Minor: 500, Currency: "RUB"}, "")
	if err != nil || v.Status != StatusUnknown {
		t.Fatalf("%s %v", v.Status, err)
	}
	close(seen)
	n := 0
	for s := range seen {
		n++
		if s.Unresolved != 0 {
			t.Errorf("waiting for the bank: unresolved %d, want 0", s.Unresolved)
		}
	}
	if n == 0 {
		t.Error("no waiting-bank snapshot")
	}
	if s := e.Snapshot(); s.Unresolved != 1 || !s.Blocked || s.Stage != StageUnknown {
		t.Errorf("after the wait: %s unresolved %d blocked %v", s.Stage, s.Unresolved, s.Blocked)
	}
}

// TestOverrideAnnounced: a payment a manager let go is announced when it
// resolves, until acknowledged; Lookup says when it asked.
func TestOverrideAnnounced(t *testing.T) {
	accepted := &mapi.Accepted{PaynetOrderID: "501", Status: mapi.StatusProcessing}
	g := &fakeGateway{acc: accepted, statuses: []statusAnswer{{res: &mapi.StatusResult{Status: mapi.StatusUnknown, PaynetOrderID: "501"}}}}
	e := startFake(t, g, func(context.Context, device.Options) (Reader, error) { return newFakeReader(fakeCard, nil), nil })
	e.mu.Lock()
	e.cfg.ResultWait = 200 * time.Millisecond
	e.mu.Unlock()
	v, err := e.Pay(context.Background(), Sale, Amount{Minor: 6600, Currency: "RUB"}, "")
	if err != nil || v.Status != StatusUnknown {
		t.Fatalf("%s %v", v.Status, err)
	}
	before := time.Now()
	res, err := e.Lookup(context.Background(), v.ClientOrderID)
	if err != nil || res.Payment.Status != StatusUnknown || res.CheckedAt.Before(before) || !res.Answered {
		t.Errorf("lookup %+v %v", res, err)
	}
	if err := e.Override("Anna", "customer paid cash"); err != nil {
		t.Fatal(err)
	}
	if s := e.Snapshot(); s.Stage != StageReady || s.Reason.Cause != CauseOverridden || len(s.Announcements) != 0 {
		t.Errorf("after override: %s %+v %v", s.Stage, s.Reason, s.Announcements)
	}
	g.mu.Lock()
	g.statuses = []statusAnswer{{res: &mapi.StatusResult{Status: mapi.StatusApproved, PaynetOrderID: "501", ApprovalCode: "A1"}}}
	g.mu.Unlock()
	waitFor(t, 5*time.Second, "the announcement", func() bool { return len(e.Snapshot().Announcements) == 1 })
	a := e.Snapshot().Announcements[0]
	if a.ClientOrderID != v.ClientOrderID || !a.Charged || a.Amount.Minor != 6600 || a.MaskedPAN != fakeCard.MaskedPAN || a.ResolvedAt.IsZero() {
		t.Errorf("announcement %+v", a)
	}
	if s := e.Snapshot(); s.Stage != StageReady {
		t.Errorf("stage after resolution %s, want ready (the announcement tells it)", s.Stage)
	}
	e.Acknowledge(v.ClientOrderID)
	if n := len(e.Snapshot().Announcements); n != 0 {
		t.Errorf("%d announcements after Acknowledge", n)
	}
	p, _ := e.Journal().Get(v.ClientOrderID)
	if p.Status != store.StatusApproved {
		t.Errorf("journal %s", p.Status)
	}
}
