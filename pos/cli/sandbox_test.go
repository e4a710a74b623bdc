package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"kassa/mapi"
)

// sandboxBuf is an io.Writer safe for a command writing while a test reads.
type sandboxBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *sandboxBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *sandboxBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSandboxCommand runs `kassa sandbox --listen 127.0.0.1:0`, waits for its
// "listening on" line, asks it for a status, and stops it by cancelling ctx.
func TestSandboxCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr sandboxBuf
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"sandbox", "--listen", "127.0.0.1:0", "--speed", "100"}, &stdout, &stderr)
	}()
	re := regexp.MustCompile(`^listening on (http://127\.0\.0\.1:[0-9]+/paynet)\n$`)
	var base string
	deadline := time.Now().Add(10 * time.Second)
	for base == "" {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no listening line; stdout %q stderr %q", stdout.String(), stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The default credentials answer a status call: order not found.
	form := url.Values{"login": {"demo"}, "client_orderid": {"nope"},
		"control": {mapi.StatusControl("demo", "nope", "", mapi.Secret("demo-control-key"))}}
	resp, err := http.PostForm(base+"/api/v2/status/1", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if v, _ := mapi.ParseReply(body); v.Get("error-code") != "3" {
		t.Errorf("status reply %q", body)
	}
	http.DefaultClient.CloseIdleConnections()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d; stderr %q", code, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("kassa sandbox did not stop when ctx was cancelled")
	}
	if _, err := http.PostForm(base+"/api/v2/status/1", form); err == nil {
		t.Error("still serving after exit")
	}
	if strings.Contains(stderr.String(), "demo-control-key") {
		t.Error("the control key was logged")
	}
}

// TestSandboxCommandFlags: --help exits 0 with the defaults documented; bad
// flags and an unreadable data file exit 1 with a message.
func TestSandboxCommandFlags(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte("not json"), 0o600)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, 0, "demo-control-key"},
		{[]string{"--speed", "0.5"}, 1, "--speed"},
		{[]string{"--listen", "127.0.0.1:notaport"}, 1, "cannot listen"},
		{[]string{"--listen", "127.0.0.1:0", "--data", bad}, 1, "unreadable"},
		{[]string{"--listen", "127.0.0.1:0", "--currency", "XYZ1"}, 1, "currency"},
		{[]string{"--key", ""}, 1, "must not be empty"},
		{[]string{"extra"}, 1, "unexpected argument"},
	}
	for _, tc := range tests {
		var stdout, stderr sandboxBuf
		code := runSandbox(context.Background(), tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
}
