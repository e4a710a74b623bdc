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

const readerSimUsage = `Usage: kassa reader-sim [--card PAN] [--entry swipe|insert|tap] [--auto-swipe 1.5s] [--fault NAME] [--serial S] [--slow 4s] [--verbose]

Serves a simulated Miura card reader (READER-PROTOCOL.md §9, §12: stripe,
chip and contactless) on a pseudo-terminal until interrupted. The first line on stdout is the port to
open (a stable symlink to the current /dev/pts/N), e.g. for
'kassa reader info --port PATH'. Closing and reopening the port is fine.

Control lines on stdin (one per line; each answered by "ok ..." or
"error: ..." on stdout):
  card PAN [swipe|insert|tap]
                use this card from now on (12-19 digits); with a
                presentation, present it now
  swipe         swipe the card now (the host must be waiting for a card)
  insert        insert the card's chip now
  tap           tap the card now (held until the host starts contactless)
  remove        take an inserted card out
  entry E       what the automatic presentation does: swipe, insert, tap
  fault NAME    arm a fault for the next read: none, bad-swipe, no-card,
                unplug, corrupt, slow, no-keys, drop, pull (card pulled
                before CONTINUE), chip-error, no-tap, wrong-pin
  unplug        pull the cable now: the port disappears
  replug        plug the reader back in (same path)
  cards         list the test cards
  status        show the card, the pending fault and the last KSN
  help          list these commands

Test cards: 4012345678909 (default), 4111111111111111, 5555555555554444,
2200000000000004, 4000000000000002, 4000000000000119, 4000000000000259,
4000000000000077, 4000000000000341, 4000000000000432, and the chip cards
4000000000000705 (online PIN 1234), 4000000000000879 (the chip declines),
4000000000000945 (chip unreadable: swipe); track 2 is
";PAN=2812101000000000?" (expiry 12/28). Keys: test BDK
0123456789ABCDEFFEDCBA9876543210, KSN FFFF9876543210E00000 (+1 per card
read), issuer master key 0123456789ABCDEFFEDCBA9876543210.

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

	lines := make(chan string)
	in := readerSimStdin
	go func() {
		sc := bufio.NewScanner(in)
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
			return 0
		case l := <-lines:
			out.line(readerSimControl(s, p, l))
		}
	}
}

// readerSimOptions are the reader-sim command's flags.
type readerSimOptions struct {
	card, entry, fault, serial string
	auto, slow                 time.Duration
	verbose                    bool
}

// readerSimParse parses the flags; ok is false when the command must stop
// with code (0 after --help, 2 on a usage error).
func readerSimParse(args []string, stderr io.Writer) (o readerSimOptions, code int, ok bool) {
	fs := flag.NewFlagSet("reader-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.card, "card", sim.DefaultCard, "card number (PAN) to swipe")
	fs.DurationVar(&o.auto, "auto-swipe", sim.DefaultAutoSwipe, "present the card this long after the host asks for one; 0 = only on a control line")
	fs.StringVar(&o.entry, "entry", "swipe", "what the automatic presentation is: swipe, insert or tap")
	fs.StringVar(&o.fault, "fault", "none", "fault for the first read: none, bad-swipe, no-card, unplug, corrupt, slow, no-keys, drop, pull, chip-error, no-tap, wrong-pin")
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
	pres, err := sim.ParsePresentation(o.entry)
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
	s := sim.New(sim.Config{Serial: o.serial, AutoSwipe: o.auto, Slow: o.slow, Logger: log, Entry: pres})
	if err := s.SetCard(o.card); err != nil {
		return nil, err
	}
	s.SetFault(f)
	return s, nil
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
		return readerSimCard(s, fields[1:])
	case "swipe", "insert", "tap":
		pres, _ := sim.ParsePresentation(fields[0])
		return readerSimPresent(s, pres)
	case "remove":
		if !s.Remove() {
			return "error: no card in the slot"
		}
		return "ok removed"
	case "entry":
		pres, err := sim.ParsePresentation(arg)
		if err != nil || arg == "" {
			return "error: entry must be swipe, insert or tap"
		}
		s.SetEntry(pres)
		return "ok entry " + pres.String()
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
		return fmt.Sprintf("ok card %s fault %s ksn %s waiting %v device %s entry %s inserted %s",
			readerSimMask(s.Card()), s.Fault(), s.KSN(), s.Waiting(), p.Device(), s.Entry(), readerSimDash(s.Inserted()))
	case "help":
		return "ok commands: card PAN [swipe|insert|tap], swipe, insert, tap, remove, entry E, fault NAME, unplug, replug, cards, status, help"
	}
	return fmt.Sprintf("error: unknown command %q (try help)", fields[0])
}

// readerSimCard is "card PAN [swipe|insert|tap]".
func readerSimCard(s *sim.Reader, args []string) string {
	if len(args) == 0 || len(args) > 2 {
		return "error: usage: card PAN [swipe|insert|tap]"
	}
	var pres sim.Presentation
	if len(args) == 2 {
		var err error
		if pres, err = sim.ParsePresentation(args[1]); err != nil {
			return "error: " + err.Error()
		}
	}
	if err := s.SetCard(args[0]); err != nil {
		return "error: " + strings.TrimPrefix(err.Error(), "sim: ")
	}
	reply := "ok card " + readerSimMask(args[0])
	if len(args) == 2 {
		if r := readerSimPresent(s, pres); strings.HasPrefix(r, "error") {
			return r
		} else {
			reply += " " + strings.TrimPrefix(r, "ok ")
		}
	}
	return reply
}

// readerSimPresent presents the selected card now.
func readerSimPresent(s *sim.Reader, pres sim.Presentation) string {
	switch err := s.Present(pres); {
	case errors.Is(err, sim.ErrNotWaiting):
		return "error: the host is not waiting for a card"
	case errors.Is(err, sim.ErrNoCard):
		return "error: no card (no-card fault)"
	case errors.Is(err, sim.ErrNoTap):
		return "error: the card does not answer the tap (no-tap fault)"
	case err != nil:
		return "error: " + err.Error()
	}
	return "ok " + map[sim.Presentation]string{sim.PresentSwipe: "swiped", sim.PresentInsert: "inserted", sim.PresentTap: "tapped"}[pres]
}

func readerSimDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// readerSimMask shows a PAN as first 6, '*'s, last 4.
func readerSimMask(pan string) string {
	if len(pan) < 10 {
		return "****"
	}
	return pan[:6] + strings.Repeat("*", len(pan)-10) + pan[len(pan)-4:]
}
