// Command kassa is a desktop point-of-sale terminal: card payments through an
// mPOS reader on a serial port, with the Elecsnet mPOS API as gateway.
//
// Without arguments (or with --demo) it opens the checkout GUI; with a command
// name it runs that command headless (see `kassa help`). This file is the
// composition root: flags, configuration, and which parts the engine gets
// (pos/demo builds demo mode's sandbox and simulated reader).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"kassa/pos"
	"kassa/pos/cli"
	"kassa/pos/cli/plainlocale"
	"kassa/pos/demo"
	"kassa/pos/receipt"
	"kassa/ui"
	"kassa/ui/words"
)

func main() {
	plainlocale.Restore()
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "help" || a == "--help" || a == "-h":
			cli.Usage(os.Stdout)
			return 0
		case cli.Has(a):
			return headless(args)
		}
	}
	fs := flag.NewFlagSet("kassa", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	demoMode := fs.Bool("demo", false, "demo mode: embedded sandbox gateway and simulated reader")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "kassa: unknown command or flag %q\n\n", args[0])
		cli.Usage(os.Stderr)
		return 1
	}
	return gui(*demoMode)
}

// headless runs a command; Ctrl-C and SIGTERM cancel it.
func headless(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return cli.Run(ctx, args, os.Stdout, os.Stderr, cli.WithWords(func(r pos.Reason) (string, string) {
		return words.Reason(words.English, r)
	}), cli.WithReceiptWords(func(lang string) receipt.Words { return words.ParseLang(lang) }))
}

// gui opens the checkout on an engine with the configured (or demo) parts.
func gui(demoMode bool) int {
	cfg, cfgErr := pos.LoadConfig(demoMode)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	start := func(ctx context.Context) (*pos.Engine, error) { return demo.Start(ctx, cfg, log) }
	if err := ui.Main(ui.Launch{Config: cfg, ConfigErr: cfgErr, Start: start}); err != nil {
		fmt.Fprintln(os.Stderr, "kassa:", err)
		return 1
	}
	return 0
}
