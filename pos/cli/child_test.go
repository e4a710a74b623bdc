package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kassa/mapi/sandbox"
	"kassa/pos"
	"kassa/store"
)

// childSale takes a payment with the real command and returns its id.
func childSale(t *testing.T, env []string, card, amount string, preauth bool) string {
	t.Helper()
	args := []string{"sale", "--amount", amount, "--card", card}
	if preauth {
		args = append(args, "--preauth")
	}
	r := saleRun(t, env, args...)
	if r.code != 0 {
		t.Fatalf("sale: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return saleKV(r.stdout)["client_orderid"]
}

// childRun runs a child command and checks its exit code and status.
func childRun(t *testing.T, env []string, code int, status string, args ...string) map[string]string {
	t.Helper()
	r := saleRun(t, env, args...)
	kv := saleKV(r.stdout)
	if r.code != code || kv["status"] != status {
		t.Fatalf("kassa %v: exit %d status %q, want %d %q\n%s%s", args, r.code, kv["status"], code, status, r.stdout, r.stderr)
	}
	return kv
}

// TestChildCommands: the contracts of kassa capture, release, refund and
// holds against the sandbox over loopback, with the figures after each.
func TestChildCommands(t *testing.T) {
	sb := saleSandbox(t, 30)
	env := saleEnv(t, sb.URL)
	hold := childSale(t, env, "4111111111111111", "10.00", true)
	r := saleRun(t, env, "holds", "--json")
	var holds []map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &holds); err != nil || len(holds) != 1 || holds[0]["client_orderid"] != hold ||
		holds[0]["amount"] != "10.00" || holds[0]["currency"] != "RUB" || holds[0]["age"] == "" || holds[0]["expires_at"] == "" {
		t.Fatalf("holds --json: %v %q", err, r.stdout)
	}
	kv := childRun(t, env, 0, "approved", "capture", hold, "--amount", "7.50")
	want := map[string]string{"client_orderid": hold, "operation": "capture", "amount": "7.50", "currency": "RUB",
		"captured_amount": "7.50", "refunded_total": "0.00", "remaining": "7.50"}
	for k, v := range want {
		if kv[k] != v {
			t.Errorf("capture %s = %q, want %q", k, kv[k], v)
		}
	}
	if kv["message"] == "" {
		t.Error("capture: no message")
	}
	childRun(t, env, 2, "refused", "capture", hold)
	childRun(t, env, 2, "refused", "refund", hold, "--amount", "8.00")
	kv = childRun(t, env, 0, "approved", "refund", hold, "--amount", "2.50", "--reason", "broken box")
	if kv["refunded_total"] != "2.50" || kv["remaining"] != "5.00" {
		t.Errorf("refund figures: %v", kv)
	}
	out := saleRun(t, env, "refund", hold, "--json")
	var obj map[string]string
	if err := json.Unmarshal([]byte(out.stdout), &obj); err != nil || out.code != 0 || obj["remaining"] != "0.00" || obj["amount"] != "5.00" {
		t.Fatalf("refund --json: exit %d %v %q", out.code, err, out.stdout)
	}
	sale := childSale(t, env, "5555555555554444", "3.00", false)
	childRun(t, env, 2, "refused", "release", sale)
	rel := childSale(t, env, "4111111111111111", "4.00", true)
	childRun(t, env, 0, "approved", "release", rel)
	if r := saleRun(t, env, "holds"); strings.TrimSpace(r.stdout) != "" || r.code != 0 {
		t.Errorf("holds after capture and release: exit %d %q", r.code, r.stdout)
	}
	st := saleKV(saleRun(t, env, "status", hold).stdout)
	if st["children"] != "3" || !strings.HasPrefix(st["child_2"], "refund approved 2.50 RUB") || st["remaining"] != "0.00" {
		t.Errorf("status lists: %v", st)
	}
	js := saleRun(t, env, "journal", "show", hold)
	if !strings.Contains(js.stdout, "Children (captured 7.50, refunded 7.50, left to refund 0.00)") || !strings.Contains(js.stdout, "broken box") {
		t.Errorf("journal show:\n%s", js.stdout)
	}
	for _, bad := range [][]string{{"refund"}, {"refund", "a", "b"}, {"capture", hold, "--amount", "x"}, {"release", hold, "--amount", "1"},
		{"refund", "00000000-0000-4000-8000-000000000000"}} {
		if r := saleRun(t, env, bad...); r.code != 1 {
			t.Errorf("kassa %v: exit %d, want 1", bad, r.code)
		}
	}
	if n := len(sb.Server.ChildRequests(hold)); n != 3 {
		t.Errorf("%d child requests of the hold, want 3", n)
	}
}

// TestChildCommandsDemo: the same commands in demo mode say DEMO.
func TestChildCommandsDemo(t *testing.T) {
	env := saleEnv(t, "")
	r := saleRun(t, env, "sale", "--demo", "--amount", "5.00", "--card", "4111111111111111")
	id := saleKV(r.stdout)["client_orderid"]
	if r.code != 0 || id == "" {
		t.Fatalf("demo sale: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	kv := childRun(t, env, 0, "approved", "refund", id, "--amount", "1.00", "--demo")
	if kv["mode"] != "DEMO" || !strings.HasPrefix(kv["message"], "DEMO: ") || kv["remaining"] != "4.00" {
		t.Errorf("demo refund: %v", kv)
	}
}

// childInvariants: after recover every child is final, each child the
// sandbox made is approved in the journal (none lost) and was sent once,
// no child of the journal is approved that the sandbox lacks, and the
// chain verifies.
func childInvariants(t *testing.T, sb *sandbox.Running, env []string, ids []string) {
	t.Helper()
	j, err := store.Open(filepath.Join(saleEnvGet(env, "KASSA_DATA_DIR"), "journal.db"), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, _, err := j.Verify(); err != nil {
		t.Errorf("journal chain: %v", err)
	}
	for _, id := range ids {
		kids, err := j.Children(id)
		if err != nil {
			t.Fatal(err)
		}
		approved := 0
		for _, c := range kids {
			if !c.Final() {
				t.Errorf("%s child %s still %s after recover", id, c.ID, c.Status)
			}
			if c.Status == store.StatusApproved {
				approved++
			}
		}
		reqs := sb.Server.ChildRequests(id)
		if len(reqs) != approved {
			t.Errorf("%s: %d children at the bank, %d approved in the journal (%d journaled)", id, len(reqs), approved, len(kids))
		}
		seen := map[string]bool{}
		for _, r := range reqs {
			if seen[r.SerialNumber] {
				t.Errorf("%s: request %s twice", id, r.SerialNumber)
			}
			seen[r.SerialNumber] = true
		}
	}
}

// TestChildCrashRecovery: kassa refund and kassa capture SIGKILLed at each
// point of the child's lifecycle and at random moments, then kassa
// recover: no child lost, none sent twice, the chain verifies.
func TestChildCrashRecovery(t *testing.T) {
	points := pos.ChildCrashPoints()
	if len(points) < 6 {
		t.Fatalf("only %d child crash points", len(points))
	}
	sb := saleSandbox(t, 30)
	env := append(saleEnv(t, sb.URL), "KASSA_NOT_FOUND_GRACE=0s")
	var ids []string
	for _, point := range points {
		for _, op := range []string{"refund", "capture"} {
			t.Run(op+"/"+point, func(t *testing.T) {
				id := childSale(t, env, "4111111111111111", "10.00", op == "capture")
				ids = append(ids, id)
				cenv := append(append([]string{}, env...), "KASSA_TEST_CRASHPOINT="+point)
				r := saleRun(t, cenv, op, id, "--amount", "4.00")
				if !r.killed {
					t.Fatalf("%s not killed at %s: exit %d\n%s%s", op, point, r.code, r.stdout, r.stderr)
				}
				rec := saleRun(t, env, "recover", "--wait", "10s")
				if rec.code != 0 {
					t.Errorf("recover after %s: exit %d\n%s%s", point, rec.code, rec.stdout, rec.stderr)
				}
				childInvariants(t, sb, env, ids)
			})
		}
	}
	for i := range 6 {
		t.Run(fmt.Sprintf("random-%d", i), func(t *testing.T) {
			op := []string{"refund", "capture"}[i%2]
			id := childSale(t, env, "4111111111111111", "10.00", op == "capture")
			ids = append(ids, id)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], op, id)
			cmd.Env = env
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(rand.N(1200)) * time.Millisecond)
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			rec := saleRun(t, env, "recover", "--wait", "10s")
			if rec.code != 0 {
				t.Errorf("recover: exit %d\n%s%s", rec.code, rec.stdout, rec.stderr)
			}
			childInvariants(t, sb, env, ids)
		})
	}
}

// TestChildRetryCommand: a refund killed right after its journal write
// (never sent) is found not created by kassa recover; a new refund is then
// refused until a manager's kassa child-retry, which sends it once.
func TestChildRetryCommand(t *testing.T) {
	sb := saleSandbox(t, 30)
	env := append(saleEnv(t, sb.URL), "KASSA_NOT_FOUND_GRACE=0s")
	id := childSale(t, env, "4111111111111111", "10.00", false)
	if r := saleRun(t, append(append([]string{}, env...), "KASSA_TEST_CRASHPOINT=child-after-begin"), "refund", id); !r.killed {
		t.Fatalf("refund not killed: exit %d", r.code)
	}
	if r := saleRun(t, env, "recover", "--wait", "10s"); r.code != 0 {
		t.Fatalf("recover: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	kv := childRun(t, env, 2, "refused", "refund", id)
	if kv["cause"] != "child-needs-manager" {
		t.Fatalf("refund after a never-created one: %v", kv)
	}
	if r := saleRun(t, env, "child-retry", id, "1", "--manager", "anna"); r.code != 1 {
		t.Fatalf("child-retry without a reason: exit %d", r.code)
	}
	kv = childRun(t, env, 0, "approved", "child-retry", id, "1", "--manager", "anna", "--reason", "the bank has no record")
	if kv["child"] != "2" || kv["remaining"] != "0.00" {
		t.Fatalf("retry: %v", kv)
	}
	childRun(t, env, 2, "refused", "child-retry", id, "2", "--manager", "anna", "--reason", "again")
	if n := len(sb.Server.ChildRequests(id)); n != 1 {
		t.Fatalf("%d refunds at the bank", n)
	}
}
