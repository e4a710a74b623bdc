package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"kassa/store"
)

func journalRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), append([]string{"journal"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// testJournal writes a small journal into a fresh KASSA_DATA_DIR.
func testJournal(t *testing.T, name string) (path string, ids []string) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("KASSA_DATA_DIR", dir)
	path = filepath.Join(dir, name)
	day := time.Date(2026, 3, 14, 10, 0, 0, 0, time.Local)
	now := day
	j, err := store.Open(path, store.Options{Now: func() time.Time { now = now.Add(time.Minute); return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for i, amount := range []int64{1050, 200000, 99} {
		if i == 2 {
			now = day.AddDate(0, 0, 1)
		}
		p := store.Payment{ClientOrderID: uuid.NewString(), Kind: store.KindSale, AmountMinor: amount, Currency: "RUB",
			MaskedPAN: "401234****8909", TerminalID: "T1", CashierID: "c1", Description: `tea, "green"`}
		if err := j.Begin(p); err != nil {
			t.Fatal(err)
		}
		if _, err := j.Record(p.ClientOrderID, store.Event{Type: store.EventAccepted, Fields: map[string]string{store.FieldPaynetOrderID: "GW" + p.ClientOrderID[:4]}}); err != nil {
			t.Fatal(err)
		}
		if _, err := j.Record(p.ClientOrderID, store.Event{Type: store.EventFinal, Status: store.StatusApproved, Fields: map[string]string{store.FieldApprovalCode: "AP1"}}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ClientOrderID)
	}
	return path, ids
}

func TestJournalHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"list", "--help"}, {"show", "--help"}, {"verify", "--help"}, {"export", "--help"}} {
		if code, _, _ := journalRun(t, args...); code != 0 {
			t.Errorf("journal %v: exit %d", args, code)
		}
	}
	if code, _, _ := journalRun(t, "frobnicate"); code == 0 {
		t.Error("unknown subcommand exited 0")
	}
}

func TestJournalListShow(t *testing.T) {
	_, ids := testJournal(t, "journal.db")
	code, out, errs := journalRun(t, "list")
	if code != 0 || !strings.Contains(out, ids[0]) || !strings.Contains(out, "2000.00 RUB") || !strings.Contains(out, "401234****8909") {
		t.Fatalf("list: %d %q %q", code, out, errs)
	}
	code, out, _ = journalRun(t, "list", "--day", "2026-03-15")
	if code != 0 || strings.Contains(out, ids[0]) || !strings.Contains(out, ids[2]) {
		t.Fatalf("list --day: %d %q", code, out)
	}
	if code, _, _ := journalRun(t, "list", "--day", "14.03.2026"); code != 1 {
		t.Fatalf("bad date: %d", code)
	}
	code, out, _ = journalRun(t, "show", ids[1])
	for _, want := range []string{"approved", "2000.00 RUB", "401234****8909", "intent", "accepted", "final", "AP1"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Fatalf("show: %d", code)
	}
	if code, _, _ := journalRun(t, "show", uuid.NewString()); code != 1 {
		t.Fatalf("show unknown: %d", code)
	}
}

func TestJournalDemoIsSeparate(t *testing.T) {
	_, ids := testJournal(t, "demo-journal.db")
	if code, _, errs := journalRun(t, "list"); code != 1 || !strings.Contains(errs, "journal.db") {
		t.Fatalf("live journal should not exist: %d %q", code, errs)
	}
	if code, out, _ := journalRun(t, "list", "--demo"); code != 0 || !strings.Contains(out, ids[0]) {
		t.Fatalf("--demo: %d %q", code, out)
	}
	if _, err := os.Stat(filepath.Join(os.Getenv("KASSA_DATA_DIR"), "journal.db")); err == nil {
		t.Fatal("a read command created a live journal")
	}
}

func TestJournalVerify(t *testing.T) {
	path, _ := testJournal(t, "journal.db")
	code, out, _ := journalRun(t, "verify", "--journal", path)
	if code != 0 || !strings.Contains(out, "events: 9") || !strings.Contains(out, "chain head: ") {
		t.Fatalf("verify: %d %q", code, out)
	}
	// Edit an event behind Kassa's back.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("events"))
		k, v := b.Cursor().First()
		return b.Put(k, bytes.Replace(v, []byte("green"), []byte("gree!"), 1)) // the description, in JSON and binary events
	})
	_ = db.Close()
	code, _, errs := journalRun(t, "verify")
	if code != 2 || !strings.Contains(errs, "event 1") {
		t.Fatalf("tampered verify: %d %q", code, errs)
	}
	// A damaged file: exit 2 too.
	if err := os.WriteFile(path, bytes.Repeat([]byte{0x42}, 16384), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := journalRun(t, "verify"); code != 2 || !strings.Contains(errs, "damaged") {
		t.Fatalf("damaged verify: %d %q", code, errs)
	}
}

func TestJournalExport(t *testing.T) {
	_, ids := testJournal(t, "journal.db")
	code, out, errs := journalRun(t, "export", "--format", "csv", "--from", "2026-03-14", "--to", "2026-03-14")
	if code != 0 {
		t.Fatalf("csv: %d %s", code, errs)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "client_orderid" {
		t.Fatalf("csv rows %v %v", rows, err)
	}
	if rows[1][0] != ids[0] || rows[1][6] != "10.50" || rows[2][6] != "2000.00" || rows[1][8] != "401234****8909" || rows[1][20] != `tea, "green"` {
		t.Fatalf("csv row %v", rows[1])
	}
	code, out, _ = journalRun(t, "export", "--format", "json")
	var ps []map[string]any
	if err := json.Unmarshal([]byte(out), &ps); err != nil || code != 0 || len(ps) != 3 {
		t.Fatalf("json: %d %v %q", code, err, out)
	}
	if ps[2]["client_orderid"] != ids[2] || ps[2]["amount"] != "0.99" || len(ps[2]["events"].([]any)) != 3 {
		t.Fatalf("json payment %v", ps[2])
	}
	code, out, _ = journalRun(t, "export", "--format", "json", "--from", "2027-01-01")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("empty json: %q", out)
	}
	if code, _, _ := journalRun(t, "export", "--format", "xml"); code != 1 {
		t.Fatal("xml accepted")
	}
	if code, _, _ := journalRun(t, "export", "--from", "2026-03-15", "--to", "2026-03-14"); code != 1 {
		t.Fatal("from after to accepted")
	}
}

func TestJournalLockedWhileRunning(t *testing.T) {
	path, _ := testJournal(t, "journal.db")
	j, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	code, _, errs := journalRun(t, "list")
	if code != 1 || !strings.Contains(errs, "Kassa is already running on this journal") {
		t.Fatalf("locked: %d %q", code, errs)
	}
}
