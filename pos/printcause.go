package pos

import "kassa/device/printer"

// printerCauses is the one table from a printer's fault to the cause the
// screen explains.
var printerCauses = map[printer.Fault]Cause{
	printer.Refused:      CausePrinterRefused,
	printer.Unreachable:  CausePrinterUnreachable,
	printer.NotFound:     CausePrinterNotFound,
	printer.NoAccess:     CausePrinterNoAccess,
	printer.Busy:         CausePrinterBusy,
	printer.Closed:       CausePrinterStopped,
	printer.WriteTimeout: CausePrinterSilent,
	printer.NoReply:      CausePrinterSilent,
	printer.BadReply:     CausePrinterFailed,
	printer.PaperOut:     CausePrinterPaperOut,
	printer.CoverOpen:    CausePrinterCoverOpen,
	printer.Offline:      CausePrinterOffline,
	printer.Cancelled:    CauseCancelled,
	printer.IOFailed:     CausePrinterFailed,
	printer.NotESCPOS:    CausePrinterConfig,
}

// printerCause is the cause of a printer fault (CausePrinterFailed for one
// the table lacks).
func printerCause(f printer.Fault) Cause {
	if c, ok := printerCauses[f]; ok {
		return c
	}
	return CausePrinterFailed
}
