package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// zListScreen lists the past close days (issue 13) with their totals,
// differences and chain head; one shows in full and reprints stamped as a
// copy.
type zListScreen struct {
	u *UI

	list     []pos.PastZ
	shown_   *pos.PastZ // the one shown in full; nil: the list
	title    *styledText
	body     *fyne.Container
	backBtn  *widget.Button
	printBtn *widget.Button
	saved    *widget.Label
	rows     map[string]*widget.Button // "Show" by request id, for tests

	root fyne.CanvasObject
}

func newZListScreen(u *UI) *zListScreen {
	z := &zListScreen{u: u, title: text(tr("Past Z reports"), 30, true, theme.ColorNameForeground),
		body: container.NewVBox(), saved: &widget.Label{Wrapping: fyne.TextWrapBreak, Selectable: true}}
	z.backBtn = &widget.Button{Text: tr("Back"), Icon: theme.NavigateBackIcon(), OnTapped: z.backTapped}
	z.printBtn = &widget.Button{Text: tr("Reprint (copy)"), Icon: theme.DocumentPrintIcon(), Importance: widget.HighImportance, OnTapped: z.printTapped}
	buttons := container.NewHBox(z.backBtn, layout.NewSpacer(), fixedHeight(52, z.printBtn))
	z.root = container.NewPadded(container.NewBorder(container.NewPadded(z.title), container.NewVBox(z.saved, buttons), nil, nil,
		container.NewVScroll(container.NewPadded(z.body))))
	return z
}

func (z *zListScreen) view() fyne.CanvasObject { return z.root }

func (z *zListScreen) shown() {
	z.shown_ = nil
	z.saved.SetText("")
	z.printBtn.Hide()
	z.body.Objects = []fyne.CanvasObject{widget.NewLabel(tr("Reading the journal…"))}
	z.body.Refresh()
	z.u.goroutine(func(context.Context) {
		list, err := z.u.eng.PastZReports()
		z.u.later(func() { z.fill(list, err) })
	})
}

func (z *zListScreen) hidden() {}

// fill shows the list: a row per close day, newest first.
func (z *zListScreen) fill(list []pos.PastZ, err error) {
	z.list, z.rows = list, map[string]*widget.Button{}
	var objs []fyne.CanvasObject
	if err != nil {
		objs = append(objs, errorPanel(tr("Cannot read the journal"), errText(err)))
	}
	if len(list) == 0 && err == nil {
		objs = append(objs, widget.NewLabel(tr("No close days yet.")))
	}
	for i := range list {
		objs = append(objs, z.row(&list[i]))
	}
	z.title.SetText(tr("Past Z reports"))
	z.body.Objects = objs
	z.body.Refresh()
}

// row is one close day in the list.
func (z *zListScreen) row(p *pos.PastZ) fyne.CanvasObject {
	r := p.Report
	state, col := tr("totals agree"), colorApproved
	switch {
	case r.Status != pos.DayFinished:
		state, col = tr(r.Status.String()), colorUnknown
	case !r.Agree:
		state, col = fmt.Sprintf("%s: %d", tr("differences"), len(r.Differences)), colorDeclined
	}
	line := fmt.Sprintf("%s  ·  %s %d, %s  ·  %s %d, %s", dateTime(r.At), tr("Sales"), r.Ours.SaleCount, money(r.Ours.SaleSum),
		tr("Bank"), r.Theirs.SaleCount, money(r.Theirs.SaleSum))
	head := r.ChainHead
	if len(head) > 16 {
		head = head[:16] + "…"
	}
	sub := r.RequestID + "  ·  " + tr("chain head") + " " + head
	if p.ClosedByID != "" {
		sub += "  ·  " + tr("closed by") + " " + personText(z.u.eng, p.ClosedByID)
	}
	show := &widget.Button{Text: tr("Show"), Icon: theme.VisibilityIcon(), OnTapped: func() { z.showOne(p) }}
	z.rows[r.RequestID] = show
	status := newStatusPanel(col, 6, container.NewPadded(text(state, 15, true, onColor(col)))).box
	return panel(colorCard, container.NewBorder(nil, nil, nil, container.NewHBox(container.NewCenter(status), show),
		container.NewVBox(&widget.Label{Text: line, TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}, widget.NewLabel(sub))))
}

// showOne shows a close day in full: totals beside the bank's, the
// differences, the chain head.
func (z *zListScreen) showOne(p *pos.PastZ) {
	z.shown_ = p
	r := p.Report
	theirs := &r.Theirs
	if r.Status != pos.DayFinished {
		theirs = nil
	}
	objs := []fyne.CanvasObject{panel(colorCard, totalsTable(r.Ours, theirs, r.Differences))}
	for _, d := range r.Differences {
		objs = append(objs, wrapText(fmt.Sprintf("%s: %s %s, %s %s", tr(d.Field), tr("Kassa"), figure(d.Ours), tr("bank"), figure(d.Theirs)), colorDeclined))
	}
	objs = append(objs, kv(
		[2]string{tr("Request id"), r.RequestID},
		[2]string{tr("Bank status"), tr(r.Status.String())},
		[2]string{tr("Bank close date"), r.GateCloseDate},
		[2]string{tr("Closed by"), personText(z.u.eng, p.ClosedByID)},
		[2]string{tr("Journal chain head"), r.ChainHead},
		[2]string{tr("Time"), dateTime(r.At)},
	))
	z.title.SetText(tr("Z report") + " " + r.RequestID)
	z.body.Objects = objs
	z.body.Refresh()
	z.saved.SetText("")
	z.printBtn.Show()
	z.loadTally(p)
}

// loadTally adds the day's counts and scheme split under its totals.
func (z *zListScreen) loadTally(p *pos.PastZ) {
	id := p.Report.RequestID
	z.u.goroutine(func(context.Context) {
		one, err := z.u.eng.PastZReport(id)
		z.u.later(func() {
			if err != nil || one.Tally == nil || z.shown_ != p {
				return
			}
			p.Tally = one.Tally
			z.body.Objects = append(z.body.Objects[:1:1], append([]fyne.CanvasObject{panel(colorCard, tallyPanel(*one.Tally))}, z.body.Objects[1:]...)...)
			z.body.Refresh()
		})
	})
}

func (z *zListScreen) backTapped() {
	if z.shown_ != nil {
		z.shown_ = nil
		z.printBtn.Hide()
		z.saved.SetText("")
		z.fill(z.list, nil)
		return
	}
	z.u.show(z.u.shift)
}

// printTapped prints the shown close day stamped COPY on the configured
// printer; it is journaled once on paper (issue 16).
func (z *zListScreen) printTapped() {
	if z.shown_ == nil {
		return
	}
	id := z.shown_.Report.RequestID
	z.printBtn.Disable()
	z.saved.SetText(tr("Printing…"))
	lang := current()
	z.u.goroutine(func(ctx context.Context) {
		out, err := z.u.eng.PrintZCopy(ctx, id, lang)
		z.u.later(func() {
			z.printBtn.Enable()
			z.saved.SetText(reportPrinted(out, err))
		})
	})
}
