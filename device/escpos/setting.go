package escpos

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// ErrSetting is returned for a width or code-page setting that does not
// parse.
var ErrSetting = errors.New("escpos: bad printer setting")

// ParseWidth parses KASSA_PRINTER_WIDTH: "32", "42" or "48" characters a
// line; empty is 42.
func ParseWidth(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Width80, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || !ValidWidth(n) {
		return 0, fmt.Errorf("%w: width %q: want 32, 42 or 48", ErrSetting, s)
	}
	return n, nil
}

// ParseCodePage parses KASSA_PRINTER_CODEPAGE: the number (0 to 255) under
// which the printer keeps code page PC866; empty is Epson's 17. Number 0 is
// the page every printer has, PC437: for a printer without Cyrillic
// (Cyrillic then prints as '?').
func ParseCodePage(s string) (CodePage, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return CP866(EpsonPC866), nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 255 {
		return CodePage{}, fmt.Errorf("%w: code page %q: want a number from 0 to 255", ErrSetting, s)
	}
	if n == 0 {
		return CodePage{Number: 0, Map: charmap.CodePage437}, nil
	}
	return CP866(byte(n)), nil
}
