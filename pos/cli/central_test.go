package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"kassa/mapi/money"
	"kassa/store"
	"kassa/store/central"
	"kassa/store/central/pgtest"
)

func centralRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), append([]string{"central"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// centralLane writes a lane's journal with n approved sales (and closes the
// day when close is set) through store's API.
func centralLane(t *testing.T, path string, n int, close bool) {
	t.Helper()
	day := time.Date(2026, 12, 3, 11, 0, 0, 0, time.Local)
	j, err := store.Open(path, store.Options{Now: func() time.Time { return day }})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for i := 0; i < n; i++ {
		id := uuid.NewString()
		if err := j.Begin(store.Payment{ClientOrderID: id, Kind: store.KindSale, AmountMinor: int64(1000 + i),
			Currency: "RUB", MaskedPAN: "401234****8909"}); err != nil {
			t.Fatal(err)
		}
		if _, err := j.RecordAll(id, store.Event{Type: store.EventAccepted, Fields: map[string]string{store.FieldPaynetOrderID: "G" + id[:6]}},
			store.Event{Type: store.EventFinal, Status: store.StatusApproved}); err != nil {
			t.Fatal(err)
		}
	}
	if close {
		b, err := j.BeginClose("KZTEST"+fmt.Sprint(n), "RUB")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := j.FinishClose(b.RequestID, store.BatchFinished, map[string]string{"status": "finished",
			"saleApprovedCount": fmt.Sprint(b.Totals.SaleCount), "saleAmount": money.FormatMinor(b.Totals.SaleSum, "RUB")}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCentralCommands(t *testing.T) {
	t.Setenv("KASSA_CENTRAL_DB", "")
	if code, _, errs := centralRun(t, "status"); code != 1 || !strings.Contains(errs, "KASSA_CENTRAL_DB is not set") {
		t.Fatalf("unset: %d %q", code, errs)
	}
	c := pgtest.ForTest(t, pgtest.Options{})
	ctx := context.Background()
	if err := c.CreateDB(ctx, "store1"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Setenv("KASSA_CENTRAL_DB", c.DSN("store1"))
	t.Setenv("KASSA_STORE_ID", "s1")
	t.Setenv("KASSA_DATA_DIR", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "cfg"))
	t.Setenv("KASSA_TERMINAL_ID", "T7")
	if code, out, errs := centralRun(t, "init"); code != 0 || !strings.Contains(out, fmt.Sprintf("from version 0 to %d", central.SchemaVersion)) {
		t.Fatalf("init: %d %q %q", code, out, errs)
	}
	if code, out, _ := centralRun(t, "init"); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("second init: %d %q", code, out)
	}
	centralLane(t, filepath.Join(dir, "journal.db"), 3, false)
	if code, out, errs := centralRun(t, "sync"); code != 0 || !strings.Contains(out, "shipped 9 event(s)") ||
		!strings.Contains(out, "lane T7") {
		t.Fatalf("sync: %d %q %q", code, out, errs)
	}
	if code, out, _ := centralRun(t, "sync"); code != 0 || !strings.Contains(out, "shipped 0 event(s), the store database has 9") {
		t.Fatalf("second sync: %d %q", code, out)
	}
	code, out, _ := centralRun(t, "status", "--json")
	var st struct {
		Lanes []struct {
			Lane    string `json:"lane"`
			LastSeq int    `json:"last_seq"`
			Backlog int    `json:"backlog"`
		} `json:"lanes"`
	}
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil || len(st.Lanes) != 1 || st.Lanes[0].LastSeq != 9 ||
		st.Lanes[0].Backlog != 0 || st.Lanes[0].Lane != "T7" {
		t.Fatalf("status: %d %q %v", code, out, err)
	}
	type rep struct {
		OK     bool `json:"ok"`
		Stores []struct {
			Totals []map[string]any `json:"totals"`
		} `json:"stores"`
		Lanes []struct {
			State string `json:"state"`
		} `json:"lanes"`
	}
	code, out, _ = centralRun(t, "report", "--day", "2026-12-03", "--store", "s1", "--json")
	var r rep
	if err := json.Unmarshal([]byte(out), &r); code != 2 || err != nil || r.OK || r.Lanes[0].State != "open" {
		t.Fatalf("report before close: %d %q %v", code, out, err)
	}
	// A second lane (other journal file, closed) and the first one closed too.
	t.Setenv("KASSA_LANE", "lane-2")
	second := filepath.Join(dir, "lane2.db")
	centralLane(t, second, 2, true)
	if code, out, errs := centralRun(t, "sync", "--journal", second); code != 0 {
		t.Fatalf("sync lane 2: %d %q %q", code, out, errs)
	}
	t.Setenv("KASSA_LANE", "")
	centralLane(t, filepath.Join(dir, "journal.db"), 0, true)
	if code, out, errs := centralRun(t, "sync"); code != 0 {
		t.Fatalf("sync after close: %d %q %q", code, out, errs)
	}
	code, out, _ = centralRun(t, "report", "--day", "2026-12-03", "--json")
	r = rep{}
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil || !r.OK || len(r.Lanes) != 2 {
		t.Fatalf("report after close: %d %q %v", code, out, err)
	}
	if tot := r.Stores[0].Totals[0]; tot["sale_count"] != float64(5) || tot["sale_sum"] != "50.04" ||
		tot["close_sale_count"] != float64(5) || tot["close_sale_sum"] != "50.04" || tot["refund_count"] != float64(0) ||
		tot["capture_sum"] != "0.00" || tot["unresolved_children_count"] != float64(0) {
		t.Fatalf("store totals: %v", tot)
	}
	if code, out, _ := centralRun(t, "report", "--day", "2026-12-03"); code != 0 || !strings.Contains(out, "Every lane is closed") {
		t.Fatalf("text report: %d %q", code, out)
	}
	if code, out, _ := centralRun(t, "report", "--day", "3.12.2026"); code != 1 {
		t.Fatalf("bad day: %d %q", code, out)
	}
	if code, out, errs := centralRun(t, "verify", "--json"); code != 0 || !strings.Contains(out, `"ok":true`) {
		t.Fatalf("verify: %d %q %q", code, out, errs)
	}
	if code, out, _ := centralRun(t, "verify"); code != 0 || !strings.Contains(out, "2 journal(s): every chain checks out") {
		t.Fatalf("verify text: %d %q", code, out)
	}
	if code, _, _ := centralRun(t, "bogus"); code != 1 {
		t.Fatalf("bogus: %d", code)
	}
}
