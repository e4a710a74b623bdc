//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"kassa/device/escpos"
	"kassa/device/printer/printertest"
	"kassa/store"
)

// receiptPrints counts the journaled prints of a payment in env's demo
// journal.
func receiptPrints(t *testing.T, env []string, id string) int {
	t.Helper()
	j, err := store.Open(saleEnvGet(env, "KASSA_DATA_DIR")+"/demo-journal.db", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	p, err := j.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range p.Events {
		if ev.Type == store.EventReceipt {
			n++
		}
	}
	return n
}

// TestReceiptCommand: text by default; --print on a fake network printer
// (exit 0, the paper reads like the receipt, journaled, DUPLICATE the
// second time); a printer that refuses the connection exits 2 and
// journals nothing; no such payment or a bad flag exits 1.
func TestReceiptCommand(t *testing.T) {
	f, err := printertest.ListenTCP(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := append(saleEnv(t, ""), "KASSA_CALLBACK_LISTEN=", "KASSA_PRINTER="+f.Spec, "KASSA_PRINTER_WIDTH=32")
	r := saleRun(t, env, "sale", "--demo", "--amount", "12.30", "--card", "4111111111111111")
	id := saleKV(r.stdout)["client_orderid"]
	if r.code != 0 || id == "" {
		t.Fatalf("sale: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = saleRun(t, env, "receipt", id, "--demo", "--copy", "merchant")
	if r.code != 0 || !strings.Contains(r.stdout, "MERCHANT COPY") || !strings.Contains(r.stdout, "12.30 RUB") || strings.Contains(r.stdout, "DUPLICATE") {
		t.Errorf("text: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for i, dup := range []string{"no", "yes"} {
		f.Reset()
		r = saleRun(t, env, "receipt", id, "--demo", "--print")
		m := saleKV(r.stdout)
		if r.code != 0 || m["duplicate"] != dup || m["copy"] != "CUSTOMER COPY" || m["printer"] != f.Spec {
			t.Fatalf("print %d: exit %d\n%s%s", i, r.code, r.stdout, r.stderr)
		}
		ops, err := f.Ops()
		if err != nil {
			t.Fatal(err)
		}
		paper := strings.Join(escpos.Lines(ops), "\n")
		if !strings.Contains(paper, "411111******1111") || !strings.Contains(paper, "CUSTOMER COPY") || strings.Contains(paper, "DUPLICATE") != (dup == "yes") {
			t.Errorf("print %d paper:\n%s", i, paper)
		}
		if cut := bytes.LastIndex(f.Received(), []byte{0x1d, 'V'}); cut < 0 {
			t.Errorf("print %d: no cut", i)
		}
	}
	if n := receiptPrints(t, env, id); n != 2 {
		t.Errorf("%d prints journaled, want 2", n)
	}
	f.Close() // connection refused from now on
	r = saleRun(t, env, "receipt", id, "--demo", "--print", "--copy", "merchant")
	if r.code != 2 || !strings.Contains(r.stderr, "not printed") || !strings.Contains(r.stderr, "refused") {
		t.Errorf("refused printer: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := receiptPrints(t, env, id); n != 2 {
		t.Errorf("a failed print was journaled: %d prints", n)
	}
	for _, args := range [][]string{
		{"receipt", "00000000-0000-4000-8000-000000000000", "--demo"},
		{"receipt", "00000000-0000-4000-8000-000000000000", "--demo", "--print"},
		{"receipt", id, "--demo", "--copy", "both"},
		{"receipt", "--demo"},
	} {
		if r := saleRun(t, env, args...); r.code != 1 {
			t.Errorf("%v: exit %d, want 1\n%s", args, r.code, r.stderr)
		}
	}
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"receipt", "--help"}, &out, &errb); code != 0 || !strings.Contains(errb.String(), "--print") {
		t.Errorf("receipt --help: exit %d\n%s", code, errb.String())
	}
}
