package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

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

// printerIndicator is the status bar's printer dot and words (issue 16),
// shown after a printer icon: grey until an ESC/POS printer was asked (and
// for the PDF), green when it prints, amber when its paper runs low, red
// when it cannot print.
func printerIndicator(s pos.PrinterStatus) (fyne.ThemeColorName, string) {
	short := func() string {
		if w, ok := printerShort[s.Reason.Cause]; ok {
			return tr(w)
		}
		return tr("error")
	}
	switch {
	case s.Reason.Cause == pos.CausePrinterConfig:
		return colorDeclined, short()
	case !s.ESCPOS:
		return colorMuted, "PDF"
	case !s.Checked:
		return colorMuted, "…"
	case s.Reason.Cause == pos.CauseNone:
		return colorApproved, tr("ready")
	case s.CanPrint():
		return colorUnknown, short()
	}
	return colorDeclined, short()
}

// printerIcon stands for the word "printer" in the status bar (the bar
// must fit the DEMO strip in Russian at 1024 pixels).
func printerIcon() fyne.CanvasObject {
	return container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(22), widget.NewIcon(theme.DocumentPrintIcon())))
}
