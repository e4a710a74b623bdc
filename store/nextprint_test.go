package store

import (
	"errors"
	"strconv"
	"testing"
)

// TestNextPrint: NextPrint predicts the number Record then gives each
// print, per copy, writes nothing, and counts legacy prints.
func TestNextPrint(t *testing.T) {
	j, _, _ := newJ(t)
	p := mustBegin(t, j, pay(KindSale, 500, "RUB", "401234****1111"))
	id := p.ClientOrderID
	approve(t, j, id, "92")
	mustRecord(t, j, id, Event{Type: EventOverride, Fields: map[string]string{legacyReprint: "1", FieldCopy: "MERCHANT COPY"}})
	head, events := verifyOK(t, j)
	for i, copyName := range []string{"CUSTOMER COPY", "CUSTOMER COPY", "MERCHANT COPY", "CUSTOMER COPY", "MERCHANT COPY"} {
		n, err := j.NextPrint(id, copyName)
		if err != nil {
			t.Fatal(err)
		}
		if h, e := verifyOK(t, j); h != head || e != events {
			t.Fatalf("NextPrint wrote to the journal")
		}
		got := mustRecord(t, j, id, Event{Type: EventReceipt, Fields: map[string]string{FieldCopy: copyName}})
		if ev := got.Events[len(got.Events)-1]; ev.Fields[FieldPrint] != strconv.Itoa(n) {
			t.Errorf("print %d (%s): NextPrint said %d, Record numbered %s", i, copyName, n, ev.Fields[FieldPrint])
		}
		head, events = verifyOK(t, j)
	}
	if _, err := j.NextPrint("00000000-0000-4000-8000-000000000000", "CUSTOMER COPY"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown payment: %v", err)
	}
	if _, err := j.NextPrint(id, " "); !errors.Is(err, ErrInvalid) {
		t.Errorf("no copy: %v", err)
	}
}
