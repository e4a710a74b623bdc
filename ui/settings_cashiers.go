package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// cashierSettings is Settings → Cashiers (issue 13): the people who sign in
// with their role and state; a manager adds, renames, disables them,
// changes their role and PIN. Every change is journaled as the manager's
// who opened Settings.
type cashierSettings struct {
	u *UI

	list []pos.CashierView
	rows *fyne.Container

	pick     *widget.Select // the cashier being edited
	name     *widget.Entry
	role     *widget.RadioGroup
	disabled *widget.Check
	newPIN   *widget.Entry
	saveBtn  *widget.Button

	addName *widget.Entry
	addPIN  *widget.Entry
	addRole *widget.RadioGroup
	addBtn  *widget.Button

	msg  *widget.Label
	root fyne.CanvasObject
}

func newCashierSettings(u *UI) *cashierSettings {
	c := &cashierSettings{u: u, rows: container.NewVBox(), name: widget.NewEntry(), newPIN: widget.NewPasswordEntry(),
		addName: widget.NewEntry(), addPIN: widget.NewPasswordEntry(), msg: &widget.Label{Wrapping: fyne.TextWrapWord}}
	roles := []string{tr("Cashier"), tr("Manager")}
	c.role = widget.NewRadioGroup(roles, nil)
	c.role.Horizontal = true
	c.addRole = widget.NewRadioGroup(roles, nil)
	c.addRole.Horizontal = true
	c.addRole.SetSelected(roles[0])
	c.disabled = widget.NewCheck(tr("Disabled (cannot sign in)"), nil)
	c.pick = widget.NewSelect(nil, c.picked)
	c.pick.PlaceHolder = tr("Choose a cashier to change")
	c.newPIN.SetPlaceHolder(tr("unchanged"))
	c.addPIN.SetPlaceHolder(tr("4 to 12 digits"))
	c.saveBtn = &widget.Button{Text: tr("Save cashier"), Icon: theme.DocumentSaveIcon(), OnTapped: c.saveTapped}
	c.addBtn = &widget.Button{Text: tr("Add cashier"), Icon: theme.ContentAddIcon(), OnTapped: c.addTapped}
	item := widget.NewFormItem
	edit := widget.NewForm(item(tr("Cashier"), c.pick), item(tr("Cashier's name"), c.name), item(tr("Role"), c.role),
		item("", c.disabled), item(tr("New PIN"), c.newPIN), item("", container.NewHBox(c.saveBtn)))
	add := widget.NewForm(item(tr("Cashier's name"), c.addName), item(tr("PIN"), c.addPIN), item(tr("Role"), c.addRole),
		item("", container.NewHBox(c.addBtn)))
	c.root = panel(colorCard, container.NewVBox(text(tr("Cashiers"), 20, true, theme.ColorNameForeground), c.rows,
		widget.NewSeparator(), edit, widget.NewSeparator(), text(tr("New cashier"), 16, true, theme.ColorNameForeground), add, c.msg))
	return c
}

func (c *cashierSettings) view() fyne.CanvasObject { return c.root }

// load reads the cashiers (Settings calls it when shown).
func (c *cashierSettings) load() {
	c.u.goroutine(func(context.Context) {
		cs, err := c.u.eng.Cashiers()
		c.u.later(func() { c.fill(cs, err) })
	})
}

func (c *cashierSettings) fill(cs []pos.CashierView, err error) {
	c.list = cs
	c.rows.Objects = nil
	if err != nil {
		c.rows.Add(widget.NewLabel(errText(err)))
	}
	names := make([]string, 0, len(cs))
	for _, p := range cs {
		names = append(names, p.Name)
		state := tr("enabled")
		if p.Disabled {
			state = tr("disabled")
		}
		c.rows.Add(widget.NewLabel(fmt.Sprintf("%s · %s · %s", p.Name, roleText(p.Role), state)))
	}
	if len(cs) == 0 {
		c.rows.Add(widget.NewLabel(tr("No cashiers yet: add a manager first.")))
	}
	c.rows.Refresh()
	sel := c.pick.Selected
	c.pick.SetOptions(names)
	c.pick.ClearSelected()
	for _, n := range names {
		if n == sel {
			c.pick.SetSelected(n)
		}
	}
}

func roleText(r pos.Role) string {
	if r == pos.Manager {
		return tr("Manager")
	}
	return tr("Cashier")
}

func roleOf(choice string) pos.Role {
	if choice == tr("Manager") {
		return pos.Manager
	}
	return pos.Cashier
}

// picked fills the edit form with the chosen cashier.
func (c *cashierSettings) picked(name string) {
	for _, p := range c.list {
		if p.Name == name {
			c.name.SetText(p.Name)
			c.role.SetSelected(roleText(p.Role))
			c.disabled.SetChecked(p.Disabled)
			c.newPIN.SetText("")
		}
	}
}

// by is ctx naming the manager who opened Settings.
func (c *cashierSettings) by(ctx context.Context, who pos.CashierView) context.Context {
	if who.ID != "" {
		return pos.WithCashier(ctx, who.ID)
	}
	return ctx
}

// saveTapped applies the edit form: name, role, state and PIN, each a
// journaled change.
func (c *cashierSettings) saveTapped() {
	var cur *pos.CashierView
	for i := range c.list {
		if c.list[i].Name == c.pick.Selected {
			cur = &c.list[i]
		}
	}
	if cur == nil {
		return
	}
	was, name, role, off, pin, who := *cur, strings.TrimSpace(c.name.Text), roleOf(c.role.Selected), c.disabled.Checked, c.newPIN.Text, c.u.pin.who
	c.saveBtn.Disable()
	c.u.goroutine(func(ctx context.Context) {
		ctx = c.by(ctx, who)
		err := c.apply(ctx, was, name, role, off, pin)
		cs, lerr := c.u.eng.Cashiers()
		c.u.later(func() {
			c.saveBtn.Enable()
			c.done(err)
			if err == nil {
				c.pick.Selected = name
			}
			c.fill(cs, lerr)
		})
	})
}

// apply makes the changes one by one (off Fyne's goroutine).
func (c *cashierSettings) apply(ctx context.Context, was pos.CashierView, name string, role pos.Role, off bool, pin string) error {
	e := c.u.eng
	steps := []struct {
		do bool
		fn func() error
	}{
		{name != "" && name != was.Name, func() error { return e.RenameCashier(ctx, was.ID, name) }},
		{role != was.Role, func() error { return e.SetCashierRole(ctx, was.ID, role) }},
		{off != was.Disabled, func() error { return e.SetCashierDisabled(ctx, was.ID, off) }},
		{pin != "", func() error { return e.SetCashierPIN(ctx, was.ID, pin) }},
	}
	for _, s := range steps {
		if !s.do {
			continue
		}
		if err := s.fn(); err != nil {
			return err
		}
	}
	return nil
}

// addTapped adds a cashier from the form.
func (c *cashierSettings) addTapped() {
	n := pos.NewCashier{Name: strings.TrimSpace(c.addName.Text), PIN: c.addPIN.Text, Role: roleOf(c.addRole.Selected)}
	if n.Name == "" {
		c.msg.SetText(tr("Type the new cashier's name."))
		return
	}
	who := c.u.pin.who
	c.addBtn.Disable()
	c.u.goroutine(func(ctx context.Context) {
		_, err := c.u.eng.AddCashier(c.by(ctx, who), n)
		cs, lerr := c.u.eng.Cashiers()
		c.u.later(func() {
			c.addBtn.Enable()
			c.done(err)
			if err == nil {
				c.addName.SetText("")
				c.addPIN.SetText("")
			}
			c.fill(cs, lerr)
		})
	})
}

// done says how a change went.
func (c *cashierSettings) done(err error) {
	switch {
	case err == nil:
		c.msg.SetText("✓ " + tr("Saved."))
	case pos.ReasonOf(err).Cause != pos.CauseNone:
		c.msg.SetText(errText(err))
	default:
		c.msg.SetText(pinErr(err))
	}
}
