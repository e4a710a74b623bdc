package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"kassa/pos"
)

// The commands after a payment (issue 11): capture, release, refund. Same
// engine, configuration and demo mode as 'kassa sale'; their flags, output
// keys and exit codes are contracts: add, never change.
//
// Output keys, in order: client_orderid, operation, status (approved,
// declined, refused, unknown), amount, currency, captured_amount,
// refunded_total, remaining, message, then child, serial_number, cause.
// Exit codes: 0 approved, 2 declined or refused, 3 unknown, 1 usage or
// configuration error or payment not found.

func init() {
	register(Command{Name: "capture", Summary: "capture a preauth's hold (whole or part)", Run: runCapture})
	register(Command{Name: "release", Summary: "release a preauth's hold", Run: runRelease})
	register(Command{Name: "refund", Summary: "refund an approved sale or capture (whole or part)", Run: runRefund})
}

// Child statuses in the output.
const (
	childApproved = "approved"
	childDeclined = "declined"
	childRefused  = "refused"
	childUnknown  = "unknown"
)

// childUsage is a child command's usage text.
func childUsage(synopsis, what string) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintf(w, `Usage: kassa %s

%s The operation is journaled before its request and its result before
it is printed; an unknown result is resolved by status ('kassa recover'),
never by sending it again. Prints key: value lines (client_orderid,
operation, status, amount, currency, captured_amount, refunded_total,
remaining, message, child, serial_number, cause), or one JSON object
with --json. Same KASSA_* configuration and --demo as 'kassa sale'.

Exit status: 0 approved; 2 declined, or refused (by Kassa, nothing sent);
3 unknown (DO NOT do it again: see 'kassa recover'); 1 usage or
configuration error, or no such payment.
`, synopsis, what)
	}
}

func runCapture(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runChildCommand(ctx, pos.Capture, args, stdout, stderr, childUsage(
		"capture CLIENT_ORDERID [--amount X] [--json] [--demo] [--cashier NAME]",
		"Captures an approved preauth's hold: the whole hold, or --amount of it (the rest is released)."))
}

func runRelease(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runChildCommand(ctx, pos.Release, args, stdout, stderr, childUsage(
		"release CLIENT_ORDERID [--json] [--demo] [--cashier NAME]",
		"Releases an approved preauth's whole hold: the customer's money is free again."))
}

func runRefund(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runChildCommand(ctx, pos.Refund, args, stdout, stderr, childUsage(
		"refund CLIENT_ORDERID [--amount X] [--reason TEXT] [--json] [--demo] [--cashier NAME]",
		"Refunds an approved sale or a preauth's capture: all that is left, or --amount of it (several partial refunds are allowed)."))
}

// childArgs are a child command's parsed arguments.
type childArgs struct {
	id, amount, reason string
	asJSON             bool
	flags              *payFlags
}

// parseChildArgs parses a child command's arguments; ok false: stop with code.
func parseChildArgs(op pos.Operation, args []string, stderr io.Writer, usage func(io.Writer)) (childArgs, int, bool) {
	fs, c := newPayFlagSet(string(op), usage, stderr)
	var a childArgs
	a.flags = c
	if op != pos.Release {
		fs.StringVar(&a.amount, "amount", "", "amount in major units, e.g. 10.42 (default: the whole hold / all that is left)")
	}
	if op == pos.Refund {
		fs.StringVar(&a.reason, "reason", "", "why (journaled; sent as the return's comment, at most 50 characters)")
	}
	fs.BoolVar(&a.asJSON, "json", false, "print one JSON object")
	rest, code, ok := payParse(fs, args, -1, stderr)
	if !ok {
		return a, code, false
	}
	if len(rest) != 1 {
		fmt.Fprintf(stderr, "kassa %s: give exactly one CLIENT_ORDERID\n", op)
		fs.Usage()
		return a, payExitUsage, false
	}
	a.id = strings.TrimSpace(rest[0])
	return a, payExitOK, true
}

func runChildCommand(ctx context.Context, op pos.Operation, args []string, stdout, stderr io.Writer, usage func(io.Writer)) int {
	a, code, ok := parseChildArgs(op, args, stderr, usage)
	if !ok {
		return code
	}
	e, code := payStartEngine(ctx, *a.flags, true, stderr)
	if e == nil {
		return code
	}
	defer e.Close()
	ctx = a.flags.person(ctx, e) // --cashier NAME, else cli:<OS user> (issue 13)
	cfg := e.Config()
	var amt pos.Amount
	if a.amount != "" {
		var err error
		if amt, err = pos.ParseAmount(a.amount, cfg.Currency); err != nil || amt.Minor <= 0 {
			fmt.Fprintf(stderr, "kassa %s: amount %q: want a positive amount like 10.42\n", op, a.amount)
			return payExitUsage
		}
	}
	reason := a.reason
	if reason == "" {
		reason = string(op)
	}
	v, err := childDo(ctx, e, op, a.id, amt, reason)
	if errors.Is(err, pos.ErrNotFound) {
		fmt.Fprintf(stderr, "kassa %s: no payment %s in this terminal's journal\n", op, a.id)
		return payExitUsage
	}
	if errors.Is(err, pos.ErrConfig) {
		fmt.Fprintf(stderr, "kassa %s: %s\n", op, errSentence(ctx, err))
		return payExitUsage
	}
	status := childStatusWord(v, err)
	if err != nil && v.ClientOrderID == "" {
		v = pos.ChildView{ClientOrderID: a.id, Operation: op, Reason: pos.ReasonOf(err)}
	}
	payPrint(stdout, cfg.Demo, a.asJSON, childLines(ctx, v, status, err))
	return childExit(status)
}

// childDo runs op through the engine.
func childDo(ctx context.Context, e *pos.Engine, op pos.Operation, id string, amt pos.Amount, reason string) (pos.ChildView, error) {
	ctx = pos.WithActor(ctx, pos.CashierOf(ctx))
	switch op {
	case pos.Capture:
		return e.Capture(ctx, id, amt, reason)
	case pos.Release:
		return e.Release(ctx, id, amt, reason)
	}
	return e.Refund(ctx, id, amt, reason)
}

// childStatusWord is the output status of a child (err: the engine's).
func childStatusWord(v pos.ChildView, err error) string {
	switch {
	case err != nil && v.ID == "":
		return childRefused
	case v.Status == pos.StatusApproved:
		return childApproved
	case v.Status.Final():
		return childDeclined
	}
	return childUnknown
}

func childExit(status string) int {
	switch status {
	case childApproved:
		return payExitOK
	case childUnknown:
		return payExitUnknown
	}
	return payExitFailed
}

// childLines are the `key: value` lines of a child, in contract order.
func childLines(ctx context.Context, v pos.ChildView, status string, err error) [][2]string {
	r := v.Reason
	if err != nil && r.Cause == pos.CauseNone {
		r = pos.ReasonOf(err)
	}
	msg := sentence(ctx, r)
	if err != nil && r.Cause == pos.CauseNone {
		msg = err.Error()
	}
	if status == childUnknown && !strings.Contains(msg, "DO NOT") {
		msg += " — DO NOT do it again."
	}
	l := v.Ledger
	cur := v.Amount.Currency
	if cur == "" {
		cur = l.Amount.Currency
	}
	return [][2]string{
		{"client_orderid", v.ClientOrderID},
		{"operation", string(v.Operation)},
		{"status", status},
		{"amount", majorOrEmpty(v.Amount)},
		{"currency", cur},
		{"captured_amount", majorOrEmpty(l.Captured)},
		{"refunded_total", majorOrEmpty(l.Refunded)},
		{"remaining", majorOrEmpty(l.Remaining)},
		{"message", msg},
		{"child", v.ID},
		{"serial_number", v.SerialNumber},
		{"cause", r.Cause.String()},
	}
}

// majorOrEmpty is an amount in major units ("" without a currency).
func majorOrEmpty(a pos.Amount) string {
	if a.Currency == "" {
		return ""
	}
	return a.Major()
}

// childLedgerLines are a payment's figures and children for 'kassa status'.
func childLedgerLines(e *pos.Engine, id string) [][2]string {
	l, err := e.Ledger(id)
	if err != nil {
		return nil
	}
	lines := [][2]string{{"captured_amount", l.Captured.Major()}, {"refunded_total", l.Refunded.Major()}, {"remaining", l.Remaining.Major()}}
	kids, _ := e.Children(id)
	lines = append(lines, [2]string{"children", fmt.Sprint(len(kids))})
	for _, c := range kids {
		lines = append(lines, [2]string{"child_" + c.ID, childSummary(c)})
	}
	return lines
}

// childSummary is one child on one line: "refund approved 10.00 RUB serial … (reason)".
func childSummary(c pos.ChildView) string {
	s := fmt.Sprintf("%s %s %s", c.Operation, c.Status, c.Amount)
	if c.SerialNumber != "" {
		s += " serial " + c.SerialNumber
	}
	if c.Comment != "" {
		s += " (" + c.Comment + ")"
	}
	return s
}

func init() {
	register(Command{Name: "child-retry", Summary: "do again, as a manager's decision, an operation the bank never had", Run: runChildRetry})
}

func payChildRetryUsage(w io.Writer) {
	fmt.Fprintln(w, `Usage: kassa child-retry CLIENT_ORDERID CHILD --manager NAME --reason TEXT [--json] [--demo]

Does again a capture, release or refund (CHILD: its number, 'kassa status'
lists them as child_N) whose result was unknown and which the bank then
proved it never had: the manager's decision is journaled first. Any other
is refused. Output and exit status as 'kassa refund'.`)
}

func runChildRetry(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, c := newPayFlagSet("child-retry", payChildRetryUsage, stderr)
	manager := fs.String("manager", "", "the manager's name (journaled)")
	why := fs.String("reason", "", "why it is done again (journaled)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	rest, code, ok := payParse(fs, args, -1, stderr)
	if !ok {
		return code
	}
	if len(rest) != 2 || strings.TrimSpace(*manager) == "" || strings.TrimSpace(*why) == "" {
		fs.Usage()
		return payExitUsage
	}
	e, code := payStartEngine(ctx, *c, true, stderr)
	if e == nil {
		return code
	}
	defer e.Close()
	ctx = c.person(ctx, e)
	v, err := e.RetryChild(ctx, strings.TrimSpace(rest[0]), strings.TrimSpace(rest[1]), *manager, *why)
	if errors.Is(err, pos.ErrNotFound) {
		fmt.Fprintf(stderr, "kassa child-retry: no payment %s in this terminal's journal\n", rest[0])
		return payExitUsage
	}
	status := childStatusWord(v, err)
	if v.ClientOrderID == "" {
		v = pos.ChildView{ClientOrderID: rest[0], Reason: pos.ReasonOf(err)}
	}
	payPrint(stdout, e.Config().Demo, *asJSON, childLines(ctx, v, status, err))
	return childExit(status)
}
