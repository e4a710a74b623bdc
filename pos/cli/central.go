package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"kassa/pos"
	"kassa/store"
	"kassa/store/central"
)

func init() { register(centralCommands().command()) }

// centralCommands is kassa central's table; each subcommand runs under
// centralTimeout.
func centralCommands() *group {
	return &group{name: "central", summary: "ship the journal to the store database; store-wide status, report, verify", noun: "subcommand", width: 43,
		synopsis: "<subcommand> [flags]",
		intro: `The store database is a PostgreSQL database every lane ships its journal
to. KASSA_CENTRAL_DB is its connection string (the password, when not in
it, comes from the OS keyring: service "kassa", user "central-db");
KASSA_STORE_ID names the store (default "default"), KASSA_LANE the lane
(default the terminal id). Subcommands:
`,
		subs: []subcommand{
			{"init", "", "create or migrate the schema (safe to run twice)", centralTimed(centralInit)},
			{"sync", "[--journal PATH] [--demo]", "ship this lane's journal now", centralTimed(centralSync)},
			{"status", "[--json]", "per lane: last event shipped, backlog, last contact", centralTimed(centralStatus)},
			{"report", "[--day YYYY-MM-DD] [--store ID] [--json]", "the day across lanes: totals per currency, close-day\n" +
				"state, differences, unresolved payments;\nexit 2 unless every lane is closed and agrees", centralTimed(centralReport)},
			{"verify", "[--json]", "check every journal's chain in the database; exit 2 if broken", centralTimed(centralVerify)},
		}}
}

// centralTimeout bounds each central command.
var centralTimeout = 60 * time.Second

// centralTimed runs fn under centralTimeout.
func centralTimed(fn func(context.Context, []string, io.Writer, io.Writer) int) func(context.Context, []string, io.Writer, io.Writer) int {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		ctx, cancel := context.WithTimeout(ctx, centralTimeout)
		defer cancel()
		return fn(ctx, args, stdout, stderr)
	}
}

// centralFlags parses a subcommand's flags; done means exit with code.
func centralFlags(name, usage string, args []string, stderr io.Writer, define func(fs *flag.FlagSet)) (code int, done bool) {
	fs := flag.NewFlagSet("central "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	define(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: kassa central %s\n\n", usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, true
		}
		return 1, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kassa central %s: unexpected argument %q\n", name, fs.Arg(0))
		return 1, true
	}
	return 0, false
}

// centralConnect connects to KASSA_CENTRAL_DB; on failure it prints why.
func centralConnect(ctx context.Context, cfg central.Config, stderr io.Writer) (*pgx.Conn, bool) {
	if !cfg.Enabled() {
		fmt.Fprintln(stderr, "kassa central: KASSA_CENTRAL_DB is not set (the store database's PostgreSQL connection string)")
		return nil, false
	}
	conn, err := cfg.Connect(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "kassa central: cannot reach the store database:", err)
		return nil, false
	}
	return conn, true
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}

func centralInit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if code, done := centralFlags("init", "init", args, stderr, func(*flag.FlagSet) {}); done {
		return code
	}
	conn, ok := centralConnect(ctx, central.ConfigFromEnv(""), stderr)
	if !ok {
		return 1
	}
	defer closeConn(conn)
	from, to, err := central.Init(ctx, conn)
	if err != nil {
		fmt.Fprintln(stderr, "kassa central init:", err)
		return 1
	}
	if from == to {
		fmt.Fprintf(stdout, "store database schema is up to date (version %d)\n", to)
	} else {
		fmt.Fprintf(stdout, "store database schema migrated from version %d to %d\n", from, to)
	}
	return 0
}

func centralSync(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var path string
	var demo bool
	if code, done := centralFlags("sync", "sync [--journal PATH] [--demo]", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "journal", "", "journal file `PATH` (default $KASSA_DATA_DIR/journal.db)")
		fs.BoolVar(&demo, "demo", false, "ship the demo journal (demo-journal.db)")
	}); done {
		return code
	}
	pcfg, err := pos.LoadConfig(true) // terminal id only: no keyring, no gateway
	if err != nil {
		fmt.Fprintln(stderr, "kassa central sync:", err)
		return 1
	}
	cfg := central.ConfigFromEnv(pcfg.TerminalID)
	if path == "" {
		if path, err = journalFile(demo); err != nil {
			fmt.Fprintln(stderr, "kassa central sync:", err)
			return 1
		}
	}
	j, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			fmt.Fprintln(stderr, "kassa central sync: Kassa is running on this journal and ships it itself")
		} else {
			fmt.Fprintln(stderr, "kassa central sync:", err)
		}
		return 1
	}
	defer j.Close()
	conn, ok := centralConnect(ctx, cfg, stderr)
	if !ok {
		return 1
	}
	defer closeConn(conn)
	res, err := central.Ship(ctx, central.FromJournal(j), conn, cfg.LaneInfo(), central.ShipOptions{Timeout: centralTimeout})
	fmt.Fprintf(stdout, "journal %s (store %s, lane %s): shipped %d event(s), the store database has %d\n",
		res.Journal, cfg.StoreID, cfg.Lane, res.Shipped, res.To)
	if res.Backlog > 0 {
		fmt.Fprintf(stdout, "%d event(s) not yet at the store database\n", res.Backlog)
	}
	switch {
	case errors.Is(err, central.ErrRefused):
		fmt.Fprintln(stderr, "kassa central sync:", err)
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "kassa central sync:", err)
		return 1
	}
	return 0
}

func centralStatus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var asJSON bool
	if code, done := centralFlags("status", "status [--json]", args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print one JSON object")
	}); done {
		return code
	}
	conn, ok := centralConnect(ctx, central.ConfigFromEnv(""), stderr)
	if !ok {
		return 1
	}
	defer closeConn(conn)
	lanes, err := central.Status(ctx, conn, "")
	if err != nil {
		fmt.Fprintln(stderr, "kassa central status:", err)
		return 1
	}
	if asJSON {
		if lanes == nil {
			lanes = []central.LaneStatus{}
		}
		return writeJSON(stdout, map[string]any{"lanes": lanes})
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STORE\tLANE\tTERMINAL\tJOURNAL\tLAST EVENT\tBACKLOG\tLAST CONTACT\tALERTS")
	for _, l := range lanes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%d\n", l.StoreID, l.Lane, l.TerminalID, l.JournalID, l.LastSeq,
			l.Backlog, l.LastContact.Local().Format("2006-01-02 15:04:05"), l.Alerts)
	}
	_ = tw.Flush()
	return 0
}

func writeJSON(w io.Writer, v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return 1
	}
	_, _ = w.Write(append(b, '\n'))
	return 0
}

func centralVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var asJSON bool
	if code, done := centralFlags("verify", "verify [--json]", args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print one JSON object")
	}); done {
		return code
	}
	conn, ok := centralConnect(ctx, central.ConfigFromEnv(""), stderr)
	if !ok {
		return 1
	}
	defer closeConn(conn)
	checks, err := central.Verify(ctx, conn)
	if err != nil {
		fmt.Fprintln(stderr, "kassa central verify:", err)
		return 1
	}
	allOK := true
	for _, c := range checks {
		allOK = allOK && c.OK
	}
	if asJSON {
		if checks == nil {
			checks = []central.JournalCheck{}
		}
		writeJSON(stdout, map[string]any{"ok": allOK, "journals": checks})
	} else {
		for _, c := range checks {
			state := "ok"
			if !c.OK {
				state = fmt.Sprintf("BROKEN at event %d (%s)", c.BrokenAt, c.Problem)
			}
			fmt.Fprintf(stdout, "%s  store %s lane %s: %d event(s), head %s: %s", c.JournalID, c.StoreID, c.Lane,
				c.Events, c.Head, state)
			if c.Alerts > 0 {
				fmt.Fprintf(stdout, "; %d refused event(s) recorded", c.Alerts)
			}
			fmt.Fprintln(stdout)
		}
		if allOK {
			fmt.Fprintf(stdout, "%d journal(s): every chain checks out\n", len(checks))
		}
	}
	if !allOK {
		fmt.Fprintln(stderr, "kassa central verify: a journal's copy in the store database does not check out")
		return 2
	}
	return 0
}
