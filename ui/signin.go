package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// signInScreen is the lock screen of named cashiers (issue 13): the
// enabled cashiers' names; a name asks for that cashier's PIN, which signs
// them in and opens (or goes on with) their shift.
type signInScreen struct {
	u *UI

	title *styledText
	names *fyne.Container
	hint  *widget.Label
	btns  map[string]*widget.Button // by cashier name, for tests

	root fyne.CanvasObject
}

func newSignInScreen(u *UI) *signInScreen {
	s := &signInScreen{
		u:     u,
		title: text(tr("Who is at the till?"), 30, true, theme.ColorNameForeground),
		names: container.NewGridWithColumns(3),
		hint:  &widget.Label{Wrapping: fyne.TextWrapWord, Alignment: fyne.TextAlignCenter},
		btns:  map[string]*widget.Button{},
	}
	s.title.Alignment = fyne.TextAlignCenter
	box := container.NewVBox(s.title, widget.NewLabelWithStyle(tr("Tap your name, then type your PIN."), fyne.TextAlignCenter, fyne.TextStyle{}),
		fixedWidth(640, s.names), s.hint)
	s.root = container.NewVBox(layout.NewSpacer(), container.NewCenter(box), layout.NewSpacer())
	return s
}

func (s *signInScreen) view() fyne.CanvasObject { return s.root }

func (s *signInScreen) shown() {
	s.u.goroutine(func(context.Context) {
		cs, err := s.u.eng.Cashiers()
		s.u.later(func() { s.fill(cs, err) })
	})
}

func (s *signInScreen) hidden() {}

// fill lays out a big button per enabled cashier.
func (s *signInScreen) fill(cs []pos.CashierView, err error) {
	s.names.Objects = nil
	s.btns = map[string]*widget.Button{}
	if err != nil {
		s.names.Add(errorPanel(tr("Cannot read the cashiers"), errText(err)))
	}
	for _, c := range cs {
		if c.Disabled {
			continue
		}
		icon := theme.AccountIcon()
		if c.Manager() {
			icon = theme.SettingsIcon()
		}
		b := &widget.Button{Text: c.Name, Icon: icon, Importance: widget.MediumImportance, OnTapped: func() { s.tapped(c) }}
		s.btns[c.Name] = b
		s.names.Add(fixedHeight(72, b))
	}
	s.names.Refresh()
	s.hint.SetText("")
	if s.u.snap.Demo {
		s.hint.SetText(tr("Demo PINs: Anna 0000, Boris 1111, Maria (manager) 1234."))
	}
}

// tapped asks the cashier's PIN; signed in, the checkout opens.
func (s *signInScreen) tapped(c pos.CashierView) {
	s.u.pin.askSignIn(c, func() {
		s.u.locked = false
		s.u.home()
	})
	s.u.show(s.u.pin)
}
