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
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// text makes a canvas text of a size and style in a theme colour.
func text(s string, size float32, bold bool, c fyne.ThemeColorName) *canvas.Text {
	t := canvas.NewText(s, themeColor(c))
	t.TextSize = size
	t.TextStyle = fyne.TextStyle{Bold: bold}
	return t
}

// panel puts content on a rounded background of a theme colour.
func panel(bg fyne.ThemeColorName, content fyne.CanvasObject) *fyne.Container {
	r := canvas.NewRectangle(themeColor(bg))
	r.CornerRadius = 12
	return container.NewStack(r, container.NewPadded(container.NewPadded(content)))
}

// statusPanel is a panel whose colour changes (result screen, badges).
type statusPanel struct {
	bg  *canvas.Rectangle
	box *fyne.Container
}

func newStatusPanel(bg fyne.ThemeColorName, radius float32, content fyne.CanvasObject) *statusPanel {
	r := canvas.NewRectangle(themeColor(bg))
	r.CornerRadius = radius
	return &statusPanel{bg: r, box: container.NewStack(r, container.NewPadded(content))}
}

func (p *statusPanel) setColor(c color.Color) {
	p.bg.FillColor = c
	p.bg.Refresh()
}

// dot is a small filled circle used by the indicators.
func dot(c color.Color) *canvas.Circle {
	d := canvas.NewCircle(c)
	d.Resize(fyne.NewSquareSize(12))
	return d
}

// dotBox gives a dot a fixed size in a layout.
func dotBox(d *canvas.Circle) fyne.CanvasObject {
	return container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(12), d))
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
		v.Wrapping = fyne.TextWrapBreak
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

// groupDigits formats a major-unit amount "1250000.00" as "1 250 000.00".
func groupDigits(major string) string {
	intPart, frac, hasFrac := strings.Cut(major, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteRune(' ')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString(".")
		b.WriteString(frac)
	}
	return b.String()
}

// money formats an amount for people: "1 250.00 RUB".
func money(a pos.Amount) string {
	if a.Currency == "" {
		return ""
	}
	return groupDigits(a.Major()) + " " + a.Currency
}

// statusColor is the colour of a payment status.
func statusColor(status string) fyne.ThemeColorName {
	switch status {
	case "approved":
		return colorApproved
	case "declined", "filtered", "error":
		return colorDeclined
	default:
		return colorUnknown
	}
}

// statusText names a payment status for the cashier.
func statusText(status string) string {
	switch status {
	case "approved":
		return lang.L("Approved")
	case "declined":
		return lang.L("Declined")
	case "filtered":
		return lang.L("Declined (filtered)")
	case "error":
		return lang.L("Failed")
	case "unknown":
		return lang.L("Unknown")
	case "pending", "sent", "accepted":
		return lang.L("In progress")
	}
	return status
}

// kindText names a payment kind.
func kindText(k pos.Kind) string {
	switch k {
	case pos.Preauth:
		return lang.L("Preauth")
	default:
		return lang.L("Sale")
	}
}

// stageText gives the engine's stage in the cashier's language.
func stageText(s pos.Stage) string {
	switch s {
	case pos.StageStarting:
		return lang.L("Starting")
	case pos.StageRecovering:
		return lang.L("Checking earlier payments")
	case pos.StageReady:
		return lang.L("Ready")
	case pos.StageWaitingReader:
		return lang.L("Waiting for the card reader")
	case pos.StageWaitingCard:
		return lang.L("Waiting for card")
	case pos.StageSending:
		return lang.L("Sending to the bank")
	case pos.StageWaitingBank:
		return lang.L("Waiting for the bank")
	case pos.StageApproved:
		return lang.L("Approved")
	case pos.StageDeclined:
		return lang.L("Declined")
	case pos.StageFailed:
		return lang.L("Failed — not charged")
	case pos.StageUnknown:
		return lang.L("Result not known yet")
	}
	return lang.L(s.Text())
}

// say translates an engine sentence when Kassa knows it (the engine speaks
// English); otherwise it is shown as it is.
func say(s string) string {
	if s == "" {
		return ""
	}
	return lang.L(s)
}

// clock formats a time of day.
func clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("15:04:05")
}

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

// iconFor returns the status icon of a payment status.
func iconFor(status string) fyne.Resource {
	switch status {
	case "approved":
		return theme.ConfirmIcon()
	case "declined", "filtered", "error":
		return theme.CancelIcon()
	default:
		return theme.WarningIcon()
	}
}
