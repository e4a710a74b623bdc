package central

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"kassa/store/central/pgtest"
)

// cluster is the package's throw-away PostgreSQL (one per test binary);
// every test gets a database of its own.
var cluster *pgtest.Cluster

func TestMain(m *testing.M) {
	if fuzzWorker() {
		os.Exit(m.Run()) // fuzz workers run the fuzz targets only: no database
	}
	c, err := pgtest.Start(context.Background(), pgtest.Options{TCP: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "store/central tests need PostgreSQL:", err)
		os.Exit(1)
	}
	cluster = c
	code := m.Run()
	if err := c.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
	}
	os.Exit(code)
}

// fuzzWorker reports whether this process is a fuzzing worker (go test
// -fuzz starts them and kills them at the end, so they must not own a
// cluster; the fuzz targets need none).
func fuzzWorker() bool {
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.fuzzworker") {
			return true
		}
	}
	return false
}

var dbCounter atomic.Int64

// newDB creates an empty database for one test and returns its DSN.
func newDB(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, cluster.DSN("postgres"))
	if err != nil {
		tb.Fatalf("connect: %v\n%s", err, cluster.Log())
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbCounter.Add(1))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		tb.Fatal(err)
	}
	return cluster.DSN(name)
}

// initDB creates a database with the schema and returns a connection to it.
func initDB(tb testing.TB) (string, *pgx.Conn) {
	tb.Helper()
	dsn := newDB(tb)
	conn := dial(tb, dsn)
	if _, _, err := Init(context.Background(), conn); err != nil {
		tb.Fatal(err)
	}
	return dsn, conn
}

func dial(tb testing.TB, dsn string) *pgx.Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := Connect(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// memSource is a journal in memory with the journal's event format, for
// tests of the database side alone.
type memSource struct {
	mu   sync.Mutex
	id   string
	evs  []Event
	head string
}

func newMem(id string) *memSource { return &memSource{id: id, head: genesis} }

func (m *memSource) ID() string { return m.id }

func (m *memSource) Head() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.head
}

func (m *memSource) EventsSince(seq uint64, max int) ([]Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if seq >= uint64(len(m.evs)) {
		return nil, nil
	}
	end := min(uint64(len(m.evs)), seq+uint64(max))
	return append([]Event(nil), m.evs[seq:end]...), nil
}

// add appends an event whose body is the journal's record encoding.
func (m *memSource) add(body map[string]any) Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	seq := uint64(len(m.evs)) + 1
	body["q"], body["v"] = seq, m.head
	if _, ok := body["a"]; !ok {
		body["a"] = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC).UnixNano() + int64(seq)
	}
	b, _ := json.Marshal(body)
	sum := sha256.Sum256(b)
	e := Event{Seq: seq, Prev: m.head, Hash: hex.EncodeToString(sum[:]), Body: b}
	m.evs = append(m.evs, e)
	m.head = e.Hash
	return e
}

// sale adds an approved sale (intent + final) of day 2026-12-03.
func (m *memSource) sale(order string, minor int64, cur string) {
	m.add(map[string]any{"o": order, "t": "intent", "s": "pending", "p": map[string]any{
		"client_orderid": order, "kind": "sale", "amount_minor": minor, "currency": cur,
		"status": "pending", "day": "2026-12-03", "created_at": "2026-12-03T10:00:00Z"}})
	m.add(map[string]any{"o": order, "t": "final", "s": "approved", "f": map[string]string{"paynet_order_id": "1"}})
}

func uuidN(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

func count(tb testing.TB, conn *pgx.Conn, sql string, args ...any) int64 {
	tb.Helper()
	var n int64
	if err := conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
	return n
}

var lane1 = Lane{StoreID: "s1", Lane: "lane-1", TerminalID: "T1"}

func TestInitTwice(t *testing.T) {
	dsn := newDB(t)
	conn := dial(t, dsn)
	ctx := context.Background()
	from, to, err := Init(ctx, conn)
	if err != nil || from != 0 || to != SchemaVersion {
		t.Fatalf("first init: %d→%d %v", from, to, err)
	}
	from, to, err = Init(ctx, conn)
	if err != nil || from != SchemaVersion || to != SchemaVersion {
		t.Fatalf("second init: %d→%d %v", from, to, err)
	}
	// Concurrent inits of a fresh database agree too.
	dsn2 := newDB(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := Connect(ctx, dsn2)
			if err != nil {
				errs[i] = err
				return
			}
			defer c.Close(ctx)
			_, _, errs[i] = Init(ctx, c)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestShipWithoutSchema(t *testing.T) {
	conn := dial(t, newDB(t))
	m := newMem(uuidN(1))
	m.sale(uuidN(100), 100, "RUB")
	_, err := Ship(context.Background(), m, conn, lane1, ShipOptions{})
	if err == nil || !strings.Contains(err.Error(), "kassa central init") {
		t.Fatalf("err = %v", err)
	}
}

func TestShipRepeatAndFork(t *testing.T) {
	_, conn := initDB(t)
	ctx := context.Background()
	m := newMem(uuidN(1))
	for i := 0; i < 7; i++ {
		m.sale(uuidN(100+i), int64(100+i), "RUB")
	}
	res, err := Ship(ctx, m, conn, lane1, ShipOptions{Batch: 3})
	if err != nil || res.From != 0 || res.To != 14 || res.Shipped != 14 || res.Backlog != 0 {
		t.Fatalf("ship: %+v %v", res, err)
	}
	if n := count(t, conn, "SELECT count(*) FROM central.events"); n != 14 {
		t.Fatalf("%d events", n)
	}
	// A resend of everything (as after a lost reply) is a no-op.
	if _, err := insertBatch(ctx, conn, m.id, lane1, 0, m.evs, true); err != nil {
		t.Fatal(err)
	}
	if n := count(t, conn, "SELECT count(*) FROM central.events"); n != 14 {
		t.Fatalf("%d events after resend", n)
	}
	if n := count(t, conn, "SELECT count(*) FROM central.alerts"); n != 0 {
		t.Fatalf("%d alerts after resend", n)
	}
	if n := count(t, conn, "SELECT count(*) FROM central.payments WHERE status = 'approved'"); n != 7 {
		t.Fatalf("%d approved payments", n)
	}
	// A different event at a taken seq: refused, recorded.
	forged := newMem(m.id)
	forged.sale(uuidN(100), 999, "RUB")
	_, err = insertBatch(ctx, conn, m.id, lane1, 0, forged.evs, true)
	var ref *Refusal
	if !errorsAs(err, &ref) || ref.Seq != 1 || ref.Kind != RefusedFork {
		t.Fatalf("forged: %v", err)
	}
	if n := count(t, conn, "SELECT count(*) FROM central.alerts WHERE kind = 'fork' AND seq = 1"); n != 1 {
		t.Fatalf("%d fork alerts", n)
	}
	if n := count(t, conn, "SELECT amount_minor FROM central.payments WHERE order_id = $1", uuidN(100)); n != 100 {
		t.Fatalf("forged amount applied: %d", n)
	}
}

func TestDatabaseRefusesBadEvents(t *testing.T) {
	_, conn := initDB(t)
	ctx := context.Background()
	m := newMem(uuidN(2))
	m.sale(uuidN(200), 500, "EUR")
	m.sale(uuidN(201), 600, "EUR")
	if _, err := Ship(ctx, m, conn, lane1, ShipOptions{}); err != nil {
		t.Fatal(err)
	}
	next := newMem(m.id)
	next.evs, next.head = append([]Event(nil), m.evs...), m.head
	next.sale(uuidN(202), 700, "EUR")
	cases := []struct {
		kind string
		edit func(e *Event)
	}{
		{"hash", func(e *Event) { e.Body = []byte(strings.Replace(string(e.Body), "700", "701", 1)) }},
		{"link", func(e *Event) {
			e.Prev = strings.Repeat("ab", 32)
			e.Body = []byte(strings.Replace(string(e.Body), m.head, e.Prev, 1))
			sum := sha256.Sum256(e.Body)
			e.Hash = hex.EncodeToString(sum[:])
		}},
		{"sequence", func(e *Event) {
			e.Body = []byte(strings.Replace(string(e.Body), `"q":5`, `"q":6`, 1))
			sum := sha256.Sum256(e.Body)
			e.Hash = hex.EncodeToString(sum[:])
		}},
	}
	for _, c := range cases {
		e := next.evs[4]
		c.edit(&e)
		_, err := insertBatch(ctx, conn, m.id, lane1, 4, []Event{e, next.evs[5]}, true)
		var ref *Refusal
		if !errorsAs(err, &ref) || ref.Seq != 5 || ref.Kind.String() != c.kind {
			t.Fatalf("%s: %v", c.kind, err)
		}
		if n := count(t, conn, "SELECT count(*) FROM central.alerts WHERE kind = $1", c.kind); n != 1 {
			t.Fatalf("%s: %d alerts", c.kind, n)
		}
	}
	// A gap is refused without an alert.
	_, err := insertBatch(ctx, conn, m.id, lane1, 5, next.evs[5:], true)
	var ref *Refusal
	if !errorsAs(err, &ref) || ref.Kind != RefusedGap {
		t.Fatalf("gap: %v", err)
	}
	if n := count(t, conn, "SELECT count(*) FROM central.events"); n != 4 {
		t.Fatalf("%d events", n)
	}
	// The good events still go in, and the table is append-only.
	if res, err := Ship(ctx, next, conn, lane1, ShipOptions{}); err != nil || res.To != 6 {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := conn.Exec(ctx, "UPDATE central.events SET body = body WHERE seq = 1"); err == nil {
		t.Fatal("update allowed")
	}
	if _, err := conn.Exec(ctx, "DELETE FROM central.events"); err == nil {
		t.Fatal("delete allowed")
	}
}
