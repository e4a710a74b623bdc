package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"kassa/pos"
	"kassa/store"
)

// Issue 13: kassa cashier add|list|disable.

func init() { register(cashierCommands().command()) }

// cashierCommands is kassa cashier's table.
func cashierCommands() *group {
	return &group{name: "cashier", summary: "add, list and disable the cashiers who sign in", noun: "subcommand", width: 47,
		synopsis: "<subcommand> [flags]",
		intro: `The people who sign in at the terminal, kept in the journal file. Subcommands:
`,
		subs: []subcommand{
			{"add", "NAME --role cashier|manager [--pin-stdin]", "add a cashier; asks for the PIN on the terminal\n" +
				"(--pin-stdin: read it from the first line of standard input)", cashierAddStdin},
			{"list", "[--json]", "every cashier: name, role, enabled or disabled", cashierList},
			{"disable", "NAME", "a disabled cashier cannot sign in (the last manager stays)", cashierDisable},
		},
		tail: `
Every subcommand takes --journal PATH and --demo (as kassa journal). Changes are
journaled as made by cli:<OS user>. Close Kassa first: the journal is locked while it runs.
`}
}

// toolFlags are a journal command's flags (--journal, --demo) under
// another command's name (kassa cashier, kassa report).
func toolFlags(cmd, name, usage string, stderr io.Writer) (*flag.FlagSet, *journalFlags) {
	fs, jf := newJournalFlags(name, usage, stderr)
	fs.Init(cmd+" "+name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: kassa %s %s\n\n", cmd, usage)
		fs.PrintDefaults()
	}
	return fs, jf
}

// journalHelpCode is the exit code after a flag error: 0 for --help.
func journalHelpCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 1
}

// openWritable opens the journal for a change (creating it when new).
func (jf *journalFlags) openWritable(stderr io.Writer) (*store.Journal, int) {
	path := jf.path
	if path == "" {
		var err error
		if path, err = journalFile(jf.demo); err != nil {
			fmt.Fprintln(stderr, "kassa cashier:", err)
			return nil, 1
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		fmt.Fprintln(stderr, "kassa cashier:", err)
		return nil, 1
	}
	j, err := store.Open(path, store.Options{LockTimeout: time.Second})
	if err != nil {
		fmt.Fprintln(stderr, "kassa cashier:", err)
		return nil, 1
	}
	return j, 0
}

// cashierAddStdin is kassa cashier add with the process's standard input.
func cashierAddStdin(_ context.Context, args []string, stdout, stderr io.Writer) int {
	return cashierAdd(args, os.Stdin, stdout, stderr)
}

func cashierAdd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, jf := toolFlags("cashier", "add", "add NAME --role cashier|manager [--pin-stdin]", stderr)
	role := fs.String("role", "", "cashier or manager")
	pinStdin := fs.Bool("pin-stdin", false, "read the PIN from the first line of standard input")
	rest, err := payParseFlags(fs, args)
	if err != nil {
		return journalHelpCode(err)
	}
	if len(rest) != 1 || strings.TrimSpace(rest[0]) == "" || (*role != "cashier" && *role != "manager") {
		fs.Usage()
		return 1
	}
	pin, err := readPIN(stdin, stderr, *pinStdin)
	if err != nil {
		fmt.Fprintln(stderr, "kassa cashier add:", err)
		return 1
	}
	j, code := jf.openWritable(stderr)
	if j == nil {
		return code
	}
	defer j.Close()
	c, err := pos.AddCashierIn(j, pos.CLIUser(), pos.NewCashier{Name: rest[0], PIN: pin, Role: pos.Role(*role)})
	if err != nil {
		fmt.Fprintln(stderr, "kassa cashier add:", err)
		return 2
	}
	fmt.Fprintf(stdout, "added %s (%s), id %s\n", c.Name, c.Role, c.ID)
	return 0
}

// readPIN reads a PIN from the first line of stdin (--pin-stdin) or asks
// for it twice on the terminal without echo.
func readPIN(stdin io.Reader, stderr io.Writer, fromStdin bool) (string, error) {
	r := bufio.NewReader(stdin)
	if fromStdin {
		line, err := r.ReadString('\n')
		if err != nil && line == "" {
			return "", fmt.Errorf("no PIN on standard input")
		}
		return strings.TrimSpace(line), nil
	}
	f, ok := stdin.(*os.File)
	if !ok {
		return "", fmt.Errorf("standard input is not a terminal: use --pin-stdin")
	}
	restore, quiet := echoOff(f)
	defer restore()
	if !quiet {
		return "", fmt.Errorf("standard input is not a terminal: use --pin-stdin")
	}
	var pins [2]string
	for i, prompt := range []string{"PIN (4 to 12 digits): ", "PIN again: "} {
		fmt.Fprint(stderr, prompt)
		line, _ := r.ReadString('\n')
		fmt.Fprintln(stderr)
		pins[i] = strings.TrimSpace(line)
	}
	if pins[0] != pins[1] {
		return "", fmt.Errorf("the two PINs differ")
	}
	return pins[0], nil
}

// cashierJSON is a cashier in `kassa cashier list --json`.
type cashierJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Disabled bool   `json:"disabled"`
}

func cashierList(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs, jf := toolFlags("cashier", "list", "list [--json]", stderr)
	asJSON := fs.Bool("json", false, "print a JSON array")
	return toolJournal(fs, jf, args, stderr, nil, func(j *store.Journal) int { return cashierListOf(j, *asJSON, stdout, stderr) })
}

// cashierListOf prints every cashier, as a table or a JSON array.
func cashierListOf(j *store.Journal, asJSON bool, stdout, stderr io.Writer) int {
	cs, err := pos.CashiersIn(j)
	if err != nil {
		fmt.Fprintln(stderr, "kassa cashier list:", err)
		return 1
	}
	if asJSON {
		out := make([]cashierJSON, 0, len(cs))
		for _, c := range cs {
			out = append(out, cashierJSON{ID: c.ID, Name: c.Name, Role: string(c.Role), Disabled: c.Disabled})
		}
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return 0
	}
	if len(cs) == 0 {
		fmt.Fprintln(stdout, "No cashiers.")
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tSTATE\tID")
	for _, c := range cs {
		state := "enabled"
		if c.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.Role, state, c.ID)
	}
	_ = tw.Flush()
	return 0
}

func cashierDisable(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs, jf := toolFlags("cashier", "disable", "disable NAME", stderr)
	rest, err := payParseFlags(fs, args)
	if err != nil {
		return journalHelpCode(err)
	}
	if len(rest) != 1 {
		fs.Usage()
		return 1
	}
	j, code := jf.openWritable(stderr)
	if j == nil {
		return code
	}
	defer j.Close()
	if err := pos.DisableCashierIn(j, pos.CLIUser(), rest[0]); err != nil {
		if r := pos.ReasonOf(err); r.Cause == pos.CauseLastManager {
			fmt.Fprintf(stderr, "kassa cashier disable: %s is the last enabled manager; add or enable another manager first\n", rest[0])
			return 2
		}
		fmt.Fprintln(stderr, "kassa cashier disable:", err)
		return 2
	}
	fmt.Fprintf(stdout, "disabled %s\n", rest[0])
	return 0
}
