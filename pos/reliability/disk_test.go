package reliability

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"kassa/mapi/sandbox"
	"kassa/store"
)

// diskTerminal is a terminal with a journal holding a few approved sales.
type diskTerminal struct {
	sb    *sandbox.Running
	env   []string
	path  string
	acked []string // client_orderids the terminal said were approved
}

// newDiskTerminal is a terminal with its own sandbox (whose every order
// must be in this journal).
func newDiskTerminal(t *testing.T, sales int) *diskTerminal {
	sb := startSandbox(t)
	d := &diskTerminal{sb: sb, env: kassaEnv(t, sb.URL)}
	d.path = filepath.Join(envGet(d.env, "KASSA_DATA_DIR"), "journal.db")
	for i := 0; i < sales; i++ {
		d.sale(t, d.env, nil)
	}
	return d
}

// sale runs one `kassa sale`, optionally through a wrapper command (prlimit),
// and remembers an approval.
func (d *diskTerminal) sale(t *testing.T, env []string, wrap []string) result {
	args := []string{"sale", "--amount", fmt.Sprintf("%d.00", 1+rand.IntN(90)), "--card", cardVisa}
	var r result
	if wrap == nil {
		r = kassa(t, env, args...)
	} else {
		bin, _ := kassaBin()
		cmd := exec.Command(wrap[0], append(append(wrap[1:], bin), args...)...)
		cmd.Env = env
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		scanText(out.String() + errb.String())
		r = resultOf(t, err, out.String(), errb.String(), args)
	}
	if got := kv(r.stdout); r.code == 0 && got["status"] == "approved" {
		d.acked = append(d.acked, got["client_orderid"])
	}
	return r
}

// nothingLost: every acknowledged approval is in the journal, the chain
// verifies, and every order the sandbox has is journaled.
func (d *diskTerminal) nothingLost(t *testing.T, row *row, what string) {
	t.Helper()
	j, err := store.Open(d.path, store.Options{})
	if err != nil {
		row.fail(t, "%s: open the journal: %v", what, err)
		return
	}
	defer j.Close()
	if _, _, err := j.Verify(); err != nil {
		row.fail(t, "%s: chain: %v", what, err)
	}
	for _, id := range d.acked {
		if p, err := j.Get(id); err != nil || p.Status != store.StatusApproved {
			row.add(&row.Lost, 1)
			row.fail(t, "%s: acknowledged approval %s lost: %v %v", what, id, p.Status, err)
		}
	}
	for _, o := range d.sb.Server.Orders() {
		if _, err := j.Get(o.ClientOrderID); err != nil {
			row.fail(t, "%s: the sandbox has %s, the journal does not: sent without a journaled intent", what, o.ClientOrderID)
		}
	}
}

// TestDiskFull: the journal's file may not grow (RLIMIT_FSIZE on the kassa
// process, set by prlimit, at the journal's size: honest "disk full" for
// this file only). Every sale is either approved and journaled, or not
// charged with a clear message and nothing sent.
func TestDiskFull(t *testing.T) {
	if _, err := exec.LookPath("prlimit"); err != nil {
		t.Fatalf("prlimit (util-linux) is needed: %v", err)
	}
	row := newRow(t, "journal on a full disk (RLIMIT_FSIZE = the journal's size via prlimit): sales until the journal cannot grow")
	row.Note = "RLIMIT_FSIZE on the kassa process (prlimit --fsize)"
	for k := 0; k < runs(1, 5); k++ {
		d := newDiskTerminal(t, 1)
		fi, err := os.Stat(d.path)
		if err != nil {
			t.Fatal(err)
		}
		limit := []string{"prlimit", fmt.Sprintf("--fsize=%d", fi.Size())}
		refused := 0
		for i := 0; i < 60 && refused < 2; i++ {
			r := d.sale(t, d.env, limit)
			row.add(&row.Runs, 1)
			if r.code != 0 {
				refused++
				row.add(&row.Faults, 1)
				t.Logf("disk full: exit %d: %s%s", r.code, r.stdout, r.stderr)
				if r.killed || !strings.Contains(r.stdout+r.stderr, "journal") {
					row.fail(t, "disk full: exit %d killed %v, no clear message:\n%s%s", r.code, r.killed, r.stdout, r.stderr)
				}
			}
		}
		if refused == 0 {
			t.Errorf("the journal never hit the size limit of %d bytes", fi.Size())
		}
		d.nothingLost(t, row, "disk full")
		if r := d.sale(t, d.env, nil); r.code != 0 {
			row.fail(t, "a sale once the disk has room: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	}
}

// TestDamagedJournal truncates or corrupts the journal while Kassa is
// stopped: kassa either refuses with a clear message, sends nothing and
// leaves the file as it is, or (damage only in free space) works on with
// every acknowledged approval still there.
func TestDamagedJournal(t *testing.T) {
	row := newRow(t, "journal truncated, bytes flipped or the meta pages zeroed while Kassa is stopped")
	damages := []struct {
		name string
		do   func(b []byte) []byte
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)/2+rand.IntN(len(b)/2)] }},
		{"flipped", func(b []byte) []byte {
			for i := 0; i < 1+rand.IntN(64); i++ {
				b[rand.IntN(len(b))] ^= byte(1 + rand.IntN(255))
			}
			return b
		}},
		{"meta-zeroed", func(b []byte) []byte { clear(b[:8192]); return b }},
	}
	for k := 0; k < runs(1, 20); k++ {
		for _, dm := range damages {
			d := newDiskTerminal(t, 2)
			orig, err := os.ReadFile(d.path)
			if err != nil {
				t.Fatal(err)
			}
			damaged := dm.do(bytes.Clone(orig))
			if err := os.WriteFile(d.path, damaged, 0o600); err != nil {
				t.Fatal(err)
			}
			before := len(d.sb.Server.Orders())
			r := d.sale(t, d.env, nil)
			row.add(&row.Runs, 1)
			row.add(&row.Faults, 1)
			judgeDamaged(t, row, d, dm.name, r, before, damaged)
		}
	}
}

// judgeDamaged: a sale on a damaged journal either worked (the damage was
// in free space: nothing lost), or reached the bank with its intent
// journaled before the damage showed (then it must say unknown, never
// charge again), or was refused at start with the "damaged" message, the
// file untouched and nothing sent.
func judgeDamaged(t *testing.T, row *row, d *diskTerminal, name string, r result, before int, damaged []byte) {
	after, _ := os.ReadFile(d.path)
	sent := len(d.sb.Server.Orders()) != before
	switch {
	case r.code == 0:
		d.nothingLost(t, row, name+" (damage in free space)")
	case sent && (r.code != 3 || !strings.Contains(r.stdout, "DO NOT charge again")):
		row.fail(t, "%s: the sale reached the bank, yet kassa did not say unknown: exit %d\n%s%s", name, r.code, r.stdout, r.stderr)
	case sent:
		row.Note = "a flip outside the chain's pages can show only after the intent was written: that sale is unknown, as it must be"
	case !strings.Contains(r.stderr, "damaged") || !strings.Contains(r.stderr, "Move it aside"):
		row.fail(t, "%s: exit %d without a clear message:\n%s%s", name, r.code, r.stdout, r.stderr)
	case !bytes.Equal(after, damaged):
		row.fail(t, "%s: kassa changed the damaged file", name)
	}
}

// TestSecondInstance: a second kassa on the same journal while a sale runs
// is refused at once with what to do, and sends nothing.
func TestSecondInstance(t *testing.T) {
	row := newRow(t, "a second kassa on the journal while a sale is running")
	for k := 0; k < runs(2, 20); k++ {
		d := newDiskTerminal(t, 0)
		bin, _ := kassaBin()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		first := exec.CommandContext(ctx, bin, "sale", "--amount", "5.00", "--card", "4000000000000994") // reply held 45 s / speed
		first.Env = d.env
		var out bytes.Buffer
		first.Stdout = &out
		if err := first.Start(); err != nil {
			t.Fatal(err)
		}
		waitFile(d.path, 5*time.Second)
		time.Sleep(200 * time.Millisecond)
		before := len(d.sb.Server.Orders())
		r := d.sale(t, d.env, nil)
		row.add(&row.Runs, 1)
		row.add(&row.Faults, 1)
		if r.code != 1 || !strings.Contains(r.stderr, "then run this command again") {
			row.fail(t, "second instance: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if len(d.sb.Server.Orders()) > before+1 {
			row.fail(t, "second instance sent a sale")
		}
		_ = first.Wait()
		cancel()
		if got := kv(out.String()); got["status"] == "approved" {
			d.acked = append(d.acked, got["client_orderid"])
		}
		d.nothingLost(t, row, "second instance")
	}
}

// TestReadOnlyJournal: the data directory and journal cannot be written
// (kassa runs as nobody; as a normal user the directory is made
// read-only): a clear message, nothing sent.
func TestReadOnlyJournal(t *testing.T) {
	row := newRow(t, "journal in a directory kassa may not write")
	d := newDiskTerminal(t, 1)
	dir := filepath.Dir(d.path)
	env := d.env
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		cred = &syscall.Credential{Uid: 65534, Gid: 65534}
		chownAll(t, envGet(env, "TMPDIR"))
		chownAll(t, envGet(env, "XDG_CONFIG_HOME"))
		os.Lchown(envGet(env, "HOME"), 65534, 65534) // not the data dir inside it
		os.Chmod(filepath.Dir(dir), 0o755)
		os.Chmod(dir, 0o755)
		os.Chmod(d.path, 0o644)
	} else {
		os.Chmod(dir, 0o500)
		os.Chmod(d.path, 0o400)
		defer os.Chmod(dir, 0o700)
	}
	bin := nobodyBinary(t)
	before := len(d.sb.Server.Orders())
	cmd := exec.Command(bin, "sale", "--amount", "1.00", "--card", cardVisa)
	cmd.Env, cmd.SysProcAttr = env, &syscall.SysProcAttr{Credential: cred}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	r := resultOf(t, cmd.Run(), out.String(), errb.String(), nil)
	scanText(r.stdout + r.stderr)
	t.Logf("read-only journal: exit %d: %s", r.code, r.stderr)
	row.add(&row.Runs, 1)
	row.add(&row.Faults, 1)
	if r.code == 0 || !strings.Contains(r.stderr, "journal") || !strings.Contains(r.stderr, "write access") {
		row.fail(t, "read-only journal: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		out, _ := exec.Command("ls", "-la", dir, d.path).CombinedOutput()
		t.Logf("%s", out)
	}
	if len(d.sb.Server.Orders()) != before {
		row.fail(t, "read-only journal: a sale was sent")
	}
}

// nobodyBinary is a copy of the kassa command that user nobody may run.
func nobodyBinary(t *testing.T) string {
	bin, _ := kassaBin()
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "kassa-bin")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	p := filepath.Join(dir, "kassa")
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func chownAll(t *testing.T, root string) {
	os.MkdirAll(root, 0o755)
	filepath.Walk(root, func(p string, _ os.FileInfo, _ error) error { return os.Lchown(p, 65534, 65534) })
	for p := root; p != "/" && p != "."; p = filepath.Dir(p) {
		os.Chmod(p, 0o755) // the test's temp dirs are 0700
	}
}

// waitFile waits for path to exist.
func waitFile(path string, d time.Duration) {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
}
