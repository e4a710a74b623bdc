// Package cli holds Kassa's headless commands (`kassa sale`, `kassa sandbox`,
// `kassa journal`, ...). They use the same packages as the GUI: the pos engine,
// the journal, the reader driver and the gateway client.
package cli

import (
	"context"
	"fmt"
	"io"
	"sort"

	"kassa/pos"
)

// Command is one headless subcommand.
type Command struct {
	Name    string
	Summary string
	// Run executes the command with the arguments after its name and returns
	// the process exit code.
	Run func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands lists every subcommand; each lives in its own file.
var commands = map[string]Command{}

func register(c Command) { commands[c.Name] = c }

// Has reports whether name is a headless subcommand.
func Has(name string) bool {
	_, ok := commands[name]
	return ok
}

// Words turns a reason into words for people: what happened and what to do
// (ui/words in English, handed over by main: pos/cli never imports ui).
type Words func(r pos.Reason) (what, todo string)

// Option configures Run.
type Option func(*options)

type options struct {
	words   Words
	receipt ReceiptWords // issue 16: kassa receipt
}

// WithWords makes the commands print reasons with w; without it they print
// each reason's short description (Reason.Error).
func WithWords(w Words) Option { return func(o *options) { o.words = w } }

// wordsKey is the context key of the running command's Words.
type wordsKey struct{}

// wordsOf is the Words Run was given (nil: none).
func wordsOf(ctx context.Context) Words {
	w, _ := ctx.Value(wordsKey{}).(Words)
	return w
}

// sentence is a reason in words for the message lines.
func sentence(ctx context.Context, r pos.Reason) string {
	words := wordsOf(ctx)
	if words == nil {
		return r.Error()
	}
	what, todo := words(r)
	if todo == "" {
		return what
	}
	return what + " " + todo
}

// errSentence is an engine error in words: its reason's, or without Words
// the error's own short text.
func errSentence(ctx context.Context, err error) string {
	if r := pos.ReasonOf(err); r.Cause != pos.CauseNone && wordsOf(ctx) != nil {
		return sentence(ctx, r)
	}
	return err.Error()
}

// Run dispatches args[0] to its command and returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, opts ...Option) int {
	var o options
	for _, fn := range opts {
		fn(&o)
	}
	ctx = context.WithValue(ctx, wordsKey{}, o.words)
	ctx = context.WithValue(ctx, receiptWordsKey{}, o.receipt)
	if len(args) == 0 {
		Usage(stderr)
		return 1
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "kassa: unknown command %q\n\n", args[0])
		Usage(stderr)
		return 1
	}
	return c.Run(ctx, args[1:], stdout, stderr)
}

// Usage prints the list of commands.
func Usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: kassa [--demo]            start the checkout (GUI)")
	fmt.Fprintln(w, "       kassa <command> [flags]   run a headless command")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].Summary)
	}
	fmt.Fprintln(w, "\nRun 'kassa <command> --help' for a command's flags.")
}
