package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"kassa/mapi"
	"kassa/mapi/sandbox"
	"kassa/pos"
	"kassa/store"
)

// saleEnv is a test terminal's environment: its own config and data
// directories, the given gateway, and the simulated reader.
func saleEnv(t *testing.T, gatewayURL string) []string {
	dir := t.TempDir()
	env := []string{}
	for _, saleKV := range os.Environ() {
		if !strings.HasPrefix(saleKV, "KASSA_") && !strings.HasPrefix(saleKV, "XDG_CONFIG_HOME=") && !strings.HasPrefix(saleKV, "HOME=") && !strings.HasPrefix(saleKV, "TMPDIR=") {
			env = append(env, saleKV)
		}
	}
	// The simulated reader's pty link lives under TMPDIR: a child killed
	// with SIGKILL cannot remove it, so keep it inside the test's own dir.
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	env = append(env, saleAsKassaEnv+"=1", "TMPDIR="+tmp,
		"HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "KASSA_DATA_DIR="+filepath.Join(dir, "data"),
		"KASSA_READER=sim", "KASSA_SIM_AUTOSWIPE=10ms",
		"KASSA_SALE_TIMEOUT=2s", "KASSA_RESULT_WAIT=4s", "KASSA_POLL_INTERVAL=100ms",
		"KASSA_CALLBACK_LISTEN=127.0.0.1:0")
	if gatewayURL != "" {
		env = append(env, "KASSA_GATEWAY_URL="+gatewayURL, "KASSA_ENDPOINT_ID=1", "KASSA_LOGIN=demo", "KASSA_CONTROL_KEY=demo-control-key")
	}
	return env
}

func saleEnvGet(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

type saleResult struct {
	code           int
	killed         bool
	stdout, stderr string
}

// saleRun runs the test binary as the kassa CLI.
func saleRun(t *testing.T, env []string, args ...string) saleResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := saleResult{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			r.killed = true
		}
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("kassa %v: %v", args, err)
	}
	return r
}

func saleKV(stdout string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(stdout, "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			m[k] = v
		}
	}
	return m
}

func saleSandbox(t *testing.T, speed float64) *sandbox.Running {
	t.Helper()
	run, err := sandbox.Start(context.Background(), "127.0.0.1:0", sandbox.Options{
		Speed: speed, DataFile: filepath.Join(t.TempDir(), "sandbox.json"),
		CallbackRetry: []time.Duration{50 * time.Millisecond, 200 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { run.Close() })
	return run
}

func TestPaymentCommandsHelp(t *testing.T) {
	for _, c := range []string{"sale", "status", "recover", "close-day"} {
		var out, errb bytes.Buffer
		if code := Run(context.Background(), []string{c, "--help"}, &out, &errb); code != 0 {
			t.Errorf("%s --help: exit %d", c, code)
		}
		if !strings.Contains(errb.String()+out.String(), "--demo") {
			t.Errorf("%s --help does not mention --demo", c)
		}
	}
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"sale"}, &out, &errb); code != 1 {
		t.Errorf("sale without --amount: exit %d", code)
	}
	if code := Run(context.Background(), []string{"status"}, &out, &errb); code != 1 {
		t.Errorf("status without id: exit %d", code)
	}
}

func TestSaleCommand(t *testing.T) {
	sb := saleSandbox(t, 30)
	env := saleEnv(t, sb.URL)
	r := saleRun(t, env, "sale", "--amount", "10.42", "--card", "4111111111111111", "--desc", "coffee")
	m := saleKV(r.stdout)
	if r.code != 0 || m["status"] != "approved" || m["client_orderid"] == "" || m["paynet_order_id"] == "" ||
		m["approval_code"] == "" || m["rrn"] == "" || !strings.HasSuffix(m["card"], "1111") || m["message"] == "" {
		t.Fatalf("sale: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "DEMO") {
		t.Error("live sale says DEMO")
	}
	// The keys come in the contract's order.
	lines := strings.Split(r.stdout, "\n")
	for i, k := range []string{"client_orderid", "paynet_order_id", "status", "card", "approval_code", "rrn", "message"} {
		if !strings.HasPrefix(lines[i], k+": ") {
			t.Errorf("line %d %q, want key %s", i, lines[i], k)
		}
	}
	// status of that payment
	s := saleRun(t, env, "status", m["client_orderid"])
	if s.code != 0 || saleKV(s.stdout)["status"] != "approved" {
		t.Errorf("status: exit %d\n%s%s", s.code, s.stdout, s.stderr)
	}
	// declined → exit 2, JSON
	r = saleRun(t, env, "sale", "--amount", "5", "--card", "4000000000000002", "--json")
	var obj map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &obj); err != nil {
		t.Fatalf("json: %v: %q", err, r.stdout)
	}
	if r.code != 2 || obj["status"] != "declined" || !strings.Contains(strings.ToLower(obj["message"]), "insufficient funds") {
		t.Errorf("declined: exit %d %v", r.code, obj)
	}
	// preauth
	r = saleRun(t, env, "sale", "--amount", "7.00", "--preauth", "--card", "5555555555554444")
	if r.code != 0 || saleKV(r.stdout)["kind"] != "preauth" {
		t.Errorf("preauth: exit %d\n%s", r.code, r.stdout)
	}
	// unknown → exit 3: the gateway says "unknown" for a while (2 s here)
	uenv := append(append([]string{}, env...), "KASSA_RESULT_WAIT=300ms")
	r = saleRun(t, uenv, "sale", "--amount", "1.27", "--card", "4000000000000127")
	if r.code != 3 || saleKV(r.stdout)["status"] != "unknown" || !strings.Contains(r.stdout, "DO NOT charge again") {
		t.Errorf("unknown: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// …blocks the next sale (here its start-up check cannot reach the bank),
	// until recover resolves it
	down := append(append([]string{}, env...), "KASSA_GATEWAY_URL=http://127.0.0.1:1/paynet")
	r = saleRun(t, down, "sale", "--amount", "1", "--card", "4111111111111111")
	if r.code != 2 || !strings.Contains(r.stdout, "not known yet") {
		t.Errorf("sale while unknown: exit %d\n%s", r.code, r.stdout)
	}
	r = saleRun(t, env, "recover", "--wait", "10s")
	if r.code != 0 || !strings.Contains(r.stdout, "status: approved") || !strings.Contains(r.stdout, "unresolved: 0") {
		t.Errorf("recover: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// close-day: agree → 0
	r = saleRun(t, env, "close-day", "--json")
	var cd map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &cd); err != nil {
		t.Fatalf("close-day json: %v %q %s", err, r.stdout, r.stderr)
	}
	if r.code != 0 || cd["status"] != "finished" || cd["agree"] != true || cd["our_sale_count"] != 2.0 || cd["bank_sale_count"] != 2.0 || cd["our_sale_sum"] == nil {
		t.Errorf("close-day: exit %d %v", r.code, cd)
	}
	// usage errors
	if r := saleRun(t, env, "sale", "--amount", "1.234"); r.code != 1 {
		t.Errorf("bad amount: exit %d", r.code)
	}
}

func TestDemoCommands(t *testing.T) {
	env := saleEnv(t, "")
	env = append(env, "KASSA_CALLBACK_LISTEN=")
	r := saleRun(t, env, "sale", "--demo", "--amount", "2.50", "--card", "2200000000000004")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "mode: DEMO\n") || !strings.Contains(saleKV(r.stdout)["message"], "DEMO") {
		t.Fatalf("demo sale: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = saleRun(t, env, "sale", "--amount", "2.50", "--json") // no gateway configured → demo
	var obj map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &obj); err != nil || obj["mode"] != "DEMO" {
		t.Errorf("demo json: %v %q %s", err, r.stdout, r.stderr)
	}
	r = saleRun(t, env, "recover", "--demo")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "mode: DEMO") {
		t.Errorf("demo recover: exit %d\n%s", r.code, r.stdout)
	}
	r = saleRun(t, env, "close-day", "--demo")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "mode: DEMO") || saleKV(r.stdout)["our_sale_count"] != "2" {
		t.Errorf("demo close-day: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	data := saleEnvGet(env, "KASSA_DATA_DIR")
	if _, err := os.Stat(filepath.Join(data, "demo-sandbox.json")); err != nil {
		t.Error(err)
	}
	// --card outside demo/sim is a usage error.
	live := append(append([]string{}, env...), "KASSA_GATEWAY_URL=http://127.0.0.1:1/paynet", "KASSA_ENDPOINT_ID=1",
		"KASSA_LOGIN=x", "KASSA_CONTROL_KEY=y", "KASSA_READER=/dev/null-saleRun")
	if r := saleRun(t, live, "sale", "--amount", "1", "--card", "4111111111111111"); r.code != 1 {
		t.Errorf("--card with a real reader: exit %d\n%s", r.code, r.stderr)
	}
}

// saleInvariants compares the journal with the gateway after recovery: no
// approved payment lost, none charged twice, none left unknown.
func saleInvariants(t *testing.T, sb *sandbox.Running, env []string, sales int) {
	t.Helper()
	j, err := store.Open(filepath.Join(saleEnvGet(env, "KASSA_DATA_DIR"), "journal.db"), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, _, err := j.Verify(); err != nil {
		t.Errorf("journal chain: %v", err)
	}
	un, _ := j.Unresolved()
	if len(un) != 0 {
		t.Errorf("%d payments still unresolved after recover", len(un))
	}
	orders := sb.Server.Orders()
	if n := sb.Server.Requests(sandbox.CmdSale); n > sales {
		t.Errorf("%d sale requests for %d sales: a payment was sent twice", n, sales)
	}
	byClient := map[string]int{}
	for _, o := range orders {
		byClient[o.ClientOrderID]++
		p, err := j.Get(o.ClientOrderID)
		if err != nil {
			t.Errorf("gateway order %s (%s) is not in the journal", o.ClientOrderID, o.Status)
			continue
		}
		if o.Status == mapi.StatusApproved && p.Status != store.StatusApproved {
			t.Errorf("payment %s approved at the gateway but %s in the journal", o.ClientOrderID, p.Status)
		}
		if p.Status == store.StatusApproved && o.Status != mapi.StatusApproved {
			t.Errorf("payment %s approved in the journal but %s at the gateway", o.ClientOrderID, o.Status)
		}
	}
	for id, n := range byClient {
		if n > 1 {
			t.Errorf("payment %s charged %d times", id, n)
		}
	}
	all, _ := j.Latest(1000)
	for _, p := range all {
		if p.Status == store.StatusApproved && byClient[p.ClientOrderID] == 0 {
			t.Errorf("payment %s approved in the journal, unknown at the gateway", p.ClientOrderID)
		}
	}
}

// TestCrashRecovery kills `saleRun sale` with SIGKILL at each point of the
// payment lifecycle (the test-only KASSA_TEST_CRASHPOINT) and at random
// times, then runs `saleRun recover`: no approved payment is lost, none is
// charged twice, every unknown is resolved.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash recovery: slow")
	}
	points := pos.CrashPoints()
	if len(points) < 8 {
		t.Fatalf("only %d crash points", len(points))
	}
	sb := saleSandbox(t, 30)
	env := saleEnv(t, sb.URL)
	// Sent-but-never-arrived payments become "not charged" at once here.
	env = append(env, "KASSA_NOT_FOUND_GRACE=0s")
	sales := 0
	for _, point := range points {
		t.Run(point, func(t *testing.T) {
			cenv := append(append([]string{}, env...), "KASSA_TEST_CRASHPOINT="+point)
			r := saleRun(t, cenv, "sale", "--amount", "10.00", "--card", "4111111111111111")
			sales++
			if !r.killed {
				t.Fatalf("sale not killed at %s: exit %d\n%s%s", point, r.code, r.stdout, r.stderr)
			}
			rec := saleRun(t, env, "recover", "--wait", "10s")
			if rec.code != 0 {
				t.Errorf("recover after %s: exit %d\n%s%s", point, rec.code, rec.stdout, rec.stderr)
			}
			saleInvariants(t, sb, env, sales)
			// The terminal works again.
			ok := saleRun(t, env, "sale", "--amount", "1.00", "--card", "5555555555554444")
			sales++
			if ok.code != 0 {
				t.Errorf("sale after recovery from %s: exit %d\n%s%s", point, ok.code, ok.stdout, ok.stderr)
			}
		})
	}
	// Random-time kills.
	for i := range 6 {
		t.Run(fmt.Sprintf("random-%d", i), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "sale", "--amount", "4.00", "--card", "4000000000000077")
			cmd.Env = env
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sales++
			time.Sleep(time.Duration(rand.N(1500)) * time.Millisecond)
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			rec := saleRun(t, env, "recover", "--wait", "10s")
			if rec.code != 0 {
				t.Errorf("recover: exit %d\n%s%s", rec.code, rec.stdout, rec.stderr)
			}
			saleInvariants(t, sb, env, sales)
		})
	}
}

// TestJournalShowsReceiptPrints: receipt prints are journaled as their own
// events and `kassa journal show` lists them with their copy and whether
// they were duplicates, after the payment's lifecycle events.
func TestJournalShowsReceiptPrints(t *testing.T) {
	sb := saleSandbox(t, 30)
	env := saleEnv(t, sb.URL)
	r := saleRun(t, env, "sale", "--amount", "3.10", "--card", "4111111111111111")
	id := saleKV(r.stdout)["client_orderid"]
	if r.code != 0 || id == "" {
		t.Fatalf("sale: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	j, err := store.Open(filepath.Join(saleEnvGet(env, "KASSA_DATA_DIR"), "journal.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := j.Record(id, store.Event{Type: store.EventReceipt, Fields: map[string]string{store.FieldCopy: string(pos.CustomerCopy)}}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	show := saleRun(t, env, "journal", "show", id)
	if show.code != 0 {
		t.Fatalf("journal show: exit %d\n%s%s", show.code, show.stdout, show.stderr)
	}
	var events []string
	for _, line := range strings.Split(show.stdout, "\n") {
		if f := strings.Fields(line); len(f) > 3 && strings.HasPrefix(f[0], "#") {
			events = append(events, f[3]+":"+f[4])
		}
	}
	if got := strings.Join(events, " "); got != "intent:pending accepted:accepted final:approved receipt:approved receipt:approved" {
		t.Errorf("events shown: %s\n%s", got, show.stdout)
	}
	for _, want := range []string{`copy="CUSTOMER COPY" duplicate="no" print="1"`, `copy="CUSTOMER COPY" duplicate="yes" print="2"`} {
		if !strings.Contains(show.stdout, want) {
			t.Errorf("journal show lacks %s:\n%s", want, show.stdout)
		}
	}
}
