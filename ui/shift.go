package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// shiftScreen is the signed-in cashier's shift (issue 13): who, since
// when, the shift's payments and totals; close the shift, lock the till,
// and (with a manager's PIN) the X report, past Z reports and other
// cashiers' open shifts.
type shiftScreen struct {
	u *UI

	title    *styledText
	body     *fyne.Container
	closeBtn *widget.Button
	lockBtn  *widget.Button
	xBtn     *widget.Button
	zBtn     *widget.Button
	msg      *widget.Label
	report   *pos.ShiftReport

	root fyne.CanvasObject
}

func newShiftScreen(u *UI) *shiftScreen {
	s := &shiftScreen{u: u, title: text(tr("Shift"), 30, true, theme.ColorNameForeground), body: container.NewVBox(),
		msg: &widget.Label{Wrapping: fyne.TextWrapWord}}
	s.closeBtn = &widget.Button{Text: tr("Close shift"), Icon: theme.LogoutIcon(), Importance: widget.WarningImportance, OnTapped: s.closeTapped}
	s.lockBtn = &widget.Button{Text: tr("Lock (shift stays open)"), Icon: theme.VisibilityOffIcon(), OnTapped: func() { u.lock() }}
	s.xBtn = &widget.Button{Text: tr("X report"), Icon: theme.DocumentIcon(), OnTapped: func() {
		u.askPIN(pos.Manager, tr("X report"), func() { u.show(u.xReport) })
	}}
	s.zBtn = &widget.Button{Text: tr("Past Z reports"), Icon: theme.HistoryIcon(), OnTapped: func() {
		u.askPIN(pos.Manager, tr("Past Z reports"), func() { u.show(u.zList) })
	}}
	buttons := container.NewHBox(s.xBtn, s.zBtn, layout.NewSpacer(), s.lockBtn, fixedHeight(52, s.closeBtn))
	s.root = container.NewPadded(container.NewBorder(container.NewPadded(s.title), container.NewVBox(s.msg, buttons), nil, nil,
		container.NewVScroll(container.NewPadded(s.body))))
	return s
}

func (s *shiftScreen) view() fyne.CanvasObject { return s.root }

func (s *shiftScreen) shown() {
	s.msg.SetText("")
	s.load()
}

func (s *shiftScreen) hidden() {}

// load reads the signed-in cashier's shift report and the open shifts.
func (s *shiftScreen) load() {
	who, shift := s.u.eng.SignedIn()
	s.body.Objects = []fyne.CanvasObject{widget.NewLabel(tr("Counting the shift…"))}
	s.body.Refresh()
	s.u.goroutine(func(context.Context) {
		var rep *pos.ShiftReport
		var err error
		if shift != "" {
			r, e := s.u.eng.ShiftReport(shift)
			rep, err = &r, e
		}
		open, _ := s.u.eng.Shifts(0)
		s.u.later(func() { s.fill(who, rep, open, err) })
	})
}

func (s *shiftScreen) fill(who pos.CashierView, rep *pos.ShiftReport, all []pos.ShiftView, err error) {
	s.report = rep
	var objs []fyne.CanvasObject
	switch {
	case err != nil:
		objs = append(objs, errorPanel(tr("Cannot count the shift"), errText(err)))
	case rep == nil:
		objs = append(objs, text(tr("Nobody is signed in."), 22, true, theme.ColorNameForeground),
			widget.NewLabel(tr("Lock the till and tap your name to open your shift.")))
	default:
		objs = append(objs, s.summary(who, *rep)...)
	}
	if others := s.others(all, rep); others != nil {
		objs = append(objs, others)
	}
	s.body.Objects = objs
	s.body.Refresh()
	if rep == nil {
		s.closeBtn.Disable()
	} else {
		s.closeBtn.Enable()
	}
}

// summary is the shift's head, its figures per currency and its payments.
func (s *shiftScreen) summary(who pos.CashierView, rep pos.ShiftReport) []fyne.CanvasObject {
	role := tr("Cashier")
	if who.Manager() {
		role = tr("Manager")
	}
	objs := []fyne.CanvasObject{
		text(fmt.Sprintf("%s (%s)", who.Name, role), 24, true, theme.ColorNameForeground),
		widget.NewLabel(tr("Shift open since") + " " + dateTime(rep.Shift.OpenedAt)),
	}
	for _, t := range rep.Currencies {
		objs = append(objs, panel(colorCard, container.NewVBox(totalsTable(t.Totals, nil, nil), tallyPanel(t))))
	}
	if len(rep.Payments) == 0 {
		objs = append(objs, widget.NewLabel(tr("No payments in this shift yet.")))
	}
	for _, p := range rep.Payments {
		objs = append(objs, widget.NewLabel(fmt.Sprintf("%s  %s  %s  %s", clock(p.CreatedAt), money(p.Amount), p.MaskedPAN, statusText(p.Status))))
	}
	return objs
}

// others lists the other cashiers' open shifts, each closable by a manager.
func (s *shiftScreen) others(all []pos.ShiftView, mine *pos.ShiftReport) fyne.CanvasObject {
	box := container.NewVBox(text(tr("Other open shifts"), 20, true, theme.ColorNameForeground))
	n := 0
	for _, sh := range all {
		if !sh.Open() || (mine != nil && sh.ID == mine.Shift.ID) {
			continue
		}
		n++
		id := sh.ID
		btn := &widget.Button{Text: tr("Close (manager)"), Icon: theme.LogoutIcon(), OnTapped: func() {
			s.u.askPIN(pos.Manager, tr("Close shift"), func() { s.closeShift(id, true) })
		}}
		box.Add(container.NewHBox(widget.NewLabel(sh.Cashier.Name+" · "+tr("since")+" "+dateTime(sh.OpenedAt)), layout.NewSpacer(), btn))
	}
	if n == 0 {
		return nil
	}
	return panel(colorCard, box)
}

// closeTapped closes the signed-in cashier's shift after a confirmation.
func (s *shiftScreen) closeTapped() {
	if s.report == nil {
		return
	}
	id := s.report.Shift.ID
	dialog.ShowConfirm(tr("Close shift?"), tr("Your shift ends and the till locks. Its report stays in the journal."),
		func(ok bool) {
			if ok {
				s.closeShift(id, false)
			}
		}, s.u.win)
}

// closeShift closes a shift through the engine; the cashier's own close
// locks the till, a manager's close of another shift comes back here.
func (s *shiftScreen) closeShift(id string, byManager bool) {
	s.closeBtn.Disable()
	mgr := s.u.pin.who // the manager who typed the PIN
	s.u.goroutine(func(ctx context.Context) {
		if byManager && mgr.ID != "" {
			ctx = pos.WithCashier(ctx, mgr.ID)
		}
		_, err := s.u.eng.CloseShift(ctx, id)
		s.u.later(func() {
			if err != nil {
				s.msg.SetText(tr("The shift was not closed:") + " " + errText(err))
				s.closeBtn.Enable()
				return
			}
			if byManager {
				s.u.show(s.u.shift)
				s.load()
				s.msg.SetText(tr("Shift closed."))
				return
			}
			s.u.lock()
		})
	})
}
