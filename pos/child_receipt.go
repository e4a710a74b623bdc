package pos

import (
	"errors"
	"fmt"

	"kassa/pos/receipt"
	"kassa/store"
)

// ChildReceipt fills a receipt copy of a payment's capture or refund
// (issue 11): kind "capture" or "refund" (printed CAPTURE / REFUND), the
// child's amount, time and status, the payment's card and ids. Every print
// is journaled like a payment's (a receipt event naming the child, numbered
// per child and copy); a reprint is stamped DUPLICATE.
func (e *Engine) ChildReceipt(orderID, childID string, copy ReceiptCopy) (receipt.Receipt, error) {
	if copy == "" {
		copy = CustomerCopy
	}
	kids, err := e.journal.Children(orderID)
	if err != nil {
		return receipt.Receipt{}, notFound(err)
	}
	var c *store.Child
	for i := range kids {
		if kids[i].ID == childID {
			c = &kids[i]
		}
	}
	if c == nil || c.Operation == store.OpRelease {
		return receipt.Receipt{}, errorOf(ErrNotFound, Reason{Cause: CauseNotFound, Detail: orderID + "/" + childID})
	}
	p, err := e.journal.Record(orderID, store.Event{Type: store.EventReceipt,
		Fields: map[string]string{store.FieldCopy: string(copy), store.FieldChild: childID}})
	if errors.Is(err, store.ErrNotFound) {
		return receipt.Receipt{}, errorOf(ErrNotFound, Reason{Cause: CauseNotFound, Detail: orderID})
	}
	if err != nil {
		return receipt.Receipt{}, fmt.Errorf("journal print: %w", err)
	}
	printed := p.Events[len(p.Events)-1]
	r := e.childReceipt(viewOf(p), childViewOf(*c, Ledger{}), copy)
	r.Duplicate = printed.Fields[store.FieldDuplicate] == "yes"
	return r, nil
}

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

// ChildReceiptPreview is a child's receipt copy for the screen, stamped
// DUPLICATE when that copy was printed before; nothing is journaled.
func (e *Engine) ChildReceiptPreview(orderID, childID string, copy ReceiptCopy) (receipt.Receipt, error) {
	p, err := e.journal.Get(orderID)
	if err != nil {
		return receipt.Receipt{}, notFound(err)
	}
	for _, c := range store.ChildrenOf(p) {
		if c.ID != childID {
			continue
		}
		r := e.childReceipt(viewOf(p), childViewOf(c, Ledger{}), copy)
		for _, ev := range p.Events {
			if ev.Type == store.EventReceipt && ev.Fields[store.FieldChild] == childID && ev.Fields[store.FieldCopy] == string(copy) {
				r.Duplicate = true
			}
		}
		return r, nil
	}
	return receipt.Receipt{}, errorOf(ErrNotFound, Reason{Cause: CauseNotFound, Detail: orderID + "/" + childID})
}
