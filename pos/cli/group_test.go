package cli

import (
	"bytes"
	"context"
	"testing"
)

// TestGroupUsage: the usage text made from a group's table is the one the
// commands printed before the tables (a contract): the words column, the
// lines under it, and a name too long for the column with its words on the
// next line. Help prints it on stdout (exit 0); no subcommand or an unknown
// one prints it on stderr after the reason (exit 1).
func TestGroupUsage(t *testing.T) {
	for _, tc := range []struct {
		g    *group
		want string
	}{
		{cashierCommands(), `Usage: kassa cashier <subcommand> [flags]

The people who sign in at the terminal, kept in the journal file. Subcommands:
  add NAME --role cashier|manager [--pin-stdin]   add a cashier; asks for the PIN on the terminal
                                                  (--pin-stdin: read it from the first line of standard input)
  list [--json]                                   every cashier: name, role, enabled or disabled
  disable NAME                                    a disabled cashier cannot sign in (the last manager stays)

Every subcommand takes --journal PATH and --demo (as kassa journal). Changes are
journaled as made by cli:<OS user>. Close Kassa first: the journal is locked while it runs.
`},
		{centralCommands(), `Usage: kassa central <subcommand> [flags]

The store database is a PostgreSQL database every lane ships its journal
to. KASSA_CENTRAL_DB is its connection string (the password, when not in
it, comes from the OS keyring: service "kassa", user "central-db");
KASSA_STORE_ID names the store (default "default"), KASSA_LANE the lane
(default the terminal id). Subcommands:
  init                                        create or migrate the schema (safe to run twice)
  sync [--journal PATH] [--demo]              ship this lane's journal now
  status [--json]                             per lane: last event shipped, backlog, last contact
  report [--day YYYY-MM-DD] [--store ID] [--json]
                                              the day across lanes: totals per currency, close-day
                                              state, differences, unresolved payments;
                                              exit 2 unless every lane is closed and agrees
  verify [--json]                             check every journal's chain in the database; exit 2 if broken
`},
		{reportCommands(), `Usage: kassa report <x|z> [flags]

  x [--json]                           the open day so far: totals per currency and card scheme,
                                       approved, declined, failed, unknown, refunds, captures, open holds
  z [--list | --batch ID] [--json]     past close days: the list (--list), one of them (--batch ID,
                                       printed as a COPY), or without a flag the latest one

Both read the journal (--journal PATH, --demo as kassa journal) and send nothing to the bank.
`},
	} {
		var got bytes.Buffer
		tc.g.usage(&got)
		if got.String() != tc.want {
			t.Errorf("kassa %s usage:\n%s\nwant:\n%s", tc.g.name, got.String(), tc.want)
		}
		for _, h := range []string{"help", "-h", "--help", "-help"} {
			var out, errb bytes.Buffer
			if code := Run(context.Background(), []string{tc.g.name, h}, &out, &errb); code != 0 || out.String() != tc.want || errb.Len() != 0 {
				t.Errorf("kassa %s %s: exit %d, stdout %q, stderr %q", tc.g.name, h, code, out.String(), errb.String())
			}
		}
		var out, errb bytes.Buffer
		if code := Run(context.Background(), []string{tc.g.name}, &out, &errb); code != 1 || out.Len() != 0 || errb.String() != tc.want {
			t.Errorf("kassa %s: exit %d, stdout %q, stderr %q", tc.g.name, code, out.String(), errb.String())
		}
		out.Reset()
		errb.Reset()
		want := "kassa " + tc.g.name + ": unknown " + tc.g.noun + " \"bogus\"\n\n" + tc.want
		if code := Run(context.Background(), []string{tc.g.name, "bogus"}, &out, &errb); code != 1 || out.Len() != 0 || errb.String() != want {
			t.Errorf("kassa %s bogus: exit %d, stdout %q, stderr %q", tc.g.name, code, out.String(), errb.String())
		}
	}
}
