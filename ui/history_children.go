package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// childrenPart is the payment detail's part for issue 11: its captures,
// releases and refunds under it (status, amount, reason, receipt), what is
// left to refund, and the Refund, Capture and Release buttons the payment
// allows.
func (h *historyScreen) childrenPart(v pos.PaymentView) fyne.CanvasObject {
	if v.Status != pos.StatusApproved {
		return container.NewVBox()
	}
	l, err := h.u.eng.Ledger(v.ClientOrderID)
	if err != nil {
		return &widget.Label{Text: errText(err)}
	}
	kids, _ := h.u.eng.Children(v.ClientOrderID)
	box := container.NewVBox(&widget.Label{Text: tr("Refunds and captures"), TextStyle: fyne.TextStyle{Bold: true}})
	for _, c := range kids {
		box.Add(h.childRow(c))
	}
	box.Add(ledgerKV(l))
	box.Add(h.childButtons(v.ClientOrderID, l))
	return box
}

// childRow is one child under its payment.
func (h *historyScreen) childRow(c pos.ChildView) fyne.CanvasObject {
	st := c.Status
	if !st.Final() {
		st = pos.StatusUnknown
	}
	col := statusColor(st)
	bar := newBox(col, 3)
	bar.Min = fyne.NewSize(6, 28)
	what, _ := reasonText(c.Reason)
	line := clockMinutes(c.CreatedAt) + "  " + opTitle(c.Operation) + "  " + money(c.Amount) + "  " + statusText(st)
	if c.Comment != "" {
		line += " · " + c.Comment
	}
	right := container.NewHBox()
	if c.Status == pos.StatusApproved && c.Operation != pos.Release {
		id, child := c.ClientOrderID, c.ID
		right.Add(&widget.Button{Icon: theme.DocumentPrintIcon(), Importance: widget.LowImportance, OnTapped: func() {
			h.u.receipt.openChild(id, child, h)
			h.u.show(h.u.receipt)
		}})
	}
	return container.NewBorder(nil, nil, bar, right, container.NewVBox(
		&widget.Label{Text: line, TextStyle: fyne.TextStyle{Monospace: true}},
		&widget.Label{Text: what, Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}))
}

// childButtons are the operations the payment allows now.
func (h *historyScreen) childButtons(id string, l pos.Ledger) fyne.CanvasObject {
	row := container.NewHBox()
	h.childBtns = map[pos.Operation]*widget.Button{}
	add := func(op pos.Operation, icon fyne.Resource, imp widget.Importance) {
		b := &widget.Button{Text: opTitle(op), Icon: icon, Importance: imp, OnTapped: func() {
			h.u.child.open(op, id, h)
			h.u.show(h.u.child)
		}}
		h.childBtns[op] = b
		row.Add(b)
	}
	if l.HoldOpen && !l.Busy {
		add(pos.Capture, theme.ConfirmIcon(), widget.HighImportance)
		add(pos.Release, theme.CancelIcon(), widget.MediumImportance)
	}
	if l.Remaining.Minor > 0 && !l.Busy {
		add(pos.Refund, theme.MailReplyIcon(), widget.HighImportance)
	}
	row.Add(layout.NewSpacer())
	return row
}
