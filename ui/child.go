package ui

import (
	"context"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
	"kassa/ui/words"
)

// childScreen runs one capture, release or refund of a payment (issue 11):
// the amount on a keypad (a refund: all that is left by default; a capture:
// the held amount; a release: the whole hold, no keypad), a reason for a
// refund, the manager's PIN, then its own progress and result, with the
// receipt of a refund or capture. The engine decides everything; the
// screen shows what it returns.
type childScreen struct {
	u *UI

	op      pos.Operation
	id      string
	back    screen
	ledger  pos.Ledger
	digits  string // minor units as typed
	running bool
	done    pos.ChildView
	watch   chan struct{} // closed to stop following an unknown result

	title    *styledText
	figures  *fyne.Container
	amount   *styledText
	keypad   fyne.CanvasObject
	reason   *widget.Entry
	confirm  *bigButton
	form     *fyne.Container
	progress *fyne.Container
	spinner  *widget.Activity
	result   *fyne.Container
	header   *statusPanel
	resTitle *styledText
	resWhat  *widget.Label
	resTodo  *widget.Label
	receipt  *widget.Button
	bar      *printBar // issue 16: the receipts printed after an approved capture or refund
	backBtn  *widget.Button
	doneBtn  *widget.Button

	root fyne.CanvasObject
}

func newChildScreen(u *UI) *childScreen {
	c := &childScreen{
		u:        u,
		title:    text("", 26, true, theme.ColorNameForeground),
		figures:  container.NewStack(),
		amount:   text("0.00", 60, true, theme.ColorNameForeground),
		reason:   widget.NewEntry(),
		spinner:  widget.NewActivity(),
		resTitle: text("", 30, true, colorOnStatus),
		resWhat:  &widget.Label{Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText},
		resTodo:  &widget.Label{Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameSubHeadingText},
		bar:      newPrintBar(u),
	}
	c.reason.SetPlaceHolder(tr("Reason (printed nowhere, kept in the journal)"))
	c.confirm = newBigButton("", theme.ConfirmIcon(), 28, widget.HighImportance, c.confirmTapped)
	c.receipt = &widget.Button{Text: tr("Receipt"), Icon: theme.DocumentPrintIcon(), OnTapped: c.receiptTapped}
	c.backBtn = &widget.Button{Text: tr("Back to the payment"), Icon: theme.NavigateBackIcon(), OnTapped: c.backTapped}
	c.doneBtn = &widget.Button{Text: tr("Done"), Icon: theme.HomeIcon(), Importance: widget.HighImportance, OnTapped: c.u.home}
	c.keypad = c.buildKeypad()
	display := panel(colorCard, container.NewHBox(layout.NewSpacer(), c.amount))
	cancel := &widget.Button{Text: tr("Cancel"), Icon: theme.CancelIcon(), OnTapped: c.backTapped}
	right := container.NewVBox(c.figures, c.reason, fixedHeight(90, c.confirm), cancel)
	c.form = container.NewBorder(container.NewVBox(c.title, display), nil, nil, fixedWidth(380, right), c.keypad)
	c.progress = container.NewCenter(container.NewHBox(container.NewGridWrap(fyne.NewSquareSize(40), c.spinner),
		text(tr("Sending to the bank…"), 26, true, theme.ColorNameForeground)))
	c.header = newStatusPanel(colorApproved, 14, container.NewPadded(c.resTitle))
	buttons := container.NewHBox(layout.NewSpacer(), fixedHeight(56, c.backBtn), fixedHeight(56, c.receipt), fixedHeight(56, c.doneBtn))
	c.result = container.NewBorder(nil, container.NewVBox(c.bar.view(), buttons), nil, nil,
		container.NewVBox(c.header.box, container.NewPadded(container.NewVBox(c.resWhat, c.resTodo))))
	c.root = container.NewPadded(container.NewStack(c.form, c.progress, c.result))
	return c
}

func (c *childScreen) view() fyne.CanvasObject { return c.root }

// shown: back on an unknown result (e.g. from elsewhere), follow it again.
func (c *childScreen) shown() {
	if c.done.ID != "" && !c.done.Final() {
		c.follow()
	}
}

func (c *childScreen) hidden() { c.unfollow() }

// follow re-reads an unknown child every 2 s (the engine keeps resolving
// it by status) until it is final or the screen is left.
func (c *childScreen) follow() {
	if c.watch != nil {
		return
	}
	c.watch = make(chan struct{})
	id, child := c.done.ClientOrderID, c.done.ID
	c.u.every(2*time.Second, c.watch, func() {
		kids, err := c.u.eng.Children(id)
		if err != nil || c.done.ID != child {
			return
		}
		for _, k := range kids {
			if k.ID == child && k.Final() {
				c.unfollow()
				c.done = k
				c.showOutcome(k)
			}
		}
	})
}

func (c *childScreen) unfollow() {
	if c.watch != nil {
		close(c.watch)
		c.watch = nil
	}
}

// buildKeypad is the amount keypad (digits fill from the right).
func (c *childScreen) buildKeypad() fyne.CanvasObject {
	grid := container.NewGridWithColumns(3)
	for _, k := range []string{"7", "8", "9", "4", "5", "6", "1", "2", "3", "00", "0", "⌫"} {
		b := newBigButton(k, nil, 34, widget.MediumImportance, c.keyTapped(k))
		if k == "⌫" {
			b.Text, b.Icon = "", theme.NavigateBackIcon()
		}
		grid.Add(b)
	}
	return grid
}

func (c *childScreen) keyTapped(k string) func() {
	return func() {
		if k == "⌫" {
			c.backspace()
			return
		}
		for _, r := range k {
			c.typed(r)
		}
	}
}

// typed adds a digit (keyboard or keypad).
func (c *childScreen) typed(r rune) {
	if r < '0' || r > '9' || c.running || c.op == pos.Release || len(c.digits) >= maxDigits || (c.digits == "" && r == '0') {
		return
	}
	c.digits += string(r)
	c.refreshAmount()
}

func (c *childScreen) backspace() {
	if c.digits != "" && !c.running && c.op != pos.Release {
		c.digits = c.digits[:len(c.digits)-1]
		c.refreshAmount()
	}
}

// key: Backspace, Enter (confirm), Esc (back).
func (c *childScreen) key(k fyne.KeyName) {
	switch {
	case c.running:
	case k == fyne.KeyBackspace || k == fyne.KeyDelete:
		c.backspace()
	case (k == fyne.KeyReturn || k == fyne.KeyEnter) && c.form.Visible():
		c.confirmTapped()
	case k == fyne.KeyEscape:
		c.backTapped()
	}
}

// chosen is the amount typed, in the payment's currency.
func (c *childScreen) chosen() pos.Amount {
	n, _ := strconv.ParseInt(c.digits, 10, 64)
	return pos.Amount{Minor: n, Currency: c.ledger.Amount.Currency}
}

func (c *childScreen) refreshAmount() {
	c.amount.SetText(money(c.chosen()))
	if c.chosen().Minor > 0 {
		c.confirm.Enable()
	} else {
		c.confirm.Disable()
	}
}

// open prepares op on payment id; back is where Back returns.
func (c *childScreen) open(op pos.Operation, id string, back screen) {
	c.unfollow()
	c.op, c.id, c.back, c.running, c.done = op, id, back, false, pos.ChildView{}
	c.bar.reset("", "")
	l, err := c.u.eng.Ledger(id)
	c.ledger = l
	def := l.Remaining
	if op != pos.Refund {
		def = l.Amount
	}
	c.digits = ""
	if def.Minor > 0 {
		c.digits = strconv.FormatInt(def.Minor, 10)
	}
	c.title.SetText(opTitle(op) + " · " + money(l.Amount))
	c.confirm.SetText(opTitle(op))
	c.reason.SetText("")
	if op == pos.Refund {
		c.reason.Show()
	} else {
		c.reason.Hide()
	}
	if op == pos.Release {
		c.keypad.Hide()
	} else {
		c.keypad.Show()
	}
	c.figures.Objects = []fyne.CanvasObject{ledgerKV(l)}
	c.figures.Refresh()
	c.refreshAmount()
	c.showPart(c.form)
	if err != nil {
		c.showRefused(pos.ChildView{Operation: op, Reason: pos.ReasonOf(err)})
	}
}

// ledgerKV shows a payment's figures.
func ledgerKV(l pos.Ledger) fyne.CanvasObject {
	rows := [][2]string{{tr("Payment"), money(l.Amount) + " · " + kindText(l.Kind)}}
	if l.Kind == pos.Preauth {
		rows = append(rows, [2]string{tr("Captured"), money(l.Captured)}, [2]string{tr("Hold ends"), dateTime(l.ExpiresAt)})
	}
	rows = append(rows, [2]string{tr("Refunded"), money(l.Refunded)}, [2]string{tr("Left to refund"), money(l.Remaining)})
	return kv(rows...)
}

// opTitle names an operation (the button and the screen's title).
func opTitle(op pos.Operation) string {
	switch op {
	case pos.Capture:
		return tr("Capture")
	case pos.Release:
		return tr("Release")
	}
	return tr("Refund")
}

func (c *childScreen) showPart(part *fyne.Container) {
	for _, p := range []*fyne.Container{c.form, c.progress, c.result} {
		if p == part {
			p.Show()
		} else {
			p.Hide()
		}
	}
}

// confirmTapped asks for the manager's PIN, then runs the operation.
func (c *childScreen) confirmTapped() {
	if c.running || (c.op != pos.Release && c.chosen().Minor <= 0) {
		return
	}
	c.u.askPIN(pos.Manager, opTitle(c.op), func() {
		c.u.show(c)
		c.run()
	})
}

// run calls the engine on a goroutine and shows its result.
func (c *childScreen) run() {
	op, id, amount, reason := c.op, c.id, c.chosen(), c.reason.Text
	if op == pos.Release {
		amount = pos.Amount{}
	}
	who := tr("Manager") // the journal also keeps the signed-in cashier's id (issue 13)
	if cv, _ := c.u.eng.SignedIn(); cv.Name != "" {
		who = cv.Name
	}
	c.running = true
	c.showPart(c.progress)
	c.spinner.Start()
	c.u.goroutine(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(pos.WithActor(ctx, who), 3*time.Minute)
		defer cancel()
		var v pos.ChildView
		var err error
		switch op {
		case pos.Capture:
			v, err = c.u.eng.Capture(ctx, id, amount, reason)
		case pos.Release:
			v, err = c.u.eng.Release(ctx, id, amount, reason)
		default:
			v, err = c.u.eng.Refund(ctx, id, amount, reason)
		}
		c.u.later(func() { c.finished(v, err) })
	})
}

// finished shows what the engine returned.
func (c *childScreen) finished(v pos.ChildView, err error) {
	c.running = false
	c.spinner.Stop()
	if err != nil && v.ID == "" {
		if v.Reason.Cause == pos.CauseNone {
			v.Reason = pos.ReasonOf(err)
		}
		c.showRefused(v)
		return
	}
	c.done = v
	c.showOutcome(v)
	if !v.Final() {
		c.follow()
	}
}

// showRefused: Kassa refused the operation itself (nothing sent).
func (c *childScreen) showRefused(v pos.ChildView) {
	c.done = pos.ChildView{}
	c.setResult(colorDeclined, opTitle(c.op)+" — "+tr("not done"), v.Reason)
	c.receipt.Hide()
}

// showOutcome shows a journaled child's status.
func (c *childScreen) showOutcome(v pos.ChildView) {
	st := v.Status
	if !st.Final() {
		st = pos.StatusUnknown
	}
	title := opTitle(v.Operation) + " " + money(v.Amount) + " — " + words.Status(current(), st)
	c.setResult(statusColor(st), title, v.Reason)
	if st == pos.StatusApproved && v.Operation != pos.Release {
		c.receipt.Show()
		c.bar.print(v.ClientOrderID, v.ID, autoCopies(c.u.eng.Config())) // issue 16: as after a payment
	} else {
		c.receipt.Hide()
	}
	c.ledger = v.Ledger
}

func (c *childScreen) setResult(col fyne.ThemeColorName, title string, r pos.Reason) {
	c.header.setColor(col)
	c.resTitle.ColorName = onColor(col)
	c.resTitle.SetText(title)
	what, todo := reasonText(r)
	c.resWhat.SetText(what)
	c.resTodo.SetText(todo)
	c.showPart(c.result)
}

func (c *childScreen) receiptTapped() {
	if c.done.ID == "" {
		return
	}
	c.u.receipt.openChild(c.done.ClientOrderID, c.done.ID, c)
	c.u.show(c.u.receipt)
}

// backTapped goes back to the payment (or where the screen was opened from).
func (c *childScreen) backTapped() {
	if c.running {
		return
	}
	if c.back == c.u.history || c.back == nil {
		c.u.history.openPayment(c.id)
		return
	}
	c.u.show(c.back)
}
