package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"kassa/mapi/money"
	"kassa/pos"
	"kassa/store"
)

func init() { register(journalCommands().command()) }

// journalCommands is kassa journal's table.
func journalCommands() *group {
	return &group{name: "journal", summary: "list, show, verify and export the payment journal", noun: "subcommand", width: 47,
		synopsis: "<subcommand> [flags]",
		intro: `Reads, checks, exports and backs up the payment journal. Subcommands:
`,
		subs: []subcommand{
			{"list", "[--day YYYY-MM-DD] [--n N]", "payments of a business day, or the latest N", journalList},
			{"show", "CLIENT_ORDERID", "one payment and its events", journalShow},
			{"verify", "", "check the hash chain; exit 2 if it is broken", journalVerify},
			{"export", "--format csv|json [--from D] [--to D]", "payments for accountants and auditors", journalExport},
			{"backup", "DEST", "a verified copy (DEST: a file or a directory); exit 2 on failure", journalBackup},
			{"compact", "", "rewrite into a fresh file, verify, swap (old file kept aside)", journalCompact},
		},
		tail: `
Every subcommand takes:
  --journal PATH   the journal file (default $KASSA_DATA_DIR/journal.db,
                   data dir default: the user config dir + /kassa)
  --demo           the demo journal (demo-journal.db in the same dir)

The journal is locked while Kassa runs; close Kassa first.
`}
}

// journalFlags are the flags every journal subcommand takes.
type journalFlags struct {
	path string
	demo bool
}

func newJournalFlags(name, usage string, stderr io.Writer) (*flag.FlagSet, *journalFlags) {
	fs := flag.NewFlagSet("journal "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	jf := &journalFlags{}
	fs.StringVar(&jf.path, "journal", "", "journal file `PATH` (default $KASSA_DATA_DIR/journal.db)")
	fs.BoolVar(&jf.demo, "demo", false, "use the demo journal (demo-journal.db)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: kassa journal %s\n\n", usage)
		fs.PrintDefaults()
	}
	return fs, jf
}

// toolArgs parses args into fs and checks them with check (nil: no
// positional arguments allowed). stop means exit with code: 0 after --help,
// 1 after a flag error, or check's code.
func toolArgs(fs *flag.FlagSet, args []string, check func() (code int, stop bool)) (code int, stop bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, true
		}
		return 1, true
	}
	if check == nil {
		return usageUnless(fs, fs.NArg() == 0)
	}
	return check()
}

// usageUnless is a check's answer: go on when ok, else print the usage and
// exit 1.
func usageUnless(fs *flag.FlagSet, ok bool) (code int, stop bool) {
	if ok {
		return 0, false
	}
	fs.Usage()
	return 1, true
}

// toolJournal is the preamble the journal tools share (kassa journal,
// report, cashier list): parse and check args (toolArgs), open the journal
// read-only and run body with it, closing it after. It returns the exit
// code: toolArgs' when it stops, open's when the journal does not open (2
// when damaged, else 1), else body's.
func toolJournal(fs *flag.FlagSet, jf *journalFlags, args []string, stderr io.Writer,
	check func() (code int, stop bool), body func(j *store.Journal) int) int {
	if code, stop := toolArgs(fs, args, check); stop {
		return code
	}
	j, code := jf.open(stderr)
	if j == nil {
		return code
	}
	defer j.Close()
	return body(j)
}

// journalFile returns the journal file Kassa uses: $KASSA_DATA_DIR (default
// os.UserConfigDir()/kassa) + journal.db, or demo-journal.db in demo mode.
func journalFile(demo bool) (string, error) {
	dir := os.Getenv("KASSA_DATA_DIR")
	if dir == "" {
		cfg, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("no data directory: set KASSA_DATA_DIR (%v)", err)
		}
		dir = filepath.Join(cfg, "kassa")
	}
	name := "journal.db"
	if demo {
		name = "demo-journal.db"
	}
	return filepath.Join(dir, name), nil
}

// open opens the journal read-only. On failure it prints why and returns the
// exit code: 2 for a damaged journal, 1 otherwise.
func (jf *journalFlags) open(stderr io.Writer) (*store.Journal, int) {
	path := jf.path
	if path == "" {
		var err error
		if path, err = journalFile(jf.demo); err != nil {
			fmt.Fprintln(stderr, "kassa journal:", err)
			return nil, 1
		}
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "kassa journal: there is no journal at %s (no payment was taken there yet)\n", path)
		return nil, 1
	}
	j, err := store.Open(path, store.Options{ReadOnly: true, LockTimeout: time.Second})
	if err != nil {
		fmt.Fprintln(stderr, "kassa journal:", err)
		var ce *store.CorruptError
		if errors.As(err, &ce) {
			return nil, 2
		}
		if errors.Is(err, store.ErrLocked) {
			fmt.Fprintln(stderr, "Close Kassa, then run this command again.")
		}
		return nil, 1
	}
	return j, 0
}

func journalCheckDay(name, d string, stderr io.Writer) bool {
	if d == "" {
		return true
	}
	if _, err := time.Parse("2006-01-02", d); err != nil {
		fmt.Fprintf(stderr, "kassa journal: --%s %q is not a date (YYYY-MM-DD)\n", name, d)
		return false
	}
	return true
}

func journalAmount(p store.Payment) string {
	return money.FormatMinor(p.AmountMinor, p.Currency) + " " + p.Currency
}

func journalList(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs, jf := newJournalFlags("list", "list [--day YYYY-MM-DD] [--n N] [--journal PATH] [--demo]", stderr)
	day := fs.String("day", "", "business `DATE` (YYYY-MM-DD) to list; default: the latest payments")
	n := fs.Int("n", 50, "how many of the latest payments to list without --day")
	return toolJournal(fs, jf, args, stderr, func() (int, bool) {
		return usageUnless(fs, fs.NArg() == 0 && *n > 0 && journalCheckDay("day", *day, stderr))
	}, func(j *store.Journal) int { return journalListOf(j, *day, *n, stdout, stderr) })
}

// journalListOf lists the payments of day, or the latest n without one.
func journalListOf(j *store.Journal, day string, n int, stdout, stderr io.Writer) int {
	var ps []store.Payment
	var err error
	if day != "" {
		ps, err = j.ByDay(day)
	} else {
		ps, err = j.Latest(n)
	}
	if err != nil {
		fmt.Fprintln(stderr, "kassa journal:", err)
		return 1
	}
	if len(ps) == 0 {
		fmt.Fprintln(stdout, "No payments.")
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CREATED\tCLIENT_ORDERID\tKIND\tSTATUS\tAMOUNT\tCARD\tAPPROVAL\tGATEWAY ID\tCASHIER")
	names := pos.CashierNames(j)
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.CreatedAt.Local().Format("2006-01-02 15:04:05"),
			p.ClientOrderID, p.Kind, p.Status, journalAmount(p), journalDash(p.MaskedPAN), journalDash(p.ApprovalCode),
			journalDash(p.PaynetOrderID), journalDash(cashierName(names, p.CashierID)))
	}
	_ = tw.Flush()
	return 0
}

func journalDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func journalShow(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs, jf := newJournalFlags("show", "show CLIENT_ORDERID [--journal PATH] [--demo]", stderr)
	// Accept the id before or after the flags.
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	return toolJournal(fs, jf, args, stderr, func() (int, bool) {
		if id == "" && fs.NArg() == 1 {
			id = fs.Arg(0)
			return 0, false
		}
		return usageUnless(fs, fs.NArg() == 0 && id != "")
	}, func(j *store.Journal) int { return journalShowOf(j, id, stdout, stderr) })
}

// journalShowOf prints one payment and its events.
func journalShowOf(j *store.Journal, id string, stdout, stderr io.Writer) int {
	p, err := j.Get(id)
	if err != nil {
		fmt.Fprintln(stderr, "kassa journal:", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	row("Client order id", p.ClientOrderID)
	row("Kind", string(p.Kind))
	row("Status", string(p.Status))
	row("Amount", journalAmount(p))
	row("Business day", p.Day)
	row("Created", p.CreatedAt.Local().Format(time.RFC3339))
	row("Updated", p.UpdatedAt.Local().Format(time.RFC3339))
	row("Card", p.MaskedPAN)
	row("Scheme", p.CardScheme)
	row("Reader", p.ReaderSerial)
	row("KSN", p.KSN)
	row("Terminal", p.TerminalID)
	row("Cashier", journalCashier(j, p.CashierID))
	row("Description", p.Description)
	row("Gateway order id", p.PaynetOrderID)
	row("Serial number", p.SerialNumber)
	row("Approval code", p.ApprovalCode)
	row("RRN", p.RRN)
	row("Receipt id", p.ReceiptID)
	row("Close-day", p.CloseBatch)
	_ = tw.Flush()
	journalShowChildren(stdout, p)
	fmt.Fprintln(stdout, "\nEvents:")
	tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, e := range p.Events {
		fmt.Fprintf(tw, "  #%d\t%s\t%s\t%s\t%s\n", e.Seq, e.At.Local().Format("2006-01-02 15:04:05"), e.Type, e.Status, journalFieldsText(e.Fields))
	}
	_ = tw.Flush()
	return 0
}

// journalCashier is "Name (id)" for a payment's cashier (issue 13).
func journalCashier(j *store.Journal, id string) string {
	if n := cashierName(pos.CashierNames(j), id); n != id {
		return n + " (" + id + ")"
	}
	return id
}

func journalFieldsText(f map[string]string) string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%q", k, f[k]))
	}
	return strings.Join(parts, " ")
}

func journalVerify(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs, jf := newJournalFlags("verify", "verify [--journal PATH] [--demo]\n\nChecks every event's hash and link; exits 0 if the journal is intact, 2 if not.", stderr)
	return toolJournal(fs, jf, args, stderr, nil, func(j *store.Journal) int {
		head, n, err := j.Verify()
		if err != nil {
			fmt.Fprintf(stderr, "journal %s is NOT intact: %v\n(%d events checked before the problem; last good hash %s)\n", j.Path(), err, n, head)
			return 2
		}
		fmt.Fprintf(stdout, "journal %s is intact\nevents: %d\nchain head: %s\n", j.Path(), n, head)
		return 0
	})
}

var journalCSVHeader = []string{"client_orderid", "business_day", "created_at", "updated_at", "kind", "status",
	"amount", "currency", "masked_pan", "card_scheme", "reader_serial", "ksn", "terminal_id", "cashier_id",
	"paynet_order_id", "serial_number", "approval_code", "rrn", "receipt_id", "close_batch", "description",
	"cashier_name"} // issue 13: cashier_name appended (the columns before it are a contract)

func journalCSVRow(p store.Payment, names map[string]string) []string {
	return []string{p.ClientOrderID, p.Day, p.CreatedAt.Local().Format(time.RFC3339), p.UpdatedAt.Local().Format(time.RFC3339),
		string(p.Kind), string(p.Status), money.FormatMinor(p.AmountMinor, p.Currency), p.Currency, p.MaskedPAN,
		p.CardScheme, p.ReaderSerial, p.KSN, p.TerminalID, p.CashierID, p.PaynetOrderID, p.SerialNumber,
		p.ApprovalCode, p.RRN, p.ReceiptID, p.CloseBatch, p.Description, cashierName(names, p.CashierID)}
}

// cashierName is the name of a person id for the exports (issue 13): the
// cashier's name, or the id itself (cli:<user>, or an unknown id).
func cashierName(names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return id
}

// journalExportCSV writes the payments of the days from..to as CSV with a
// header row.
func journalExportCSV(ctx context.Context, j *store.Journal, from, to string, stdout io.Writer) error {
	w := csv.NewWriter(stdout)
	_ = w.Write(journalCSVHeader)
	names := pos.CashierNames(j)
	err := j.Walk(from, to, func(p store.Payment) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return w.Write(journalCSVRow(p, names))
	})
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	return err
}

// journalExportJSON writes the payments of the days from..to as a JSON
// array, with their events and the amount in major units.
func journalExportJSON(ctx context.Context, j *store.Journal, from, to string, stdout io.Writer) error {
	n := 0
	_, _ = io.WriteString(stdout, "[")
	names := pos.CashierNames(j)
	err := j.Walk(from, to, func(p store.Payment) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := json.MarshalIndent(journalExportPayment{Payment: p, Amount: money.FormatMinor(p.AmountMinor, p.Currency),
			CashierName: cashierName(names, p.CashierID)}, "  ", "  ")
		if err != nil {
			return err
		}
		sep := "\n  "
		if n > 0 {
			sep = ",\n  "
		}
		n++
		_, err = io.WriteString(stdout, sep+string(b))
		return err
	})
	if n > 0 {
		_, _ = io.WriteString(stdout, "\n")
	}
	_, _ = io.WriteString(stdout, "]\n")
	return err
}

// journalExportPayment is a payment as exported in JSON: the journal record plus
// the amount in major units.
type journalExportPayment struct {
	store.Payment
	Amount      string `json:"amount"`
	CashierName string `json:"cashier_name,omitempty"` // issue 13
}

func journalExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, jf := newJournalFlags("export", "export --format csv|json [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--journal PATH] [--demo]\n\n"+
		"Writes the payments of the business days from..to (inclusive; default all) to standard output:\n"+
		"CSV with a header row, or a JSON array (with each payment's events). Amounts are in major units.", stderr)
	format := fs.String("format", "csv", "csv or json")
	from := fs.String("from", "", "first business `DATE` (YYYY-MM-DD)")
	to := fs.String("to", "", "last business `DATE` (YYYY-MM-DD)")
	return toolJournal(fs, jf, args, stderr, func() (int, bool) {
		if code, stop := usageUnless(fs, fs.NArg() == 0 && (*format == "csv" || *format == "json") &&
			journalCheckDay("from", *from, stderr) && journalCheckDay("to", *to, stderr)); stop {
			return code, stop
		}
		if *from != "" && *to != "" && *from > *to {
			fmt.Fprintf(stderr, "kassa journal: --from %s is after --to %s\n", *from, *to)
			return 1, true
		}
		return 0, false
	}, func(j *store.Journal) int {
		export := journalExportCSV
		if *format == "json" {
			export = journalExportJSON
		}
		if err := export(ctx, j, *from, *to, stdout); err != nil {
			fmt.Fprintln(stderr, "kassa journal: export:", err)
			return 1
		}
		return 0
	})
}

// journalShowChildren lists a payment's captures, releases and refunds
// (issue 11) and what is left of it.
func journalShowChildren(stdout io.Writer, p store.Payment) {
	kids := store.ChildrenOf(p)
	if len(kids) == 0 {
		return
	}
	l := store.LedgerOf(p, kids)
	fmt.Fprintf(stdout, "\nChildren (captured %s, refunded %s, left to refund %s):\n",
		money.FormatMinor(l.Captured, p.Currency), money.FormatMinor(l.Refunded, p.Currency),
		money.FormatMinor(max(l.Refundable, 0), p.Currency))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, c := range kids {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s %s\t%s\t%s\t%s\n", c.ID, c.CreatedAt.Local().Format("2006-01-02 15:04:05"), c.Operation,
			money.FormatMinor(c.AmountMinor, c.Currency), c.Currency, c.Status, journalDash(c.SerialNumber), c.Reason)
	}
	_ = tw.Flush()
}
