package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"

	"kassa/pos"
)

func init() {
	register(Command{Name: "version", Summary: "print Kassa's version", Run: runVersion})
}

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: kassa version\n\nPrints the version of Kassa and of Go it was built with.")
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 1
	}
	fmt.Fprintf(stdout, "kassa %s (%s, %s/%s)\n", pos.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return 0
}
