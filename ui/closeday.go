package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// closeDayScreen is the manager's end of day: the open day's totals with
// warnings first (unresolved payments), progress while the gateway closes
// the day, then the result with every difference highlighted and a
// printable Z report carrying the journal's chain head.
type closeDayScreen struct {
	u *UI

	preview pos.CloseDayPreview
	report  *pos.CloseDayReport
	running bool
	cancel  context.CancelFunc

	title    *styledText
	body     *fyne.Container
	closeBtn *widget.Button
	printBtn *widget.Button
	backBtn  *widget.Button
	stopBtn  *widget.Button
	saved    *widget.Label
	openBtn  *widget.Button // the Z report's PDF when it was not printed
	pdfPath  string
	steps    *widget.Label
	spinner  *widget.Activity

	root fyne.CanvasObject
}

func newCloseDayScreen(u *UI) *closeDayScreen {
	c := &closeDayScreen{
		u:       u,
		title:   text(tr("Close day"), 30, true, theme.ColorNameForeground),
		body:    container.NewVBox(),
		saved:   &widget.Label{Wrapping: fyne.TextWrapBreak, Selectable: true},
		steps:   &widget.Label{Wrapping: fyne.TextWrapWord},
		spinner: widget.NewActivity(),
	}
	c.closeBtn = &widget.Button{Text: tr("Close day now"), Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: c.closeTapped}
	c.printBtn = &widget.Button{Text: tr("Print Z report"), Icon: theme.DocumentPrintIcon(), Importance: widget.HighImportance, OnTapped: c.printTapped}
	c.backBtn = &widget.Button{Text: tr("Back to checkout"), Icon: theme.NavigateBackIcon(), OnTapped: c.backTapped}
	c.stopBtn = &widget.Button{Text: tr("Stop waiting"), Icon: theme.CancelIcon(), OnTapped: c.stopTapped}
	c.openBtn = &widget.Button{Text: tr("Open PDF"), Icon: theme.FileIcon(), OnTapped: func() { c.u.openFile(c.pdfPath) }}
	c.openBtn.Hide()
	buttons := container.NewHBox(c.backBtn, layout.NewSpacer(), c.stopBtn, c.openBtn, fixedHeight(52, c.printBtn), fixedHeight(52, c.closeBtn))
	c.root = container.NewPadded(container.NewBorder(
		container.NewPadded(c.title), container.NewVBox(c.saved, buttons), nil, nil,
		container.NewVScroll(container.NewPadded(c.body))))
	c.setButtons()
	return c
}

func (c *closeDayScreen) view() fyne.CanvasObject { return c.root }

func (c *closeDayScreen) shown() {
	if c.running {
		return
	}
	c.report = nil
	c.saved.SetText("")
	c.openBtn.Hide()
	c.printBtn.SetText(tr("Print Z report"))
	c.load()
}

func (c *closeDayScreen) hidden() {}

func (c *closeDayScreen) setButtons() {
	show := func(b *widget.Button, on bool) {
		if on {
			b.Show()
		} else {
			b.Hide()
		}
	}
	show(c.closeBtn, !c.running && c.report == nil)
	show(c.printBtn, !c.running && c.report != nil)
	show(c.stopBtn, c.running)
	if c.running {
		c.backBtn.Disable()
	} else {
		c.backBtn.Enable()
	}
	if len(c.preview.Unresolved) > 0 {
		c.closeBtn.Importance = widget.WarningImportance
		c.closeBtn.SetText(tr("Close day anyway"))
	} else {
		c.closeBtn.Importance = widget.HighImportance
		c.closeBtn.SetText(tr("Close day now"))
	}
}

// load asks the engine for the open day's totals and warnings.
func (c *closeDayScreen) load() {
	c.body.Objects = []fyne.CanvasObject{widget.NewLabel(tr("Counting the open day…"))}
	c.body.Refresh()
	c.u.goroutine(func(ctx context.Context) {
		p, err := c.u.eng.PreviewCloseDay()
		if st := c.u.eng.CheckPrinter(ctx); err == nil && st.Reason.Cause != pos.CauseNone {
			p.Warnings = append(p.Warnings, st.Reason) // out of paper: the Z report would not print
		}
		c.u.later(func() {
			if err != nil {
				c.body.Objects = []fyne.CanvasObject{errorPanel(tr("Cannot count the open day"), errText(err))}
				c.body.Refresh()
				c.closeBtn.Hide()
				return
			}
			c.preview = p
			c.showPreview()
		})
	})
}

// showPreview: warnings first, then the totals per currency.
func (c *closeDayScreen) showPreview() {
	var objs []fyne.CanvasObject
	if w := c.warnings(); w != nil {
		objs = append(objs, w)
	}
	objs = append(objs, text(tr("Open day totals (Kassa's journal)"), 20, true, theme.ColorNameForeground))
	if len(c.preview.Totals) == 0 {
		objs = append(objs, widget.NewLabel(tr("No payments since the last close.")))
	}
	for _, t := range c.preview.Totals {
		objs = append(objs, panel(colorCard, totalsTable(t, nil, nil)))
	}
	objs = append(objs, panel(colorCard, tallyPanel(c.preview.Tally))) // issue 13: declined/failed, per scheme
	c.body.Objects = objs
	c.body.Refresh()
	c.setButtons()
}

// warnings lists what the manager must know before closing.
func (c *closeDayScreen) warnings() fyne.CanvasObject {
	if len(c.preview.Warnings) == 0 && len(c.preview.Unresolved) == 0 {
		return nil
	}
	on := onColor(colorUnknown)
	lines := container.NewVBox(text(tr("Before you close"), 20, true, on))
	for _, w := range c.preview.Warnings {
		what, todo := reasonText(w)
		lines.Add(wrapText(strings.TrimSpace(what+" "+todo), on))
	}
	for _, p := range c.preview.Unresolved {
		lines.Add(wrapText(fmt.Sprintf("• %s  %s  %s  %s", clock(p.CreatedAt), money(p.Amount), p.MaskedPAN, statusText(p.Status)), on))
	}
	if len(c.preview.Unresolved) > 0 {
		lines.Add(wrapText(tr("These payments are not in the totals until the bank answers. Wait, or close anyway."), on))
	}
	return newStatusPanel(colorUnknown, 12, container.NewPadded(lines)).box
}

// closeTapped starts the close (after a confirmation if payments are
// unresolved).
func (c *closeDayScreen) closeTapped() {
	if c.preview.Empty && len(c.preview.Unresolved) == 0 { // issue 13: an empty day asks first
		dialog.ShowConfirm(tr("Close an empty day?"), tr("Nothing to send: no approved payments since the last close. Close the day anyway?"),
			func(ok bool) {
				if ok {
					c.run(false)
				}
			}, c.u.win)
		return
	}
	if len(c.preview.Unresolved) == 0 {
		c.run(false)
		return
	}
	dialog.ShowConfirm(tr("Close day anyway?"),
		tr("Some payments are not resolved yet. They will be left out of today's totals."),
		func(ok bool) {
			if ok {
				c.run(true)
			}
		}, c.u.win)
}

// run closes the day through the engine on a goroutine, showing its steps.
func (c *closeDayScreen) run(force bool) {
	if c.running {
		return
	}
	c.running = true
	c.steps.SetText("")
	c.spinner.Start()
	c.body.Objects = []fyne.CanvasObject{
		container.NewHBox(container.NewGridWrap(fyne.NewSquareSize(40), c.spinner),
			text(tr("Closing the day with the bank…"), 22, true, theme.ColorNamePrimary)),
		c.steps,
	}
	c.body.Refresh()
	c.setButtons()
	ctx, cancel := context.WithCancel(c.u.ctx)
	c.cancel = cancel
	var steps []string
	progress := func(r pos.Reason) {
		c.u.later(func() {
			what, _ := reasonText(r)
			steps = append(steps, clock(time.Now())+"  "+what)
			c.steps.SetText(strings.Join(steps, "\n"))
		})
	}
	c.u.goroutine(func(context.Context) {
		defer cancel()
		rep, err := c.u.eng.CloseDay(ctx, force, progress)
		c.u.later(func() {
			c.running = false
			c.cancel = nil
			c.spinner.Stop()
			if err != nil && rep.RequestID == "" {
				c.body.Objects = []fyne.CanvasObject{errorPanel(tr("The day was not closed"), errText(err)), c.steps}
				c.body.Refresh()
				c.report = nil
				c.setButtons()
				return
			}
			c.report = &rep
			c.showReport(rep, err)
			if rep.Status == pos.DayFinished && autoCopies(c.u.eng.Config()) != nil {
				c.printTapped() // printed at the close, as the receipts after approval
			}
		})
	})
}

func (c *closeDayScreen) stopTapped() {
	if c.cancel != nil {
		c.cancel()
	}
}

// showReport shows the close-day result with differences highlighted.
func (c *closeDayScreen) showReport(r pos.CloseDayReport, err error) {
	var head fyne.ThemeColorName
	var title string
	switch {
	case r.Status == pos.DayFinished && r.Agree:
		head, title = colorApproved, tr("Day closed — totals agree")
	case r.Status == pos.DayFinished:
		head, title = colorDeclined, tr("Day closed — totals DIFFER")
	case r.Status == pos.DayProcessing:
		head, title = colorUnknown, tr("The bank is still closing the day")
	default:
		head, title = colorDeclined, tr("The day was not closed")
	}
	what, todo := reasonText(r.Reason)
	msg := strings.TrimSpace(what + " " + todo)
	if w, _ := reasonText(r.Warning); w != "" {
		msg = strings.TrimSpace(msg + " " + w)
	}
	if err != nil && msg == "" {
		msg = errText(err)
	}
	top := container.NewVBox(text(title, 26, true, onColor(head)))
	if msg != "" {
		top.Add(wrapText(msg, onColor(head)))
	}
	objs := []fyne.CanvasObject{newStatusPanel(head, 12, container.NewPadded(top)).box}
	if len(r.Differences) > 0 {
		diffs := container.NewVBox(text(tr("Differences"), 20, true, colorDeclined))
		for _, d := range r.Differences {
			diffs.Add(wrapText(fmt.Sprintf("%s: %s %s, %s %s", tr(d.Field), tr("Kassa"), figure(d.Ours), tr("bank"), figure(d.Theirs)), colorDeclined))
		}
		objs = append(objs, diffs)
	}
	theirs := &r.Theirs
	if r.Theirs == (pos.Totals{}) {
		theirs = nil
	}
	objs = append(objs, panel(colorCard, totalsTable(r.Ours, theirs, r.Differences)))
	objs = append(objs, kv(
		[2]string{tr("Request id"), r.RequestID},
		[2]string{tr("Bank status"), tr(r.Status.String())},
		[2]string{tr("Bank close date"), r.GateCloseDate},
		[2]string{tr("Journal chain head"), r.ChainHead},
		[2]string{tr("Time"), dateTime(r.At)},
	))
	c.body.Objects = objs
	c.body.Refresh()
	c.setButtons()
}

// figure writes a difference's figure the language's way: a number with
// the language's decimal mark, a word ("missing") in words.
func figure(v string) string {
	if v != "" && (v[0] >= '0' && v[0] <= '9' || v[0] == '-') {
		return current().Number(v)
	}
	return tr(v)
}

// totalsTable shows one currency's totals, the gateway's beside them when
// known; rows the gateway disagrees on are red.
func totalsTable(ours pos.Totals, theirs *pos.Totals, diffs []pos.Difference) fyne.CanvasObject {
	cur := ours.Currency
	if cur == "" && theirs != nil {
		cur = theirs.Currency
	}
	type row struct {
		field, name string
		ours, their string
	}
	count := func(n int64) string { return strconv.FormatInt(n, 10) }
	sum := func(a pos.Amount) string { return money(pos.Amount{Minor: a.Minor, Currency: cur}) }
	rows := []row{
		{"sale count", tr("Sales"), count(ours.SaleCount), ""},
		{"sale sum", tr("Sales sum"), sum(ours.SaleSum), ""},
		{"reversal count", tr("Reversals"), count(ours.ReversalCount), ""},
		{"reversal sum", tr("Reversals sum"), sum(ours.ReversalSum), ""},
		{"preauth count", tr("Preauths"), count(ours.PreauthCount), ""},
		{"preauth sum", tr("Preauths sum"), sum(ours.PreauthSum), ""},
		{"capture count", tr("Captures (in sales)"), count(ours.CaptureCount), ""},
		{"capture sum", tr("Captures sum"), sum(ours.CaptureSum), ""},
		{"release count", tr("Releases (not counted)"), count(ours.ReleaseCount), ""},
		{"release sum", tr("Releases sum"), sum(ours.ReleaseSum), ""},
	}
	if ours.ReleaseCount == 0 { // captures and releases are listed when there are some (issue 11)
		rows = rows[:len(rows)-2]
	}
	if ours.CaptureCount == 0 {
		rows = append(rows[:6], rows[8:]...)
	}
	if theirs != nil {
		rows[0].their, rows[1].their = count(theirs.SaleCount), sum(theirs.SaleSum)
		rows[2].their, rows[3].their = count(theirs.ReversalCount), sum(theirs.ReversalSum)
	}
	cols := 2
	if theirs != nil {
		cols = 3
	}
	g := container.NewGridWithColumns(cols)
	hdr := func(s string) fyne.CanvasObject { return &widget.Label{Text: s, TextStyle: fyne.TextStyle{Bold: true}} }
	g.Add(hdr(cur))
	g.Add(hdr(tr("Kassa")))
	if theirs != nil {
		g.Add(hdr(tr("Bank")))
	}
	for _, r := range rows {
		bad := false
		for _, d := range diffs {
			if strings.EqualFold(d.Field, r.field) || strings.EqualFold(d.Field, cur+" "+r.field) {
				bad = true
			}
		}
		if theirs != nil && r.their != "" && r.their != r.ours && r.ours != "" {
			bad = true
		}
		cell := func(s string) fyne.CanvasObject {
			l := &widget.Label{Text: s}
			if !bad {
				return l
			}
			l.Importance = widget.DangerImportance
			l.TextStyle = fyne.TextStyle{Bold: true}
			bg := newBox(colorDeclined, 4)
			bg.Alpha = 0x30
			return container.NewStack(bg, l)
		}
		g.Add(cell(r.name))
		g.Add(cell(r.ours))
		if theirs != nil {
			g.Add(cell(r.their))
		}
	}
	return g
}

func wrapText(s string, c fyne.ThemeColorName) fyne.CanvasObject {
	// A label wraps; canvas.Text does not. Status panels need light text, so
	// a rich text segment with the colour name is used.
	seg := &widget.TextSegment{Text: s, Style: widget.RichTextStyle{ColorName: c, Inline: false, SizeName: theme.SizeNameText, TextStyle: fyne.TextStyle{Bold: true}}}
	rt := widget.NewRichText(seg)
	rt.Wrapping = fyne.TextWrapWord
	return rt
}

// printTapped prints the Z report on the configured printer (a PDF
// printed by the OS by default); when it did not reach the paper the
// screen says why and the button prints it again.
func (c *closeDayScreen) printTapped() {
	if c.report == nil {
		return
	}
	z := c.u.eng.ZReport(*c.report)
	z.Words = current() // the terminal's language
	what, todo := reasonText(c.report.Reason)
	z.Message = strings.TrimSpace(what + " " + todo) // the engine's is plain English
	c.printBtn.Disable()
	c.openBtn.Hide()
	c.saved.SetText(tr("Printing…"))
	c.u.goroutine(func(ctx context.Context) {
		out, err := c.u.eng.PrintZReport(ctx, z)
		c.u.later(func() {
			c.printBtn.Enable()
			if err != nil {
				what, todo := printProblem(err)
				c.saved.SetText(strings.TrimSpace(tr("The Z report was not printed.") + " " + what + " " + todo))
				c.printBtn.SetText(tr("Print again"))
				if c.pdfPath = out.Path; out.Path != "" {
					c.openBtn.Show()
				}
				return
			}
			c.printBtn.SetText(tr("Print Z report"))
			c.saved.SetText(tr("The Z report was printed."))
		})
	})
}

func (c *closeDayScreen) backTapped() {
	if !c.running {
		c.u.home()
	}
}
