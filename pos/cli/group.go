package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// group is a command made of subcommands (kassa journal list, kassa report
// x, ...): one table dispatches them and writes the usage text, so each
// subcommand is one entry of the table plus its own function.
type group struct {
	name     string // kassa <name>
	summary  string // the command's line in kassa's list of commands
	noun     string // what the unknown-name message calls a subcommand ("subcommand", "report")
	synopsis string // the usage line after "kassa <name> "
	intro    string // the usage text between the synopsis and the table
	width    int    // the table's first column (name and arguments); longer ones put the words on the next line
	subs     []subcommand
	tail     string // the usage text after the table
}

// subcommand is one entry of a group's table.
type subcommand struct {
	name  string
	args  string // after the name in the usage text
	about string // what it does, in the usage text; each further line indented under the first
	run   func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// command is the group as one of kassa's commands.
func (g *group) command() Command {
	return Command{Name: g.name, Summary: g.summary, Run: g.run}
}

// run dispatches args[0] to its subcommand; without one, or with an unknown
// one, it prints the usage on stderr and exits 1; help prints it on stdout.
func (g *group) run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		g.usage(stderr)
		return 1
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		g.usage(stdout)
		return 0
	}
	for _, s := range g.subs {
		if s.name == args[0] {
			return s.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "kassa %s: unknown %s %q\n\n", g.name, g.noun, args[0])
	g.usage(stderr)
	return 1
}

// usage writes the usage text: the synopsis, the intro, a line per
// subcommand (its name and arguments, then what it does from column
// width+3), the tail.
func (g *group) usage(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: kassa %s %s\n\n%s", g.name, g.synopsis, g.intro)
	indent := strings.Repeat(" ", g.width+3)
	for _, s := range g.subs {
		use := strings.TrimSpace(s.name + " " + s.args)
		about := strings.Split(s.about, "\n")
		if len(use) > g.width {
			fmt.Fprintf(&b, "  %s\n%s%s\n", use, indent, about[0])
		} else {
			fmt.Fprintf(&b, "  %-*s %s\n", g.width, use, about[0])
		}
		for _, l := range about[1:] {
			b.WriteString(indent + l + "\n")
		}
	}
	b.WriteString(g.tail)
	fmt.Fprint(w, b.String())
}
