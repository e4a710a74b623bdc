package pos

import (
	"context"
	"testing"
	"time"

	"kassa/mapi/sandbox"
	"kassa/store"
)

// TestPersonEventsCarryCashier: payments, overrides, reprints, settings
// changes, close-day, cashier and shift events all name who caused them.
func TestPersonEventsCarryCashier(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, callbackOnly)
	cfg.ResultWait = 200 * time.Millisecond
	e := startEngine(t, cfg)
	e.RequireShifts()
	ctx := context.Background()
	boss, err := e.AddCashier(WithCashier(ctx, "cli:setup"), NewCashier{Name: "Maria", PIN: "1234", Role: Manager})
	if err != nil {
		t.Fatal(err)
	}
	anna, err := e.AddCashier(WithCashier(ctx, boss.ID), NewCashier{Name: "Anna", PIN: "0000", Role: Cashier})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Pay(ctx, Sale, Amount{Minor: 100, Currency: "RUB"}, ""); ReasonOf(err).Cause != CauseNoShift {
		t.Fatalf("payment without a shift: %v", err)
	}
	shift, err := e.SignIn(anna.ID, "0000")
	if err != nil {
		t.Fatal(err)
	}
	v := pay(t, e, cardVisa, 1042)
	if _, err := e.PrintReceipt(context.Background(), v.ClientOrderID, CustomerCopy, nil); err != nil {
		t.Fatal(err)
	}
	if r, err := e.Refund(ctx, v.ClientOrderID, Amount{}, "customer returned it"); err != nil || r.ID == "" { // journaled (the short wait may leave it unknown)
		t.Fatalf("refund %+v %v", r, err)
	}
	pay(t, e, cardNoCB, 3412) // unknown: overridden below
	if err := e.Override("Maria", "bank line down"); err != nil {
		t.Fatal(err)
	}
	c := e.Config()
	c.TerminalName = "Till 2"
	if err := e.ApplyConfig(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CloseDay(ctx, true, nil); err != nil {
		t.Fatal(err)
	}
	rep, err := e.CloseShift(WithCashier(ctx, boss.ID), shift.ID)
	if err != nil || rep.Shift.Open() || rep.Shift.ClosedBy != "Maria" || len(rep.Payments) != 2 {
		t.Fatalf("shift report %+v %v", rep, err)
	}
	if who, _ := e.SignedIn(); who.ID != "" {
		t.Error("still signed in after the shift closed")
	}
	checkEventsCarry(t, e, anna.ID)
}

// personEvents are the event types a person causes; each must name them.
var personEvents = map[store.EventType]bool{store.EventOverride: true, store.EventReceipt: true, store.EventChild: true}

func checkEventsCarry(t *testing.T, e *Engine, cashier string) {
	t.Helper()
	ps, _ := e.Journal().Latest(100)
	if len(ps) == 0 {
		t.Fatal("no payments")
	}
	for _, p := range ps {
		if p.CashierID != cashier {
			t.Errorf("payment %s: cashier %q", p.ClientOrderID, p.CashierID)
		}
		for _, ev := range p.Events {
			if personEvents[ev.Type] && ev.Fields[store.FieldCashier] != cashier {
				t.Errorf("%s event of %s: cashier %q", ev.Type, p.ClientOrderID, ev.Fields[store.FieldCashier])
			}
		}
	}
	evs, err := e.Journal().JournalEvents(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[store.EventType]int{}
	for _, ev := range evs {
		kinds[ev.Type]++
		if ev.Type == store.EventClose && ev.Fields["stage"] != store.BatchPending {
			continue // the bank's reply, not a person's
		}
		if ev.Fields[store.FieldCashier] == "" {
			t.Errorf("%s event has no cashier: %v", ev.Type, ev.Fields)
		}
	}
	for _, k := range []store.EventType{store.EventCashier, store.EventShift, store.EventSettings, store.EventClose} {
		if kinds[k] == 0 {
			t.Errorf("no %s event journaled", k)
		}
	}
}
