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
	out, err := e.copyToPrint(id, "", copy, nil)
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
	r.Chip = v.Card.Receipt()
	return r
}

// Receipt is the EMV part of a receipt of the card (issue 12).
func (c CardFacts) Receipt() receipt.Chip {
	return receipt.Chip{EntryMode: c.EntryMode, AppLabel: c.AppLabel, AID: c.AID, CVM: c.Verification(),
		Signature: c.SignatureLine(), TVR: c.TVR, CID: c.CID, Cryptogram: c.Cryptogram}
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
func (e *Engine) ZReport(rep CloseDayReport) receipt.ZReport { return e.zReceipt(rep, true) }

// zReceipt fills a Z report; unresolved adds the payments unresolved now
// (not for a past close-day's copy).
func (e *Engine) zReceipt(rep CloseDayReport, unresolved bool) receipt.ZReport {
	z := ZReceiptOf(e.Config(), rep)
	if un, err := e.journal.Unresolved(); err == nil && unresolved {
		for _, p := range un {
			z.Unresolved = append(z.Unresolved, receipt.Unresolved{ClientOrderID: p.ClientOrderID,
				Amount: Amount{Minor: p.AmountMinor, Currency: p.Currency}.Major(), Currency: p.Currency,
				Status: StatusOf(p.Status).String(), MaskedPAN: p.MaskedPAN, At: p.CreatedAt})
		}
	}
	return z
}

// ZReceiptOf fills a printable Z report from a close-day report with the
// terminal's merchant details (no unresolved payments).
func ZReceiptOf(cfg Config, rep CloseDayReport) receipt.ZReport {
	cur := rep.Ours.Currency
	if cur == "" {
		cur = cfg.Currency
	}
	ct := receipt.CurrencyTotals{Currency: cur, Ours: receiptTotals(rep.Ours)}
	if rep.Status == DayFinished || rep.Theirs.SaleCount != 0 || rep.Theirs.SaleSum.Minor != 0 {
		t := receipt.Totals{SaleCount: rep.Theirs.SaleCount, SaleSum: rep.Theirs.SaleSum.Minor,
			ReversalCount: rep.Theirs.ReversalCount, ReversalSum: rep.Theirs.ReversalSum.Minor}
		ct.Theirs = &t
	}
	z := receipt.ZReport{Merchant: cfg.Merchant.Name, Address: merchantAddress(cfg.Merchant), TerminalID: cfg.TerminalID,
		RequestID: rep.RequestID, Status: rep.Status.String(), GateCloseDate: rep.GateCloseDate,
		Currencies: []receipt.CurrencyTotals{ct}, ChainHead: rep.ChainHead, At: rep.At, Message: rep.Reason.Error(), Demo: rep.Demo}
	for _, d := range rep.Differences {
		z.Differences = append(z.Differences, receipt.Difference{Currency: cur, Field: d.Field, Ours: d.Ours, Theirs: d.Theirs})
	}
	return z
}
