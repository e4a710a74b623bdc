package reliability

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"kassa/pos"
	"kassa/pos/demo"
	"kassa/store"
	"kassa/store/central"
	"kassa/store/central/pgtest"
)

// Journal shipping (issue 15) under faults: lanes ship their bbolt journals
// to a real PostgreSQL (store/central/pgtest) through pgtest.Proxy, which
// cuts connections at the worst moments. After the faults and a catch-up
// the store database must hold every journal event exactly once, and every
// payment with the journal's kind, amount and status.
//
// The in-process tests set KASSA_CENTRAL_DB for the engine (central.Start
// reads it), so they do not run in parallel: Go runs them before the
// parallel tests start.

// shipDB is a throw-away cluster with a store database holding the central
// schema, and a proxy in front of it.
type shipDB struct {
	c  *pgtest.Cluster
	px *pgtest.Proxy
}

func newShipDB(t *testing.T) *shipDB {
	t.Helper()
	c := pgtest.ForTest(t, pgtest.Options{TCP: true})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.CreateDB(ctx, "store"); err != nil {
		t.Fatal(err)
	}
	conn, err := central.Connect(ctx, c.DSN("store"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, _, err := central.Init(ctx, conn); err != nil {
		t.Fatal(err)
	}
	px, err := pgtest.NewProxy(c.TCPAddr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = px.Close() })
	return &shipDB{c: c, px: px}
}

// dsn is the lanes' connection string: through the proxy.
func (d *shipDB) dsn() string { return d.px.DSN("store") }

// shipLane is an in-process lane shipping through the proxy: the rig's
// engine with KASSA_CENTRAL_DB set.
func shipLane(t *testing.T, d *shipDB) *rig {
	t.Setenv(central.EnvDB, d.dsn())
	t.Setenv(central.EnvStore, "reliability")
	return newRig(t, nil)
}

// sell takes one payment (a fixed mix of approvals, declines and
// preauths) and counts a sale the shipping disturbed as a wrong outcome.
func sell(t *testing.T, row *row, r *rig, i int) {
	t.Helper()
	card, kind := cardVisa, pos.Sale
	switch i % 7 {
	case 3:
		card = cardDeclined
	case 5:
		card, kind = cardMC, pos.Preauth
	}
	v, err := r.pay(t, kind, card, int64(100+i%900))
	want := pos.StatusApproved
	if card == cardDeclined {
		want = pos.StatusDeclined
	}
	if err != nil || v.Status != want {
		row.fail(t, "payment %d while shipping: %v %v (want %v)", i, v.Status, err, want)
	}
}

// catchUp closes the lane's engine (its last bounded flush), starts it
// again on the same data directory (the restart ships what is left), waits
// until the store database has everything (a backlog left is an unknown
// left), closes it, and checks the store database against the journal.
func catchUp(t *testing.T, row *row, d *shipDB, r *rig, what string) {
	t.Helper()
	_ = r.e.Close()
	e, err := demo.Start(context.Background(), r.cfg, logger())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	l := e.StoreLink()
	for ; l.Backlog != 0 && time.Now().Before(deadline); l = e.StoreLink() {
		time.Sleep(20 * time.Millisecond)
	}
	_ = e.Close()
	if l.Backlog != 0 {
		row.add(&row.Unknown, 1)
		t.Errorf("%s: the restarted lane still shows a backlog of %d events", what, l.Backlog)
	}
	checkStoreDB(t, row, d, filepath.Join(r.cfg.DataDir, "journal.db"), what)
}

// checkStoreDB compares the store database with the lane's journal (no
// kassa running on it): every event once with its hash and bytes (a missing
// one is lost, an extra one double), every payment with its kind, amount,
// currency and status (a missing approval is lost, one counted twice
// double), no alerts.
func checkStoreDB(t *testing.T, row *row, d *shipDB, journal, what string) {
	t.Helper()
	j, err := store.Open(journal, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open journal: %v", err)
	}
	defer j.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := central.Connect(ctx, d.c.DSN("store"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	id := j.ID()
	head, _ := j.HeadSeq()
	evs, err := central.FromJournal(j).EventsSince(0, int(head)+1)
	if err != nil {
		t.Fatal(err)
	}
	type stored struct {
		hash string
		body []byte
		n    int
	}
	got := map[uint64]*stored{}
	rows, err := conn.Query(ctx, "SELECT seq, hash, body FROM central.events WHERE journal_id = $1", id)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var seq int64
		var h, b []byte
		if err := rows.Scan(&seq, &h, &b); err != nil {
			t.Fatal(err)
		}
		if s := got[uint64(seq)]; s != nil {
			s.n++
			continue
		}
		got[uint64(seq)] = &stored{hash: hex.EncodeToString(h), body: b, n: 1}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	missing := 0
	for _, e := range evs {
		s := got[e.Seq]
		switch {
		case s == nil:
			missing++
		case s.n > 1:
			row.add(&row.Double, 1)
			t.Errorf("%s: event %d stored %d times", what, e.Seq, s.n)
		case s.hash != e.Hash || string(s.body) != string(e.Body):
			row.fail(t, "%s: event %d stored with another hash or body", what, e.Seq)
		}
		delete(got, e.Seq)
	}
	if missing > 0 {
		row.add(&row.Lost, missing)
		t.Errorf("%s: %d of %d journal events missing in the store database after catch-up", what, missing, len(evs))
	}
	for seq := range got {
		row.add(&row.Double, 1)
		t.Errorf("%s: the store database holds event %d the journal does not have", what, seq)
	}
	ps, err := j.Latest(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	type dbPay struct {
		kind, currency, status string
		amount                 int64
	}
	pays := map[string]dbPay{}
	prows, err := conn.Query(ctx, "SELECT order_id, kind, amount_minor, currency, status FROM central.payments WHERE journal_id = $1", id)
	if err != nil {
		t.Fatal(err)
	}
	for prows.Next() {
		var o string
		var p dbPay
		if err := prows.Scan(&o, &p.kind, &p.amount, &p.currency, &p.status); err != nil {
			t.Fatal(err)
		}
		pays[o] = p
	}
	if err := prows.Err(); err != nil {
		t.Fatal(err)
	}
	var approvedJ, approvedDB int64
	for _, p := range ps {
		q, ok := pays[p.ClientOrderID]
		delete(pays, p.ClientOrderID)
		if p.Status == store.StatusApproved {
			approvedJ += p.AmountMinor
		}
		if ok && q.status == string(store.StatusApproved) {
			approvedDB += q.amount
		}
		switch {
		case !ok:
			if p.Status == store.StatusApproved {
				row.add(&row.Lost, 1)
			}
			row.fail(t, "%s: payment %s (%s) missing in the store database", what, p.ClientOrderID, p.Status)
		case q.kind != string(p.Kind) || q.amount != p.AmountMinor || q.currency != p.Currency || q.status != string(p.Status):
			if p.Status == store.StatusApproved && q.status != string(store.StatusApproved) {
				row.add(&row.Lost, 1)
			}
			row.fail(t, "%s: payment %s: journal %s %d %s %s, store database %s %d %s %s", what, p.ClientOrderID,
				p.Kind, p.AmountMinor, p.Currency, p.Status, q.kind, q.amount, q.currency, q.status)
		}
	}
	for o := range pays {
		row.add(&row.Double, 1)
		t.Errorf("%s: the store database has payment %s the journal does not", what, o)
	}
	if approvedDB > approvedJ {
		row.add(&row.Double, 1)
		t.Errorf("%s: approved %d in the store database, %d in the journal", what, approvedDB, approvedJ)
	}
	var alerts int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM central.alerts").Scan(&alerts); err != nil {
		t.Fatal(err)
	}
	if alerts > 0 {
		row.fail(t, "%s: %d alerts in the store database", what, alerts)
	}
	t.Logf("%s: %d events, %d payments checked in the store database", what, len(evs), len(ps))
}

// TestShipDatabaseDown stops the store database (in turn: a fast shutdown,
// the lane's connection cut, the postmaster killed with SIGKILL and
// restarted from its WAL) in the middle of shipping while the
// lane keeps selling; after it returns and the lane catches up, the store
// database holds every journal event once and every payment as journaled.
func TestShipDatabaseDown(t *testing.T) {
	n := runs(3, 12)
	row := newRow(t, fmt.Sprintf("store database stopped, killed with -9 or the connection cut mid-sync × %d while sales go on, then catch-up", n))
	d := newShipDB(t)
	r := shipLane(t, d)
	ctx := context.Background()
	sold := 0
	for i := 0; i < n; i++ {
		row.add(&row.Runs, 1)
		for k := 0; k < 3; k++ {
			sell(t, row, r, sold)
			sold++
		}
		switch i % 3 {
		case 0:
			stopMidSync(t, row, d, r, &sold, false)
		case 1:
			d.px.CutAll() // at a random moment: often the kept, idle connection
		case 2:
			stopMidSync(t, row, d, r, &sold, true)
		}
		row.add(&row.Faults, 1)
		for k := 0; k < 4; k++ { // sales go on while the database is away
			sell(t, row, r, sold)
			sold++
		}
		if l := r.e.StoreLink(); i%3 != 1 && l.Backlog == 0 {
			t.Errorf("run %d: the database is down and the lane shows no backlog: %+v", i, l)
		}
		if i%3 != 1 {
			if err := d.c.Start(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for k := 0; k < 2; k++ {
			sell(t, row, r, sold)
			sold++
		}
	}
	row.Note = fmt.Sprintf("%d payments; every event and payment compared with the journal", sold)
	catchUp(t, row, d, r, "database down")
}

// stopMidSync stops the database while a shipping transaction is open:
// at the lane's next COMMIT, before it reaches the server (fast shutdown
// cuts the session, the transaction rolls back; with crash the postmaster
// is killed with SIGKILL and the COMMIT may or may not reach an orphaned
// backend).
func stopMidSync(t *testing.T, row *row, d *shipDB, r *rig, sold *int, crash bool) {
	t.Helper()
	stopped := make(chan error, 1)
	var once atomic.Bool
	d.px.OnCommit(func() pgtest.CommitFault {
		if once.CompareAndSwap(false, true) {
			if crash {
				stopped <- d.c.Crash(context.Background())
			} else {
				stopped <- d.c.Stop(context.Background())
			}
		}
		return pgtest.CommitPass
	})
	defer d.px.OnCommit(nil)
	for k := 0; !once.Load() && k < 40; k++ {
		sell(t, row, r, *sold)
		*sold++
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("no shipping COMMIT to stop the database at")
	}
}

// TestShipCommitReplyLost cuts the connection right after an insert
// batch's COMMIT reached the database and before its answer reached the
// lane (the ambiguous case), over and over: the lane ships again from what
// the database holds, no event twice, none missing.
func TestShipCommitReplyLost(t *testing.T) {
	n := runs(3, 25)
	row := newRow(t, fmt.Sprintf("connection cut after a batch committed, before the answer reached the lane × %d, then catch-up", n))
	d := newShipDB(t)
	r := shipLane(t, d)
	sold := 0
	for i := 0; i < n; i++ {
		row.add(&row.Runs, 1)
		before := d.px.Cuts()
		d.px.ArmCommitCut()
		for k := 0; d.px.Armed() && k < 40; k++ {
			sell(t, row, r, sold)
			sold++
		}
		if d.px.Cuts() == before {
			t.Fatalf("run %d: no COMMIT went through the proxy after %d sales", i, sold)
		}
		row.add(&row.Faults, 1)
		sell(t, row, r, sold) // the next sale ships the rest
		sold++
	}
	row.Note = fmt.Sprintf("%d payments", sold)
	catchUp(t, row, d, r, "commit reply lost")
}

// TestShipVolume takes payments at volume with a fault at random on at
// least one in ten of the lane's shipping commits (half cut before the
// COMMIT, half after it committed with the answer lost).
func TestShipVolume(t *testing.T) {
	n := runs(40, 2000)
	row := newRow(t, fmt.Sprintf("%d payments, a connection cut at ~10 %% of the shipping commits, then catch-up", n))
	d := newShipDB(t)
	d.px.OnCommit(func() pgtest.CommitFault {
		switch x := rand.IntN(20); {
		case x == 0:
			return pgtest.CommitBefore
		case x == 1:
			return pgtest.CommitAfter
		}
		return pgtest.CommitPass
	})
	r := shipLane(t, d)
	for i := 0; i < n; i++ {
		sell(t, row, r, i)
	}
	row.add(&row.Runs, n)
	commits, cuts := d.px.Commits(), d.px.Cuts()
	row.add(&row.Faults, cuts)
	d.px.OnCommit(nil)
	row.Note = fmt.Sprintf("%d shipping commits, %d cut (%.1f %%)", commits, cuts, 100*float64(cuts)/float64(max(commits, 1)))
	if full() && cuts*20 < commits {
		t.Errorf("faults on %d of %d shipping commits: fewer than 5 %%", cuts, commits)
	}
	catchUp(t, row, d, r, "volume")
}

// TestShipKills kills kassa with SIGKILL at random moments while it
// sells and ships (each process ships at start and before it exits; a
// slow link widens the shipping windows, and every fourth process finds
// the database refusing connections, so the next ones have a backlog to
// ship), then runs kassa recover: the store database catches up exactly
// once.
func TestShipKills(t *testing.T) {
	t.Parallel()
	n := runs(4, 25)
	row := newRow(t, fmt.Sprintf("%d kills with -9 at random moments of kassa selling and shipping, then kassa recover", n))
	if _, real := kassaBin(); real {
		row.Note = "the real kassa binary"
	}
	d := newShipDB(t)
	d.px.Latency(3 * time.Millisecond)
	sb := startSandbox(t)
	env := append(kassaEnv(t, sb.URL), central.EnvDB+"="+d.dsn(), central.EnvStore+"=reliability")
	bin, _ := kassaBin()
	cards := []string{cardVisa, cardMC, cardDeclined}
	for i := 0; row.Faults < n && i < 4*n; i++ {
		d.px.Refuse(i%4 == 3)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		cmd := exec.CommandContext(ctx, bin, "sale", "--amount", fmt.Sprintf("%d.00", 1+i%50), "--card", cards[i%len(cards)])
		cmd.Env = env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(50+rand.N(900)) * time.Millisecond)
		_ = cmd.Process.Kill()
		if err := cmd.Wait(); err != nil {
			row.add(&row.Faults, 1)
		}
		cancel()
		row.add(&row.Runs, 1)
	}
	d.px.Refuse(false)
	recoverAndCheck(t, row, sb, env, "shipping kills")
	checkStoreDB(t, row, d, filepath.Join(envGet(env, "KASSA_DATA_DIR"), "journal.db"), "shipping kills")
}

// TestShipStalledDatabase: the store database's link accepts connections
// and then says nothing (a network that drops everything). Kassa's sales
// go on and each headless run still ends within its bounded last flush
// (pos.shipFlushTimeout, 3 s); once the link answers again, kassa recover
// catches the store database up exactly once. The p99 is a stalled sale's
// whole process, start to exit.
func TestShipStalledDatabase(t *testing.T) {
	t.Parallel()
	n := runs(2, 10)
	row := newRow(t, fmt.Sprintf("store database link stalled (accepts, never answers) during %d kassa sales, then kassa recover", n))
	d := newShipDB(t)
	sb := startSandbox(t)
	env := append(kassaEnv(t, sb.URL), central.EnvDB+"="+d.dsn(), central.EnvStore+"=reliability")
	start := time.Now()
	if r := kassa(t, env, "sale", "--amount", "1.00", "--card", cardVisa); r.code != 0 {
		t.Fatalf("sale before the stall: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	base := time.Since(start)
	d.px.Stall(true)
	var took []time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		r := kassa(t, env, "sale", "--amount", fmt.Sprintf("%d.00", 2+i), "--card", cardVisa)
		took = append(took, time.Since(start))
		row.add(&row.Runs, 1)
		row.add(&row.Faults, 1)
		switch {
		case r.code != 0 || kv(r.stdout)["status"] != "approved":
			row.fail(t, "sale %d with the store database stalled: exit %d\n%s%s", i, r.code, r.stdout, r.stderr)
		case took[i] > 15*time.Second:
			row.fail(t, "sale %d with the store database stalled took %v", i, took[i])
		}
	}
	d.px.Stall(false)
	row.P99ms = p99(took)
	row.Note = fmt.Sprintf("p99: a stalled sale's process, start to exit (%v with the link answering)", base.Round(time.Millisecond))
	recoverAndCheck(t, row, sb, env, "stalled database")
	checkStoreDB(t, row, d, filepath.Join(envGet(env, "KASSA_DATA_DIR"), "journal.db"), "stalled database")
}
