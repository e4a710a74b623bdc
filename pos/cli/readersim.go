package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"kassa/device/sim"
)

func init() {
	register(Command{Name: "reader-sim", Summary: "serve a simulated card reader on a pseudo-terminal", Run: runReaderSim})
}

const readerSimUsage = `Usage: kassa reader-sim [--card PAN] [--auto-swipe 1.5s] [--fault NAME] [--serial S] [--slow 4s] [--verbose]

Serves a simulated Miura card reader (READER-PROTOCOL.md §9) on a
pseudo-terminal until interrupted. The first line on stdout is the port to
open (a stable symlink to the current /dev/pts/N), e.g. for
'kassa reader info --port PATH'. Closing and reopening the port is fine.

Control lines on stdin (one per line; each answered by "ok ..." or
"error: ..." on stdout):
  card PAN      swipe this card from now on (12-19 digits)
  swipe         swipe the card now (the host must be waiting for a card)
  fault NAME    arm a fault for the next read: none, bad-swipe, no-card,
                unplug, corrupt, slow, no-keys, drop
  unplug        pull the cable now: the port disappears
  replug        plug the reader back in (same path)
  cards         list the test cards
  status        show the card, the pending fault and the last KSN
  help          list these commands

Test cards: 4012345678909 (default), 4111111111111111, 5555555555554444,
2200000000000004, 4000000000000002, 4000000000000119, 4000000000000259,
4000000000000077, 4000000000000341, 4000000000000432; track 2 is
";PAN=2812101000000000?" (expiry 12/28). Keys: test BDK
0123456789ABCDEFFEDCBA9876543210, KSN FFFF9876543210E00000 (+1 per swipe).

Flags:
`

// readerSimStdin is where control lines come from (tests replace it).
var readerSimStdin io.Reader = os.Stdin

func runReaderSim(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, code, ok := readerSimParse(args, stderr)
	if !ok {
		return code
	}
	s, err := o.simulator(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "kassa reader-sim:", err)
		return 2
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p, err := sim.ListenPTY(ctx, s)
	if err != nil {
		fmt.Fprintln(stderr, "kassa reader-sim:", err)
		return 1
	}
	defer p.Close()
	out := &readerSimOut{w: stdout}
	out.line(p.Path)
	readerSimServe(ctx, s, p, out)
	return 0
}

// readerSimOptions are the reader-sim command's flags.
type readerSimOptions struct {
	card, fault, serial string
	auto, slow          time.Duration
	verbose             bool
}

// readerSimParse parses the flags; ok is false when the command must stop
// with code (0 after --help, 2 on a usage error).
func readerSimParse(args []string, stderr io.Writer) (o readerSimOptions, code int, ok bool) {
	fs := flag.NewFlagSet("reader-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.card, "card", sim.DefaultCard, "card number (PAN) to swipe")
	fs.DurationVar(&o.auto, "auto-swipe", sim.DefaultAutoSwipe, "swipe this long after the host asks for a card; 0 = only on a 'swipe' line")
	fs.StringVar(&o.fault, "fault", "none", "fault for the first read: none, bad-swipe, no-card, unplug, corrupt, slow, no-keys, drop")
	fs.StringVar(&o.serial, "serial", sim.DefaultSerial, "reader serial number")
	fs.DurationVar(&o.slow, "slow", sim.DefaultSlow, "how long the slow fault holds a response")
	fs.BoolVar(&o.verbose, "verbose", false, "log every command on stderr")
	fs.Usage = func() {
		fmt.Fprint(stderr, readerSimUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, 0, false
		}
		return o, 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kassa reader-sim: unexpected argument %q\n", fs.Arg(0))
		return o, 2, false
	}
	return o, 0, true
}

// simulator makes the simulated reader the options describe.
func (o readerSimOptions) simulator(stderr io.Writer) (*sim.Reader, error) {
	f, err := sim.ParseFault(o.fault)
	if err != nil {
		return nil, err
	}
	if o.auto == 0 {
		o.auto = -1
	}
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	s := sim.New(sim.Config{Serial: o.serial, AutoSwipe: o.auto, Slow: o.slow, Logger: log})
	if err := s.SetCard(o.card); err != nil {
		return nil, err
	}
	s.SetFault(f)
	return s, nil
}

// readerSimServe runs the control lines from stdin until ctx ends.
func readerSimServe(ctx context.Context, s *sim.Reader, p *sim.PTY, out *readerSimOut) {
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(readerSimStdin)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case l := <-lines:
			out.line(readerSimControl(s, p, l))
		}
	}
}

// readerSimOut serialises lines on stdout.
type readerSimOut struct {
	mu sync.Mutex
	w  io.Writer
}

func (o *readerSimOut) line(s string) {
	if s == "" {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintln(o.w, s)
}

// readerSimControl runs one control line and returns the reply.
func readerSimControl(s *sim.Reader, p *sim.PTY, line string) string {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return ""
	}
	arg := ""
	if len(fields) > 1 {
		arg = fields[1]
	}
	switch fields[0] {
	case "card":
		if err := s.SetCard(arg); err != nil {
			return "error: " + strings.TrimPrefix(err.Error(), "sim: ")
		}
		return "ok card " + readerSimMask(arg)
	case "swipe":
		switch err := s.Swipe(); {
		case errors.Is(err, sim.ErrNotWaiting):
			return "error: the host is not waiting for a card"
		case errors.Is(err, sim.ErrNoCard):
			return "error: no card (no-card fault)"
		case err != nil:
			return "error: " + err.Error()
		}
		return "ok swiped"
	case "fault":
		f, err := sim.ParseFault(arg)
		if err != nil {
			return "error: " + err.Error()
		}
		s.SetFault(f)
		return "ok fault " + string(f)
	case "unplug":
		if err := p.Unplug(); err != nil {
			return "error: " + err.Error()
		}
		return "ok unplugged"
	case "replug":
		if err := p.Replug(); err != nil {
			return "error: " + err.Error()
		}
		return "ok replugged " + p.Path
	case "cards":
		return "ok " + strings.Join(s.Cards(), " ")
	case "status":
		return fmt.Sprintf("ok card %s fault %s ksn %s waiting %v device %s",
			readerSimMask(s.Card()), s.Fault(), s.KSN(), s.Waiting(), p.Device())
	case "help":
		return "ok commands: card PAN, swipe, fault NAME, unplug, replug, cards, status, help"
	}
	return fmt.Sprintf("error: unknown command %q (try help)", fields[0])
}

// readerSimMask shows a PAN as first 6, '*'s, last 4.
func readerSimMask(pan string) string {
	if len(pan) < 10 {
		return "****"
	}
	return pan[:6] + strings.Repeat("*", len(pan)-10) + pan[len(pan)-4:]
}
