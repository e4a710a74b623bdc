package pos

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"kassa/mapi/sandbox"
	"kassa/store"
)

func TestReceiptDuplicate(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	e := startEngine(t, testConfig(t, sb.URL, callbackAndPo))
	v := pay(t, e, cardVisa, 1050)
	r1, err := e.Receipt(v.ClientOrderID, CustomerCopy)
	if err != nil {
		t.Fatal(err)
	}
	m1, _ := e.Receipt(v.ClientOrderID, MerchantCopy)
	r2, _ := e.Receipt(v.ClientOrderID, CustomerCopy)
	if r1.Duplicate || m1.Duplicate || !r2.Duplicate {
		t.Errorf("duplicate flags: %v %v %v", r1.Duplicate, m1.Duplicate, r2.Duplicate)
	}
	if r1.Amount != "10.50" || r1.ApprovalCode == "" || r1.MaskedPAN == "" || r1.Status != StatusApproved.String() {
		t.Errorf("receipt %+v", r1)
	}
	if !strings.Contains(r2.Text(), "DUPLICATE") {
		t.Error("reprint text lacks DUPLICATE")
	}
	pv, _ := e.Payment(v.ClientOrderID)
	if pv.Reprints != 1 || pv.Status != StatusApproved {
		t.Errorf("reprints %d status %s", pv.Reprints, pv.Status)
	}
	// Journaled as receipt events (not as overrides, which a manager's
	// list would show).
	p, _ := e.Journal().Get(v.ClientOrderID)
	if n, o := countEvents(p, store.EventReceipt), countEvents(p, store.EventOverride); n != 3 || o != 0 {
		t.Errorf("%d receipt and %d override events: %v", n, o, eventTypes(p))
	}
	// Prints at the same moment: exactly one is the original.
	w := pay(t, e, cardMC, 1060)
	var wg sync.WaitGroup
	dups := make(chan bool, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.Receipt(w.ClientOrderID, MerchantCopy)
			if err != nil {
				t.Error(err)
			}
			dups <- r.Duplicate
		}()
	}
	wg.Wait()
	close(dups)
	originals := 0
	for d := range dups {
		if !d {
			originals++
		}
	}
	if originals != 1 {
		t.Errorf("%d of 4 simultaneous prints were not stamped DUPLICATE, want 1", originals)
	}
	if _, err := e.Receipt("00000000-0000-4000-8000-000000000000", CustomerCopy); !errors.Is(err, ErrNotFound) {
		t.Errorf("receipt of an unknown payment: %v", err)
	}
}
