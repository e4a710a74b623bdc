package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"kassa/pos"
)

func cliRun(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	var code int
	if args[0] == "cashier" && len(args) > 1 && args[1] == "add" {
		code = cashierAdd(args[2:], strings.NewReader(stdin), &out, &errb)
	} else {
		code = Run(context.Background(), args, &out, &errb)
	}
	return code, out.String(), errb.String()
}

// TestCashierCommands: add (PIN from stdin), list, disable; the last
// manager stays; a PIN is never printed.
func TestCashierCommands(t *testing.T) {
	t.Setenv("KASSA_DATA_DIR", t.TempDir())
	if code, _, errb := cliRun(t, "12\n", "cashier", "add", "Maria", "--role", "manager", "--pin-stdin"); code != 2 || !strings.Contains(errb, "4 to 12 digits") {
		t.Fatalf("short PIN: %d %s", code, errb)
	}
	if code, out, errb := cliRun(t, "482913\n", "cashier", "add", "Maria", "--role", "manager", "--pin-stdin"); code != 0 || !strings.Contains(out, "added Maria") {
		t.Fatalf("add manager: %d %s %s", code, out, errb)
	}
	if code, _, errb := cliRun(t, "1111\n", "cashier", "add", "--pin-stdin", "Anna", "--role", "cashier"); code != 0 {
		t.Fatalf("add cashier: %d %s", code, errb)
	}
	if code, _, _ := cliRun(t, "1111\n", "cashier", "add", "Boris", "--role", "boss", "--pin-stdin"); code != 1 {
		t.Errorf("bad role: exit %d", code)
	}
	if code, _, _ := cliRun(t, "", "cashier", "add", "Boris", "--role", "cashier"); code != 1 {
		t.Errorf("no terminal and no --pin-stdin: exit %d", code)
	}
	code, out, _ := cliRun(t, "", "cashier", "list", "--json")
	var cs []cashierJSON
	if err := json.Unmarshal([]byte(out), &cs); code != 0 || err != nil || len(cs) != 2 || cs[0].Name != "Anna" || cs[1].Role != "manager" {
		t.Fatalf("list --json: %d %v %s", code, err, out)
	}
	if strings.Contains(out, "482913") || strings.Contains(out, "pin") {
		t.Error("the list shows PINs")
	}
	if code, _, errb := cliRun(t, "", "cashier", "disable", "Maria"); code != 2 || !strings.Contains(errb, "last enabled manager") {
		t.Errorf("disable the last manager: %d %s", code, errb)
	}
	if code, _, _ := cliRun(t, "", "cashier", "disable", "anna"); code != 0 {
		t.Errorf("disable Anna: exit %d", code)
	}
	if code, out, _ := cliRun(t, "", "cashier", "list"); code != 0 || !strings.Contains(out, "disabled") {
		t.Errorf("list: %d %s", code, out)
	}
	if code, _, _ := cliRun(t, "", "cashier", "disable", "Nobody"); code != 2 {
		t.Errorf("disable nobody: exit %d", code)
	}
}

// TestReportAndCashierFlag: a sale with --cashier names the cashier in the
// journal and the export; the X report and the Z list count it.
func TestReportAndCashierFlag(t *testing.T) {
	sb := saleSandbox(t, 30)
	env := saleEnv(t, sb.URL)
	t.Setenv("KASSA_DATA_DIR", saleEnvGet(env, "KASSA_DATA_DIR"))
	if code, _, errb := cliRun(t, "1111\n", "cashier", "add", "Anna", "--role", "cashier", "--pin-stdin"); code != 0 {
		t.Fatal(errb)
	}
	if r := saleRun(t, env, "sale", "--amount", "1", "--card", "4111111111111111", "--cashier", "Nobody"); r.code != 1 {
		t.Errorf("--cashier of nobody: exit %d %s", r.code, r.stderr)
	}
	if r := saleRun(t, env, "sale", "--amount", "10.42", "--card", "4111111111111111", "--cashier", "anna"); r.code != 0 {
		t.Fatalf("sale: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := saleRun(t, env, "sale", "--amount", "5", "--card", "4000000000000002"); r.code != 2 {
		t.Fatalf("declined: %d %s", r.code, r.stderr)
	}
	code, out, errb := cliRun(t, "", "report", "x", "--json")
	var x xJSON
	if err := json.Unmarshal([]byte(out), &x); code != 0 || err != nil || len(x.Currencies) != 1 {
		t.Fatalf("report x: %d %v %s %s", code, err, out, errb)
	}
	c := x.Currencies[0]
	if c.SaleCount != 1 || c.SaleSum != "10.42" || c.Approved != 1 || c.Declined != 1 || c.Schemes[0].Scheme != "visa" || c.Schemes[0].Count != 1 {
		t.Errorf("report x: %+v", c)
	}
	if code, out, _ := cliRun(t, "", "report", "x"); code != 0 || !strings.Contains(out, "X REPORT") || !strings.Contains(out, "VISA") {
		t.Errorf("report x text: %d\n%s", code, out)
	}
	code, out, _ = cliRun(t, "", "journal", "export", "--format", "csv")
	rows, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
	names := map[string]bool{}
	for _, r := range rows[1:] {
		names[r[len(r)-1]] = true
	}
	if code != 0 || rows[0][len(rows[0])-1] != "cashier_name" || !names["Anna"] || !names[pos.CLIUser()] {
		t.Errorf("export: %d %v\n%s", code, names, out)
	}
	if r := saleRun(t, env, "close-day", "--cashier", "Anna"); r.code != 0 {
		t.Fatalf("close-day: %d %s %s", r.code, r.stdout, r.stderr)
	}
	code, out, _ = cliRun(t, "", "report", "z", "--list", "--json")
	var zs []zJSON
	if err := json.Unmarshal([]byte(out), &zs); code != 0 || err != nil || len(zs) != 1 || zs[0].SaleSum != "10.42" || !zs[0].Agree || zs[0].ClosedBy != "Anna" || zs[0].ChainHead == "" {
		t.Fatalf("report z --list: %d %v %s", code, err, out)
	}
	code, out, _ = cliRun(t, "", "report", "z", "--batch", zs[0].RequestID, "--json")
	var one zJSON
	if err := json.Unmarshal([]byte(out), &one); code != 0 || err != nil || one.Counts == nil || one.Counts.Declined != 1 || one.Counts.Schemes[0].Count != 1 {
		t.Errorf("report z --batch --json: %d %v %s", code, err, out)
	}
	code, out, _ = cliRun(t, "", "report", "z", "--batch", zs[0].RequestID)
	if code != 0 || strings.Count(out, "COPY") != 2 || !strings.Contains(out, zs[0].RequestID) {
		t.Errorf("report z --batch: %d\n%s", code, out)
	}
	if code, _, _ := cliRun(t, "", "report", "z", "--batch", "nope"); code != 1 {
		t.Errorf("unknown batch: exit %d", code)
	}
	if code, _, _ := cliRun(t, "", "report", "y"); code != 1 {
		t.Errorf("unknown report: exit %d", code)
	}
}
