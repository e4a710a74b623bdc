package ui

import (
	"context"
	"fmt"
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

// storeScreen is the manager's Store view (issue 15): every lane of the
// store with its state, backlog and last contact, the store's totals for
// today and the payments not final anywhere in the store, as the store
// database has them (read through the engine). It is reached from the top
// bar's Store button, shown when a store database is configured.
type storeScreen struct {
	u       *UI
	sv      pos.StoreView
	loaded  bool
	title   *styledText
	when    *widget.Label
	body    *fyne.Container
	refresh *widget.Button
	back    *widget.Button
	root    fyne.CanvasObject
}

func newStoreScreen(u *UI) *storeScreen {
	s := &storeScreen{u: u, title: text(tr("Store"), 30, true, theme.ColorNameForeground),
		when: &widget.Label{}, body: container.NewVBox()}
	s.refresh = &widget.Button{Text: tr("Refresh"), Icon: theme.ViewRefreshIcon(), OnTapped: s.load}
	s.back = &widget.Button{Text: tr("Back to checkout"), Icon: theme.NavigateBackIcon(), OnTapped: u.home}
	top := container.NewBorder(nil, nil, container.NewPadded(s.title), s.refresh, s.when)
	s.root = container.NewPadded(container.NewBorder(top, container.NewHBox(s.back, layout.NewSpacer()), nil, nil,
		container.NewVScroll(container.NewPadded(s.body))))
	return s
}

func (s *storeScreen) view() fyne.CanvasObject { return s.root }

func (s *storeScreen) shown()  { s.load() }
func (s *storeScreen) hidden() {}

// load reads the Store view through the engine on a goroutine.
func (s *storeScreen) load() {
	s.refresh.Disable()
	s.body.Objects = []fyne.CanvasObject{widget.NewLabel(tr("Reading the store database…"))}
	s.body.Refresh()
	s.u.goroutine(func(ctx context.Context) {
		v, err := s.u.eng.StoreView(ctx)
		s.u.later(func() {
			s.refresh.Enable()
			if err != nil {
				what, todo := reasonText(pos.ReasonOf(err))
				s.body.Objects = []fyne.CanvasObject{errorPanel(tr("Cannot show the store"), strings.TrimSpace(what+" "+todo))}
				s.body.Refresh()
				return
			}
			s.sv, s.loaded = v, true
			s.show()
		})
	})
}

// show lays out a read Store view: the store's state, the lanes, the
// unresolved payments, the store's totals.
func (s *storeScreen) show() {
	v := s.sv
	s.when.SetText(fmt.Sprintf("%s %s · %s %s · %s %s", tr("store"), v.StoreID, tr("day"), v.Day, tr("read at"), clock(v.ReadAt)))
	objs := []fyne.CanvasObject{s.summary(), text(tr("Lanes"), 20, true, theme.ColorNameForeground), panel(colorCard, s.lanes())}
	if len(v.Unresolved) > 0 {
		objs = append(objs, text(tr("Payments not resolved anywhere in the store"), 20, true, theme.ColorNameForeground),
			panel(colorCard, s.unresolved()))
	}
	objs = append(objs, text(tr("Today's totals (store database)"), 20, true, theme.ColorNameForeground))
	if len(v.Totals) == 0 {
		objs = append(objs, widget.NewLabel(tr("No payments today.")))
	}
	for _, t := range v.Totals {
		objs = append(objs, panel(colorCard, storeTotalsTable(t)))
	}
	s.body.Objects = objs
	s.body.Refresh()
}

// summary is the one line a manager reads first.
func (s *storeScreen) summary() fyne.CanvasObject {
	v := s.sv
	bg, msg := colorApproved, tr("Every lane is closed and agrees with the bank.")
	if !v.AllClosed {
		bg, msg = colorUnknown, tr("Not every lane is closed and agreeing yet.")
	}
	if n := len(v.Unresolved); n > 0 {
		msg += " " + words.Count("{{.Count}} payments not resolved in the store", n, current())
	}
	return newStatusPanel(bg, 10, container.NewPadded(wrapText(msg, onColor(bg)))).box
}

// lanes is one row per lane: name, state, backlog, last contact,
// unresolved payments, approved today.
func (s *storeScreen) lanes() fyne.CanvasObject {
	g := container.NewGridWithColumns(6, header(tr("Lane")), header(tr("State")), header(tr("Not at the store database")),
		header(tr("Last contact")), header(tr("Unresolved")), header(tr("Approved today")))
	for _, l := range s.sv.Lanes {
		name := l.Lane
		if l.This {
			name += " (" + tr("this lane") + ")"
		}
		state := words.LaneState(current(), l.State)
		if l.Refused > 0 {
			state += " · " + tr("events refused")
		}
		contact := tr("never")
		if !l.LastContact.IsZero() {
			contact = clock(l.LastContact)
		}
		var approved []string
		for _, t := range l.Totals {
			approved = append(approved, fmt.Sprintf("%d · %s", t.ApprovedCount, money(t.ApprovedSum)))
		}
		g.Add(cell(name, true))
		g.Add(cell(state, !l.State.OK() || l.Refused > 0))
		g.Add(cell(strconv.FormatUint(l.Backlog, 10), l.Backlog > 0))
		g.Add(cell(contact, false))
		g.Add(cell(strconv.FormatInt(l.Unresolved, 10), l.Unresolved > 0))
		g.Add(cell(strings.Join(approved, "\n"), false))
	}
	return g
}

// unresolved lists the payments not final anywhere in the store.
func (s *storeScreen) unresolved() fyne.CanvasObject {
	box := container.NewVBox()
	for _, p := range s.sv.Unresolved {
		box.Add(widget.NewLabel(fmt.Sprintf("%s  %s  %s  %s  %s  %s", p.Day, clockMinutes(p.CreatedAt), p.Lane,
			money(p.Amount), statusText(p.Status), p.ClientOrderID)))
	}
	return box
}

// storeTotalsTable is one currency's figures for the store.
func storeTotalsTable(t pos.StoreTotals) fyne.CanvasObject {
	row := func(label, value string) []fyne.CanvasObject {
		return []fyne.CanvasObject{widget.NewLabel(label), &widget.Label{Text: value, TextStyle: fyne.TextStyle{Bold: true}, Alignment: fyne.TextAlignTrailing}}
	}
	var objs []fyne.CanvasObject
	objs = append(objs, row(tr("Sales approved"), fmt.Sprintf("%d · %s", t.SaleCount, money(t.SaleSum)))...)
	if t.PreauthCount > 0 {
		objs = append(objs, row(tr("Preauthorisations approved"), fmt.Sprintf("%d · %s", t.PreauthCount, money(t.PreauthSum)))...)
	}
	objs = append(objs, row(tr("Not yet in a closed day"), fmt.Sprintf("%d · %s", t.OpenCount, money(t.OpenSum)))...)
	objs = append(objs, row(tr("Declined"), strconv.FormatInt(t.Declined, 10))...)
	objs = append(objs, row(tr("Unresolved"), strconv.FormatInt(t.Unresolved, 10))...)
	return container.NewGridWithColumns(2, objs...)
}

// header is a table heading.
func header(s string) fyne.CanvasObject {
	return &widget.Label{Text: s, TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
}

// cell is a table cell, bold when it needs attention.
func cell(s string, bold bool) fyne.CanvasObject {
	return &widget.Label{Text: s, TextStyle: fyne.TextStyle{Bold: bold}, Wrapping: fyne.TextWrapWord}
}
