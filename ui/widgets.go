package ui

import (
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
	"kassa/ui/words"
)

// styledText is a text whose colour is a theme colour name, so it follows
// the OS switching between light and dark while Kassa runs (Fyne refreshes
// widgets on a theme change; plain canvas objects keep their colour).
type styledText struct {
	widget.BaseWidget
	Text      string
	TextSize  float32
	Bold      bool
	Mono      bool
	ColorName fyne.ThemeColorName
	Alignment fyne.TextAlign
}

// text makes a styled text of a size and style in a theme colour.
func text(s string, size float32, bold bool, c fyne.ThemeColorName) *styledText {
	t := &styledText{Text: s, TextSize: size, Bold: bold, ColorName: c}
	t.ExtendBaseWidget(t)
	return t
}

// SetText changes the text.
func (t *styledText) SetText(s string) {
	if t.Text != s {
		t.Text = s
		t.Refresh()
	}
}

// SetColor changes the colour.
func (t *styledText) SetColor(c fyne.ThemeColorName) {
	if t.ColorName != c {
		t.ColorName = c
		t.Refresh()
	}
}

func (t *styledText) CreateRenderer() fyne.WidgetRenderer {
	r := &styledTextRenderer{t: t, c: canvas.NewText("", color.Black)}
	r.Refresh()
	return r
}

type styledTextRenderer struct {
	t *styledText
	c *canvas.Text
}

func (r *styledTextRenderer) Layout(s fyne.Size)           { r.c.Resize(s) }
func (r *styledTextRenderer) MinSize() fyne.Size           { return r.c.MinSize() }
func (r *styledTextRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.c} }
func (r *styledTextRenderer) Destroy()                     {}
func (r *styledTextRenderer) Refresh() {
	r.c.Text = r.t.Text
	r.c.TextSize = r.t.TextSize
	r.c.TextStyle = fyne.TextStyle{Bold: r.t.Bold, Monospace: r.t.Mono}
	r.c.Alignment = r.t.Alignment
	r.c.Color = colorOf(r.t, r.t.ColorName, 0)
	r.c.Refresh()
}

// colorOf resolves a theme colour for a widget in the current variant; a
// non-zero alpha replaces the colour's own.
func colorOf(w fyne.Widget, n fyne.ThemeColorName, alpha uint8) color.Color {
	c := theme.CurrentForWidget(w).Color(n, fyne.CurrentApp().Settings().ThemeVariant())
	if alpha != 0 {
		r, g, b, _ := c.RGBA()
		return color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), alpha}
	}
	return c
}

// wrapped is a text that wraps at word boundaries, in a theme colour (a
// Label wraps but cannot take a colour; a styledText takes one but does not
// wrap). Status panels and banners use it so that a long Russian sentence
// grows downwards instead of widening the window.
type wrapped struct {
	*widget.RichText
	seg *widget.TextSegment
	// grew, when set, runs when a new width changed the text's height (it
	// wrapped to more or fewer lines): the containers above lay out again,
	// else a two-line banner overlaps what is below it.
	grew func()
}

// Resize wraps the text to the new width and tells grew when that changed
// its height.
func (w *wrapped) Resize(s fyne.Size) {
	before := w.MinSize().Height
	w.RichText.Resize(s)
	if w.grew != nil && w.MinSize().Height != before {
		w.grew()
	}
}

// newWrapped makes a wrapping text of a theme size, bold or not, in a colour.
func newWrapped(s string, size fyne.ThemeSizeName, bold bool, c fyne.ThemeColorName) *wrapped {
	seg := &widget.TextSegment{Text: s, Style: widget.RichTextStyle{ColorName: c, SizeName: size, TextStyle: fyne.TextStyle{Bold: bold}}}
	rt := widget.NewRichText(seg)
	rt.Wrapping = fyne.TextWrapWord
	return &wrapped{RichText: rt, seg: seg}
}

// Text is the words shown.
func (w *wrapped) Text() string { return w.seg.Text }

// Set changes the words and the colour.
func (w *wrapped) Set(s string, c fyne.ThemeColorName) {
	if w.seg.Text == s && w.seg.Style.ColorName == c {
		return
	}
	w.seg.Text, w.seg.Style.ColorName = s, c
	w.Refresh()
}

// SetAlign changes the alignment.
func (w *wrapped) SetAlign(a fyne.TextAlign) { w.seg.Style.Alignment = a }

// box is a (rounded) rectangle filled with a theme colour.
type box struct {
	widget.BaseWidget
	ColorName fyne.ThemeColorName
	Radius    float32
	Alpha     uint8 // 0: the colour's own
	Min       fyne.Size
}

func newBox(c fyne.ThemeColorName, radius float32) *box {
	b := &box{ColorName: c, Radius: radius}
	b.ExtendBaseWidget(b)
	return b
}

// SetColor changes the fill colour.
func (b *box) SetColor(c fyne.ThemeColorName) {
	if b.ColorName != c {
		b.ColorName = c
		b.Refresh()
	}
}

func (b *box) CreateRenderer() fyne.WidgetRenderer {
	r := &boxRenderer{b: b, r: canvas.NewRectangle(color.Transparent)}
	r.Refresh()
	return r
}

type boxRenderer struct {
	b *box
	r *canvas.Rectangle
}

func (r *boxRenderer) Layout(s fyne.Size)           { r.r.Resize(s) }
func (r *boxRenderer) MinSize() fyne.Size           { return r.b.Min }
func (r *boxRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.r} }
func (r *boxRenderer) Destroy()                     {}
func (r *boxRenderer) Refresh() {
	r.r.FillColor = colorOf(r.b, r.b.ColorName, r.b.Alpha)
	r.r.CornerRadius = r.b.Radius
	r.r.Refresh()
}

// panel puts content on a rounded background of a theme colour.
func panel(bg fyne.ThemeColorName, content fyne.CanvasObject) *fyne.Container {
	return container.NewStack(newBox(bg, 12), container.NewPadded(container.NewPadded(content)))
}

// statusPanel is a panel whose colour changes (result screen, badges).
type statusPanel struct {
	bg  *box
	box *fyne.Container
}

func newStatusPanel(bg fyne.ThemeColorName, radius float32, content fyne.CanvasObject) *statusPanel {
	b := newBox(bg, radius)
	return &statusPanel{bg: b, box: container.NewStack(b, container.NewPadded(content))}
}

func (p *statusPanel) setColor(c fyne.ThemeColorName) { p.bg.SetColor(c) }

// dot is the small round light of an indicator.
func dot(c fyne.ThemeColorName) *box {
	d := newBox(c, 6)
	d.Min = fyne.NewSquareSize(12)
	return d
}

// dotBox centres a dot vertically in a row.
func dotBox(d *box) fyne.CanvasObject {
	return container.NewCenter(d)
}

// errorPanel is a red message box: a title and the details.
func errorPanel(title, msg string) fyne.CanvasObject {
	t := text(title, 22, true, colorOnStatus)
	m := widget.NewLabel(msg)
	m.Wrapping = fyne.TextWrapWord
	p := newStatusPanel(colorDeclined, 12, container.NewVBox(t))
	return container.NewVBox(p.box, m)
}

// kv is a two-column list of labels and values (detail views).
func kv(rows ...[2]string) *fyne.Container {
	objs := make([]fyne.CanvasObject, 0, len(rows)*2)
	for _, r := range rows {
		if r[1] == "" {
			continue
		}
		k := widget.NewLabel(r[0])
		k.TextStyle = fyne.TextStyle{Bold: true}
		v := widget.NewLabel(r[1])
		v.Wrapping = fyne.TextWrapWord // words stay whole; only an id longer than the column breaks
		if !strings.Contains(r[1], " ") {
			v.Wrapping = fyne.TextWrapBreak
		}
		v.Selectable = true
		objs = append(objs, k, v)
	}
	return container.New(layout.NewFormLayout(), objs...)
}

// fixedWidth makes obj at least w wide.
func fixedWidth(w float32, obj fyne.CanvasObject) fyne.CanvasObject {
	spacer := canvas.NewRectangle(color.Transparent)
	spacer.SetMinSize(fyne.NewSize(w, 0))
	return container.NewStack(spacer, obj)
}

// fixedHeight makes obj at least h high.
func fixedHeight(h float32, obj fyne.CanvasObject) fyne.CanvasObject {
	spacer := canvas.NewRectangle(color.Transparent)
	spacer.SetMinSize(fyne.NewSize(0, h))
	return container.NewStack(spacer, obj)
}

// money formats an amount for people in the screens' language:
// "1 250.00 RUB", "1 250,00 RUB".
func money(a pos.Amount) string { return words.Amount(current(), a) }

// onColor is the text colour that reads well on a status colour: dark on
// amber, white on the others.
func onColor(bg fyne.ThemeColorName) fyne.ThemeColorName {
	if bg == colorUnknown {
		return theme.ColorNameForegroundOnWarning
	}
	return colorOnStatus
}

// look is how a payment status looks: its colour and icon (its words are
// words.Status and words.Title).
type look struct {
	color fyne.ThemeColorName
	icon  func() fyne.Resource
}

// looks is THE table from a payment status to its colour and icon.
var looks = map[pos.Status]look{
	pos.StatusPending:  {colorUnknown, theme.WarningIcon},
	pos.StatusApproved: {colorApproved, theme.ConfirmIcon},
	pos.StatusDeclined: {colorDeclined, theme.CancelIcon},
	pos.StatusFiltered: {colorDeclined, theme.CancelIcon},
	pos.StatusFailed:   {colorDeclined, theme.CancelIcon},
	pos.StatusUnknown:  {colorUnknown, theme.WarningIcon},
}

// lookOf is a status's look (amber with a warning for a status not in the
// table: never green by mistake).
func lookOf(s pos.Status) look {
	if l, ok := looks[s]; ok {
		return l
	}
	return looks[pos.StatusUnknown]
}

// statusColor is the colour of a payment status.
func statusColor(s pos.Status) fyne.ThemeColorName { return lookOf(s).color }

// iconFor returns the icon of a payment status.
func iconFor(s pos.Status) fyne.Resource { return lookOf(s).icon() }

// statusText names a payment status for the cashier.
func statusText(s pos.Status) string { return words.Status(current(), s) }

// kindText names a payment kind.
func kindText(k pos.Kind) string {
	switch k {
	case pos.Preauth:
		return tr("Preauth")
	default:
		return tr("Sale")
	}
}

// stageText gives the engine's stage in the cashier's language.
func stageText(s pos.Stage) string { return words.Stage(current(), s) }

// reasonText gives a reason in the cashier's language: what happened and
// what to do.
func reasonText(r pos.Reason) (what, todo string) { return words.Reason(current(), r) }

// paymentReason is what happened to a payment and what to do: from its
// cause, or the English text of a journal written before causes.
func paymentReason(v pos.PaymentView) (what, todo string) {
	if v.Reason.Cause == pos.CauseNone {
		return v.LegacyText, ""
	}
	return reasonText(v.Reason)
}

// errText says what an engine error means in the cashier's language. An
// error without a cause (a bug, or a failure outside the engine) is
// logged and shown as a plain sentence: developer text is never shown.
func errText(err error) string {
	if err == nil {
		return ""
	}
	if r := pos.ReasonOf(err); r.Cause != pos.CauseNone {
		what, _ := reasonText(r)
		return what
	}
	fyne.LogError("Kassa", err)
	return tr("Something went wrong; the details are in Kassa's log.")
}

// errAdvice is what to do about an engine error ("" when it says nothing).
func errAdvice(err error) string {
	if r := pos.ReasonOf(err); r.Cause != pos.CauseNone {
		_, todo := reasonText(r)
		return todo
	}
	return ""
}

// clock formats a time of day.
func clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("15:04:05")
}

// clockMinutes formats a time of day to the minute ("14:03").
func clockMinutes(t time.Time) string { return t.Local().Format("15:04") }

// dateTime formats a date and time.
func dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// elapsed formats a duration as m:ss.
func elapsed(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	sec := int(d / time.Second)
	return fmt.Sprintf("%d:%02d", sec/60, sec%60)
}
