package reliability

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// kassaBin is the kassa command the process tests run: the real binary
// built with -tags kassa_crashpoints when KASSA_RELIABILITY_BIN names it
// (make reliability), else this test binary acting as kassa (cli.Run, the
// code main runs for a headless command).
func kassaBin() (path string, real bool) {
	if p := os.Getenv("KASSA_RELIABILITY_BIN"); p != "" {
		return p, true
	}
	return os.Args[0], false
}

// kassaEnv is a test terminal's environment: its own home, config and data
// directories, the gateway, the simulated reader and short timeouts.
func kassaEnv(t testing.TB, gatewayURL string) []string {
	dir := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := cut(kv); !strings.HasPrefix(k, "KASSA_") && k != "HOME" && k != "XDG_CONFIG_HOME" && k != "TMPDIR" {
			env = append(env, kv)
		}
	}
	tmp := filepath.Join(dir, "tmp") // the simulator's pty link: a killed child cannot remove it
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	env = append(env, asKassaEnv+"=1", "TMPDIR="+tmp, "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"KASSA_DATA_DIR="+filepath.Join(dir, "data"), "KASSA_READER=sim", "KASSA_SIM_AUTOSWIPE=5ms",
		"KASSA_SALE_TIMEOUT=2s", "KASSA_RESULT_WAIT=4s", "KASSA_POLL_INTERVAL=100ms", "KASSA_NOT_FOUND_GRACE=0s")
	if gatewayURL != "" {
		env = append(env, "KASSA_GATEWAY_URL="+gatewayURL, "KASSA_ENDPOINT_ID=1", "KASSA_LOGIN=demo", "KASSA_CONTROL_KEY=demo-control-key")
	}
	return env
}

// envGet is the last value of key in env.
func envGet(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

// result is one kassa run.
type result struct {
	code           int
	killed         bool
	stdout, stderr string
}

// kassa runs the kassa command with env and args.
func kassa(t testing.TB, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	bin, _ := kassaBin()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if !strings.Contains(out.String()+errb.String(), "Usage: kassa") {
		// A usage text lists the sandbox's public test cards by design: not a log.
		scanText(out.String())
		scanText(errb.String())
	}
	return resultOf(t, err, out.String(), errb.String(), args)
}

func resultOf(t testing.TB, err error, stdout, stderr string, args []string) result {
	r := result{stdout: stdout, stderr: stderr}
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

// kv parses `key: value` lines.
func kv(stdout string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(stdout, "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			m[k] = v
		}
	}
	return m
}
