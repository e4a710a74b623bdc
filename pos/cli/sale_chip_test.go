package cli

import (
	"path/filepath"
	"testing"

	"kassa/pos"
	"kassa/store"
)

// `kassa sale --entry swipe|insert|tap` (issue 12): the simulated reader
// presents the card so, and the output says how it was read (entry_mode,
// aid, app_label, cvm) after the keys of before, which are unchanged.
func TestSaleEntry(t *testing.T) {
	sb := saleSandbox(t, 30)
	env := saleEnv(t, sb.URL)
	for _, tc := range []struct {
		entry, card, status, mode, aid, label, cvm string
		code                                       int
	}{
		{"tap", "4111111111111111", "approved", "contactless", "A0000000031010", "VISA", "no-cvm", 0},
		{"insert", "5555555555554444", "approved", "chip", "A0000000041010", "MASTERCARD", "no-cvm", 0},
		{"insert", "4000000000000705", "approved", "chip", "A0000000031010", "VISA", "online-pin", 0},
		{"insert", "4000000000000879", "declined", "chip", "A0000000031010", "VISA", "no-cvm", 2},
		{"insert", "4000000000000945", "approved", "fallback-swipe", "", "", "", 0},
		{"swipe", "2200000000000004", "approved", "swipe", "", "", "", 0},
	} {
		r := saleRun(t, env, "sale", "--amount", "10.50", "--card", tc.card, "--entry", tc.entry)
		m := saleKV(r.stdout)
		if r.code != tc.code || m["status"] != tc.status || m["entry_mode"] != tc.mode || m["aid"] != tc.aid ||
			m["app_label"] != tc.label || m["cvm"] != tc.cvm {
			t.Errorf("%s %s: exit %d\n%s%s", tc.entry, tc.card, r.code, r.stdout, r.stderr)
		}
		if _, ok := m["kind"]; !ok || m["card"] == "" {
			t.Errorf("%s %s: keys of before missing\n%s", tc.entry, tc.card, r.stdout)
		}
	}
	if r := saleRun(t, env, "sale", "--amount", "1", "--entry", "wave"); r.code != 1 {
		t.Errorf("--entry wave: exit %d", r.code)
	}
	live := append(append([]string{}, env...), "KASSA_READER=auto")
	if r := saleRun(t, live, "sale", "--amount", "1", "--entry", "tap"); r.code != 1 {
		t.Errorf("--entry without the simulated reader: exit %d\n%s", r.code, r.stderr)
	}
}

// TestChipCrashRecovery kills `kassa sale --entry insert` with SIGKILL at
// each point only a chip payment reaches (after the sale reply, at the EMV
// stage, after CONTINUE, after the advice was journaled), then runs `kassa
// recover`: nothing is charged twice and every payment is resolved — the
// gateway reverses an order whose advice never came (60 s, scaled here),
// so the journal says declined.
func TestChipCrashRecovery(t *testing.T) {
	sb := saleSandbox(t, 30)
	env := saleEnv(t, sb.URL)
	sales := 0
	for _, point := range pos.ChipCrashPoints() {
		t.Run(point, func(t *testing.T) {
			cenv := append(append([]string{}, env...), "KASSA_TEST_CRASHPOINT="+point)
			r := saleRun(t, cenv, "sale", "--amount", "10.50", "--card", "4111111111111111", "--entry", "insert")
			sales++
			if !r.killed {
				t.Fatalf("sale not killed at %s: exit %d\n%s%s", point, r.code, r.stdout, r.stderr)
			}
			rec := saleRun(t, env, "recover", "--wait", "15s")
			if rec.code != 0 {
				t.Errorf("recover after %s: exit %d\n%s%s", point, rec.code, rec.stdout, rec.stderr)
			}
			saleInvariants(t, sb, env, sales)
			checkReversed(t, env)
			ok := saleRun(t, env, "sale", "--amount", "1.00", "--card", "5555555555554444", "--entry", "insert")
			sales++
			if ok.code != 0 {
				t.Errorf("sale after recovery from %s: exit %d\n%s%s", point, ok.code, ok.stdout, ok.stderr)
			}
		})
	}
}

// checkReversed: the killed chip payment (the latest) never confirmed by
// its card ends declined in the journal, as the gateway reversed it.
func checkReversed(t *testing.T, env []string) {
	t.Helper()
	j, err := store.Open(filepath.Join(saleEnvGet(env, "KASSA_DATA_DIR"), "journal.db"), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	last, err := j.Latest(1)
	if err != nil || len(last) != 1 {
		t.Fatalf("latest payment: %v", err)
	}
	if p := last[0]; p.Status != store.StatusDeclined || p.EntryMode != "chip" {
		t.Errorf("killed chip payment %s %q, want declined chip (reversed without the card's confirmation)", p.Status, p.EntryMode)
	}
}
