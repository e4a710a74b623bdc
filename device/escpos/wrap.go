package escpos

import "strings"

// Wrap splits text into lines of at most width characters, at spaces where
// it can and inside words longer than a line. Runs of spaces become one.
func Wrap(text string, width int) []string {
	width = max(width, 1)
	var out []string
	var cur []rune
	for _, word := range strings.Fields(flatten(text)) {
		w := []rune(word)
		for len(w) > width {
			if len(cur) > 0 {
				out = append(out, string(cur))
				cur = cur[:0]
			}
			out = append(out, string(w[:width]))
			w = w[width:]
		}
		switch {
		case len(cur) == 0:
			cur = append(cur, w...)
		case len(cur)+1+len(w) <= width:
			cur = append(append(cur, ' '), w...)
		default:
			out = append(out, string(cur))
			cur = append(cur[:0:0], w...)
		}
	}
	if len(cur) > 0 {
		out = append(out, string(cur))
	}
	return out
}
