package reliability

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kassa/store"
)

// TestCommandMessages runs every headless command with wrong flags, missing
// or wrong configuration, an unreachable gateway and a locked journal: the
// exit code is the documented one and the message says what to do. One line
// per case: the condition, the arguments, the exit code, a phrase of the
// advice.
func TestCommandMessages(t *testing.T) {
	sb := startSandbox(t)
	row := newRow(t, "every headless command × wrong flags, missing configuration, unreachable gateway, locked journal: exit code and advice")
	for _, tc := range []msgCase{
		{"flag", []string{"sale", "--amout", "1"}, 1, "flag provided but not defined"},
		{"flag", []string{"sale"}, 1, "--amount is required"},
		{"flag", []string{"sale", "--amount", "1,5x"}, 1, "malformed amount"},
		{"flag", []string{"status"}, 1, "give exactly one CLIENT_ORDERID"},
		{"flag", []string{"recover", "--wait", "soon"}, 1, "invalid value"},
		{"flag", []string{"close-day", "--forse"}, 1, "flag provided but not defined"},
		{"flag", []string{"journal", "lst"}, 1, "Usage: kassa journal"},
		{"flag", []string{"journal", "export", "--format", "xml"}, 1, "csv"},
		{"flag", []string{"reader", "inf"}, 1, "Usage"},
		{"flag", []string{"reader-sim", "--bogus"}, 2, "flag provided but not defined"}, // reader-sim's own contract: 2
		{"flag", []string{"sandbox", "--bogus"}, 1, "flag provided but not defined"},
		{"flag", []string{"central", "bogus"}, 1, "Usage"},
		{"flag", []string{"version", "--bogus"}, 1, "flag provided but not defined"},
		{"flag", []string{"bogus"}, 1, "unknown command"},
		{"flag", []string{"capture"}, 1, "Usage: kassa capture"},
		{"flag", []string{"refund", "x", "--amount", "abc"}, 1, "amount"},
		{"flag", []string{"release", "--bogus"}, 1, "flag provided but not defined"},
		{"flag", []string{"holds", "--bogus"}, 1, "flag provided but not defined"},
		{"flag", []string{"report", "bogus"}, 1, "Usage"},
		{"flag", []string{"cashier", "bogus"}, 1, "Usage"},
		{"unreachable", []string{"capture", "no-such-order"}, 1, "no payment"},
		{"locked", []string{"capture", "x"}, 1, "then run this command again"},
		{"locked", []string{"refund", "x"}, 1, "then run this command again"},
		{"locked", []string{"holds"}, 1, "then run this command again"},
		{"locked", []string{"report", "x"}, 1, "then run this command again"},
		{"no-key", []string{"sale", "--amount", "1"}, 1, "set KASSA_CONTROL_KEY"},
		{"bad-env", []string{"sale", "--amount", "1"}, 1, "want a duration like 30s"},
		{"no-central", []string{"central", "status"}, 1, "KASSA_CENTRAL_DB is not set"},
		{"unreachable", []string{"sale", "--amount", "1"}, 2, "Check the internet connection"},
		{"unreachable", []string{"sale", "--amount", "1", "--preauth"}, 2, "Check the internet connection"},
		{"unreachable", []string{"close-day"}, 2, "could not reach the bank"},
		{"unreachable", []string{"status", "no-such-order"}, 2, "no payment"},
		{"locked", []string{"sale", "--amount", "1"}, 1, "then run this command again"},
		{"locked", []string{"status", "x"}, 1, "then run this command again"},
		{"locked", []string{"recover"}, 1, "then run this command again"},
		{"locked", []string{"close-day"}, 1, "then run this command again"},
		{"locked", []string{"journal", "list"}, 1, "then run this command again"},
		{"locked", []string{"journal", "verify"}, 1, "then run this command again"},
		{"locked", []string{"journal", "backup", "BACKUP"}, 2, "then run this command again"},
		{"locked", []string{"journal", "compact"}, 2, "then run this command again"},
	} {
		t.Run(tc.cond+"/"+strings.Join(tc.args, "_"), func(t *testing.T) {
			t.Parallel()
			commandMessage(t, row, sb.URL, tc)
		})
	}
}

// msgCase is one line of TestCommandMessages: the condition, the
// arguments, the exit code, a phrase of the advice.
type msgCase struct {
	cond string
	args []string
	code int
	want string
}

// commandMessage runs one case of TestCommandMessages.
func commandMessage(t *testing.T, row *row, gateway string, tc msgCase) {
	env := kassaEnv(t, gateway)
	switch tc.cond {
	case "no-key":
		env = append(kassaEnv(t, ""), "KASSA_GATEWAY_URL="+gateway, "KASSA_LOGIN=demo", "KASSA_ENDPOINT_ID=1")
	case "bad-env":
		env = append(env, "KASSA_SALE_TIMEOUT=abc")
	case "unreachable":
		env = append(env, "KASSA_GATEWAY_URL=http://127.0.0.1:1/paynet")
	case "locked":
		j := holdJournal(t, envGet(env, "KASSA_DATA_DIR"))
		defer j.Close()
	}
	args := append([]string(nil), tc.args...)
	for i, a := range args {
		if a == "BACKUP" { // a fresh path
			args[i] = filepath.Join(t.TempDir(), "backup.db")
		}
	}
	r := kassa(t, env, args...)
	row.add(&row.Runs, 1)
	if out := r.stdout + r.stderr; r.code != tc.code || !strings.Contains(out, tc.want) {
		row.fail(t, "%s kassa %s: exit %d (want %d), want %q in:\n%s", tc.cond, strings.Join(tc.args, " "), r.code, tc.code, tc.want, out)
	}
}

// holdJournal creates and holds the terminal's journal, as a running Kassa.
func holdJournal(t *testing.T, dataDir string) *store.Journal {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	j, err := store.Open(filepath.Join(dataDir, "journal.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return j
}
