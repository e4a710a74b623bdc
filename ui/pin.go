package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// pinScreen asks for a PIN on a touch keypad (or the keyboard) before a
// manager screen opens. The engine checks it; a wrong PIN is refused.
type pinScreen struct {
	u *UI

	role     pos.Role
	signIn   *pos.CashierView // set: the PIN signs this cashier in (issue 13)
	who      pos.CashierView  // whose PIN was accepted last (the manager behind a manager screen)
	ok       func()
	pin      string
	checking bool
	attempt  int // bumps with every ask so a late answer is ignored

	title  *styledText
	dots   *styledText
	msg    *styledText
	okBtn  *bigButton
	cancel *widget.Button

	root fyne.CanvasObject
}

func newPINScreen(u *UI) *pinScreen {
	p := &pinScreen{
		u:     u,
		title: text("", 28, true, theme.ColorNameForeground),
		dots:  text("", 44, true, theme.ColorNameForeground),
		msg:   text("", 18, true, colorDeclined),
	}
	for _, t := range []*styledText{p.title, p.dots, p.msg} {
		t.Alignment = fyne.TextAlignCenter
	}
	p.okBtn = newBigButton(tr("OK"), theme.ConfirmIcon(), 28, widget.HighImportance, p.okTapped)
	p.cancel = &widget.Button{Text: tr("Cancel"), Icon: theme.CancelIcon(), OnTapped: p.cancelTapped}

	grid := container.NewGridWithColumns(3)
	for _, k := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"} {
		switch k {
		case "OK":
			grid.Add(p.okBtn)
		case "⌫":
			grid.Add(newBigButton("", theme.NavigateBackIcon(), 32, widget.MediumImportance, p.backspace))
		default:
			r := rune(k[0])
			grid.Add(newBigButton(k, nil, 32, widget.MediumImportance, func() { p.typed(r) }))
		}
	}
	keypad := fixedWidth(340, fixedHeight(300, grid))
	box := container.NewVBox(
		p.title,
		fixedHeight(64, panel(colorCard, container.NewCenter(p.dots))),
		p.msg,
		container.NewCenter(keypad),
		container.NewCenter(fixedWidth(200, p.cancel)),
	)
	p.root = container.NewVBox(layout.NewSpacer(), container.NewCenter(fixedWidth(380, box)), layout.NewSpacer())
	return p
}

func (p *pinScreen) view() fyne.CanvasObject { return p.root }

// ask resets the screen for a role; ok runs after the right PIN.
func (p *pinScreen) ask(role pos.Role, title string, ok func()) {
	p.role, p.ok, p.signIn = role, ok, nil
	if p.u.locked {
		p.cancel.Hide() // the terminal is locked: only a PIN opens it
	} else {
		p.cancel.Show()
	}
	p.pin = ""
	p.checking = false
	p.attempt++
	who := tr("Manager PIN")
	if role == pos.Cashier {
		who = tr("Cashier PIN")
	}
	p.title.Text = title + " — " + who
	p.title.Refresh()
	p.setMsg("")
	p.refresh()
}

func (p *pinScreen) refresh() {
	if p.pin == "" {
		p.dots.Text = "—"
	} else {
		p.dots.Text = strings.Repeat("● ", len(p.pin))
	}
	p.dots.Refresh()
}

func (p *pinScreen) setMsg(s string) {
	p.msg.Text = s
	p.msg.Refresh()
}

func (p *pinScreen) typed(r rune) {
	if r < '0' || r > '9' || p.checking || len(p.pin) >= 12 {
		return
	}
	p.pin += string(r)
	p.setMsg("")
	p.refresh()
}

func (p *pinScreen) backspace() {
	if p.pin != "" && !p.checking {
		p.pin = p.pin[:len(p.pin)-1]
		p.refresh()
	}
}

func (p *pinScreen) key(k fyne.KeyName) {
	switch k {
	case fyne.KeyBackspace, fyne.KeyDelete:
		p.backspace()
	case fyne.KeyReturn, fyne.KeyEnter:
		p.okTapped()
	case fyne.KeyEscape:
		p.cancelTapped()
	}
}

// okTapped has the engine check the PIN (a slow salted hash: off Fyne's
// goroutine).
func (p *pinScreen) okTapped() {
	if p.checking || p.pin == "" {
		return
	}
	p.checking = true
	role, pin, attempt, who := p.role, p.pin, p.attempt, p.signIn
	p.u.goroutine(func(ctx context.Context) {
		good, refusal, by := p.check(role, who, pin)
		p.u.later(func() {
			if good {
				p.who = by
			}
			if attempt != p.attempt || p.u.current != p {
				return
			}
			p.checking = false
			p.pin = ""
			p.refresh()
			if !good {
				p.setMsg(refusal)
				return
			}
			ok := p.ok
			p.ok = nil
			if ok != nil {
				ok()
			}
		})
	})
}

// check checks a PIN off Fyne's goroutine: a sign-in (who set) through
// the engine's SignIn, else the role's PIN; refusal says why not.
func (p *pinScreen) check(role pos.Role, who *pos.CashierView, pin string) (good bool, refusal string, by pos.CashierView) {
	if who != nil {
		_, err := p.u.eng.SignIn(who.ID, pin)
		if err != nil {
			return false, errText(err), by
		}
		return true, "", *who
	}
	// A manager counts for the cashier role too (Authorize).
	if c, ok := p.u.eng.Authorize(role, pin); ok {
		return true, "", c
	}
	return false, tr("Wrong PIN"), by
}

// askSignIn resets the screen for a cashier's sign-in; ok runs once they
// are signed in (their shift open).
func (p *pinScreen) askSignIn(c pos.CashierView, ok func()) {
	p.ask(c.Role, c.Name, ok)
	p.signIn = &c
	p.cancel.Show() // back to the names
	p.title.Text = c.Name + " — " + tr("PIN")
	p.title.Refresh()
}

func (p *pinScreen) cancelTapped() {
	if p.signIn != nil {
		p.attempt++
		p.checking = false
		p.u.show(p.u.signIn)
		return
	}
	if p.u.locked {
		return
	}
	p.attempt++
	p.checking = false
	p.u.home()
}
