package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"kassa/pos"
	"kassa/pos/receipt"
)

// `kassa receipt` (issue 16): a payment's receipt as text, or printed on
// the configured printer (KASSA_PRINTER) and journaled as printed.
//
// Exit codes: 0 shown or printed; 2 printer error (not printed, nothing
// journaled); 1 usage, configuration error or no such payment.
const (
	receiptExitOK      = 0
	receiptExitUsage   = 1
	receiptExitPrinter = 2
)

// receiptTimeout bounds `kassa receipt --print` (the engine bounds the job
// itself by pos.PrintTimeout).
const receiptTimeout = 2 * pos.PrintTimeout

func init() {
	register(Command{Name: "receipt", Summary: "show a payment's receipt, or print it (--print)", Run: runReceipt})
}

func receiptUsage(w io.Writer) {
	fmt.Fprintln(w, `Usage: kassa receipt CLIENT_ORDERID [--copy merchant|customer] [--print] [--demo]

Shows the receipt copy (customer by default) as text, as the next print
would be: stamped DUPLICATE when that copy was printed before. With --print
it prints it on the configured printer (KASSA_PRINTER: tcp:HOST[:PORT],
usb:PATH, serial:PORT[,BAUD], or pdf: a PDF handed to the OS print command)
and journals the print only once the printer took it; then it prints
key: value lines (client_orderid, copy, print, duplicate, printer, file).
The words follow KASSA_LANG, else the configured language.

Exit status: 0 shown or printed; 2 printer error (not printed, nothing
journaled: run it again); 1 usage, configuration error or no such payment.`)
}

func runReceipt(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, c := newPayFlagSet("receipt", receiptUsage, stderr)
	which := fs.String("copy", "customer", "which copy: merchant or customer")
	doPrint := fs.Bool("print", false, "print it on the configured printer (KASSA_PRINTER) instead of showing it")
	rest, code, ok := payParse(fs, args, -1, stderr)
	if !ok {
		return code
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "kassa receipt: give exactly one CLIENT_ORDERID")
		return receiptExitUsage
	}
	cp, ok := map[string]pos.ReceiptCopy{"merchant": pos.MerchantCopy, "customer": pos.CustomerCopy}[strings.ToLower(*which)]
	if !ok {
		fmt.Fprintf(stderr, "kassa receipt: --copy %q: want merchant or customer\n", *which)
		return receiptExitUsage
	}
	e, code := payStartEngine(ctx, *c, true, stderr)
	if e == nil {
		return code
	}
	defer e.Close()
	id, w := strings.TrimSpace(rest[0]), receiptWordsOf(ctx, e.Config())
	if !*doPrint {
		return receiptShow(ctx, e, id, cp, w, stdout, stderr)
	}
	pctx, cancel := context.WithTimeout(ctx, receiptTimeout)
	defer cancel()
	out, err := e.PrintReceipt(pctx, id, cp, w)
	switch {
	case errors.Is(err, pos.ErrNotFound):
		fmt.Fprintf(stderr, "kassa receipt: no payment %s in this terminal's journal\n", id)
		return receiptExitUsage
	case errors.Is(err, pos.ErrNotPrinted):
		fmt.Fprintln(stderr, "kassa receipt: not printed:", errSentence(ctx, err))
		if out.Path != "" {
			fmt.Fprintln(stderr, "kassa receipt: the PDF is saved:", out.Path)
		}
		return receiptExitPrinter
	case err != nil:
		fmt.Fprintln(stderr, "kassa receipt:", errSentence(ctx, err))
		return receiptExitPrinter
	}
	payPrint(stdout, false, false, [][2]string{
		{"client_orderid", id}, {"copy", string(cp)}, {"print", strconv.Itoa(out.Print)},
		{"duplicate", map[bool]string{false: "no", true: "yes"}[out.Duplicate]},
		{"printer", e.Snapshot().Printer.Setting}, {"file", out.Path},
	})
	return receiptExitOK
}

// receiptShow writes the copy as text.
func receiptShow(ctx context.Context, e *pos.Engine, id string, cp pos.ReceiptCopy, w receipt.Words, stdout, stderr io.Writer) int {
	r, err := e.ReceiptPreview(id, cp)
	if errors.Is(err, pos.ErrNotFound) {
		fmt.Fprintf(stderr, "kassa receipt: no payment %s in this terminal's journal\n", id)
		return receiptExitUsage
	}
	if err != nil {
		fmt.Fprintln(stderr, "kassa receipt:", errSentence(ctx, err))
		return receiptExitUsage
	}
	r.Words = w
	r.At = r.At.In(time.Local)
	io.WriteString(stdout, r.Text())
	return receiptExitOK
}

// receiptWordsKey is the context key of Run's receipt words.
type receiptWordsKey struct{}

// ReceiptWords gives the receipt's words in a language ("en", "ru"), for
// the printed and shown receipts; main hands ui/words' over.
type ReceiptWords func(lang string) receipt.Words

// WithReceiptWords makes `kassa receipt` speak the terminal's language
// (KASSA_LANG, else the configured one); without it receipts are English.
func WithReceiptWords(w ReceiptWords) Option { return func(o *options) { o.receipt = w } }

// receiptWordsOf is the receipt words for cfg's language (nil: English).
func receiptWordsOf(ctx context.Context, cfg pos.Config) receipt.Words {
	w, _ := ctx.Value(receiptWordsKey{}).(ReceiptWords)
	if w == nil {
		return nil
	}
	lang := os.Getenv("KASSA_LANG")
	if lang == "" {
		lang = cfg.Language
	}
	return w(lang)
}
