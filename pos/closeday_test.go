package pos

import (
	"context"
	"errors"
	"strings"
	"testing"

	"kassa/mapi/sandbox"
	"kassa/store"
)

// TestCloseDay: totals from the journal, the request id journaled, the
// gateway's reply compared; refused while payments are unresolved.
func TestCloseDay(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, callbackAndPo)
	e := startEngine(t, cfg)
	pay(t, e, cardVisa, 1042)
	pay(t, e, cardMC, 2000)
	pay(t, e, cardDeclined, 5000)
	pv, err := e.PreviewCloseDay()
	if err != nil {
		t.Fatal(err)
	}
	if len(pv.Totals) != 1 || pv.Totals[0].SaleCount != 2 || pv.Totals[0].SaleSum.Minor != 3042 {
		t.Fatalf("preview %+v", pv.Totals)
	}
	var steps []Reason
	rep, err := e.CloseDay(context.Background(), false, func(s Reason) { steps = append(steps, s) })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != DayFinished || !rep.Agree || len(rep.Differences) != 0 {
		t.Fatalf("report %+v", rep)
	}
	if rep.Theirs.SaleCount != 2 || rep.Theirs.SaleSum.Minor != 3042 || rep.ChainHead == "" || rep.RequestID == "" {
		t.Errorf("report %+v", rep)
	}
	b, err := e.Journal().Batch(rep.RequestID)
	if err != nil || b.Status != store.BatchFinished {
		t.Errorf("batch %+v %v", b, err)
	}
	if pv, _ := e.PreviewCloseDay(); pv.Totals[0].SaleCount != 0 {
		t.Errorf("open day after close: %+v", pv.Totals)
	}
	z := e.ZReport(rep)
	if !strings.Contains(z.Text(), rep.RequestID) {
		t.Error("Z report lacks the request id")
	}

	// A payment the journal has but the gateway closed in the previous batch
	// cannot be made here; instead: an unresolved payment refuses the close.
	cfg2 := cfg
	_ = cfg2
	id := "9d5b8f8e-2f3c-4a51-9a7e-0c1d2e3f4a5b"
	if err := e.Journal().Begin(store.Payment{ClientOrderID: id, Kind: store.KindSale, AmountMinor: 100, Currency: "RUB"}); err != nil {
		t.Fatal(err)
	}
	e.Journal().Record(id, store.Event{Type: store.EventSent, Status: store.StatusSent})
	if _, err := e.CloseDay(context.Background(), false, nil); !errors.Is(err, ErrUnresolved) {
		t.Errorf("close with unresolved: %v", err)
	}
	rep, err = e.CloseDay(context.Background(), true, nil)
	if err != nil || rep.Status != DayFinished || rep.Warning.Cause != CauseDayUnresolvedLeft {
		t.Errorf("forced close: %+v %v", rep, err)
	}
}

// TestCloseDayDifference: the journal and the gateway disagree → reported.
func TestCloseDayDifference(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, callbackAndPo)
	e := startEngine(t, cfg)
	pay(t, e, cardVisa, 1000)
	// A second terminal's sale on the same endpoint: the gateway counts it,
	// this journal does not.
	cfg2 := testConfig(t, sb.URL, callbackAndPo)
	e2 := startEngine(t, cfg2)
	pay(t, e2, cardVisa, 500)
	e2.Close()
	rep, err := e.CloseDay(context.Background(), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Agree || len(rep.Differences) != 2 {
		t.Fatalf("want 2 differences: %+v", rep)
	}
	if rep.Differences[0].Field != "sale count" || rep.Differences[0].Ours != "1" || rep.Differences[0].Theirs != "2" {
		t.Errorf("differences %+v", rep.Differences)
	}
}
