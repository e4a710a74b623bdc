package reliability

import (
	"fmt"
	"testing"
	"time"

	"kassa/mapi/faultproxy"
	"kassa/mapi/sandbox"
	"kassa/pos"
)

// TestGatewayFaultsAdvice puts every proxy fault in front of the EMV advice
// of a chip sale and a contactless preauth (issue 12), 20 runs each in the
// full run: the payment's outcome matches the sandbox's, and the sandbox
// applied the advice at most once.
func TestGatewayFaultsAdvice(t *testing.T) {
	n := runs(1, 20)
	row := newRow(t, fmt.Sprintf("gateway faults × emv-advice (chip sale, contactless preauth): %d faults × %d runs", len(faultproxy.Faults()), n))
	r := newRig(t, nil)
	for i := 0; i < n; i++ {
		for _, f := range faultproxy.Faults() {
			entry, kind, cmd := "insert", pos.Sale, sandbox.CmdSale
			if (i+int(f))%2 == 1 {
				entry, kind, cmd = "tap", pos.Preauth, sandbox.CmdPreauth
			}
			if err := r.e.Demo().SetEntry(entry); err != nil {
				t.Fatal(err)
			}
			r.px.Arm(faultproxy.OpAdvice, f, 1)
			shown, err := r.payChip(t, kind, int64(2000+100*i+int(f)))
			r.px.Disarm()
			row.add(&row.Runs, 1)
			row.add(&row.Faults, 1)
			if shown.ClientOrderID == "" {
				row.fail(t, "advice %v: the %s was not journaled: %v", f, entry, err)
				continue
			}
			final := r.settle(t, shown.ClientOrderID, 20*time.Second)
			what := fmt.Sprintf("advice %v %s run %d", f, entry, i)
			count(t, row, what, r.judge(cmd, shown.ClientOrderID, shown, final))
			if k := len(r.sb.Server.Accepted(sandbox.CmdEMVAdvice, shown.ClientOrderID)); k > 1 {
				row.add(&row.Double, 1)
				t.Errorf("%s: the sandbox applied the advice %d times", what, k)
			}
		}
	}
	// The test must exercise the advice: under "refused" it never reaches
	// the proxy (nothing listens), and a few payments end before theirs.
	seen, chip := r.px.Seen(faultproxy.OpAdvice), n*len(faultproxy.Faults())
	row.Note = fmt.Sprintf("%d advice requests reached the proxy for %d chip payments", seen, chip)
	if seen < chip*3/4 {
		t.Errorf("only %d advice requests reached the proxy for %d chip payments", seen, chip)
	}
}

// payChip takes a chip or contactless payment; a card read that failed
// before anything was journaled (nothing sent: the sandbox's orders are
// unchanged) is tried again, as a cashier would.
func (r *rig) payChip(t *testing.T, kind pos.Kind, minor int64) (pos.PaymentView, error) {
	var v pos.PaymentView
	var err error
	for try := 0; try < 3; try++ {
		before := len(r.sb.Server.Orders())
		if v, err = r.pay(t, kind, cardVisa, minor); v.ClientOrderID != "" {
			return v, err
		}
		if len(r.sb.Server.Orders()) != before {
			t.Errorf("an order reached the sandbox without a journaled intent: %v", err)
		}
		t.Logf("card read failed before the journal (try %d): %v", try+1, err)
	}
	return v, err
}
