package reliability

import (
	"fmt"
	"testing"

	"kassa/mapi"
	"kassa/mapi/sandbox"
	"kassa/pos"
	"kassa/store"
)

// TestCrashPointsChildren kills `kassa capture`, `release` and `refund`
// (issue 11) at every child crash point (× 25 in the full run), then runs
// `kassa recover`: the child is resolved, matches the sandbox, and was
// taken once.
func TestCrashPointsChildren(t *testing.T) {
	t.Parallel()
	n := runs(1, 25)
	sb := startSandbox(t)
	row := newRow(t, fmt.Sprintf("kill -9 at every crash point of capture, release and refund (%d each) × %d, then kassa recover", len(pos.ChildCrashPoints()), n))
	env := kassaEnv(t, sb.URL)
	notReached := 0
	for i := 0; i < n; i++ {
		for _, op := range []struct{ name, cmd, tx string }{
			{"capture", sandbox.CmdCapture, "capture"}, {"release", sandbox.CmdReturn, "cancel"}, {"refund", sandbox.CmdReturn, "reversal"},
		} {
			for _, point := range pos.ChildCrashPoints() {
				args := []string{"sale", "--amount", "7.00", "--card", cardVisa}
				if op.name != "refund" {
					args = append(args, "--preauth")
				}
				s := kassa(t, env, args...)
				id := kv(s.stdout)["client_orderid"]
				if s.code != 0 || id == "" {
					t.Fatalf("payment before %s: exit %d\n%s%s", op.name, s.code, s.stdout, s.stderr)
				}
				r := kassa(t, append(env, "KASSA_TEST_CRASHPOINT="+point), op.name, id)
				row.add(&row.Runs, 1)
				if !r.killed {
					notReached++
					continue // a point this child did not pass (e.g. no status call when the reply was final)
				}
				row.add(&row.Faults, 1)
				recoverAndCheck(t, row, sb, env, op.name+" at "+point)
				checkChildren(t, row, sb, env, op.cmd, op.tx, id, op.name+" at "+point)
			}
		}
	}
	row.Note = fmt.Sprintf("%d runs ended before their crash point (not counted as kills)", notReached)
}

// checkChildren: the payment's children are final, agree with the
// sandbox's, and the sandbox took each once.
func checkChildren(t *testing.T, row *row, sb *sandbox.Running, env []string, cmd, tx, id, what string) {
	t.Helper()
	j := openJournal(t, env)
	defer j.Close()
	p, err := j.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := sb.Server.Order(id)
	done := false
	for _, c := range o.Children {
		done = done || (c.TransactionType == tx && c.Status == mapi.StatusApproved)
	}
	if len(sb.Server.Accepted(cmd, id)) > 1 {
		row.add(&row.Double, 1)
		t.Errorf("%s: the sandbox took the %s twice", what, tx)
	}
	for _, c := range store.ChildrenOf(p) {
		st := pos.StatusOf(c.Status)
		switch {
		case !st.Final():
			row.add(&row.Unknown, 1)
			t.Errorf("%s: child %s still %s", what, c.ID, st)
		case st.Charged() != done:
			row.fail(t, "%s: child %s journaled %s, sandbox done=%v", what, c.ID, st, done)
		}
	}
}

// TestCrashPointsChip kills `kassa sale --entry insert|tap` at every chip
// crash point (issue 12; × 25 in the full run), then runs `kassa recover`:
// as for a swiped sale, and the advice applied at most once.
func TestCrashPointsChip(t *testing.T) {
	t.Parallel()
	n := runs(1, 25)
	sb := startSandbox(t)
	row := newRow(t, fmt.Sprintf("kill -9 at every chip crash point (%d) × insert/tap × %d, then kassa recover", len(pos.ChipCrashPoints()), n))
	env := kassaEnv(t, sb.URL)
	notReached := 0
	for i := 0; i < n; i++ {
		entries := []string{"insert", "tap"}
		if !full() {
			entries = entries[:1] // CI: the contact card's points only
		}
		for _, entry := range entries {
			for _, point := range pos.ChipCrashPoints() {
				r := kassa(t, append(env, "KASSA_TEST_CRASHPOINT="+point), "sale", "--amount", "8.00", "--card", cardVisa, "--entry", entry)
				row.add(&row.Runs, 1)
				if !r.killed {
					notReached++
					continue
				}
				row.add(&row.Faults, 1)
				recoverAndCheck(t, row, sb, env, entry+" at "+point)
			}
		}
	}
	for _, o := range sb.Server.Orders() {
		if k := len(sb.Server.Accepted(sandbox.CmdEMVAdvice, o.ClientOrderID)); k > 1 {
			row.add(&row.Double, 1)
			t.Errorf("%s: advice applied %d times", o.ClientOrderID, k)
		}
	}
	row.Note = fmt.Sprintf("%d runs ended before their crash point (not counted as kills)", notReached)
}
