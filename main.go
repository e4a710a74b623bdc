// Command kassa is a desktop point-of-sale terminal: card payments through an
// mPOS reader on a serial port, with the Elecsnet mPOS API as gateway.
//
// Without arguments (or with --demo) it opens the checkout GUI; with a command
// name it runs that command headless (see `kassa help`).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"kassa/pos/cli"
	"kassa/ui"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && (args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
		cli.Usage(os.Stdout)
		return
	}
	if len(args) > 0 && cli.Has(args[0]) {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Run(ctx, args, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	if err := ui.Main(args); err != nil {
		fmt.Fprintln(os.Stderr, "kassa:", err)
		os.Exit(1)
	}
}
