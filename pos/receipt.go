package pos

import (
	"errors"
	"fmt"
	"strings"

	"kassa/pos/receipt"
	"kassa/store"
)

// Receipt fills a receipt copy of a payment from the journal. Every print
// is journaled (a receipt event, numbered per copy by the journal in the
// same transaction, so two prints at once cannot both be the first); any
// print of a copy after its first is stamped DUPLICATE.
func (e *Engine) Receipt(id string, copy ReceiptCopy) (receipt.Receipt, error) {
	if copy == "" {
		copy = CustomerCopy
	}
	p, err := e.journal.Record(id, store.Event{Type: store.EventReceipt,
		Fields: map[string]string{store.FieldCopy: string(copy)}})
	if errors.Is(err, store.ErrNotFound) {
		return receipt.Receipt{}, errorOf(ErrNotFound, Reason{Cause: CauseNotFound, Detail: id})
	}
	if err != nil {
		return receipt.Receipt{}, fmt.Errorf("journal print: %w", err)
	}
	printed := p.Events[len(p.Events)-1]
	cfg := e.Config()
	v := viewOf(p)
	r := receipt.Receipt{
		Merchant: cfg.Merchant.Name, Address: merchantAddress(cfg.Merchant),
		TerminalID: cfg.TerminalID, ReceiptID: v.ReceiptID, ClientOrderID: v.ClientOrderID,
		Kind: string(v.Kind), MaskedPAN: v.MaskedPAN, Scheme: v.CardScheme,
		ApprovalCode: v.ApprovalCode, RRN: v.RRN, Status: v.Status.String(), At: v.CreatedAt,
		Copy: string(copy), Duplicate: printed.Fields[store.FieldDuplicate] == "yes", Demo: cfg.Demo,
	}
	if p.TerminalID != "" {
		r.TerminalID = p.TerminalID
	}
	if r.Merchant == "" {
		r.Merchant = cfg.TerminalName
	}
	r.SetAmount(v.Amount)
	return r, nil
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
		PreauthCount: rep.Ours.PreauthCount, PreauthSum: rep.Ours.PreauthSum.Minor,
		CaptureCount: rep.Ours.CaptureCount, CaptureSum: rep.Ours.CaptureSum.Minor,
		ReleaseCount: rep.Ours.ReleaseCount, ReleaseSum: rep.Ours.ReleaseSum.Minor}
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
