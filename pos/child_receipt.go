package pos

import (
	"kassa/pos/receipt"
	"kassa/store"
)

// childReceipt is a child's receipt copy (not journaled; a preview).
func (e *Engine) childReceipt(v PaymentView, c ChildView, copy ReceiptCopy) receipt.Receipt {
	cfg := e.Config()
	r := receipt.Receipt{
		Merchant: cfg.Merchant.Name, Address: merchantAddress(cfg.Merchant),
		TerminalID: cfg.TerminalID, ClientOrderID: v.ClientOrderID,
		Kind: string(c.Operation), MaskedPAN: v.MaskedPAN, Scheme: v.CardScheme,
		ApprovalCode: v.ApprovalCode, RRN: v.RRN, ReceiptID: c.SerialNumber, Status: c.Status.String(), At: c.CreatedAt,
		Copy: string(copy), Demo: cfg.Demo,
	}
	if v.TerminalID != "" {
		r.TerminalID = v.TerminalID
	}
	if r.Merchant == "" {
		r.Merchant = cfg.TerminalName
	}
	r.SetAmount(c.Amount)
	return r
}

// ChildReceiptPreview is a child's receipt copy for the screen as its
// next print would be (stamped DUPLICATE when that copy was printed
// before); nothing is printed or journaled.
func (e *Engine) ChildReceiptPreview(orderID, childID string, copy ReceiptCopy) (receipt.Receipt, error) {
	if copy == "" {
		copy = CustomerCopy
	}
	out, err := e.copyToPrint(orderID, childID, copy, nil)
	return out.Receipt, err
}

// childReceiptOf fills a receipt copy of payment p's capture or refund
// childID (a release has no receipt).
func (e *Engine) childReceiptOf(p store.Payment, childID string, copy ReceiptCopy) (receipt.Receipt, error) {
	for _, c := range store.ChildrenOf(p) {
		if c.ID == childID && c.Operation != store.OpRelease {
			return e.childReceipt(viewOf(p), childViewOf(c, Ledger{}), copy), nil
		}
	}
	return receipt.Receipt{}, errorOf(ErrNotFound, Reason{Cause: CauseNotFound, Detail: p.ClientOrderID + "/" + childID})
}
