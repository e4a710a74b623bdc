package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// announceBar tells the cashier, prominently and until acknowledged, how a
// payment let go by a manager's override ended: "66.00 RUB from …1111 WAS
// charged at 14:05" (or was not charged).
type announceBar struct {
	u     *UI
	shown string // the ClientOrderID announced
	panel *statusPanel
	msg   *wrapped
	ok    *widget.Button
	root  *fyne.Container
}

func newAnnounceBar(u *UI) *announceBar {
	a := &announceBar{u: u, msg: newWrapped("", theme.SizeNameHeadingText, true, colorOnStatus)}
	a.ok = &widget.Button{Text: tr("Understood"), Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: a.okTapped}
	a.panel = newStatusPanel(colorApproved, 0,
		container.NewBorder(nil, nil, nil, container.NewCenter(fixedHeight(56, a.ok)), container.NewPadded(a.msg)))
	a.root = container.NewStack(a.panel.box)
	a.root.Hide()
	return a
}

func (a *announceBar) view() fyne.CanvasObject { return a.root }

// update shows the oldest announcement not yet acknowledged.
func (a *announceBar) update(s pos.Snapshot) {
	if len(s.Announcements) == 0 {
		a.shown = ""
		a.root.Hide()
		return
	}
	n := s.Announcements[0]
	a.shown = n.ClientOrderID
	a.msg.Set(announcement(n), colorOnStatus)
	if n.Charged {
		a.panel.setColor(colorApproved)
	} else {
		a.panel.setColor(colorDeclined)
	}
	a.root.Show()
}

// announcement is the sentence of an announcement.
func announcement(n pos.Announcement) string {
	card := ""
	if l4 := last4(n.MaskedPAN); l4 != "" {
		card = "…" + l4
	}
	format := tr("%s from %s was NOT charged (checked at %s).")
	if n.Charged {
		format = tr("%s from %s WAS charged at %s.")
	}
	return fmt.Sprintf(format, money(n.Amount), card, clockMinutes(n.ResolvedAt))
}

// okTapped acknowledges the announcement shown.
func (a *announceBar) okTapped() {
	if a.shown == "" {
		return
	}
	a.u.eng.Acknowledge(a.shown)
	a.root.Hide()
}
