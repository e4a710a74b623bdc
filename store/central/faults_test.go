package central

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	bolt "go.etcd.io/bbolt"

	"kassa/store"
	"kassa/store/central/pgtest"
)

// fill journals n approved sales on the lane (3 events each).
func (l *testLane) fill(tb testing.TB, n int) {
	tb.Helper()
	for i := 0; i < n; i++ {
		l.pay(tb, int64(100+i), "RUB", store.StatusApproved)
	}
}

func waitFor(tb testing.TB, what string, d time.Duration, ok func() bool) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDatabaseDownMidSync: the database stops while a lane ships and keeps
// selling; the shipper reports the backlog, backs off, and catches up after
// the restart from the database's last accepted seq, every event once.
func TestDatabaseDownMidSync(t *testing.T) {
	c := pgtest.ForTest(t, pgtest.Options{})
	ctx := context.Background()
	if err := c.CreateDB(ctx, "store"); err != nil {
		t.Fatal(err)
	}
	dsn := c.DSN("store")
	conn0, err := Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Init(ctx, conn0); err != nil {
		t.Fatal(err)
	}
	_ = conn0.Close(ctx)
	l := openLane(t, t.TempDir(), "lane-1", "T1")
	l.fill(t, 20)
	sh := NewShipper(Config{DSN: dsn, StoreID: "s1", Lane: "lane-1", TerminalID: "T1"}, FromJournal(l.j),
		ShipperOptions{IdleInterval: 20 * time.Millisecond, MinBackoff: 20 * time.Millisecond,
			MaxBackoff: 100 * time.Millisecond, Ship: ShipOptions{Batch: 2, Timeout: 5 * time.Second}})
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); sh.Run(runCtx) }()
	// The lane sells all along, before, during and after the outage.
	selling, sold := make(chan struct{}), make(chan struct{})
	go func() {
		defer wg.Done()
		defer close(sold)
		for {
			select {
			case <-selling:
				return
			case <-time.After(5 * time.Millisecond):
			}
			l.pay(t, 100, "RUB", store.StatusApproved)
			sh.Notify()
		}
	}()
	defer func() { stop(); wg.Wait() }()
	waitFor(t, "some events at the database", 20*time.Second, func() bool { return sh.Status().DBSeq >= 30 })
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the shipper to notice", 20*time.Second, func() bool {
		st := sh.Status()
		return st.LastError != "" && st.Backlog > 30
	})
	downAt := sh.Status().DBSeq
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "shipping again", 30*time.Second, func() bool { return sh.Status().DBSeq > downAt+30 })
	close(selling)
	<-sold
	head, _ := l.j.HeadSeq()
	waitFor(t, "catch-up", 30*time.Second, func() bool {
		st := sh.Status()
		return st.Backlog == 0 && st.LastError == "" && st.DBSeq == head
	})
	stop()
	wg.Wait()
	conn := dial(t, dsn)
	checkExactlyOnce(t, conn, l)
}

// TestReplyLostAfterCommit: the connection is cut after the COMMIT reached
// the database but before its answer reached the lane. The lane does not
// know; its resend of the very same batch is a no-op, and the next Ship
// goes on from what the database holds.
func TestReplyLostAfterCommit(t *testing.T) {
	_, conn := initDB(t)
	var name string
	if err := conn.QueryRow(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	p, err := pgtest.NewProxy(cluster.TCPAddr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	ctx := context.Background()
	l := openLane(t, t.TempDir(), "lane-1", "T1")
	l.fill(t, 10)
	src := FromJournal(l.j)
	pc, err := Connect(ctx, p.DSN(name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := register(ctx, pc, src.ID(), l.lane); err != nil {
		t.Fatal(err)
	}
	evs, _ := src.EventsSince(0, 12)
	p.ArmCommitCut()
	_, err = insertBatch(ctx, pc, src.ID(), l.lane, 0, evs, false)
	if err == nil || p.Cuts() != 1 {
		t.Fatalf("the cut did not happen: err %v, cuts %d", err, p.Cuts())
	}
	if n := count(t, conn, "SELECT count(*) FROM central.events"); n != 12 {
		t.Fatalf("the batch should have committed before the cut: %d events", n)
	}
	// The lane resends the same batch (it never saw the answer): no-op.
	pc2, err := Connect(ctx, p.DSN(name))
	if err != nil {
		t.Fatal(err)
	}
	defer pc2.Close(ctx)
	if to, err := insertBatch(ctx, pc2, src.ID(), l.lane, 0, evs, false); err != nil || to != 12 {
		t.Fatalf("resend: %d %v", to, err)
	}
	if n := count(t, conn, "SELECT count(*) FROM central.events"); n != 12 {
		t.Fatalf("%d events after the resend", n)
	}
	res, err := Ship(ctx, src, pc2, l.lane, ShipOptions{Batch: 7})
	if err != nil || res.From != 12 || res.To != 30 || res.Backlog != 0 {
		t.Fatalf("ship after the cut: %+v %v", res, err)
	}
	// And a cut in the middle of Ship itself: the next Ship completes.
	l.fill(t, 5)
	p.ArmCommitCut()
	if _, err := Ship(ctx, src, pc2, l.lane, ShipOptions{Batch: 4}); err == nil {
		t.Fatal("ship through a cut connection reported success")
	}
	pc3, err := Connect(ctx, p.DSN(name))
	if err != nil {
		t.Fatal(err)
	}
	defer pc3.Close(ctx)
	if res, err := Ship(ctx, src, pc3, l.lane, ShipOptions{}); err != nil || res.To != 45 {
		t.Fatalf("%+v %v", res, err)
	}
	checkExactlyOnce(t, conn, l)
	if n := count(t, conn, "SELECT count(*) FROM central.alerts"); n != 0 {
		t.Fatalf("%d alerts", n)
	}
}

// shipChildEnv makes the test binary a lane process that ships a journal
// in batches of 2 until killed (TestLaneKilledWhileShipping).
const shipChildEnv = "KASSA_CENTRAL_TEST_SHIP"

func init() {
	if v := os.Getenv(shipChildEnv); v != "" {
		os.Exit(shipChild(v))
	}
}

func shipChild(v string) int {
	path, dsn, _ := strings.Cut(v, "|")
	j, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx := context.Background()
	conn, err := Connect(ctx, dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for {
		if _, err := Ship(ctx, FromJournal(j), conn, lane1, ShipOptions{Batch: 2}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("done")
		time.Sleep(time.Hour)
	}
}

// TestLaneKilledWhileShipping: a lane process is killed with SIGKILL in the
// middle of shipping; its open transaction is rolled back by the database,
// and the next shipper takes over from the last committed event.
func TestLaneKilledWhileShipping(t *testing.T) {
	dsn, conn := initDB(t)
	l := openLane(t, t.TempDir(), "lane-1", "T1")
	l.fill(t, 300)
	id := l.j.ID()
	_ = l.j.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), shipChildEnv+"="+l.path+"|"+dsn)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the child to ship", 30*time.Second, func() bool {
		return count(t, conn, "SELECT count(*) FROM central.events") >= 100
	})
	_ = cmd.Process.Signal(syscall.SIGKILL)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child: %v %s", err, stderr.String())
	}
	got := count(t, conn, "SELECT count(*) FROM central.events")
	if got >= 900 {
		t.Fatalf("the child finished (%d events) before it was killed", got)
	}
	j, err := store.Open(l.path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l.j = j
	t.Cleanup(func() { _ = j.Close() })
	res, err := Ship(context.Background(), FromJournal(j), conn, lane1, ShipOptions{})
	if err != nil || res.From < uint64(got) || res.To != 900 || j.ID() != id {
		t.Fatalf("after the kill: %+v %v (had %d)", res, err, got)
	}
	checkExactlyOnce(t, conn, l)
}

// editEvent rewrites event seq of a closed journal file with fn (on the
// bytes the hash covers). With relink, every later event is re-linked (and
// so re-hashed) and the head updated: a consistent forgery, or a journal
// restored from another history. Without, a JSON event keeps its stored
// hash (a crude edit) and the next event's link goes stale.
func editEvent(t *testing.T, path string, seq uint64, relink bool, fn func(body []byte) []byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key := func(n uint64) []byte { k := make([]byte, 8); binary.BigEndian.PutUint64(k, n); return k }
	// split returns the hashed bytes and the stored hash prefix (JSON only).
	split := func(v []byte) ([]byte, []byte) {
		if v[0] == formatBinary {
			return append([]byte{}, v...), nil
		}
		return append([]byte{}, v[64:]...), append([]byte{}, v[:64]...)
	}
	store := func(ev *bolt.Bucket, n uint64, body, prefix []byte, rehash bool) (string, error) {
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:])
		if body[0] == formatBinary {
			return h, ev.Put(key(n), body)
		}
		if rehash {
			prefix = []byte(h)
		}
		return h, ev.Put(key(n), append(prefix, body...))
	}
	err = db.Update(func(tx *bolt.Tx) error {
		ev, meta := tx.Bucket([]byte("events")), tx.Bucket([]byte("meta"))
		body, prefix := split(ev.Get(key(seq)))
		prev, err := store(ev, seq, fn(body), prefix, relink)
		if err != nil || !relink {
			return err
		}
		for n := seq + 1; ev.Get(key(n)) != nil; n++ {
			body, _ := split(ev.Get(key(n)))
			if body[0] == formatBinary {
				raw, _ := hex.DecodeString(prev)
				copy(body[1:33], raw)
			} else {
				i := bytes.Index(body, []byte(`"v":"`))
				copy(body[i+5:i+5+64], prev)
			}
			if prev, err = store(ev, n, body, nil, true); err != nil {
				return err
			}
		}
		return meta.Put([]byte("head"), []byte(prev))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func replaceOnce(old, new string) func([]byte) []byte {
	return func(b []byte) []byte { return bytes.Replace(b, []byte(old), []byte(new), 1) }
}

// TestJournalEditedOnDisk: the database refuses a changed event and says
// so (an alert, a Refusal), and keeps what it had.
func TestJournalEditedOnDisk(t *testing.T) {
	_, conn := initDB(t)
	ctx := context.Background()
	dir := t.TempDir()
	l := openLane(t, dir, "lane-1", "T1")
	l.fill(t, 4)
	if _, err := Ship(ctx, FromJournal(l.j), conn, l.lane, ShipOptions{}); err != nil {
		t.Fatal(err)
	}
	stored4 := count(t, conn, "SELECT get_byte(hash, 0) FROM central.events WHERE seq = 4")
	// 1. A shipped intent changed (its card number) and the chain re-linked
	// after it, then the lane sells on.
	_ = l.j.Close()
	editEvent(t, l.path, 4, true, replaceOnce("8909", "8908"))
	j, err := store.Open(l.path, store.Options{Now: func() time.Time { return testDay }})
	if err != nil {
		t.Fatal(err)
	}
	l.j = j
	t.Cleanup(func() { _ = j.Close() })
	l.fill(t, 1)
	_, err = Ship(ctx, FromJournal(l.j), conn, l.lane, ShipOptions{})
	var ref *Refusal
	if !errors.As(err, &ref) || ref.Seq != 13 || ref.Kind != RefusedLink {
		t.Fatalf("re-linked journal: %v", err)
	}
	// A full resend shows where the histories part: event 4.
	evs, _ := FromJournal(l.j).EventsSince(0, 100)
	if _, err := insertBatch(ctx, conn, l.j.ID(), l.lane, 0, evs, true); !errors.As(err, &ref) || ref.Seq != 4 || ref.Kind != RefusedFork {
		t.Fatalf("full resend: %v", err)
	}
	if got := count(t, conn, "SELECT get_byte(hash, 0) FROM central.events WHERE seq = 4"); got != stored4 {
		t.Fatal("the database replaced its event 4")
	}
	// 2. A crude edit of a binary event not shipped yet: the event hashes to
	// something new, so the next one no longer follows it.
	l2 := openLane(t, dir, "lane-2", "T2")
	l2.fill(t, 1)
	second := l2.pay(t, 200, "RUB", store.StatusApproved)
	l2.fill(t, 1)
	_ = l2.j.Close()
	editEvent(t, l2.path, 5, false, replaceOnce("g"+second[:8], "h"+second[:8])) // the accepted event's gateway id
	j2, err := store.Open(l2.path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	res, err := Ship(ctx, FromJournal(j2), conn, l2.lane, ShipOptions{Batch: 2})
	if !errors.As(err, &ref) || ref.Seq != 6 || ref.Kind != RefusedLink || res.To != 5 {
		t.Fatalf("crude binary edit: %+v %v", res, err)
	}
	// 3. A crude edit of a JSON event (a journal from before schema 3, the
	// stored hash left as it was): refused at that event, by its hash.
	old := filepath.Join(dir, "v2.db")
	b, err := os.ReadFile("../testdata/v2-journal.db")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(old, b, 0o600); err != nil {
		t.Fatal(err)
	}
	j3, err := store.Open(old, store.Options{}) // migrates to schema 3, gets a journal_id
	if err != nil {
		t.Fatal(err)
	}
	_ = j3.Close()
	editEvent(t, old, 7, false, replaceOnce(`"a":1`, `"a":2`))
	j3, err = store.Open(old, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j3.Close()
	res, err = Ship(ctx, FromJournal(j3), conn, Lane{StoreID: "s1", Lane: "old", TerminalID: "T0"}, ShipOptions{Batch: 4})
	if !errors.As(err, &ref) || ref.Seq != 7 || ref.Kind != RefusedHash || res.To != 6 {
		t.Fatalf("crude JSON edit: %+v %v", res, err)
	}
	// Reported: alerts in status and verify; the stored chains are fine.
	if n := count(t, conn, "SELECT count(*) FROM central.alerts"); n != 4 {
		t.Fatalf("%d alerts", n)
	}
	sts, err := Status(ctx, conn, "")
	if err != nil || len(sts) != 3 {
		t.Fatalf("status: %+v %v", sts, err)
	}
	byLane := map[string]LaneStatus{}
	for _, s := range sts {
		byLane[s.Lane] = s
	}
	if byLane["lane-1"].Alerts != 2 || byLane["lane-2"].Alerts != 1 || byLane["old"].Alerts != 1 || byLane["old"].LaneHead != 8 {
		t.Fatalf("status: %+v", byLane)
	}
	checks, err := Verify(ctx, conn)
	if err != nil || len(checks) != 3 {
		t.Fatalf("verify: %+v %v", checks, err)
	}
	for _, c := range checks {
		if !c.OK || c.Alerts == 0 {
			t.Fatalf("verify: %+v", c)
		}
	}
}

// TestSameTerminalID: two lanes configured with the same terminal id (and
// lane name) are two journals, told apart by journal_id.
func TestSameTerminalID(t *testing.T) {
	_, conn := initDB(t)
	ctx := context.Background()
	dir := t.TempDir()
	a, b := openLane(t, dir, "a", "T1"), openLane(t, dir, "b", "T1")
	a.lane.Lane, b.lane.Lane = "T1", "T1"
	a.fill(t, 3)
	b.fill(t, 5)
	dsn := connString(t, conn)
	var wg sync.WaitGroup
	for _, l := range []*testLane{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := Connect(ctx, dsn)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close(ctx)
			if _, err := Ship(ctx, FromJournal(l.j), c, l.lane, ShipOptions{Batch: 2}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if a.j.ID() == b.j.ID() {
		t.Fatal("same journal id")
	}
	checkExactlyOnce(t, conn, a)
	checkExactlyOnce(t, conn, b)
	sts, err := Status(ctx, conn, "s1")
	if err != nil || len(sts) != 2 || sts[0].TerminalID != "T1" || sts[1].TerminalID != "T1" ||
		sts[0].LastSeq+sts[1].LastSeq != 24 || sts[0].Alerts+sts[1].Alerts != 0 {
		t.Fatalf("status: %+v %v", sts, err)
	}
	r, err := MakeReport(ctx, conn, testDay.Format("2006-01-02"), "s1")
	if err != nil || len(r.Lanes) != 2 || r.Stores[0].Totals[0].Kinds["sale"].Count != 8 {
		t.Fatalf("report: %+v %v", r, err)
	}
}

// connString is the DSN of conn's database (a second connection to it).
func connString(tb testing.TB, conn *pgx.Conn) string {
	var name string
	if err := conn.QueryRow(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
		tb.Fatal(err)
	}
	return cluster.DSN(name)
}

// TestRestoredFromBackup: a lane's disk is restored from last night's
// backup (same journal_id, an older history) and sells on: its new events
// take seqs the database already holds with other events. The database
// refuses them (a fork) and keeps what it had; the lane's status shows it.
func TestRestoredFromBackup(t *testing.T) {
	_, conn := initDB(t)
	ctx := context.Background()
	dir := t.TempDir()
	l := openLane(t, dir, "lane-1", "T1")
	l.fill(t, 2)
	bk, err := store.Backup(l.j, filepath.Join(dir, "backup.db"), store.BackupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l.fill(t, 2) // sold after the backup, shipped
	if _, err := Ship(ctx, FromJournal(l.j), conn, l.lane, ShipOptions{}); err != nil {
		t.Fatal(err)
	}
	_ = l.j.Close()
	b, err := os.ReadFile(bk.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := store.Open(l.path, store.Options{Now: func() time.Time { return testDay }})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	l.j = j
	l.fill(t, 3) // seqs 7..15 again, other payments
	res, err := Ship(ctx, FromJournal(j), conn, l.lane, ShipOptions{})
	var ref *Refusal
	if !errors.As(err, &ref) || ref.Kind != RefusedLink || ref.Seq != 13 || res.From != 12 {
		t.Fatalf("restored lane: %+v %v", res, err)
	}
	evs, _ := FromJournal(j).EventsSince(6, 100)
	if _, err := insertBatch(ctx, conn, j.ID(), l.lane, 6, evs, true); !errors.As(err, &ref) || ref.Kind != RefusedFork || ref.Seq != 7 {
		t.Fatalf("resend of the restored history: %v", err)
	}
	sts, _ := Status(ctx, conn, "s1")
	if len(sts) != 1 || sts[0].LastSeq != 12 || sts[0].Alerts != 2 {
		t.Fatalf("status: %+v", sts)
	}
}

// TestThroughPgBouncer: lanes ship through PgBouncer in transaction mode
// with fewer server connections than lanes (so server connections pass
// from client to client between transactions): every event once, a
// refusal still seen by the lane that caused it, reports readable.
func TestThroughPgBouncer(t *testing.T) {
	_, conn := initDB(t)
	var name string
	if err := conn.QueryRow(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	bo, err := cluster.PgBouncer(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer bo.Close()
	dsn := bo.DSN(name)
	dir := t.TempDir()
	var lanes []*testLane
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		l := openLane(t, dir, fmt.Sprintf("lane-%d", i), fmt.Sprintf("T%d", i))
		l.fill(t, 20)
		lanes = append(lanes, l)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sh := NewShipper(Config{DSN: dsn, StoreID: "s1", Lane: l.name, TerminalID: l.lane.TerminalID},
				FromJournal(l.j), ShipperOptions{Ship: ShipOptions{Batch: 3}})
			defer sh.Close()
			if err := sh.Flush(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, l := range lanes {
		checkExactlyOnce(t, conn, l)
	}
	// A forged event through the bouncer: refused, and the lane is told.
	bc, err := Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer bc.Close(ctx)
	forged := newMem(lanes[0].j.ID())
	forged.sale(uuidN(1), 1, "RUB")
	var ref *Refusal
	if _, err := insertBatch(ctx, bc, forged.id, lane1, 0, forged.evs, true); !errors.As(err, &ref) || ref.Kind != RefusedFork {
		t.Fatalf("forged through the bouncer: %v", err)
	}
	if r, err := MakeReport(ctx, bc, testDay.Format("2006-01-02"), "s1"); err != nil || len(r.Lanes) != 4 {
		t.Fatalf("report through the bouncer: %+v %v", r, err)
	}
}
