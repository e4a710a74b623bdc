package reliability

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kassa/mapi/faultproxy"
	"kassa/mapi/sandbox"
	"kassa/pos"
)

// TestGatewayFaults puts every fault of the proxy in front of every
// gateway operation, many times (20 each in the full run): the outcome
// shown and journaled is the right one, and the sandbox's record shows
// the money moved at most once.
func TestGatewayFaults(t *testing.T) {
	n := runs(1, 20)
	for _, op := range []struct {
		name string
		run  func(t *testing.T, r *rig, row *row, f faultproxy.Fault, i int)
	}{
		{faultproxy.OpSale, func(t *testing.T, r *rig, row *row, f faultproxy.Fault, i int) {
			payRun(t, r, row, pos.Sale, sandbox.CmdSale, f, i)
		}},
		{faultproxy.OpPreauth, func(t *testing.T, r *rig, row *row, f faultproxy.Fault, i int) {
			payRun(t, r, row, pos.Preauth, sandbox.CmdPreauth, f, i)
		}},
		{faultproxy.OpStatus, statusRun},
		{faultproxy.OpCloseDay, closeDayRun},
	} {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			row := newRow(t, fmt.Sprintf("gateway faults × %s: %d faults × %d runs through faultproxy", op.name, len(faultproxy.Faults()), n))
			var r *rig
			if op.name == faultproxy.OpCloseDay {
				r = newRigWith(t, sandbox.Options{Instant: true}, nil)
			} else {
				r = newRig(t, nil)
			}
			for i := 0; i < n; i++ {
				for _, f := range faultproxy.Faults() {
					op.run(t, r, row, f, i)
				}
			}
			injected := 0
			for _, k := range r.px.Injected() {
				injected += k
			}
			row.Faults = injected
		})
	}
}

// arm arms f for the next request of op; Refused stops the proxy listening
// at once. The returned func ends the fault.
func arm(r *rig, op string, f faultproxy.Fault) func() {
	r.px.Arm(op, f, 1)
	return func() {
		r.px.Disarm()
	}
}

// payRun is one sale or preauth through fault f.
func payRun(t *testing.T, r *rig, row *row, kind pos.Kind, cmd string, f faultproxy.Fault, i int) {
	card := []string{cardVisa, cardMC, cardDeclined, cardSlow}[i%4]
	before := len(r.sb.Server.Orders())
	end := arm(r, string(kind), f)
	shown, err := r.pay(t, kind, card, int64(100+100*i+int(f)))
	end()
	row.add(&row.Runs, 1)
	if shown.ClientOrderID == "" {
		if len(r.sb.Server.Orders()) != before {
			row.fail(t, "%s %v: an order reached the sandbox without a journaled intent (%v)", kind, f, err)
		}
		return
	}
	final := r.settle(t, shown.ClientOrderID, 15*time.Second)
	count(t, row, fmt.Sprintf("%s %v run %d", kind, f, i), r.judge(cmd, shown.ClientOrderID, shown, final))
	if !f.Forwards() && final.Status.Charged() {
		row.fail(t, "%s %v: charged though the proxy never forwarded it", kind, f)
	}
}

// statusRun loses a sale's reply (so the payment is unknown and must be
// resolved by status) and breaks the next status request with f.
func statusRun(t *testing.T, r *rig, row *row, f faultproxy.Fault, i int) {
	card := []string{cardVisa, cardDeclined, cardSlow}[i%3]
	r.px.Arm(faultproxy.OpSale, faultproxy.ResetAfter, 1)
	if f != faultproxy.Refused {
		r.px.Arm(faultproxy.OpStatus, f, 1)
	}
	shown, _ := r.pay(t, pos.Sale, card, int64(200+100*i+int(f)))
	if f == faultproxy.Refused {
		r.px.Arm(faultproxy.OpStatus, f, 1)
		time.Sleep(3 * r.cfg.PollInterval)
	}
	r.px.Disarm()
	row.add(&row.Runs, 1)
	if shown.ClientOrderID == "" {
		row.fail(t, "status %v: the sale was not journaled", f)
		return
	}
	final := r.settle(t, shown.ClientOrderID, 15*time.Second)
	count(t, row, fmt.Sprintf("status %v run %d", f, i), r.judge(sandbox.CmdSale, shown.ClientOrderID, shown, final))
}

// closeDayRun takes an approved sale, then closes the day through f; a
// close that did not finish is resumed without the fault. A finished close
// must be the gateway's close of this request, with the totals agreeing.
func closeDayRun(t *testing.T, r *rig, row *row, f faultproxy.Fault, i int) {
	shown, err := r.pay(t, pos.Sale, cardVisa, int64(300+100*i+int(f)))
	if err != nil || shown.Status != pos.StatusApproved {
		t.Fatalf("sale before close: %v %v", shown.Status, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	end := arm(r, faultproxy.OpCloseDay, f)
	first, _ := r.e.CloseDay(ctx, false, nil)
	end()
	row.add(&row.Runs, 1)
	rep := first
	for k := 0; k < 3 && rep.Status != pos.DayFinished; k++ {
		rep, _ = r.e.CloseDay(ctx, false, nil)
	}
	o, _ := r.sb.Server.Order(shown.ClientOrderID)
	what := fmt.Sprintf("close-day %v run %d", f, i)
	switch {
	case rep.Status != pos.DayFinished:
		row.add(&row.Unknown, 1)
		t.Errorf("%s: not finished after resuming: %+v", what, rep.Reason)
	case first.Status == pos.DayFinished && (first.RequestID != o.ClosedBy || !first.Agree):
		row.fail(t, "%s: journaled finished for %s (agree %v), the sandbox closed the sale with %s", what, first.RequestID, first.Agree, o.ClosedBy)
	case !rep.Agree || rep.RequestID != o.ClosedBy:
		row.fail(t, "%s: the resumed close %s (agree %v), the sandbox closed the sale with %s", what, rep.RequestID, rep.Agree, o.ClosedBy)
	}
	checkBatches(t, row, r.e.Journal(), what)
}

// count adds a verdict to the row.
func count(t *testing.T, row *row, what string, v verdict) {
	t.Helper()
	switch {
	case v.double:
		row.add(&row.Double, 1)
		t.Errorf("%s: %s", what, v.why)
	case v.unknown:
		row.add(&row.Unknown, 1)
		t.Errorf("%s: %s", what, v.why)
	case v.wrong:
		if v.lost {
			row.add(&row.Lost, 1)
		}
		row.fail(t, "%s: %s", what, v.why)
	}
}
