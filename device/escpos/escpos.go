// Package escpos is Kassa's own ESC/POS encoder for thermal receipt printers
// (Epson TM and the many printers that copy its command set), with a decoder
// that turns a byte stream back into lines and commands for tests and fake
// printers, and the parser of the printers' real-time status replies.
//
// Only the subset a receipt needs is spoken: init, code page, bold, size,
// alignment, text, feed, cut, QR code and real-time status (DLE EOT). Text
// goes through a single-byte code page (CP866 for Cyrillic); a character the
// page lacks is printed as a look-alike or '?', never dropped, and counted.
// Text never produces a control byte, so no text can become a command.
package escpos

// Command bytes.
const (
	esc = 0x1B
	gs  = 0x1D
	dle = 0x10
	eot = 0x04
	lf  = 0x0A
)

// Widths of the usual receipt rolls in characters of the default font:
// 58 mm, 80 mm (Font A with a 12-dot margin) and 80 mm (full line).
const (
	Width58     = 32
	Width80     = 42
	Width80Wide = 48
)

// ValidWidth reports whether n is a line width Kassa prints at (32, 42, 48).
func ValidWidth(n int) bool { return n == Width58 || n == Width80 || n == Width80Wide }
