package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"kassa/device"
)

func init() { register(readerCommands().command()) }

// readerCommands is kassa reader's table.
func readerCommands() *group {
	return &group{name: "reader", summary: "talk to the card reader (reader info)", noun: "subcommand", width: 6,
		synopsis: "info [--port PATH|auto] [--timeout 10s] [--verbose]", intro: "Subcommands:\n",
		subs: []subcommand{
			{"info", "", `open the card reader, print its identity and exit:
  serial: SIM00001
  mpi_version: 1-47
  os_version: 7-12
  sred_ready: true
  battery: 85% charging
  emv: yes
  contactless: yes
(emv and contactless from GET DEVICE INFO: chip and tap.)
Exits non-zero with a plain message when the port is missing, busy
or nobody answers.`, runReaderInfo},
		}}
}

func readerUsage(w io.Writer) { readerCommands().usage(w) }

func runReaderInfo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reader info", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.String("port", "auto", "serial port path of the reader, or auto (find it by USB id)")
	timeout := fs.Duration("timeout", device.ResetTimeout, "how long to wait for the reader's first answer")
	verbose := fs.Bool("verbose", false, "log the conversation with the reader to stderr (no card data)")
	fs.Usage = func() { readerUsage(stderr); fmt.Fprintln(stderr, "\nFlags:"); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 1
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kassa reader info: unexpected argument %q\n", fs.Arg(0))
		return 1
	}
	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	r, err := device.Open(ctx, device.Options{Port: *port, Logger: logger, ResetTimeout: *timeout, BatteryInterval: -1})
	if err != nil {
		fmt.Fprintln(stderr, "kassa reader info:", readerErrorText(*port, err))
		return 1
	}
	defer r.Close()
	info := r.Info()
	fmt.Fprintf(stdout, "serial: %s\n", info.Serial)
	fmt.Fprintf(stdout, "mpi_version: %s\n", info.MPIVersion)
	fmt.Fprintf(stdout, "os_version: %s\n", info.OSVersion)
	fmt.Fprintf(stdout, "sred_ready: %t\n", info.SREDReady)
	if info.Battery.Charging == "" {
		fmt.Fprintln(stdout, "battery: unknown")
	} else {
		fmt.Fprintf(stdout, "battery: %s\n", info.Battery)
	}
	chip, ctls, err := r.Capabilities(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "kassa reader info:", readerErrorText(*port, err))
		return 1
	}
	fmt.Fprintf(stdout, "emv: %s\n", yesNo(chip))
	fmt.Fprintf(stdout, "contactless: %s\n", yesNo(ctls))
	return 0
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// readerErrorText turns an Open error into words for the person at the till.
func readerErrorText(port string, err error) string {
	where := port
	if port == device.PortAuto {
		where = "any USB port"
	}
	switch {
	case errors.Is(err, device.ErrNoResponse):
		return fmt.Sprintf("no reader answered on %s: check the cable and that the reader is on", where)
	case errors.Is(err, device.ErrPortBusy):
		return fmt.Sprintf("%s is busy: another program (or another Kassa) is using the reader", where)
	case errors.Is(err, device.ErrPermission):
		return fmt.Sprintf("no permission to open %s: add yourself to the dialout group (sudo usermod -aG dialout $USER) and log in again", where)
	case errors.Is(err, device.ErrNotFound) && port == device.PortAuto:
		return "no card reader found: plug it in, or give its port with --port"
	case errors.Is(err, device.ErrNotFound):
		return fmt.Sprintf("%s does not exist: check the port name (kassa reader info --port auto finds the reader)", port)
	case errors.Is(err, context.Canceled):
		return "interrupted"
	}
	return err.Error()
}
