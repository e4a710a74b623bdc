package pos

import (
	"strings"

	"kassa/pos/receipt"
	"kassa/store"
)

// ReceiptPreview fills a receipt copy of a payment as its next print
// would be (stamped DUPLICATE when the copy was printed before) without
// printing or journaling anything: for the screen and `kassa receipt`.
func (e *Engine) ReceiptPreview(id string, copy ReceiptCopy) (receipt.Receipt, error) {
	if copy == "" {
		copy = CustomerCopy
	}
	out, err := e.receiptToPrint(id, copy, nil)
	return out.Receipt, err
}

// receiptOf fills a receipt copy of the journaled payment p.
func (e *Engine) receiptOf(p store.Payment, copy ReceiptCopy, duplicate bool) receipt.Receipt {
	cfg := e.Config()
	v := viewOf(p)
	r := receipt.Receipt{
		Merchant: cfg.Merchant.Name, Address: merchantAddress(cfg.Merchant),
		TerminalID: cfg.TerminalID, ReceiptID: v.ReceiptID, ClientOrderID: v.ClientOrderID,
		Kind: string(v.Kind), MaskedPAN: v.MaskedPAN, Scheme: v.CardScheme,
		ApprovalCode: v.ApprovalCode, RRN: v.RRN, Status: v.Status.String(), At: v.CreatedAt,
		Copy: string(copy), Duplicate: duplicate, Demo: cfg.Demo,
	}
	if p.TerminalID != "" {
		r.TerminalID = p.TerminalID
	}
	if r.Merchant == "" {
		r.Merchant = cfg.TerminalName
	}
	r.SetAmount(v.Amount)
	return r
}

func merchantAddress(m Merchant) string {
	var parts []string
	for _, s := range []string{m.Address1, m.ZipCode, m.City, m.Country} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// ZReport fills a Z report from a close-day report (with the unresolved
// payments of the moment).
func (e *Engine) ZReport(rep CloseDayReport) receipt.ZReport {
	cfg := e.Config()
	ours := receipt.Totals{SaleCount: rep.Ours.SaleCount, SaleSum: rep.Ours.SaleSum.Minor,
		ReversalCount: rep.Ours.ReversalCount, ReversalSum: rep.Ours.ReversalSum.Minor,
		PreauthCount: rep.Ours.PreauthCount, PreauthSum: rep.Ours.PreauthSum.Minor}
	ct := receipt.CurrencyTotals{Currency: cfg.Currency, Ours: ours}
	if rep.Status == DayFinished || rep.Theirs.SaleCount != 0 || rep.Theirs.SaleSum.Minor != 0 {
		t := receipt.Totals{SaleCount: rep.Theirs.SaleCount, SaleSum: rep.Theirs.SaleSum.Minor,
			ReversalCount: rep.Theirs.ReversalCount, ReversalSum: rep.Theirs.ReversalSum.Minor}
		ct.Theirs = &t
	}
	z := receipt.ZReport{Merchant: cfg.Merchant.Name, Address: merchantAddress(cfg.Merchant), TerminalID: cfg.TerminalID,
		RequestID: rep.RequestID, Status: rep.Status.String(), GateCloseDate: rep.GateCloseDate,
		Currencies: []receipt.CurrencyTotals{ct}, ChainHead: rep.ChainHead, At: rep.At, Message: rep.Reason.Error(), Demo: rep.Demo}
	for _, d := range rep.Differences {
		z.Differences = append(z.Differences, receipt.Difference{Currency: cfg.Currency, Field: d.Field, Ours: d.Ours, Theirs: d.Theirs})
	}
	if un, err := e.journal.Unresolved(); err == nil {
		for _, p := range un {
			z.Unresolved = append(z.Unresolved, receipt.Unresolved{ClientOrderID: p.ClientOrderID,
				Amount: Amount{Minor: p.AmountMinor, Currency: p.Currency}.Major(), Currency: p.Currency,
				Status: StatusOf(p.Status).String(), MaskedPAN: p.MaskedPAN, At: p.CreatedAt})
		}
	}
	return z
}
