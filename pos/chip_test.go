package pos

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"kassa/mapi"
	"kassa/mapi/sandbox"
	"kassa/store"
)

// Chip test cards (READER-PROTOCOL.md §12.5).
const (
	cardGolden     = "4012345678909"
	cardOnlinePIN  = "4000000000000705"
	cardChipDecl   = "4000000000000879"
	cardChipBroken = "4000000000000945"
	cardOnPhone    = "4000000000000002" // any PAN ending …0002 taps with DF28 04
)

// chipEngine is an engine against a sandbox and the simulator presenting
// cards as entry (swipe, insert, tap).
func chipEngine(t *testing.T, entry string) (*Engine, *stageLog) {
	t.Helper()
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, pollingOnly)
	cfg.ResultWait = 15 * time.Second
	e := startEngine(t, cfg)
	if err := e.Demo().SetEntry(entry); err != nil {
		t.Fatal(err)
	}
	return e, watchStages(e)
}

// stageLog records every stage the engine published.
type stageLog struct {
	mu     sync.Mutex
	stages []Stage
}

// watchStages records every stage change as the engine publishes it (the
// tests' stage hook: subscribers get bursts coalesced, and a short stage
// such as remove-card may pass between two deliveries).
func watchStages(e *Engine) *stageLog {
	l := &stageLog{}
	e.hooks.Store(&testHooks{stage: func(s Stage) {
		l.mu.Lock()
		l.stages = append(l.stages, s)
		l.mu.Unlock()
	}})
	return l
}

func (l *stageLog) saw(s Stage) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Contains(l.stages, s)
}

func (l *stageLog) list() []Stage {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Stage(nil), l.stages...)
}

// Every presentation of the §12.5 cards through the engine: the EMV stage
// (CONTINUE, the advice journaled before it is sent) for contact cards the
// issuer approved, none for taps; entry mode, AID, label and CVM journaled
// with the payment; the status's EMV fields on the view.
func TestChipPayments(t *testing.T) {
	for _, tc := range []struct {
		entry, pan string
		status     Status
		mode       string
		advice     string // the journaled advice's cryptogram, "" for none
		cvm        string
	}{
		{"insert", cardGolden, StatusApproved, "chip", "TC", "no-cvm"},
		{"insert", cardMC, StatusApproved, "chip", "TC", "no-cvm"},
		{"insert", cardOnlinePIN, StatusApproved, "chip", "TC", "online-pin"},
		{"insert", cardChipDecl, StatusDeclined, "chip", "AAC", "no-cvm"},
		{"insert", cardDeclined, StatusDeclined, "chip", "AAC", "no-cvm"},
		{"insert", cardError, StatusFailed, "chip", "", "no-cvm"},
		{"insert", cardChipBroken, StatusApproved, "fallback-swipe", "", ""},
		{"tap", cardVisa, StatusApproved, "contactless", "", "no-cvm"},
		{"tap", cardMir, StatusApproved, "contactless", "", "no-cvm"},
		{"tap", cardOnPhone, StatusDeclined, "contactless", "", "on-device"},
		{"tap", cardChipDecl, StatusApproved, "contactless", "", "no-cvm"},
		{"swipe", cardVisa, StatusApproved, "swipe", "", ""},
	} {
		t.Run(tc.entry+"-"+tc.pan, func(t *testing.T) {
			e, stages := chipEngine(t, tc.entry)
			v := pay(t, e, tc.pan, 1050)
			if v.Status != tc.status || v.Card.EntryMode != tc.mode || v.Card.CVM != tc.cvm {
				t.Fatalf("%s %s: %s %q cvm %q, want %s %q %q (%+v)", tc.entry, tc.pan, v.Status, v.Card.EntryMode, v.Card.CVM,
					tc.status, tc.mode, tc.cvm, v.Reason)
			}
			p, err := e.journal.Get(v.ClientOrderID)
			if err != nil {
				t.Fatal(err)
			}
			checkAdvice(t, p, tc.advice)
			if tc.mode == "chip" || tc.mode == "contactless" {
				if v.Card.AID == "" || v.Card.AppLabel == "" || p.AID != v.Card.AID {
					t.Errorf("application %q %q, journal %q", v.Card.AID, v.Card.AppLabel, p.AID)
				}
			}
			if tc.mode == "chip" || tc.mode == "contactless" {
				out, err := e.PrintReceipt(context.Background(), v.ClientOrderID, MerchantCopy, nil)
				r := out.Receipt
				if err != nil || r.Chip.EntryMode != tc.mode || r.Chip.AID == "" || (tc.status == StatusApproved && (r.Chip.TVR == "" || r.Chip.Cryptogram == "")) {
					t.Errorf("receipt chip %+v, %v", r.Chip, err)
				}
			}
			if tc.advice != "" && !stages.saw(StageConfirming) {
				t.Errorf("stages %v: no card-confirming", stages.list())
			}
			if tc.mode == "chip" && !stages.saw(StageRemoveCard) {
				t.Errorf("stages %v: no remove-card", stages.list())
			}
			if tc.cvm == "online-pin" && !stages.saw(StagePINOnReader) {
				t.Errorf("stages %v: no pin-on-reader", stages.list())
			}
		})
	}
}

// checkAdvice checks the journal's advice event (cryptogram want, "" for
// none) and that it came before the final status.
func checkAdvice(t *testing.T, p store.Payment, want string) {
	t.Helper()
	got := ""
	for _, ev := range p.Events {
		if ev.Type == store.EventAdvice {
			got = ev.Fields[fAdviceKind]
		}
		if ev.Type == store.EventFinal && got == "" && want != "" {
			t.Errorf("final before the advice: %v", eventTypes(p))
		}
	}
	if got != want {
		t.Errorf("advice %q, want %q (%v)", got, want, eventTypes(p))
	}
}

// The card pulled before CONTINUE: unknown at once (never "not charged"),
// resolved by status when the gateway reverses the order without an
// advice; charged once.
func TestChipPulledIsUnknownThenResolved(t *testing.T) {
	e, stages := chipEngine(t, "insert")
	if err := e.Demo().SetFault("pull"); err != nil {
		t.Fatal(err)
	}
	v := pay(t, e, cardVisa, 1050)
	if v.Status.Final() && v.Status != StatusDeclined {
		t.Fatalf("pulled card: %s", v.Status)
	}
	p, _ := e.journal.Get(v.ClientOrderID)
	if countEvents(p, store.EventUnknown) != 1 || countEvents(p, store.EventAdvice) != 0 {
		t.Errorf("journal %v: want one unknown, no advice", eventTypes(p))
	}
	waitFor(t, 20*time.Second, "the pulled card's payment resolved", func() bool {
		p, _ := e.journal.Get(v.ClientOrderID)
		return p.Final()
	})
	p, _ = e.journal.Get(v.ClientOrderID)
	if p.Status != store.StatusDeclined {
		t.Errorf("resolved %s, want declined (no card confirmation)", p.Status)
	}
	if !stages.saw(StageConfirming) {
		t.Errorf("stages %v", stages.list())
	}
}

// Cancel while the reader waits for a tap or an insert: nothing journaled.
func TestChipCancelBeforeSale(t *testing.T) {
	e, _ := chipEngine(t, "tap")
	if err := e.Demo().SetFault("no-tap"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go func() {
		waitFor(t, 10*time.Second, "waiting for the card", func() bool { return e.Snapshot().Stage == StageWaitingCard })
		e.Cancel()
	}()
	_, err := e.Pay(ctx, Sale, Amount{Minor: 100, Currency: "RUB"}, "")
	if ReasonOf(err).Cause != CauseCancelled {
		t.Fatalf("cancel: %v", err)
	}
	if all, _ := e.journal.Latest(10); len(all) != 0 {
		t.Errorf("journaled %d payments", len(all))
	}
}

// lossyAdvice is the real gateway client whose first advice goes wrong on
// the way: lost before it was sent (notSent), or sent with its reply lost.
type lossyAdvice struct {
	*mapi.Client
	mu      sync.Mutex
	calls   int
	notSent bool
}

func (g *lossyAdvice) EMVAdvice(ctx context.Context, req mapi.AdviceRequest) (*mapi.Accepted, error) {
	g.mu.Lock()
	g.calls++
	first := g.calls == 1
	g.mu.Unlock()
	switch {
	case first && g.notSent:
		return nil, &mapi.NotSentError{Op: "emv-advice", Err: errors.New("connection refused")}
	case first:
		_, _ = g.Client.EMVAdvice(ctx, req)
		return nil, &mapi.UnknownError{Op: "emv-advice", Err: errors.New("reply lost")}
	}
	return g.Client.EMVAdvice(ctx, req)
}

// An advice that did not get through is sent again (MAPI.md §10): one that
// never left, and one that arrived with its reply lost (the resend's
// wrong-state refusal says so); the sale ends approved, charged once, with
// one advice journaled.
func TestChipAdviceResent(t *testing.T) {
	for _, notSent := range []bool{true, false} {
		t.Run(fmt.Sprintf("not-sent-%v", notSent), func(t *testing.T) {
			sb := startSandbox(t, sandbox.Options{})
			cfg := testConfig(t, sb.URL, pollingOnly)
			client, err := mapi.New(mapi.Config{BaseURL: sb.URL, EndpointID: "1", Login: "demo", ControlKey: "demo-control-key", Timeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			g := &lossyAdvice{Client: client, notSent: notSent}
			e, err := Start(context.Background(), cfg, testLogger(t), append(simReader(t, cfg), WithGateway(g))...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { e.Close() })
			if err := e.Demo().SetEntry("insert"); err != nil {
				t.Fatal(err)
			}
			v := pay(t, e, cardVisa, 1050)
			if v.Status != StatusApproved {
				t.Fatalf("%s %+v", v.Status, v.Reason)
			}
			p, _ := e.journal.Get(v.ClientOrderID)
			if countEvents(p, store.EventAdvice) != 1 || countEvents(p, store.EventUnknown) != 0 {
				t.Errorf("journal %v", eventTypes(p))
			}
			wantAdvices := map[bool]int{true: 1, false: 2}[notSent]
			if n := sb.Server.Requests(sandbox.CmdEMVAdvice); n != wantAdvices || g.calls != 2 {
				t.Errorf("%d advices at the gateway (%d calls), want %d", n, g.calls, wantAdvices)
			}
			if n := sb.Server.Requests(sandbox.CmdSale); n != 1 {
				t.Errorf("%d sales", n)
			}
		})
	}
}

// The reader lost at the EMV stage (cable pulled before CONTINUE): unknown
// at once, resolved by status when the gateway reverses the order; the
// card is never charged again.
func TestChipReaderLostAtStage(t *testing.T) {
	e, _ := chipEngine(t, "insert")
	d := e.Demo().(*testDemo)
	SetCrashHook(func(point string) {
		if point == "emv-stage" {
			d.sim.Unplug()
		}
	})
	defer SetCrashHook(nil)
	v := pay(t, e, cardVisa, 1050)
	p, _ := e.journal.Get(v.ClientOrderID)
	if countEvents(p, store.EventUnknown) != 1 || countEvents(p, store.EventAdvice) != 0 {
		t.Fatalf("journal %v", eventTypes(p))
	}
	for _, ev := range p.Events {
		if r, _ := eventReason(ev); ev.Type == store.EventUnknown && r.Cause != CauseReaderLostCard {
			t.Errorf("unknown because %s, want reader-lost-card", r.Cause)
		}
	}
	waitFor(t, 20*time.Second, "resolved", func() bool { p, _ := e.journal.Get(v.ClientOrderID); return p.Final() })
	if p, _ := e.journal.Get(v.ClientOrderID); p.Status != store.StatusDeclined {
		t.Errorf("resolved %s, want declined (reversed without the card's confirmation)", p.Status)
	}
}
