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

// xReportScreen is the manager's mid-day X report (issue 13): the open
// day's totals per currency, the counts and the split by card scheme,
// printable; nothing is sent to the bank.
type xReportScreen struct {
	u *UI

	x        *pos.XReport
	title    *styledText
	body     *fyne.Container
	printBtn *widget.Button
	saved    *widget.Label

	root fyne.CanvasObject
}

func newXReportScreen(u *UI) *xReportScreen {
	x := &xReportScreen{u: u, title: text(tr("X report — day so far"), 30, true, theme.ColorNameForeground),
		body: container.NewVBox(), saved: &widget.Label{Wrapping: fyne.TextWrapBreak, Selectable: true}}
	x.printBtn = &widget.Button{Text: tr("Print X report"), Icon: theme.DocumentPrintIcon(), Importance: widget.HighImportance, OnTapped: x.printTapped}
	back := &widget.Button{Text: tr("Back"), Icon: theme.NavigateBackIcon(), OnTapped: func() { u.show(u.shift) }}
	buttons := container.NewHBox(back, layout.NewSpacer(), fixedHeight(52, x.printBtn))
	x.root = container.NewPadded(container.NewBorder(container.NewPadded(x.title), container.NewVBox(x.saved, buttons), nil, nil,
		container.NewVScroll(container.NewPadded(x.body))))
	return x
}

func (x *xReportScreen) view() fyne.CanvasObject { return x.root }

func (x *xReportScreen) shown() {
	x.saved.SetText("")
	x.body.Objects = []fyne.CanvasObject{widget.NewLabel(tr("Counting the open day…"))}
	x.body.Refresh()
	x.printBtn.Disable()
	x.u.goroutine(func(context.Context) {
		rep, err := x.u.eng.XReport()
		x.u.later(func() { x.fill(rep, err) })
	})
}

func (x *xReportScreen) hidden() {}

func (x *xReportScreen) fill(rep pos.XReport, err error) {
	if err != nil {
		x.body.Objects = []fyne.CanvasObject{errorPanel(tr("Cannot count the open day"), errText(err))}
		x.body.Refresh()
		return
	}
	x.x = &rep
	since := tr("No day was closed yet.")
	if !rep.Since.IsZero() {
		since = tr("Since the last close:") + " " + dateTime(rep.Since) + "."
	}
	objs := []fyne.CanvasObject{widget.NewLabel(since + " " + tr("The day is not closed: this report sends nothing to the bank."))}
	for _, t := range rep.Currencies {
		objs = append(objs, panel(colorCard, container.NewVBox(totalsTable(t.Totals, nil, nil), widget.NewSeparator(), tallyPanel(t))))
	}
	objs = append(objs, kv([2]string{tr("Journal chain head"), rep.ChainHead}, [2]string{tr("Time"), dateTime(rep.At)}))
	x.body.Objects = objs
	x.body.Refresh()
	x.printBtn.Enable()
}

// printTapped prints the X report on the configured printer; it is
// journaled once on paper (issue 16).
func (x *xReportScreen) printTapped() {
	if x.x == nil {
		return
	}
	rep := *x.x
	x.printBtn.Disable()
	x.saved.SetText(tr("Printing…"))
	lang := current()
	x.u.goroutine(func(ctx context.Context) {
		out, err := x.u.eng.PrintXReport(ctx, rep, lang)
		x.u.later(func() {
			x.printBtn.Enable()
			x.saved.SetText(reportPrinted(out, err))
		})
	})
}
