package reliability

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
)

// Every log the suite produces goes through a cardScan (engine and reader
// logs) or scanText (the kassa processes' output): card data in a line is
// counted, and logScanVerdict (after every test, from TestMain) fails the
// run on any.

// cardPatterns are full card numbers and track data.
var (
	panRun  = regexp.MustCompile(`\b[2-6]\d{14,18}\b`)
	track2  = regexp.MustCompile(`\d{12,19}=\d{4}`)
	track1  = regexp.MustCompile(`%?B\d{12,19}\^`)
	scanned struct {
		sync.Mutex
		lines int
		hits  []string
	}
)

// luhn reports whether digits pass the card-number check.
func luhn(s string) bool {
	sum, alt := 0, false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if alt {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum, alt = sum+d, !alt
	}
	return sum%10 == 0
}

// scanText counts the lines of text and any card data in them.
func scanText(text string) {
	for _, line := range strings.Split(text, "\n") {
		hit := track2.MatchString(line) || track1.MatchString(line)
		for _, m := range panRun.FindAllString(line, -1) {
			hit = hit || luhn(m)
		}
		scanned.Lock()
		scanned.lines++
		if hit && len(scanned.hits) < 20 {
			scanned.hits = append(scanned.hits, line)
		}
		scanned.Unlock()
	}
}

// cardScan is an io.Writer that scans what is written (line by line) and
// passes it on.
type cardScan struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	next io.Writer
}

func (c *cardScan) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.buf.Write(p)
	for {
		i := bytes.IndexByte(c.buf.Bytes(), '\n')
		if i < 0 {
			break
		}
		scanText(string(c.buf.Next(i + 1)))
	}
	c.mu.Unlock()
	if c.next != nil {
		return c.next.Write(p)
	}
	return len(p), nil
}

// scanLogger is a debug-level logger whose every line is scanned.
func scanLogger(next io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(&cardScan{next: next}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// logScanVerdict runs after every test (TestMain, parallel ones included):
// no line any test logged carried a full card number or track data. It
// prints the figures as a report row and returns the exit code to use.
func logScanVerdict(code int) int {
	scanned.Lock()
	defer scanned.Unlock()
	r := &row{Test: "LogsHaveNoCardData", What: "every log line the suite produced, grepped for card numbers and track data",
		Full: full(), Runs: scanned.lines, Wrong: len(scanned.hits)}
	for _, h := range scanned.hits {
		fmt.Fprintf(os.Stderr, "FAIL: card data in a log line: %s\n", h)
	}
	if err := r.append(); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
	}
	if len(scanned.hits) > 0 || !luhn("4111111111111111") || luhn("4111111111111112") {
		return 1
	}
	return code
}
