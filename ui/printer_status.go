package ui

import (
	"fyne.io/fyne/v2"

	"kassa/pos"
)

// printerShort is the status bar's word for a printer's trouble.
var printerShort = map[pos.Cause]string{
	pos.CausePrinterPaperOut:    "out of paper",
	pos.CausePrinterPaperLow:    "paper low",
	pos.CausePrinterCoverOpen:   "cover open",
	pos.CausePrinterRefused:     "not connected",
	pos.CausePrinterUnreachable: "not connected",
	pos.CausePrinterNotFound:    "not connected",
	pos.CausePrinterNoAccess:    "no access",
	pos.CausePrinterBusy:        "busy",
	pos.CausePrinterStopped:     "stopped",
	pos.CausePrinterSilent:      "not responding",
	pos.CausePrinterOffline:     "error",
	pos.CausePrinterFailed:      "error",
	pos.CausePrinterConfig:      "setting wrong",
}

// printerIndicator is the status bar's printer dot and words (issue 16):
// grey until an ESC/POS printer was asked (and for the PDF), green when it
// prints, amber when its paper runs low, red when it cannot print.
func printerIndicator(s pos.PrinterStatus) (fyne.ThemeColorName, string) {
	label := tr("Printer")
	switch {
	case s.Reason.Cause == pos.CausePrinterConfig:
		return colorDeclined, label + " · " + tr(printerShort[s.Reason.Cause])
	case !s.ESCPOS:
		return colorMuted, label + " · PDF"
	case !s.Checked:
		return colorMuted, label
	case s.Reason.Cause == pos.CauseNone && s.Answers:
		return colorApproved, tr("Printer ready")
	case s.Reason.Cause == pos.CauseNone:
		return colorApproved, label
	case s.CanPrint():
		return colorUnknown, label + " · " + tr(printerShort[s.Reason.Cause])
	}
	short, ok := printerShort[s.Reason.Cause]
	if !ok {
		short = "error"
	}
	return colorDeclined, label + " · " + tr(short)
}
