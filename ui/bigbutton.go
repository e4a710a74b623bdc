package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// bigButton is a touch-sized button with large text: the keypad keys, Sale
// and Preauth, Cancel. (A theme override would enlarge standard buttons
// too, but Fyne loads every font again for each overridden scope: tens of
// MB for five keypads.)
type bigButton struct {
	widget.DisableableWidget
	Text       string
	Icon       fyne.Resource
	TextSize   float32
	Importance widget.Importance
	OnTapped   func()

	hovered bool
}

func newBigButton(label string, icon fyne.Resource, size float32, imp widget.Importance, tapped func()) *bigButton {
	b := &bigButton{Text: label, Icon: icon, TextSize: size, Importance: imp, OnTapped: tapped}
	b.ExtendBaseWidget(b)
	return b
}

// Tapped runs OnTapped unless disabled.
func (b *bigButton) Tapped(*fyne.PointEvent) {
	if b.Disabled() || b.OnTapped == nil {
		return
	}
	b.OnTapped()
}

// MouseIn, MouseMoved and MouseOut give mouse users hover feedback.
func (b *bigButton) MouseIn(*desktop.MouseEvent)    { b.hovered = true; b.Refresh() }
func (b *bigButton) MouseMoved(*desktop.MouseEvent) {}
func (b *bigButton) MouseOut()                      { b.hovered = false; b.Refresh() }

// Cursor is the pointer over the button.
func (b *bigButton) Cursor() desktop.Cursor { return desktop.PointerCursor }

// SetText changes the label.
func (b *bigButton) SetText(s string) {
	b.Text = s
	b.Refresh()
}

func (b *bigButton) colors() (bg, fg fyne.ThemeColorName) {
	if b.Disabled() {
		return theme.ColorNameDisabledButton, theme.ColorNameDisabled
	}
	switch b.Importance {
	case widget.HighImportance:
		return theme.ColorNamePrimary, theme.ColorNameForegroundOnPrimary
	case widget.SuccessImportance:
		return theme.ColorNameSuccess, theme.ColorNameForegroundOnSuccess
	case widget.DangerImportance:
		return theme.ColorNameError, theme.ColorNameForegroundOnError
	case widget.WarningImportance:
		return theme.ColorNameWarning, theme.ColorNameForegroundOnWarning
	}
	return theme.ColorNameButton, theme.ColorNameForeground
}

func (b *bigButton) CreateRenderer() fyne.WidgetRenderer {
	r := &bigButtonRenderer{b: b, bg: newBox(theme.ColorNameButton, 10), hover: newBox(theme.ColorNameHover, 10),
		label: text("", b.TextSize, true, theme.ColorNameForeground), icon: widget.NewIcon(nil)}
	r.Refresh()
	return r
}

type bigButtonRenderer struct {
	b     *bigButton
	bg    *box
	hover *box
	label *styledText
	icon  *widget.Icon
}

func (r *bigButtonRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.hover, r.icon, r.label}
}

func (r *bigButtonRenderer) Destroy() {}

func (r *bigButtonRenderer) iconSize() float32 { return r.b.TextSize * 0.9 }

func (r *bigButtonRenderer) MinSize() fyne.Size {
	pad := theme.Padding() * 4
	w, h := r.label.MinSize().Width, r.label.MinSize().Height
	if r.b.Icon != nil {
		w += r.iconSize() + theme.Padding()
		h = fyne.Max(h, r.iconSize())
	}
	return fyne.NewSize(w+pad, h+pad)
}

func (r *bigButtonRenderer) Layout(s fyne.Size) {
	r.bg.Resize(s)
	r.hover.Resize(s)
	ls := r.label.MinSize()
	w := ls.Width
	if r.b.Icon != nil {
		w += r.iconSize() + theme.Padding()
	}
	x := (s.Width - w) / 2
	if r.b.Icon != nil {
		is := r.iconSize()
		r.icon.Resize(fyne.NewSquareSize(is))
		r.icon.Move(fyne.NewPos(x, (s.Height-is)/2))
		x += is + theme.Padding()
	}
	r.label.Resize(ls)
	r.label.Move(fyne.NewPos(x, (s.Height-ls.Height)/2))
}

func (r *bigButtonRenderer) Refresh() {
	bg, fg := r.b.colors()
	r.bg.SetColor(bg)
	if r.b.hovered && !r.b.Disabled() {
		r.hover.Show()
	} else {
		r.hover.Hide()
	}
	r.label.Text, r.label.TextSize, r.label.ColorName = r.b.Text, r.b.TextSize, fg
	r.label.Refresh()
	if r.b.Icon != nil {
		r.icon.SetResource(theme.NewColoredResource(r.b.Icon, fg))
		r.icon.Show()
	} else {
		r.icon.Hide()
	}
	r.Layout(r.b.Size())
}
