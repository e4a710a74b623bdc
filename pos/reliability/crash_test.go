package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"kassa/mapi"
	"kassa/mapi/sandbox"
	"kassa/pos"
	"kassa/store"
)

// TestCrashPoints kills kassa with SIGKILL at every crash point of a sale,
// a preauth and a close day (25 runs each in the full run), then runs
// `kassa recover` (a close day: `kassa close-day` again): no approval lost,
// nothing charged twice, every unknown resolved, the chain verifies.
func TestCrashPoints(t *testing.T) {
	t.Parallel()
	n := runs(1, 25)
	sb := startSandbox(t)
	row := newRow(t, fmt.Sprintf("kill -9 at every crash point (%d sale/preauth + %d close-day) × %d, then kassa recover",
		len(pos.CrashPoints()), len(pos.CloseDayCrashPoints()), n))
	if _, real := kassaBin(); real {
		row.Note = "the real kassa binary (-tags kassa_crashpoints)"
	}
	env := kassaEnv(t, sb.URL)
	for i := 0; i < n; i++ {
		for _, kind := range []string{"sale", "preauth"} {
			for _, point := range pos.CrashPoints() {
				args := []string{"sale", "--amount", fmt.Sprintf("%d.%02d", 1+i, rand.IntN(100)), "--card", "4111111111111111"}
				if kind == "preauth" {
					args = append(args, "--preauth")
				}
				r := kassa(t, append(env, "KASSA_TEST_CRASHPOINT="+point), args...)
				row.add(&row.Runs, 1)
				if !r.killed {
					t.Errorf("%s not killed at %s: exit %d\n%s%s", kind, point, r.code, r.stdout, r.stderr)
					continue
				}
				row.add(&row.Faults, 1)
				recoverAndCheck(t, row, sb, env, kind+" at "+point)
			}
		}
		for _, point := range pos.CloseDayCrashPoints() {
			closeDayCrash(t, row, sb, env, point)
		}
	}
}

// closeDayCrash takes a sale, kills `kassa close-day` at point, and closes
// again: the resumed close is the same request, it agrees, and the sandbox
// closed the sale once.
func closeDayCrash(t *testing.T, row *row, sb *sandbox.Running, env []string, point string) {
	s := kassa(t, env, "sale", "--amount", "3.00", "--card", "5555555555554444")
	id := kv(s.stdout)["client_orderid"]
	if s.code != 0 || id == "" {
		t.Fatalf("sale before close: exit %d\n%s%s", s.code, s.stdout, s.stderr)
	}
	r := kassa(t, append(env, "KASSA_TEST_CRASHPOINT="+point), "close-day")
	row.add(&row.Runs, 1)
	if !r.killed {
		t.Errorf("close-day not killed at %s: exit %d\n%s%s", point, r.code, r.stdout, r.stderr)
		return
	}
	row.add(&row.Faults, 1)
	again := kassa(t, env, "close-day")
	got := kv(again.stdout)
	o, _ := sb.Server.Order(id)
	switch {
	case again.code != 0:
		row.add(&row.Unknown, 1)
		t.Errorf("close-day after a kill at %s: exit %d\n%s%s", point, again.code, again.stdout, again.stderr)
	case o.ClosedBy == "" || got["request_id"] != o.ClosedBy:
		row.fail(t, "close-day after a kill at %s: the sandbox closed the sale with %q\n%s", point, o.ClosedBy, again.stdout)
	}
	checkJournal(t, row, sb, env, "close-day at "+point)
}

// TestRandomKills kills kassa at random moments under a stream of payments
// (until 200 processes were killed in the full run); each next process recovers first, and a final
// `kassa recover` leaves nothing unknown.
func TestRandomKills(t *testing.T) {
	t.Parallel()
	n := runs(8, 200)
	sb := startSandbox(t)
	row := newRow(t, fmt.Sprintf("%d kills with -9 at random moments under a stream of payments, then kassa recover", n))
	env := kassaEnv(t, sb.URL)
	bin, _ := kassaBin()
	cards := []string{"4111111111111111", "5555555555554444", "4000000000000077", "4000000000000002"}
	for i := 0; row.Faults < n && i < 3*n; i++ { // until n processes were killed before they ended
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		args := []string{"sale", "--amount", fmt.Sprintf("%d.00", 1+i%50), "--card", cards[i%len(cards)]}
		if i%5 == 4 {
			args = append(args, "--preauth")
		}
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rand.N(900)) * time.Millisecond)
		_ = cmd.Process.Kill()
		if err := cmd.Wait(); err != nil {
			row.add(&row.Faults, 1) // killed (a run that ended first is counted as a run only)
		}
		cancel()
		row.add(&row.Runs, 1)
	}
	recoverAndCheck(t, row, sb, env, "random kills")
}

// recoverAndCheck runs `kassa recover` and checks the journal against the
// sandbox.
func recoverAndCheck(t *testing.T, row *row, sb *sandbox.Running, env []string, what string) {
	t.Helper()
	rec := kassa(t, env, "recover", "--wait", "15s")
	if rec.code != 0 {
		t.Errorf("%s: recover exit %d\n%s%s", what, rec.code, rec.stdout, rec.stderr)
	}
	checkJournal(t, row, sb, env, what)
}

// checkJournal opens the terminal's journal (no kassa running) and checks
// every payment against the sandbox: approved exactly when the sandbox
// approved, nothing unresolved, nothing taken twice, the chain verifies.
func checkJournal(t *testing.T, row *row, sb *sandbox.Running, env []string, what string) {
	t.Helper()
	j := openJournal(t, env)
	defer j.Close()
	if _, _, err := j.Verify(); err != nil {
		row.fail(t, "%s: the chain does not verify: %v", what, err)
	}
	all, err := j.Latest(100000)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		checkPayment(t, row, sb, p, what)
	}
	checkBatches(t, row, j, what)
}

// checkBatches: a payment is in at most one finished close-day batch.
func checkBatches(t *testing.T, row *row, j *store.Journal, what string) {
	t.Helper()
	bs, err := j.Batches()
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]string{}
	for _, b := range bs {
		if b.Status != store.BatchFinished {
			continue
		}
		for _, id := range b.Payments {
			if prev, dup := in[id]; dup {
				row.add(&row.Double, 1)
				t.Errorf("%s: %s closed in %s and again in %s", what, id, prev, b.RequestID)
			}
			in[id] = b.RequestID
		}
	}
}

// openJournal opens the terminal's journal (no kassa running).
func openJournal(t *testing.T, env []string) *store.Journal {
	t.Helper()
	j, err := store.Open(filepath.Join(envGet(env, "KASSA_DATA_DIR"), "journal.db"), store.Options{})
	if err != nil {
		t.Fatalf("open journal: %v", err)
	}
	return j
}

// checkPayment judges one journaled payment against the sandbox.
func checkPayment(t *testing.T, row *row, sb *sandbox.Running, p store.Payment, what string) {
	t.Helper()
	cmd := sandbox.CmdSale
	if p.Kind == store.KindPreauth {
		cmd = sandbox.CmdPreauth
	}
	o, ok := sb.Server.Order(p.ClientOrderID)
	charged := ok && o.Status == mapi.StatusApproved
	st := pos.StatusOf(p.Status)
	switch {
	case len(sb.Server.Accepted(cmd, p.ClientOrderID)) > 1:
		row.add(&row.Double, 1)
		t.Errorf("%s: %s taken twice by the sandbox", what, p.ClientOrderID)
	case !st.Final():
		row.add(&row.Unknown, 1)
		t.Errorf("%s: %s still %s after recover", what, p.ClientOrderID, st)
	case st.Charged() != charged:
		if charged {
			row.add(&row.Lost, 1)
		}
		row.fail(t, "%s: %s journaled %s, the sandbox says %q", what, p.ClientOrderID, st, o.Status)
	}
}

// startSandbox is a sandbox on loopback for the process tests.
func startSandbox(t testing.TB) *sandbox.Running {
	t.Helper()
	sb, err := sandbox.Start(context.Background(), "127.0.0.1:0", sandbox.Options{Speed: 30,
		DataFile:      filepath.Join(t.TempDir(), "sandbox.json"),
		CallbackRetry: []time.Duration{50 * time.Millisecond, 200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb
}
