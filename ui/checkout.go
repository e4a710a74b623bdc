package ui

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
	"kassa/ui/words"
)

// maxDigits limits the amount a cashier can type (9 999 999.99 in RUB).
const maxDigits = 9

// checkoutScreen is the cashier's main screen: the amount, the keypad, Sale
// and Preauth. Amounts are typed like on a card terminal: digits fill from
// the right in minor units (1, 0, 4, 2 gives 10.42).
type checkoutScreen struct {
	u *UI

	digits   string // minor units as typed, no leading zeros
	currency string

	amount   *styledText
	currLbl  *styledText
	hint     *wrapped
	noticeBx *statusPanel
	noticeTx *styledText
	saleBtn  *bigButton
	preBtn   *bigButton
	keys     map[string]*bigButton

	root fyne.CanvasObject
}

func newCheckoutScreen(u *UI) *checkoutScreen {
	c := &checkoutScreen{
		u:        u,
		currency: u.eng.Snapshot().Currency,
		amount:   text("0.00", 88, true, theme.ColorNameForeground),
		currLbl:  text("", 30, true, colorMuted),
		hint:     newWrapped(tr("Type the amount · Enter = Sale · F2 = Preauth · Esc = clear"), theme.SizeNameSubHeadingText, false, theme.ColorNameForeground),
		noticeTx: text("", 16, true, colorOnStatus),
		keys:     map[string]*bigButton{},
	}
	if c.currency == "" {
		c.currency = u.eng.Config().Currency
	}
	c.currLbl.Text = c.currency
	c.hint.SetAlign(fyne.TextAlignCenter)

	c.saleBtn = newBigButton(tr("SALE"), theme.ConfirmIcon(), 34, widget.SuccessImportance, c.saleTapped)
	c.preBtn = newBigButton(tr("PREAUTH"), theme.MailSendIcon(), 30, widget.HighImportance, c.preauthTapped)

	label := text(tr("Amount"), 18, false, colorMuted)
	clear := &widget.Button{Icon: theme.ContentClearIcon(), Importance: widget.LowImportance, OnTapped: c.clearTapped}
	display := panel(colorCard, container.NewBorder(
		container.NewHBox(label, layout.NewSpacer(), clear), nil, nil, nil,
		fixedHeight(110, container.NewHBox(layout.NewSpacer(), c.amount, container.NewCenter(c.currLbl)))))

	c.noticeBx = newStatusPanel(colorApproved, 8, container.NewPadded(c.noticeTx))
	c.noticeBx.box.Hide()

	rows := [][]string{{"7", "8", "9"}, {"4", "5", "6"}, {"1", "2", "3"}, {"00", "0", "⌫"}}
	grid := container.NewGridWithColumns(3)
	for _, row := range rows {
		for _, k := range row {
			b := newBigButton(k, nil, 40, widget.MediumImportance, c.keyTapped(k))
			if k == "⌫" {
				b.Text = ""
				b.Icon = theme.NavigateBackIcon()
			}
			c.keys[k] = b
			grid.Add(b)
		}
	}
	keypad := grid
	actions := container.NewBorder(nil, fixedHeight(130, c.preBtn), nil, nil, c.saleBtn)

	left := container.NewBorder(
		container.NewVBox(display, c.hint, c.noticeBx.box), nil, nil, nil,
		keypad)
	right := container.NewBorder(nil, c.u.demo.view(), nil, nil, actions)
	c.root = container.NewPadded(container.NewBorder(nil, nil, nil,
		fixedWidth(330, right), container.NewPadded(left)))
	c.refresh()
	return c
}

func (c *checkoutScreen) view() fyne.CanvasObject { return c.root }

// keyTapped returns the callback of one keypad key.
func (c *checkoutScreen) keyTapped(k string) func() {
	return func() {
		switch k {
		case "⌫":
			c.backspace()
		default:
			for _, r := range k {
				c.typed(r)
			}
		}
	}
}

// typed adds a digit typed on the keyboard or the keypad.
func (c *checkoutScreen) typed(r rune) {
	if r < '0' || r > '9' {
		return
	}
	c.hideNotice()
	if c.digits == "" && r == '0' {
		return
	}
	if len(c.digits) >= maxDigits {
		return
	}
	c.digits += string(r)
	c.refresh()
}

func (c *checkoutScreen) backspace() {
	if c.digits != "" {
		c.digits = c.digits[:len(c.digits)-1]
		c.refresh()
	}
}

func (c *checkoutScreen) clearTapped() {
	c.digits = ""
	c.hideNotice()
	c.refresh()
}

// key handles the checkout's keyboard keys.
func (c *checkoutScreen) key(k fyne.KeyName) {
	switch k {
	case fyne.KeyBackspace, fyne.KeyDelete:
		c.backspace()
	case fyne.KeyReturn, fyne.KeyEnter:
		c.saleTapped()
	case fyne.KeyF2:
		c.preauthTapped()
	case fyne.KeyEscape:
		c.clearTapped()
	}
}

// keep puts an amount back on the display (after a cancel), unless the
// cashier typed another meanwhile.
func (c *checkoutScreen) keep(a pos.Amount) {
	if c.digits != "" || a.Minor <= 0 || len(strconv.FormatInt(a.Minor, 10)) > maxDigits {
		return
	}
	c.digits = strconv.FormatInt(a.Minor, 10)
	if a.Currency != "" {
		c.currency = a.Currency
	}
	c.refresh()
}

// value is the typed amount.
func (c *checkoutScreen) value() pos.Amount {
	minor, _ := strconv.ParseInt(c.digits, 10, 64)
	return pos.Amount{Minor: minor, Currency: c.currency}
}

// refresh shows the typed amount and enables Sale/Preauth when it can pay.
func (c *checkoutScreen) refresh() {
	c.amount.Text = current().Number(words.Group(c.value().Major()))
	c.amount.Refresh()
	if c.currLbl.Text != c.currency {
		c.currLbl.Text = c.currency
		c.currLbl.Refresh()
	}
	if c.canPay() {
		c.saleBtn.Enable()
		c.preBtn.Enable()
	} else {
		c.saleBtn.Disable()
		c.preBtn.Disable()
	}
}

// canPay: an amount is typed, the engine is ready for a payment and the
// reader is not known to be missing.
func (c *checkoutScreen) canPay() bool {
	s := c.u.snap
	if c.digits == "" || c.u.paying || s.Blocked || readerMissing(s.Reader) {
		return false
	}
	return s.Stage != pos.StageStarting && s.Stage != pos.StageRecovering
}

// readerMissing reports whether the reader is known to be missing: not
// found after an open was tried (before the first open Kassa cannot know).
func readerMissing(r pos.ReaderStatus) bool {
	return r.State == pos.ReaderStateNotFound && r.Problem != pos.ReaderOK
}

func (c *checkoutScreen) update(s pos.Snapshot) {
	if s.Currency != "" && s.Currency != c.currency && c.digits == "" {
		c.currency = s.Currency
	}
	c.refresh()
}

func (c *checkoutScreen) saleTapped()    { c.pay(pos.Sale) }
func (c *checkoutScreen) preauthTapped() { c.pay(pos.Preauth) }

// pay hands the typed amount to the engine.
func (c *checkoutScreen) pay(kind pos.Kind) {
	if !c.canPay() {
		return
	}
	amount := c.value()
	c.hideNotice()
	c.digits = ""
	c.refresh()
	c.u.startPayment(kind, amount)
}

// notice shows a one-line message above the keypad until the next key.
func (c *checkoutScreen) notice(msg string, bad bool) {
	col := colorApproved
	if bad {
		col = colorDeclined
	}
	if strings.TrimSpace(msg) == "" {
		c.hideNotice()
		return
	}
	c.noticeTx.Text = msg
	c.noticeTx.Refresh()
	c.noticeBx.setColor(col)
	c.noticeBx.box.Show()
}

func (c *checkoutScreen) hideNotice() { c.noticeBx.box.Hide() }
