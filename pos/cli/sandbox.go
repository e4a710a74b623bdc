package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"kassa/mapi"
	"kassa/mapi/sandbox"
)

func init() {
	register(Command{Name: "sandbox", Summary: "run the local test gateway (sandbox)", Run: runSandbox})
}

const sandboxUsage = `Usage: kassa sandbox [flags]

Runs the local Elecsnet mPOS API gateway with the test cards of MAPI.md §7
until interrupted. Point Kassa at it with KASSA_GATEWAY_URL=http://ADDR/paynet,
KASSA_LOGIN, KASSA_CONTROL_KEY and KASSA_ENDPOINT_ID.

Defaults: login demo, control key demo-control-key, endpoint 1, currency RUB,
real timings, orders in memory only (use --data to keep them).

Test cards (swiped, inserted or tapped on the simulated reader):
  4111111111111111, 5555555555554444, 2200000000000004  approved after 1 s
  4000000000000002  declined      4000000000000119  error
  4000000000000259  filtered      4000000000000077  processing 20 s, approved
  4000000000000341  approved, no callback
  4000000000000432  approved, callback sent twice (10 s apart)
  4000000000000994  approved, but the sale reply is held 45 s
  4000000000000127  unknown for 60 s, then approved
  4000000000000531  approved; every refund of it declined
  4000000000000580  approved; the reply to its first capture or return held 45 s
  4000000000000614  approved; no partial capture or refund on its gate
  4012345678909, 4000000000000945  approved
  4000000000000705  approved; inserted it needs the PIN 1234
  4000000000000879  approved; inserted, the card declines after the approval
  any other card    declined (invalid card number)

Captures and returns are processing for 1 s, then final; a preauth's hold
lasts --hold-days days from its approval (default 7).

Flags:`

func runSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8085", "address to listen on (host:port; port 0 picks a free one)")
	login := fs.String("login", sandbox.DefaultLogin, "merchant login the sandbox accepts")
	key := fs.String("key", sandbox.DefaultKey, "merchant control key the sandbox signs and checks with")
	endpoint := fs.String("endpoint", sandbox.DefaultEndpoint, "endpoint id served")
	currency := fs.String("currency", sandbox.DefaultCurrency, "the endpoint's currency (ISO 4217)")
	data := fs.String("data", "", "JSON file keeping orders across restarts (default: memory only)")
	speed := fs.Float64("speed", 1, "run test-card timings N times faster (testing only)")
	instant := fs.Bool("instant", false, "no delays at all (benchmarks)")
	holdDays := fs.Float64("hold-days", sandbox.DefaultHoldDays, "hold period of a preauth in days (fractions shorten it for testing)")
	verbose := fs.Bool("v", false, "also log debug detail (connection errors)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, sandboxUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 1
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kassa sandbox: unexpected argument %q\n", fs.Arg(0))
		return 1
	}
	if *speed < 1 {
		fmt.Fprintln(stderr, "kassa sandbox: --speed must be 1 or more")
		return 1
	}
	if *holdDays <= 0 {
		fmt.Fprintln(stderr, "kassa sandbox: --hold-days must be more than 0")
		return 1
	}
	if strings.TrimSpace(*key) == "" || strings.TrimSpace(*login) == "" || strings.TrimSpace(*endpoint) == "" {
		fmt.Fprintln(stderr, "kassa sandbox: --login, --key and --endpoint must not be empty")
		return 1
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	run, err := sandbox.Start(ctx, *listen, sandbox.Options{
		Login: *login, Key: mapi.Secret(*key), EndpointID: *endpoint, Currency: strings.ToUpper(*currency),
		Speed: *speed, Instant: *instant, HoldDays: *holdDays, DataFile: *data, Logger: log,
	})
	if err != nil {
		fmt.Fprintln(stderr, "kassa sandbox:", err)
		return 1
	}
	fmt.Fprintf(stdout, "listening on %s\n", run.URL)
	<-ctx.Done()
	if err := run.Close(); err != nil {
		fmt.Fprintln(stderr, "kassa sandbox: closing:", err)
		return 1
	}
	return 0
}
