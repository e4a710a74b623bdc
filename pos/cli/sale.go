package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"kassa/pos"
	"kassa/pos/demo"
	"kassa/store"
)

// The payment commands: sale, status, recover, close-day. They use the same
// engine as the GUI. Their output keys, flags and exit codes are contracts
// other tools rely on: add, never change.
//
// Exit codes: 0 approved (close-day: finished and the totals agree);
// 2 declined, filtered, error, not charged (close-day: a difference or an
// error); 3 unknown (the result is not known yet: never charge again);
// 1 usage or configuration error.
const (
	payExitOK      = 0
	payExitUsage   = 1
	payExitFailed  = 2
	payExitUnknown = 3
)

func init() {
	register(Command{Name: "sale", Summary: "take a card payment headless (sale or preauth)", Run: runSale})
	register(Command{Name: "status", Summary: "ask the bank for a payment's status", Run: runStatus})
	register(Command{Name: "recover", Summary: "resolve unresolved payments with the bank now", Run: runRecover})
	register(Command{Name: "close-day", Summary: "close the business day with the bank", Run: runCloseDay})
}

// payParseFlags parses flags anywhere among args (Go's flag package stops at
// the first non-flag) and returns the positional arguments.
func payParseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// payParse parses a payment command's args with payParseFlags and allows at
// most maxArgs positional arguments (-1: any number). ok is false when the
// command must stop with code: 0 after --help, 1 after a usage error (already
// reported on stderr).
func payParse(fs *flag.FlagSet, args []string, maxArgs int, stderr io.Writer) (rest []string, code int, ok bool) {
	rest, err := payParseFlags(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil, payExitOK, false
	}
	if err != nil {
		return nil, payExitUsage, false
	}
	if maxArgs >= 0 && len(rest) > maxArgs {
		fmt.Fprintf(stderr, "kassa %s: unexpected argument %q\n", fs.Name(), rest[maxArgs])
		return nil, payExitUsage, false
	}
	return rest, payExitOK, true
}

// newPayFlagSet makes a payment command's flag set with the shared flags
// (--demo, --verbose) and a usage text followed by every flag's defaults.
func newPayFlagSet(name string, usage func(io.Writer), stderr io.Writer) (*flag.FlagSet, *payFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &payFlags{}
	c.register(fs)
	fs.Usage = func() { usage(stderr); fmt.Fprintln(stderr, "\nFlags:"); fs.PrintDefaults() }
	return fs, c
}

// payFlags are the flags of every payment command.
type payFlags struct {
	demo    bool
	verbose bool
	cashier string // --cashier NAME: who the journal names (issue 13); else cli:<OS user>
}

func (c *payFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&c.demo, "demo", false, "demo mode: the embedded sandbox gateway and the simulated reader (every output says DEMO)")
	fs.BoolVar(&c.verbose, "verbose", false, "log what the engine does to stderr (masked card numbers only)")
	fs.StringVar(&c.cashier, "cashier", "", "the cashier the journal names for this command (default cli:<OS user>)")
}

// person is ctx naming who runs the command: the --cashier's id (checked
// by payStartEngine), else cli:<OS user>.
func (c payFlags) person(ctx context.Context, e *pos.Engine) context.Context {
	if c.cashier != "" {
		if who, err := e.CashierNamed(c.cashier); err == nil {
			return pos.WithCashier(ctx, who.ID)
		}
	}
	return pos.WithCashier(ctx, pos.CLIUser())
}

// payStartEngine loads the configuration and starts the engine.
func payStartEngine(ctx context.Context, c payFlags, noReader bool, stderr io.Writer) (*pos.Engine, int) {
	cfg, err := pos.LoadConfig(c.demo)
	if err != nil {
		fmt.Fprintln(stderr, "kassa: configuration:", err)
		return nil, payExitUsage
	}
	cfg.NoReader = noReader
	level := slog.LevelWarn
	if c.verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	e, err := demo.Start(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "kassa:", err)
		switch { // issue 17: say what to do
		case errors.Is(err, store.ErrLocked):
			fmt.Fprintln(stderr, "Close the other Kassa (the checkout window or another kassa command) or wait for it to finish, then run this command again.")
		case errors.Is(err, fs.ErrPermission):
			fmt.Fprintf(stderr, "Kassa may not write its journal in %s: give the user running Kassa write access to it, or set KASSA_DATA_DIR to a folder it may write, then run this command again.\n", cfg.DataDir)
		}
		return nil, payExitUsage
	}
	// The whole journal's chain, before anything else (the GUI checks it in
	// the background once its checkout is usable; a command has no checkout).
	if err := e.JournalChecked(ctx); err != nil {
		fmt.Fprintln(stderr, "kassa:", err)
		e.Close()
		return nil, payExitUsage
	}
	if c.cashier != "" {
		if who, err := e.CashierNamed(c.cashier); err != nil || who.Disabled {
			fmt.Fprintf(stderr, "kassa: no enabled cashier named %q (kassa cashier list)\n", c.cashier)
			e.Close()
			return nil, payExitUsage
		}
	}
	return e, payExitOK
}

// doNotChargeAgain is said with every unknown payment (exit status 3).
const doNotChargeAgain = "DO NOT charge again"

// payLines are the `key: value` lines of a payment, in contract order.
func payLines(ctx context.Context, v pos.PaymentView) [][2]string {
	msg := v.LegacyText
	if v.Reason.Cause != pos.CauseNone || msg == "" {
		msg = sentence(ctx, v.Reason)
	}
	if v.Status == pos.StatusUnknown && !strings.Contains(msg, doNotChargeAgain) {
		msg += " — " + doNotChargeAgain + "."
	}
	return [][2]string{
		{"client_orderid", v.ClientOrderID},
		{"paynet_order_id", v.PaynetOrderID},
		{"status", v.Status.String()},
		{"card", v.MaskedPAN},
		{"approval_code", v.ApprovalCode},
		{"rrn", v.RRN},
		{"message", msg},
		{"amount", v.Amount.Major()},
		{"currency", v.Amount.Currency},
		{"kind", string(v.Kind)},
		// Issue 12: how the card was read.
		{"entry_mode", v.Card.EntryMode},
		{"aid", v.Card.AID},
		{"app_label", v.Card.AppLabel},
		{"cvm", v.Card.Verification()},
	}
}

// payPrint prints lines as `key: value` or one JSON object. In demo mode the
// first line is `mode: DEMO` (JSON: "mode": "DEMO") and the message says DEMO.
func payPrint(w io.Writer, demo, asJSON bool, lines [][2]string) {
	if demo {
		for i := range lines {
			if lines[i][0] == "message" {
				lines[i][1] = "DEMO: " + lines[i][1]
			}
		}
		lines = append([][2]string{{"mode", "DEMO"}}, lines...)
	}
	if asJSON {
		var b strings.Builder
		b.WriteString("{")
		for i, kv := range lines {
			if i > 0 {
				b.WriteString(",")
			}
			k, _ := json.Marshal(kv[0])
			b.Write(k)
			b.WriteString(":")
			b.Write(jsonValue(kv[0], kv[1]))
		}
		b.WriteString("}\n")
		io.WriteString(w, b.String())
		return
	}
	for _, kv := range lines {
		fmt.Fprintf(w, "%s: %s\n", kv[0], kv[1])
	}
}

// jsonValue encodes a value of payPrint's JSON object: counts (keys ending in
// "_count") as numbers and "agree" as a boolean; everything else, amounts
// included (exact decimals in major units, never floats), as a string.
func jsonValue(key, value string) []byte {
	switch {
	case strings.HasSuffix(key, "_count"):
		if _, err := strconv.ParseInt(value, 10, 64); err == nil {
			return []byte(value)
		}
	case key == "agree" && (value == "true" || value == "false"):
		return []byte(value)
	}
	v, _ := json.Marshal(value)
	return v
}

// payExit maps a payment status to the exit code.
func payExit(status pos.Status) int {
	switch {
	case status.Charged():
		return payExitOK
	case status.Final():
		return payExitFailed
	}
	return payExitUnknown
}

func paySaleUsage(w io.Writer) {
	fmt.Fprintln(w, `Usage: kassa sale --amount 10.42 [--preauth] [--desc TEXT] [--card PAN] [--entry swipe|insert|tap] [--json] [--demo]

Takes one card payment on the reader, like the checkout screen: the amount
is shown on the reader, the card is swiped, the payment is journaled, sent to
the bank, and the final answer awaited. Prints key: value lines
(client_orderid, paynet_order_id, status, card, approval_code, rrn, message,
then amount, currency, kind, entry_mode, aid, app_label, cvm), or one JSON
object with --json. In demo mode the first line is "mode: DEMO".
entry_mode is swipe, chip, contactless or fallback-swipe; aid, app_label and
cvm are the chip application and how the cardholder was verified (empty for a
swipe).

Exit status: 0 approved; 2 declined, filtered, error or not charged;
3 unknown (the result is not known yet: DO NOT charge again, see
'kassa recover'); 1 usage or configuration error.`)
}

func runSale(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, c := newPayFlagSet("sale", paySaleUsage, stderr)
	amount := fs.String("amount", "", "amount in major units, e.g. 10.42")
	preauth := fs.Bool("preauth", false, "pre-authorise instead of a sale")
	desc := fs.String("desc", "", "order description (default: Sale at <terminal name>)")
	card := fs.String("card", "", "test card PAN the simulated reader swipes (demo or KASSA_READER=sim only)")
	entry := fs.String("entry", "", "how the simulated reader presents the card: swipe, insert or tap (demo or KASSA_READER=sim only)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if _, code, ok := payParse(fs, args, 0, stderr); !ok {
		return code
	}
	if *amount == "" {
		fmt.Fprintln(stderr, "kassa sale: --amount is required")
		return payExitUsage
	}
	e, code := payStartEngine(ctx, *c, false, stderr)
	if e == nil {
		return code
	}
	defer e.Close()
	ctx = c.person(ctx, e)
	cfg := e.Config()
	amt, err := pos.ParseAmount(*amount, cfg.Currency)
	if err != nil {
		fmt.Fprintf(stderr, "kassa sale: amount %q: %v\n", *amount, err)
		return payExitUsage
	}
	if code, ok := saleSimulated(e, *card, *entry, stderr); !ok {
		return code
	}
	if err := e.WaitRecovered(ctx); err != nil {
		fmt.Fprintln(stderr, "kassa sale:", err)
		return payExitFailed
	}
	kind := pos.Sale
	if *preauth {
		kind = pos.Preauth
	}
	if !*asJSON {
		fmt.Fprintf(stderr, "%s %s %s: swipe the card on the reader…\n", strings.ToUpper(string(kind)[:1])+string(kind)[1:], amt.Major(), amt.Currency)
	}
	v, err := e.Pay(ctx, kind, amt, *desc)
	if err != nil && v.ClientOrderID == "" {
		// Nothing reached the journal: certainly not charged.
		payPrint(stdout, cfg.Demo, *asJSON, [][2]string{
			{"client_orderid", ""}, {"paynet_order_id", ""}, {"status", pos.StatusFailed.String()}, {"card", ""},
			{"approval_code", ""}, {"rrn", ""}, {"message", errSentence(ctx, err)},
		})
		return payExitFailed
	}
	payPrint(stdout, cfg.Demo, *asJSON, payLines(ctx, v))
	return payExit(v.Status)
}

// saleSimulated sets the simulated reader's card and presentation for
// --card and --entry (demo or KASSA_READER=sim only).
func saleSimulated(e *pos.Engine, card, entry string, stderr io.Writer) (int, bool) {
	if card == "" && entry == "" {
		return payExitOK, true
	}
	d := e.Demo()
	if d == nil {
		fmt.Fprintln(stderr, "kassa sale: --card and --entry need demo mode (--demo) or KASSA_READER=sim")
		return payExitUsage, false
	}
	if card != "" {
		if err := d.SetCard(card); err != nil {
			fmt.Fprintln(stderr, "kassa sale: --card:", err)
			return payExitUsage, false
		}
	}
	if entry != "" {
		if err := d.SetEntry(entry); err != nil {
			fmt.Fprintln(stderr, "kassa sale: --entry:", err)
			return payExitUsage, false
		}
	}
	return payExitOK, true
}

func payStatusUsage(w io.Writer) {
	fmt.Fprintln(w, `Usage: kassa status CLIENT_ORDERID [--json] [--demo]

Asks the bank for the status of a journaled payment, records the answer in
the journal and prints it (the same keys as 'kassa sale'). Exit status as for
'kassa sale': 0 approved, 2 declined/filtered/error or not found, 3 unknown,
1 usage or configuration error.`)
}

func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, c := newPayFlagSet("status", payStatusUsage, stderr)
	asJSON := fs.Bool("json", false, "print one JSON object")
	rest, code, ok := payParse(fs, args, -1, stderr)
	if !ok {
		return code
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "kassa status: give exactly one CLIENT_ORDERID")
		return payExitUsage
	}
	e, code := payStartEngine(ctx, *c, true, stderr)
	if e == nil {
		return code
	}
	defer e.Close()
	ctx = c.person(ctx, e)
	res, err := e.Lookup(ctx, strings.TrimSpace(rest[0]))
	v := res.Payment
	if errors.Is(err, pos.ErrNotFound) {
		fmt.Fprintf(stderr, "kassa status: no payment %s in this terminal's journal\n", rest[0])
		return payExitFailed
	}
	if err != nil && v.ClientOrderID == "" {
		fmt.Fprintln(stderr, "kassa status:", err)
		return payExitFailed
	}
	if err != nil {
		fmt.Fprintln(stderr, "kassa status: the bank could not be asked:", err)
	}
	// Its captures, releases and refunds (issue 11).
	payPrint(stdout, e.Config().Demo, *asJSON, append(payLines(ctx, v), childLedgerLines(e, v.ClientOrderID)...))
	return payExit(v.Status)
}

func payRecoverUsage(w io.Writer) {
	fmt.Fprintln(w, `Usage: kassa recover [--json] [--wait 30s] [--demo]

Resolves every unresolved payment of the journal with the bank now (the
same check Kassa makes at every start), captures, releases and refunds
whose result is unknown included (never sent again), and prints one block
of key: value lines per payment or operation that was unresolved (or one
JSON object per line with --json). Exit status: 0 when none is left unknown, 3 when some still are,
1 usage or configuration error.`)
}

func runRecover(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, c := newPayFlagSet("recover", payRecoverUsage, stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per payment")
	wait := fs.Duration("wait", 0, "keep checking up to this long for payments still unknown")
	if _, code, ok := payParse(fs, args, 0, stderr); !ok {
		return code
	}
	e, code := payStartEngine(ctx, *c, true, stderr)
	if e == nil {
		return code
	}
	defer e.Close()
	ctx = c.person(ctx, e)
	if err := e.WaitRecovered(ctx); err != nil {
		fmt.Fprintln(stderr, "kassa recover:", err)
		return payExitFailed
	}
	deadline := time.Now().Add(*wait)
	for {
		if err := e.Recover(ctx); err != nil {
			fmt.Fprintln(stderr, "kassa recover:", err)
		}
		un, _ := e.Journal().Unresolved()
		kids, _ := e.OpenChildren() // captures, releases, refunds (issue 11)
		if len(un)+kids == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	return payPrintRecovered(ctx, e, stdout, *asJSON)
}

// payPrintRecovered prints the payments checked by this run (those resolved
// since it started and those still unresolved).
func payPrintRecovered(ctx context.Context, e *pos.Engine, stdout io.Writer, asJSON bool) int {
	demo := e.Config().Demo
	ids := e.Recovered()
	left := 0
	for i, id := range ids {
		v, err := e.Payment(id)
		if err != nil {
			continue
		}
		if !v.Final() {
			left++
		}
		if i > 0 && !asJSON {
			fmt.Fprintln(stdout)
		}
		payPrint(stdout, demo, asJSON, payLines(ctx, v))
	}
	kids := e.RecoveredChildren() // issue 11
	for i, c := range kids {
		if !c.Final() {
			left++
		}
		if (i > 0 || len(ids) > 0) && !asJSON {
			fmt.Fprintln(stdout)
		}
		payPrint(stdout, demo, asJSON, childLines(ctx, c, childStatusWord(c, nil), nil))
	}
	if !asJSON {
		if len(ids)+len(kids) > 0 {
			fmt.Fprintln(stdout)
		}
		payPrint(stdout, demo, false, [][2]string{{"checked", fmt.Sprint(len(ids) + len(kids))}, {"unresolved", fmt.Sprint(left)}})
	}
	if left > 0 {
		return payExitUnknown
	}
	return payExitOK
}

func payCloseDayUsage(w io.Writer) {
	fmt.Fprintln(w, `Usage: kassa close-day [--json] [--force] [--demo]

Closes the business day with the bank: computes the open day's totals from
the journal, journals the close-day request id, sends the totals, waits while
the bank answers "processing", records the reply and prints every difference
between the journal's and the bank's counts and sums. Refuses while payments
are unresolved unless --force is given. Prints key: value lines
(request_id, status, our_/bank_ sale and reversal counts and sums,
differences, agree, chain_head, gate_close_date, message) or one JSON object
with --json.

Exit status: 0 when the bank finished and the totals agree; 2 on a
difference, a refusal or an error; 1 usage or configuration error.`)
}

func runCloseDay(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, c := newPayFlagSet("close-day", payCloseDayUsage, stderr)
	asJSON := fs.Bool("json", false, "print one JSON object")
	force := fs.Bool("force", false, "close even while payments are unresolved (they are reported)")
	if _, code, ok := payParse(fs, args, 0, stderr); !ok {
		return code
	}
	e, code := payStartEngine(ctx, *c, true, stderr)
	if e == nil {
		return code
	}
	defer e.Close()
	ctx = c.person(ctx, e)
	demo := e.Config().Demo
	var progress func(pos.Reason)
	if !*asJSON {
		progress = func(r pos.Reason) { fmt.Fprintln(stderr, "close-day:", sentence(ctx, r)) }
	}
	rep, err := e.CloseDay(ctx, *force, progress)
	if err != nil && rep.RequestID == "" {
		payPrint(stdout, demo, *asJSON, [][2]string{{"status", "refused"}, {"agree", "false"}, {"message", errSentence(ctx, err)}})
		return payExitFailed
	}
	var diffs []string
	for _, d := range rep.Differences {
		diffs = append(diffs, fmt.Sprintf("%s ours=%s bank=%s", d.Field, d.Ours, d.Theirs))
	}
	lines := [][2]string{
		{"request_id", rep.RequestID},
		{"status", rep.Status.String()},
		{"our_sale_count", fmt.Sprint(rep.Ours.SaleCount)},
		{"our_sale_sum", rep.Ours.SaleSum.Major()},
		{"our_reversal_count", fmt.Sprint(rep.Ours.ReversalCount)},
		{"our_reversal_sum", rep.Ours.ReversalSum.Major()},
		{"bank_sale_count", fmt.Sprint(rep.Theirs.SaleCount)},
		{"bank_sale_sum", rep.Theirs.SaleSum.Major()},
		{"bank_reversal_count", fmt.Sprint(rep.Theirs.ReversalCount)},
		{"bank_reversal_sum", rep.Theirs.ReversalSum.Major()},
		{"currency", rep.Ours.Currency},
		{"differences", strings.Join(diffs, "; ")},
		{"agree", fmt.Sprint(rep.Agree)},
		{"gate_close_date", rep.GateCloseDate},
		{"chain_head", rep.ChainHead},
		{"message", closeDayMessage(ctx, rep)},
	}
	payPrint(stdout, demo, *asJSON, lines)
	if err != nil || !rep.Agree {
		return payExitFailed
	}
	return payExitOK
}

// closeDayMessage is a close-day report's message: what the result means,
// then the warning about unresolved payments, if any.
func closeDayMessage(ctx context.Context, rep pos.CloseDayReport) string {
	msg := sentence(ctx, rep.Reason)
	if rep.Warning.Cause != pos.CauseNone {
		msg += " " + sentence(ctx, rep.Warning)
	}
	return msg
}
