package pos

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"kassa/device/escpos"
	"kassa/device/printer"
)

// What is printed when a payment is approved (Config.PrintAfter).
const (
	PrintBoth     = "both"     // the merchant copy and the customer copy
	PrintCustomer = "customer" // the customer copy only
	PrintAsk      = "ask"      // nothing until the cashier presses Print
)

// PrintAfterChoices are the values of Config.PrintAfter, in Settings order.
func PrintAfterChoices() []string { return []string{PrintBoth, PrintCustomer, PrintAsk} }

// PrinterSetup is the receipt printer as the configuration describes it.
type PrinterSetup struct {
	Spec     printer.Spec    // how the printer is reached (KindPDF: a PDF printed by the OS)
	Width    int             // characters a line
	CodePage escpos.CodePage // the printer's number for PC866
	After    string          // PrintBoth, PrintCustomer or PrintAsk
}

// PrinterSetup parses the printer settings; an error wraps ErrConfig.
func (c Config) PrinterSetup() (PrinterSetup, error) {
	spec, err := printer.ParseSpec(c.Printer)
	if err != nil {
		return PrinterSetup{}, fmt.Errorf("%w: KASSA_PRINTER: %v", ErrConfig, err)
	}
	width := c.PrinterWidth
	if width == 0 {
		width = escpos.Width80
	}
	if !escpos.ValidWidth(width) {
		return PrinterSetup{}, fmt.Errorf("%w: KASSA_PRINTER_WIDTH %d: want 32, 42 or 48", ErrConfig, width)
	}
	cp, err := escpos.ParseCodePage(c.PrinterCodePage)
	if err != nil {
		return PrinterSetup{}, fmt.Errorf("%w: KASSA_PRINTER_CODEPAGE: %v", ErrConfig, err)
	}
	after := strings.ToLower(strings.TrimSpace(c.PrintAfter))
	switch after {
	case "":
		after = PrintAsk
		if spec.ESCPOS() {
			after = PrintBoth
		}
	case PrintBoth, PrintCustomer, PrintAsk:
	default:
		return PrinterSetup{}, fmt.Errorf("%w: KASSA_PRINT_AFTER %q: want both, customer or ask", ErrConfig, c.PrintAfter)
	}
	return PrinterSetup{Spec: spec, Width: width, CodePage: cp, After: after}, nil
}

// applyPrinterEnv reads KASSA_PRINTER_WIDTH and checks the printer
// settings (the string ones are read with the others).
func applyPrinterEnv(cfg *Config) error {
	if v := strings.TrimSpace(os.Getenv("KASSA_PRINTER_WIDTH")); v != "" {
		n, err := escpos.ParseWidth(v)
		if err != nil {
			return fmt.Errorf("%w: KASSA_PRINTER_WIDTH=%q: want 32, 42 or 48", ErrConfig, v)
		}
		cfg.PrinterWidth = n
	}
	_, err := cfg.PrinterSetup()
	return err
}

// itoa is strconv.Itoa (short for the printer's messages).
func itoa(n int) string { return strconv.Itoa(n) }
