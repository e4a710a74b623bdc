package ui

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkStartupAgainstBareWindow measures, in the same run, the time
// from exec to a usable checkout of `kassa --demo` and the time to the first
// frame of a bare Fyne window (ui/internal/barewindow), and both processes'
// resident memory after 5 s idle, and reports the medians and their ratios
// (targets: ≤ 1.3 each). Each round starts both programs once, alternating.
//
// It needs a display: run it under Xvfb, e.g.
//
//	xvfb-run -a go test -run '^$' -bench StartupAgainstBareWindow -benchtime 10x ./ui/
func BenchmarkStartupAgainstBareWindow(t *testing.B) {
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no DISPLAY: run under xvfb-run")
	}
	rounds := t.N
	bin := t.TempDir()
	build := func(out, pkg string) string {
		p := filepath.Join(bin, out)
		cmd := exec.Command("go", "build", "-o", p, pkg)
		cmd.Dir = ".."
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, b)
		}
		return p
	}
	kassa := build("kassa", "kassa")
	bare := build("barewindow", "kassa/ui/internal/barewindow")

	var kT, bT, kM, bM []float64
	for i := 0; i < rounds; i++ {
		// Alternate so drift (caches, Xvfb) hits both equally.
		bt, bm := runOnce(t, bare, nil)
		kt, km := runOnce(t, kassa, []string{"--demo"})
		bT, bM = append(bT, bt), append(bM, bm)
		kT, kM = append(kT, kt), append(kM, km)
		t.Logf("round %d: bare %.0f ms %.1f MiB · kassa --demo %.0f ms %.1f MiB", i+1, bt, bm, kt, km)
	}
	mk, mb := median(kT), median(bT)
	rk, rb := median(kM), median(bM)
	t.Logf("start to usable: kassa --demo %.0f ms, bare window %.0f ms: ratio %.2f (target ≤ 1.3)", mk, mb, mk/mb)
	t.Logf("RSS after 5 s idle: kassa --demo %.1f MiB, bare window %.1f MiB: ratio %.2f (target ≤ 1.3)", rk, rb, rk/rb)
	t.ReportMetric(0, "ns/op")
	t.ReportMetric(mk, "kassa-ready-ms")
	t.ReportMetric(mb, "bare-ready-ms")
	t.ReportMetric(mk/mb, "x-bare-start")
	t.ReportMetric(rk, "kassa-rss-MiB")
	t.ReportMetric(rb, "bare-rss-MiB")
	t.ReportMetric(rk/rb, "x-bare-rss")
}

// runOnce starts a program with KASSA_READY=1 in a fresh data dir, waits
// for its "ready" line, lets it idle 5 s, reads VmRSS and stops it. It
// returns the milliseconds from exec to "ready" and the RSS in MiB.
func runOnce(t testing.TB, path string, args []string) (ms, mib float64) {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), "KASSA_READY=1", "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"KASSA_DATA_DIR="+filepath.Join(dir, "data"), "KASSA_GATEWAY_URL=", "KASSA_READER=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan time.Duration, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "ready ") {
				t.Logf("%s: %s", filepath.Base(path), line)
				select {
				case ready <- time.Since(start):
				default:
				}
				continue
			}
			log.WriteString(line + "\n")
		}
	}()
	var took time.Duration
	select {
	case took = <-ready:
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		t.Fatalf("%s never said ready", filepath.Base(path))
	}
	time.Sleep(5 * time.Second)
	rss := vmRSS(t, cmd.Process.Pid)
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
	return float64(took.Microseconds()) / 1000, rss
}

// vmRSS reads a process's resident set size in MiB from /proc.
func vmRSS(t testing.TB, pid int) float64 {
	if runtime.GOOS != "linux" {
		t.Skip("RSS from /proc: linux only")
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
