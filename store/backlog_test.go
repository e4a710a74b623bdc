package store

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// backlogLen is the number of payments on the index backlog.
func backlogLen(t *testing.T, j *Journal) int {
	t.Helper()
	var n int
	if err := j.view(func(tx *bolt.Tx) error {
		ids, err := backlogIDs(tx)
		n = len(ids)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// finalSales begins n approved sales of 1.00, 2.00, … with cards ending
// 0001, 0002, … and gateway order ids G1, G2, …
func finalSales(t *testing.T, j *Journal, n int) []string {
	t.Helper()
	var ids []string
	for i := 1; i <= n; i++ {
		p := pay(KindSale, int64(100*i), "RUB", "401234****"+strconv.Itoa(10000 + i)[1:])
		if err := j.Begin(p); err != nil {
			t.Fatal(err)
		}
		if _, err := j.RecordAll(p.ClientOrderID,
			Event{Type: EventAccepted, Fields: map[string]string{FieldPaynetOrderID: "G" + strconv.Itoa(i)}},
			Event{Type: EventFinal, Status: StatusApproved}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ClientOrderID)
	}
	return ids
}

// seesAll checks that every query finds the n sales of finalSales, indexed
// or not: what a manager searching history or closing the day would notice.
func seesAll(t *testing.T, j *Journal, ids []string, day string) {
	t.Helper()
	n := len(ids)
	if ps, err := j.ByDay(day); err != nil || len(ps) != n {
		t.Fatalf("ByDay: %d of %d, %v", len(ps), n, err)
	}
	walked := 0
	if err := j.Walk(day, day, func(Payment) error { walked++; return nil }); err != nil || walked != n {
		t.Fatalf("Walk: %d of %d, %v", walked, n, err)
	}
	for i, id := range ids {
		k := i + 1
		for _, q := range []Query{{Last4: strconv.Itoa(10000 + k)[1:]}, {AmountMinor: int64(100 * k)}, {OrderID: "G" + strconv.Itoa(k)}, {OrderID: id}} {
			if ps, err := j.Search(q); err != nil || len(ps) != 1 || ps[0].ClientOrderID != id {
				t.Fatalf("Search %+v: %d found, %v", q, len(ps), err)
			}
		}
	}
	tot, err := j.OpenDayTotals()
	want := int64(100 * n * (n + 1) / 2)
	if err != nil || tot["RUB"].SaleCount != int64(n) || tot["RUB"].SaleSum != want {
		t.Fatalf("open-day totals %+v (want %d sales, %d), %v", tot["RUB"], n, want, err)
	}
	if ps, _, err := j.OpenDayPayments(); err != nil || len(ps) != n {
		t.Fatalf("OpenDayPayments: %d of %d, %v", len(ps), n, err)
	}
}

// TestIndexBacklog: payments whose index entries are still on the backlog
// are found by every query, before and after the backlog is written, and
// the journal verifies either way.
func TestIndexBacklog(t *testing.T) {
	c := newClock()
	j, err := Open(filepath.Join(t.TempDir(), "j.db"), Options{Now: c.Now, IndexDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ids := finalSales(t, j, 5)
	if n := backlogLen(t, j); n != 5 {
		t.Fatalf("backlog %d, want 5", n)
	}
	day := c.Now().Format(dateLayout)
	seesAll(t, j, ids, day)
	verifyOK(t, j)
	if err := j.FlushIndexes(); err != nil {
		t.Fatal(err)
	}
	if n := backlogLen(t, j); n != 0 {
		t.Fatalf("backlog %d after FlushIndexes", n)
	}
	seesAll(t, j, ids, day)
	verifyOK(t, j)
}

// TestIndexBacklogBounded: under a steady stream of sales with no pause
// the backlog never holds more than backlogMax payments.
func TestIndexBacklogBounded(t *testing.T) {
	c := newClock()
	j, err := Open(filepath.Join(t.TempDir(), "j.db"), Options{Now: c.Now, IndexDelay: time.Hour, noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ids := finalSales(t, j, 3*backlogMax+5)
	if n := backlogLen(t, j); n >= backlogMax || n != len(ids)%backlogMax {
		t.Fatalf("backlog %d after %d sales", n, len(ids))
	}
	seesAll(t, j, ids, c.Now().Format(dateLayout))
}

// TestIndexBacklogIdle: a pause of IndexDelay after the last write writes
// the backlog; Close writes it too.
func TestIndexBacklogIdle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	j, err := Open(path, Options{IndexDelay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	finalSales(t, j, 2)
	for deadline := time.Now().Add(5 * time.Second); backlogLen(t, j) != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the backlog was not written after a pause")
		}
	}
	_ = j.Close()
	j, err = Open(path, Options{IndexDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	finalSales(t, j, 2)
	_ = j.Close()
	j = openT(t, path, nil)
	if n := backlogLen(t, j); n != 0 {
		t.Fatalf("backlog %d after Close", n)
	}
}

// TestIndexBacklogAfterKill: a journal killed with a backlog (the file as
// the last fsync left it) opens without being changed, answers every
// query, and the first write applies the backlog.
func TestIndexBacklogAfterKill(t *testing.T) {
	c := newClock()
	dir := t.TempDir()
	j, err := Open(filepath.Join(dir, "j.db"), Options{Now: c.Now, IndexDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ids := finalSales(t, j, 3)
	killed, err := os.ReadFile(filepath.Join(dir, "j.db")) // every commit is fsynced: this is what a kill leaves
	if err != nil {
		t.Fatal(err)
	}
	_ = j.Close()
	path := filepath.Join(dir, "killed.db")
	if err := os.WriteFile(path, killed, 0o600); err != nil {
		t.Fatal(err)
	}
	k := openT(t, path, c)
	if after, _ := os.ReadFile(path); !bytes.Equal(after, killed) {
		t.Fatal("Open changed the file")
	}
	if n := backlogLen(t, k); n != 3 {
		t.Fatalf("backlog %d after the kill, want 3", n)
	}
	seesAll(t, k, ids, c.Now().Format(dateLayout))
	verifyOK(t, k)
	mustBegin(t, k, pay(KindSale, 5, "RUB", "401234****9999"))
	if ps, err := k.ByDay(c.Now().Format(dateLayout)); err != nil || len(ps) != 4 {
		t.Fatalf("ByDay after the first write: %d, %v", len(ps), err)
	}
	if n := backlogLen(t, k); n != 0 {
		t.Fatalf("backlog %d after the first write, want 0 (the first write applies it)", n)
	}
}

// TestIndexBacklogCloseDay: a close-day counts the payments on the backlog
// and takes them off the open day; a payment final after the close began
// stays open.
func TestIndexBacklogCloseDay(t *testing.T) {
	c := newClock()
	j, err := Open(filepath.Join(t.TempDir(), "j.db"), Options{Now: c.Now, IndexDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	finalSales(t, j, 3)
	b, err := j.BeginClose("close-1", "RUB")
	if err != nil || b.Totals.SaleCount != 3 || b.Totals.SaleSum != 600 || len(b.Payments) != 3 {
		t.Fatalf("close-day batch %+v %v", b, err)
	}
	late := finalSales(t, j, 1)
	if _, err := j.FinishClose("close-1", BatchFinished, nil); err != nil {
		t.Fatal(err)
	}
	tot, err := j.OpenDayTotals()
	if err != nil || tot["RUB"].SaleCount != 1 || tot["RUB"].SaleSum != 100 {
		t.Fatalf("open day after the close: %+v %v", tot["RUB"], err)
	}
	if err := j.FlushIndexes(); err != nil {
		t.Fatal(err)
	}
	if ps, _, err := j.OpenDayPayments(); err != nil || len(ps) != 1 || ps[0].ClientOrderID != late[0] {
		t.Fatalf("open day after the backlog was written: %d payments, %v", len(ps), err)
	}
	verifyOK(t, j)
}

// TestVerifyCatchesBadBacklog: a backlog naming a payment that is not
// final, or not in the journal, fails the whole-journal check.
func TestVerifyCatchesBadBacklog(t *testing.T) {
	for _, c := range []struct {
		name string
		ids  func(final, open string) []string
	}{
		{"not final", func(_, open string) []string { return []string{open} }},
		{"missing", func(string, string) []string { return []string{"0b6ee6a3-37c1-4d0c-8f0e-3f1f0b5b8d11"} }},
		{"twice", func(final, _ string) []string { return []string{final, final} }},
	} {
		j, _, path := newJ(t)
		final := finalSales(t, j, 1)[0]
		open := pay(KindSale, 100, "RUB", "401234****1111")
		mustBegin(t, j, open)
		rawEdit(t, j, path, func(tx *bolt.Tx) error {
			return tx.Bucket(bMeta).Put(kBacklog, encodeIDList(c.ids(final, open.ClientOrderID)))
		})
		j2 := openT(t, path, nil)
		if _, _, err := j2.Verify(); err == nil {
			t.Errorf("%s: Verify passed", c.name)
		}
	}
}
