package store

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// testdata/v2-journal.db was written by Kassa's schema-2 (JSON) journal
// code (see testdata/README.md): five payments (approved with a receipt, a
// legacy reprint note and an alert; a declined preauth; one unknown then
// resolved; a finished close-day; one approved after it; one still sent).
var v2IDs = []string{"0b9c6a7e-7c1e-4a59-9d59-2f1f6c1d0001", "0b9c6a7e-7c1e-4a59-9d59-2f1f6c1d0002",
	"0b9c6a7e-7c1e-4a59-9d59-2f1f6c1d0003", "0b9c6a7e-7c1e-4a59-9d59-2f1f6c1d0004", "0b9c6a7e-7c1e-4a59-9d59-2f1f6c1d0005"}

const (
	v2Head   = "a11be6da8c41cc6e3711fb83c4cffde3e0804cb94f56c3c7debb82f97115767f"
	v2Events = 21
)

func TestMigrationFromSchema2File(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	if err := copyFile(filepath.Join("testdata", "v2-journal.db"), path); err != nil {
		t.Fatal(err)
	}
	j := openT(t, path, nil)
	if v, _ := j.SchemaOf(); v != SchemaVersion {
		t.Fatalf("schema after migration %d", v)
	}
	if j.ID() == "" {
		t.Fatal("no journal id after migration")
	}
	if h, n := verifyOK(t, j); h != v2Head || n != v2Events {
		t.Fatalf("migration changed the chain: %s %d", h, n)
	}
	search := func(q Query) []string {
		t.Helper()
		ps, err := j.Search(q)
		if err != nil {
			t.Fatalf("search %+v: %v", q, err)
		}
		var ids []string
		for _, p := range ps {
			ids = append(ids, p.ClientOrderID)
		}
		return ids
	}
	if got := search(Query{Last4: "1111"}); len(got) != 2 || got[0] != v2IDs[3] || got[1] != v2IDs[0] {
		t.Fatalf("last4 1111: %v", got)
	}
	if got := search(Query{Last4: "1111", Limit: 1}); len(got) != 1 || got[0] != v2IDs[3] {
		t.Fatalf("last4 1111, newest one: %v", got)
	}
	if got := search(Query{AmountMinor: 900}); len(got) != 1 || got[0] != v2IDs[1] {
		t.Fatalf("amount 9.00: %v", got)
	}
	if got := search(Query{OrderID: "900003"}); len(got) != 1 || got[0] != v2IDs[2] {
		t.Fatalf("gateway id: %v", got)
	}
	if got := search(Query{Last4: "2222"}); len(got) != 1 || got[0] != v2IDs[4] {
		t.Fatalf("unresolved payment by last4: %v", got)
	}
	day, err := j.ByDay("2026-03-14")
	if err != nil || len(day) != 5 {
		t.Fatalf("day: %d %v", len(day), err)
	}
	if u, err := j.Unresolved(); err != nil || len(u) != 1 || u[0].ClientOrderID != v2IDs[4] {
		t.Fatalf("unresolved: %+v %v", u, err)
	}
	if tot, err := j.OpenDayTotals(); err != nil || tot["RUB"].SaleCount != 1 || tot["RUB"].SaleSum != 1999 {
		t.Fatalf("open day: %+v %v", tot, err)
	}
	if a, err := j.Alerts(); err != nil || len(a) != 1 {
		t.Fatalf("alerts: %+v %v", a, err)
	}
	old, err := j.Get(v2IDs[0])
	if err != nil || old.Status != StatusApproved || old.CloseBatch != "close-2026-03-14" || len(old.Events) != 7 {
		t.Fatalf("migrated payment: %+v %v", old, err)
	}
	// New events chain on in the binary format after the JSON ones; the
	// receipt numbering counts the old prints.
	p, err := j.Record(v2IDs[0], Event{Type: EventReceipt, Fields: map[string]string{FieldCopy: "CUSTOMER COPY"}})
	if err != nil {
		t.Fatal(err)
	}
	last := p.Events[len(p.Events)-1]
	if last.Fields[FieldPrint] != "3" || last.Fields[FieldDuplicate] != "yes" || last.Prev != v2Head {
		t.Fatalf("new receipt after migration: %+v", last)
	}
	mustRecord(t, j, v2IDs[4], Event{Type: EventFinal, Status: StatusApproved, Fields: map[string]string{FieldPaynetOrderID: "900005"}})
	q := mustBegin(t, j, pay(KindSale, 4250, "RUB", "401234****1111"))
	approve(t, j, q.ClientOrderID, "900006")
	if got := search(Query{Last4: "1111"}); len(got) != 3 || got[0] != q.ClientOrderID {
		t.Fatalf("last4 1111 after new sales: %v", got)
	}
	_, n := verifyOK(t, j)
	// A receiver re-checks the mixed chain event by event.
	evs, err := j.EventsSince(0, 0)
	if err != nil || len(evs) != n {
		t.Fatalf("events: %d of %d, %v", len(evs), n, err)
	}
	prevSeq, prev := uint64(0), Genesis
	for _, ev := range evs {
		if err := ev.Check(prevSeq, prev); err != nil {
			t.Fatalf("event %d: %v", ev.Seq, err)
		}
		prevSeq, prev = ev.Seq, ev.Hash
	}
	if evs[0].Data[0] != '{' || evs[len(evs)-1].Data[0] != formatBinary {
		t.Fatal("expected JSON events first, binary ones after")
	}
	if latest, err := j.Latest(3); err != nil || len(latest) != 3 || latest[0].ClientOrderID != q.ClientOrderID {
		t.Fatalf("latest: %v", err)
	}
	_ = j.Close()
	r, err := Open(path, Options{ReadOnly: true, LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, _, err := r.Verify(); err != nil {
		t.Fatal(err)
	}
}

// testdata/v3-journal.db was written by Kassa's schema-3 journal code (text
// ids as payment keys; see testdata/README.md): an approved sale with a
// receipt, a declined preauth, a sale unknown then resolved approved, a
// finished close-day, one more approved sale and one left sent.
var v3IDs = []string{"3c0f9a1e-5b2d-4e6f-8a7b-9c0d1e2f0001", "3c0f9a1e-5b2d-4e6f-8a7b-9c0d1e2f0002",
	"3c0f9a1e-5b2d-4e6f-8a7b-9c0d1e2f0003", "3c0f9a1e-5b2d-4e6f-8a7b-9c0d1e2f0004", "3c0f9a1e-5b2d-4e6f-8a7b-9c0d1e2f0005"}

const (
	v3Head   = "5c51465353a12a433fe0e4f33e937d0aef4d9d8d6b5c1db10a710060a9e98824"
	v3Events = 23
	v3ID     = "7619e42a-a806-458d-b32e-9fc359f2c35f"
)

func TestMigrationFromSchema3File(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	if err := copyFile(filepath.Join("testdata", "v3-journal.db"), path); err != nil {
		t.Fatal(err)
	}
	j := openT(t, path, nil)
	if v, _ := j.SchemaOf(); v != SchemaVersion || j.ID() != v3ID {
		t.Fatalf("after migration: schema %d, id %s", v, j.ID())
	}
	if h, n := verifyOK(t, j); h != v3Head || n != v3Events {
		t.Fatalf("migration changed the chain: %s %d", h, n)
	}
	_ = j.view(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bPayments, bOpen} {
			_ = tx.Bucket(b).ForEach(func(k, _ []byte) error {
				if len(k) != 16 {
					t.Errorf("%s key %q is not 16 bytes", b, k)
				}
				return nil
			})
		}
		return nil
	})
	for _, c := range []struct {
		q    Query
		want string
	}{
		{Query{OrderID: v3IDs[2]}, v3IDs[2]},
		{Query{OrderID: "800003"}, v3IDs[2]},
		{Query{Last4: "1111", Limit: 1}, v3IDs[3]},
		{Query{AmountMinor: 900}, v3IDs[1]},
		{Query{Last4: "2222"}, v3IDs[4]},
	} {
		if ps, err := j.Search(c.q); err != nil || len(ps) != 1 || ps[0].ClientOrderID != c.want {
			t.Errorf("search %+v: %d %v", c.q, len(ps), err)
		}
	}
	if tot, err := j.OpenDayTotals(); err != nil || tot["RUB"].SaleCount != 1 || tot["RUB"].SaleSum != 1999 {
		t.Fatalf("open day: %+v %v", tot, err)
	}
	if u, err := j.Unresolved(); err != nil || len(u) != 1 || u[0].ClientOrderID != v3IDs[4] {
		t.Fatalf("unresolved: %+v %v", u, err)
	}
	old, err := j.Get(v3IDs[0])
	if err != nil || old.CloseBatch != "close-2026-11-20" || old.MaskedPAN != "401234****1111" || len(old.Events) != 6 {
		t.Fatalf("migrated payment: %+v %v", old, err)
	}
	// Selling and closing go on over the re-keyed buckets.
	mustRecord(t, j, v3IDs[4], Event{Type: EventFinal, Status: StatusApproved, Fields: map[string]string{FieldPaynetOrderID: "800005"}})
	q := mustBegin(t, j, pay(KindSale, 4250, "RUB", "401234****1111"))
	approve(t, j, q.ClientOrderID, "800006")
	if tot, _ := j.OpenDayTotals(); tot["RUB"].SaleCount != 3 {
		t.Fatalf("open day after new sales: %+v", tot)
	}
	if _, err := j.BeginClose("close-2", "RUB"); err != nil {
		t.Fatal(err)
	}
	if _, err := j.FinishClose("close-2", BatchFinished, nil); err != nil {
		t.Fatal(err)
	}
	if tot, _ := j.OpenDayTotals(); tot["RUB"].SaleCount != 0 {
		t.Fatalf("open day after the close: %+v", tot)
	}
	verifyOK(t, j)
}

// textKeys undoes migrate3to4 (the payments and open-day buckets keyed by
// the ids' text, the gateway-id index's values as text): what schemas 1 to
// 3 stored.
func textKeys(tx *bolt.Tx) error {
	for _, name := range [][]byte{bPayments, bOpen} {
		b := tx.Bucket(name)
		m := map[string][]byte{}
		_ = b.ForEach(func(k, v []byte) error { m[idString(k)] = append([]byte(nil), v...); return nil })
		for id, v := range m {
			if err := b.Delete(idBytes(id)); err != nil {
				return err
			}
			if err := b.Put([]byte(id), v); err != nil {
				return err
			}
		}
	}
	gw := tx.Bucket(bGwID)
	m := map[string]string{}
	_ = gw.ForEach(func(k, v []byte) error { m[string(k)] = idString(v); return nil })
	for k, v := range m {
		if err := gw.Put([]byte(k), []byte(v)); err != nil {
			return err
		}
	}
	return nil
}
