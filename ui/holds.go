package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// holdsScreen is the open-holds board (issue 11): every approved preauth
// neither captured nor released, with its amount, age and time left;
// amber from two days before the end of the hold period, red once
// expired; Capture and Release from each row (with the manager's PIN, on
// the operation's own screen).
type holdsScreen struct {
	u *UI

	holds   []pos.Hold
	btns    map[string]map[pos.Operation]*widget.Button // each row's Capture and Release
	heading *widget.Label
	rows    *fyne.Container
	empty   *widget.Label
	stop    chan struct{}

	root fyne.CanvasObject
}

func newHoldsScreen(u *UI) *holdsScreen {
	h := &holdsScreen{
		u:       u,
		heading: &widget.Label{Text: tr("Open holds"), TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText},
		rows:    container.NewVBox(),
		empty:   &widget.Label{Text: tr("No open holds."), Alignment: fyne.TextAlignCenter, Importance: widget.LowImportance},
	}
	refresh := &widget.Button{Text: tr("Refresh"), Icon: theme.ViewRefreshIcon(), OnTapped: h.load}
	top := container.NewHBox(h.heading, layout.NewSpacer(), refresh)
	h.root = container.NewPadded(container.NewBorder(top, nil, nil, nil,
		container.NewStack(container.NewVScroll(h.rows), h.empty)))
	return h
}

func (h *holdsScreen) view() fyne.CanvasObject { return h.root }

// shown loads the board and keeps the times current (every 30 s).
func (h *holdsScreen) shown() {
	h.load()
	h.stop = make(chan struct{})
	h.u.every(30*time.Second, h.stop, h.load)
}

func (h *holdsScreen) hidden() {
	if h.stop != nil {
		close(h.stop)
		h.stop = nil
	}
}

// load reads the open holds from the engine.
func (h *holdsScreen) load() {
	h.u.goroutine(func(ctx context.Context) {
		holds, err := h.u.eng.OpenHolds()
		h.u.later(func() { h.set(holds, err) })
	})
}

func (h *holdsScreen) set(holds []pos.Hold, err error) {
	h.holds = holds
	h.btns = map[string]map[pos.Operation]*widget.Button{}
	h.rows.Objects = nil
	for _, x := range holds {
		h.rows.Add(h.row(x))
	}
	h.rows.Refresh()
	switch {
	case err != nil:
		h.empty.SetText(errText(err))
		h.empty.Show()
	case len(holds) == 0:
		h.empty.SetText(tr("No open holds."))
		h.empty.Show()
	default:
		h.empty.Hide()
	}
	h.heading.SetText(tr("Open holds") + " · " + fmt.Sprint(len(holds)))
}

// holdColor is a hold's colour: green while open, amber when expiring,
// red once expired.
func holdColor(x pos.Hold) fyne.ThemeColorName {
	switch {
	case x.Expired:
		return colorDeclined
	case x.Expiring:
		return colorUnknown
	}
	return colorApproved
}

// holdLeft says how long a hold has left.
func holdLeft(x pos.Hold) string {
	if x.Expired {
		return tr("Expired") + " " + dateTime(x.ExpiresAt)
	}
	return tr("Left") + ": " + span(x.Left)
}

// span is a duration for people: "2 d 3 h", "5 h 10 min", "12 min".
func span(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", days, tr("d")))
	}
	if hours > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", hours, tr("h")))
	}
	if days == 0 && (mins > 0 || hours == 0) {
		parts = append(parts, fmt.Sprintf("%d %s", mins, tr("min")))
	}
	return strings.Join(parts, " ")
}

// row is one hold on the board.
func (h *holdsScreen) row(x pos.Hold) fyne.CanvasObject {
	col := holdColor(x)
	bar := newBox(col, 3)
	bar.Min = fyne.NewSize(8, 56)
	id := x.Payment.ClientOrderID
	capture := &widget.Button{Text: tr("Capture"), Icon: theme.ConfirmIcon(), Importance: widget.HighImportance,
		OnTapped: func() { h.openChild(pos.Capture, id) }}
	release := &widget.Button{Text: tr("Release"), Icon: theme.CancelIcon(), OnTapped: func() { h.openChild(pos.Release, id) }}
	h.btns[id] = map[pos.Operation]*widget.Button{pos.Capture: capture, pos.Release: release}
	if x.Expired || x.Busy {
		capture.Disable()
		release.Disable()
	}
	amount := text(money(x.Payment.Amount), 22, true, theme.ColorNameForeground)
	card := strings.TrimSpace(x.Payment.CardScheme + " •" + last4(x.Payment.MaskedPAN))
	info := container.NewVBox(
		&widget.Label{Text: card + " · " + tr("Age") + ": " + span(x.Age), TextStyle: fyne.TextStyle{Monospace: true}},
		text(holdLeft(x), 16, true, col))
	line := container.NewBorder(nil, nil, container.NewHBox(bar, fixedWidth(180, amount)),
		container.NewHBox(capture, release), info)
	return panel(colorCard, line)
}

// openChild opens the capture or release of a hold.
func (h *holdsScreen) openChild(op pos.Operation, id string) {
	h.u.child.open(op, id, h)
	h.u.show(h.u.child)
}
