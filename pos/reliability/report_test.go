package reliability

import (
	"encoding/json"
	"os"
	"slices"
	"sync"
	"testing"
	"time"
)

// full reports whether the full counts run (KASSA_RELIABILITY=full).
func full() bool { return os.Getenv("KASSA_RELIABILITY") == "full" }

// runs is short in CI and long in the full run.
func runs(short, long int) int {
	if full() {
		return long
	}
	return short
}

// row is one test's figures: one line of docs/RELIABILITY.md.
type row struct {
	Test     string  `json:"test"`
	What     string  `json:"what"`
	Runs     int     `json:"runs"`
	Faults   int     `json:"faults"`
	Wrong    int     `json:"wrong_outcomes"`
	Double   int     `json:"double_charges"`
	Lost     int     `json:"lost_approvals"`
	Unknown  int     `json:"unknowns_left"`
	P99ms    float64 `json:"p99_ms,omitempty"`
	Full     bool    `json:"full"`
	Seconds  float64 `json:"seconds"`
	Note     string  `json:"note,omitempty"`
	started  time.Time
	mu       sync.Mutex
	failures []string
}

// newRow starts the figures of test t.
func newRow(t *testing.T, what string) *row {
	r := &row{Test: t.Name(), What: what, Full: full(), started: time.Now()}
	t.Cleanup(func() { r.write(t) })
	return r
}

// fail counts a wrong outcome and reports it.
func (r *row) fail(t *testing.T, format string, args ...any) {
	t.Helper()
	r.mu.Lock()
	r.Wrong++
	r.mu.Unlock()
	t.Errorf(format, args...)
}

// add adds n to a counter under the row's lock.
func (r *row) add(counter *int, n int) {
	r.mu.Lock()
	*counter += n
	r.mu.Unlock()
}

// write appends the row to KASSA_RELIABILITY_REPORT (when set) and logs it.
func (r *row) write(t *testing.T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Seconds = time.Since(r.started).Round(time.Millisecond).Seconds()
	b, _ := json.Marshal(r)
	t.Logf("reliability: %s", b)
	if err := r.appendLocked(); err != nil {
		t.Errorf("report: %v", err)
	}
}

// append writes the row to KASSA_RELIABILITY_REPORT.
func (r *row) append() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.appendLocked()
}

func (r *row) appendLocked() error {
	path := os.Getenv("KASSA_RELIABILITY_REPORT")
	if path == "" {
		return nil
	}
	b, _ := json.Marshal(r)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write(append(b, '\n'))
	return err
}

// p99 is the 99th percentile of ds in milliseconds.
func p99(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*99+99)/100 - 1 // ceil(0.99 n) - 1
	return float64(s[i]) / float64(time.Millisecond)
}
