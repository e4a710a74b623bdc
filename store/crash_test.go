package store

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
)

const crashEnv = "KASSA_STORE_CRASH_JOURNAL"

// TestHelperProcess is the child of TestCrashKill9: it journals payments
// (every other one's events in one RecordAll; now and then a close-day) as
// fast as it can, printing each acknowledged
// event to stdout only after its call returned, until it is killed.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("helper process for TestCrashKill9")
	}
	go func() { // never outlive a dead parent for long
		time.Sleep(30 * time.Second)
		os.Exit(5)
	}()
	j, err := Open(path, Options{LockTimeout: 10 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(3)
	}
	out := os.Stdout // unbuffered: a line is in the pipe once Write returns
	say := func(format string, a ...any) { fmt.Fprintf(out, format+"\n", a...) }
	say("R") // open: journaling starts
	for i := 0; ; i++ {
		p := Payment{ClientOrderID: uuid.NewString(), Kind: KindSale, AmountMinor: int64(100 + i), Currency: "RUB",
			MaskedPAN: "401234****1111", TerminalID: "T1"}
		if i%5 == 4 {
			p.Kind = KindPreauth
		}
		if err := j.Begin(p); err != nil {
			fmt.Fprintln(os.Stderr, "begin:", err)
			os.Exit(4)
		}
		say("P %s", p.ClientOrderID)
		evs := []Event{{Type: EventSent}, {Type: EventAccepted, Fields: map[string]string{FieldPaynetOrderID: strconv.Itoa(i)}}}
		switch i % 4 {
		case 0, 1:
			evs = append(evs, Event{Type: EventFinal, Status: StatusApproved, Fields: map[string]string{FieldApprovalCode: "A1"}})
		case 2:
			evs = append(evs, Event{Type: EventFinal, Status: StatusDeclined})
		case 3:
			evs = append(evs, Event{Type: EventUnknown}, Event{Type: EventResolved, Status: StatusApproved})
		}
		if i%2 == 1 {
			// Everything after the intent in one RecordAll transaction.
			got, err := j.RecordAll(p.ClientOrderID, evs...)
			if err != nil {
				fmt.Fprintln(os.Stderr, "record all:", err)
				os.Exit(4)
			}
			for _, ev := range got.Events[1:] {
				say("E %s %d %s", p.ClientOrderID, ev.Seq, ev.Type)
			}
			evs = nil
		}
		for _, ev := range evs {
			got, err := j.Record(p.ClientOrderID, ev)
			if err != nil {
				fmt.Fprintln(os.Stderr, "record:", err)
				os.Exit(4)
			}
			last := got.Events[len(got.Events)-1]
			say("E %s %d %s", p.ClientOrderID, last.Seq, last.Type)
		}
		if i%6 == 5 {
			rid := uuid.NewString()
			if _, err := j.BeginClose(rid, "RUB"); err != nil {
				fmt.Fprintln(os.Stderr, "close:", err)
				os.Exit(4)
			}
			say("B %s", rid)
			if _, err := j.FinishClose(rid, BatchFinished, map[string]string{"status": "finished"}); err != nil {
				fmt.Fprintln(os.Stderr, "finish:", err)
				os.Exit(4)
			}
			say("F %s", rid)
		}
	}
}

// TestCrashKill9 kills a journaling child with SIGKILL at random moments, 200
// times, and checks after each kill that the journal opens, verifies, and
// holds every event the child had been told was journaled.
func TestCrashKill9(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("in the child")
	}
	kills := 200
	path := filepath.Join(t.TempDir(), "journal.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	var acked, withWork int
	start := time.Now()
	for i := 0; i < kills; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		var stdout, stderr bytes.Buffer
		cmd.Stderr = &stderr
		pipe, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			r := bufio.NewReader(pipe)
			for first := true; ; first = false {
				line, err := r.ReadString('\n')
				stdout.WriteString(line)
				if first && line == "R\n" {
					close(ready)
				}
				if err != nil {
					return
				}
			}
		}()
		if i%4 == 0 {
			// Anywhere from start-up (before or while opening the journal)
			// to a few transactions in.
			time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		} else {
			// Once the journal is open: in the middle of journaling.
			select {
			case <-ready:
			case <-time.After(20 * time.Second):
				t.Fatalf("kill %d: child never opened the journal: %s", i, stderr.String())
			}
			time.Sleep(time.Duration(rng.IntN(80)) * time.Millisecond)
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("kill %d: child ended on its own (%v): %s", i, err, stderr.String())
		}
		n := checkAfterCrash(t, path, stdout.Bytes(), i)
		acked += n
		if n > 0 {
			withWork++
		}
	}
	t.Logf("%d kills in %v; %d acknowledged events checked; %d kills came after at least one acknowledged event",
		kills, time.Since(start).Round(time.Millisecond), acked, withWork)
}

func checkAfterCrash(t *testing.T, path string, out []byte, kill int) int {
	t.Helper()
	j, err := Open(path, Options{LockTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("kill %d: open after crash: %v", kill, err)
	}
	defer j.Close()
	if _, _, err := j.Verify(); err != nil {
		t.Fatalf("kill %d: verify after crash: %v", kill, err)
	}
	// Only complete lines: a partial line was cut by the kill.
	if i := bytes.LastIndexByte(out, '\n'); i >= 0 {
		out = out[:i+1]
	} else {
		out = nil
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if f[0] == "R" {
			continue
		}
		n++
		switch f[0] {
		case "P":
			if _, err := j.Get(f[1]); err != nil {
				t.Fatalf("kill %d: acknowledged payment %s lost: %v", kill, f[1], err)
			}
		case "E":
			p, err := j.Get(f[1])
			if err != nil {
				t.Fatalf("kill %d: payment %s lost: %v", kill, f[1], err)
			}
			seq, _ := strconv.ParseUint(f[2], 10, 64)
			found := false
			for _, e := range p.Events {
				found = found || (e.Seq == seq && string(e.Type) == f[3])
			}
			if !found {
				t.Fatalf("kill %d: acknowledged event %d %s of %s lost", kill, seq, f[3], f[1])
			}
		case "B", "F":
			b, err := j.Batch(f[1])
			if err != nil || (f[0] == "F" && b.Status != BatchFinished) {
				t.Fatalf("kill %d: close-day %s lost: %+v %v", kill, f[1], b, err)
			}
		default:
			t.Fatalf("kill %d: child said %q", kill, sc.Text())
		}
	}
	return n
}
