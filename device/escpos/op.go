package escpos

import (
	"fmt"
	"strings"
)

// OpKind is what a decoded piece of a print job is.
type OpKind uint8

// Kinds of decoded ops.
const (
	OpText     OpKind = iota // printed text (Text), NL when a line feed ended it
	OpInit                   // ESC @
	OpCodePage               // ESC t n; Arg n
	OpBold                   // ESC E n; Arg 0 or 1
	OpReverse                // GS B n; Arg 0 or 1
	OpSize                   // GS ! n; W, H multipliers
	OpAlign                  // ESC a n; Arg an Align
	OpFeed                   // ESC d n; Arg lines
	OpCut                    // GS V; Arg 1 partial, 0 full
	OpQR                     // GS ( k print; Text the stored data, Arg the module size
	OpStatus                 // DLE EOT n; Arg n
	OpDrawer                 // ESC p m t1 t2; Arg m
	OpUnknown                // bytes the decoder does not know (Data)
)

// Op is one decoded piece of a print job.
type Op struct {
	Kind OpKind
	Text string // OpText: the text decoded from its code page; OpQR: the data
	NL   bool   // OpText: ended by a line feed
	Arg  int
	W, H int    // OpSize
	Data []byte // OpUnknown: the bytes
}

// String says the op as a person reading the paper would: the text itself,
// or "bold on", "cut", "qr R-4242", "codepage 17".
func (o Op) String() string {
	switch o.Kind {
	case OpText:
		return o.Text
	case OpInit:
		return "init"
	case OpCodePage:
		return fmt.Sprintf("codepage %d", o.Arg)
	case OpBold:
		return map[bool]string{true: "bold on", false: "bold off"}[o.Arg != 0]
	case OpReverse:
		return map[bool]string{true: "reverse on", false: "reverse off"}[o.Arg != 0]
	case OpSize:
		return fmt.Sprintf("size %dx%d", o.W, o.H)
	case OpAlign:
		return "align " + Align(o.Arg).String()
	case OpFeed:
		return fmt.Sprintf("feed %d", o.Arg)
	case OpCut:
		return map[bool]string{true: "cut", false: "full cut"}[o.Arg != 0]
	case OpQR:
		return "qr " + o.Text
	case OpStatus:
		return fmt.Sprintf("status %d", o.Arg)
	case OpDrawer:
		return fmt.Sprintf("drawer %d", o.Arg)
	}
	return fmt.Sprintf("unknown % x", o.Data)
}

// Lines returns the printed lines of ops, without commands: what the paper
// shows (a QR code as "[qr DATA]").
func Lines(ops []Op) []string {
	var out []string
	var cur strings.Builder
	open := false
	for _, o := range ops {
		switch o.Kind {
		case OpText:
			cur.WriteString(o.Text)
			open = true
			if o.NL {
				out = append(out, cur.String())
				cur.Reset()
				open = false
			}
		case OpQR:
			out = append(out, "["+o.String()+"]")
		}
	}
	if open {
		out = append(out, cur.String())
	}
	return out
}

// Transcript returns ops one a line: text as printed, commands in square
// brackets ("[bold on]", "[cut]").
func Transcript(ops []Op) string {
	var b strings.Builder
	for _, o := range ops {
		if o.Kind == OpText {
			b.WriteString(o.Text)
			if o.NL {
				b.WriteByte('\n')
			} else {
				b.WriteString(" [no line feed]\n")
			}
			continue
		}
		b.WriteString("[" + o.String() + "]\n")
	}
	return b.String()
}
