package reliability

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kassa/mapi"
	"kassa/mapi/faultproxy"
	"kassa/mapi/sandbox"
	"kassa/pos"
)

// TestGatewayFaultsChildren puts every proxy fault in front of a capture, a
// release and a refund (issue 11), 20 runs each in the full run: the
// child's journaled outcome matches the sandbox's record, and the sandbox
// took each child at most once.
func TestGatewayFaultsChildren(t *testing.T) {
	n := runs(1, 20)
	for _, op := range []struct {
		op      pos.Operation
		proxyOp string
		cmd     string
		txType  string
		parent  pos.Kind
	}{
		{pos.Capture, faultproxy.OpCapture, sandbox.CmdCapture, "capture", pos.Preauth},
		{pos.Release, faultproxy.OpReturn, sandbox.CmdReturn, "cancel", pos.Preauth},
		{pos.Refund, faultproxy.OpReturn, sandbox.CmdReturn, "reversal", pos.Sale},
	} {
		t.Run(string(op.op), func(t *testing.T) {
			t.Parallel()
			row := newRow(t, fmt.Sprintf("gateway faults × %s: %d faults × %d runs through faultproxy", op.op, len(faultproxy.Faults()), n))
			r := newRig(t, nil)
			for i := 0; i < n; i++ {
				for _, f := range faultproxy.Faults() {
					parent, err := r.pay(t, op.parent, cardVisa, int64(1000+100*i+int(f)))
					if err != nil || parent.Status != pos.StatusApproved {
						t.Fatalf("%s before %s: %v %v", op.parent, op.op, parent.Status, err)
					}
					r.px.Arm(op.proxyOp, f, 1)
					shown, _ := childOp(r, op.op, parent.ClientOrderID)
					r.px.Disarm()
					row.add(&row.Runs, 1)
					row.add(&row.Faults, 1)
					if shown.ID == "" {
						if len(r.sb.Server.Accepted(op.cmd, parent.ClientOrderID)) != 0 {
							row.fail(t, "%s %v: refused locally, yet the sandbox has it", op.op, f)
						}
						continue
					}
					final := r.settleChild(t, parent.ClientOrderID, shown.ID, 15*time.Second)
					count(t, row, fmt.Sprintf("%s %v run %d", op.op, f, i), r.judgeChild(op.cmd, op.txType, parent.ClientOrderID, shown, final))
				}
			}
		})
	}
}

// childOp runs a whole capture, release or refund of the payment.
func childOp(r *rig, op pos.Operation, id string) (pos.ChildView, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	zero := pos.Amount{Currency: "RUB"}
	switch op {
	case pos.Capture:
		return r.e.Capture(ctx, id, zero, "reliability")
	case pos.Release:
		return r.e.Release(ctx, id, zero, "reliability")
	}
	return r.e.Refund(ctx, id, zero, "reliability")
}

// settleChild waits for child childID of the payment to be final.
func (r *rig) settleChild(t *testing.T, id, childID string, d time.Duration) pos.ChildView {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		kids, err := r.e.Children(id)
		if err != nil {
			t.Fatalf("children of %s: %v", id, err)
		}
		var c pos.ChildView
		for _, k := range kids {
			if k.ID == childID {
				c = k
			}
		}
		if c.Final() || time.Now().After(deadline) {
			return c
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = r.e.Recover(ctx)
		cancel()
		time.Sleep(20 * time.Millisecond)
	}
}

// judgeChild compares a child's journaled outcome with the sandbox's.
func (r *rig) judgeChild(cmd, txType, id string, shown, final pos.ChildView) verdict {
	var v verdict
	o, _ := r.sb.Server.Order(id)
	done := false
	for _, c := range o.Children {
		done = done || (c.TransactionType == txType && c.Status == mapi.StatusApproved)
	}
	switch {
	case len(r.sb.Server.Accepted(cmd, id)) > 1:
		v.double, v.why = true, "the sandbox took the "+txType+" more than once"
	case !final.Final():
		v.unknown, v.why = true, "child still "+final.Status.String()+" after settling"
	case final.Status.Charged() != done:
		v.wrong, v.lost, v.why = true, done, fmt.Sprintf("journal says %s, sandbox done=%v", final.Status, done)
	case shown.Final() && shown.Status != final.Status:
		v.wrong, v.why = true, "shown "+shown.Status.String()+", later "+final.Status.String()
	}
	return v
}
