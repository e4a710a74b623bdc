package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// demoPanel drives the simulated reader in demo mode: which test card the
// next read gives, or which fault, so a new user can try every outcome.
type demoPanel struct {
	u     *UI
	ctl   pos.DemoControls
	cards []pos.DemoCard

	card    *widget.SelectEntry
	fault   *widget.Select
	present *widget.RadioGroup // tap, insert or swipe (issue 12)
	now     *widget.Button     // present the card now
	msg     *widget.Label
	root    *fyne.Container
}

func newDemoPanel(u *UI) *demoPanel {
	d := &demoPanel{u: u, ctl: u.eng.Demo(), msg: &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}}
	// A list of the test cards, and any other card number can be typed
	// (Enter) to try it.
	d.card = widget.NewSelectEntry(nil)
	d.card.SetPlaceHolder(tr("Test card or any card number"))
	d.card.OnChanged = d.cardChanged
	d.card.OnSubmitted = d.cardTyped
	d.fault = &widget.Select{PlaceHolder: tr("No fault"), OnChanged: d.faultChanged}
	d.fault.ExtendBaseWidget(d.fault)
	d.present = d.newPresentation()
	d.now = widget.NewButton(tr("Present the card now"), d.presentNow)
	title := text(tr("Simulated reader"), 17, true, colorDemo)
	form := container.NewVBox(title,
		widget.NewLabel(tr("The card is presented by")), d.present, d.now,
		widget.NewLabel(tr("Next card")), d.card,
		widget.NewLabel(tr("Fault on the next read")), d.fault,
		d.msg)
	d.root = container.NewVBox(widget.NewSeparator(), panel(colorCard, form))
	d.load()
	return d
}

func (d *demoPanel) view() fyne.CanvasObject { return d.root }

// load fills the lists from the engine's demo controls.
func (d *demoPanel) load() {
	if d.ctl == nil {
		d.root.Hide()
		return
	}
	d.cards = d.ctl.Cards()
	labels := make([]string, len(d.cards))
	for i, c := range d.cards {
		labels[i] = cardLabel(c)
	}
	d.card.SetOptions(labels)
	for _, c := range d.cards {
		if c.PAN == "4111111111111111" {
			d.card.SetText(cardLabel(c)) // approved: the first thing to try
		}
	}
	faults := []string{}
	for _, f := range d.ctl.Faults() {
		faults = append(faults, faultLabel(f))
	}
	d.fault.Options = faults
	d.loadPresentation()
	d.root.Show()
}

func (d *demoPanel) update(s pos.Snapshot) {
	if d.ctl == nil && s.Demo {
		d.ctl = d.u.eng.Demo()
		d.load()
	}
}

func cardLabel(c pos.DemoCard) string {
	return "•" + last4(c.PAN) + "  " + tr(c.Label)
}

// faultWords is THE table from a simulated fault's name to its words.
var faultWords = map[string]string{
	"":           "No fault",
	"none":       "No fault",
	"bad-swipe":  "Bad swipe",
	"no-card":    "No card (timeout)",
	"unplug":     "Reader unplugged",
	"replug":     "Plug the reader back in",
	"corrupt":    "Corrupted data",
	"slow":       "Slow reader",
	"no-keys":    "No encryption keys",
	"drop":       "Connection drop",
	"pull":       "Card pulled out early",
	"chip-error": "Chip cannot be read",
	"no-tap":     "Tap not read",
	"wrong-pin":  "Wrong PIN on the reader",
}

// faultLabel names a simulated fault; "none" reads as "No fault".
func faultLabel(f string) string {
	if k, ok := faultWords[f]; ok {
		return tr(k)
	}
	return f
}

func (d *demoPanel) cardChanged(label string) {
	if d.ctl == nil {
		return
	}
	for _, c := range d.cards {
		if cardLabel(c) == label {
			if err := d.ctl.SetCard(c.PAN); err != nil {
				d.msg.SetText(errText(err))
			} else {
				d.msg.SetText("")
			}
			// Typed digits go to the amount again, not to this field.
			d.u.unfocus()
			return
		}
	}
}

// cardTyped uses a typed card number for the next swipe.
func (d *demoPanel) cardTyped(s string) {
	if d.ctl == nil {
		return
	}
	pan := strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	for _, c := range d.cards {
		if cardLabel(c) == s {
			return // chosen from the list: cardChanged did it
		}
	}
	if err := d.ctl.SetCard(pan); err != nil {
		d.msg.SetText(errText(err))
		return
	}
	d.msg.SetText(tr("Next card:") + " •" + last4(pan))
	d.u.unfocus()
}

func last4(pan string) string {
	if len(pan) > 4 {
		return pan[len(pan)-4:]
	}
	return pan
}

func (d *demoPanel) faultChanged(label string) {
	if d.ctl == nil {
		return
	}
	for _, f := range d.ctl.Faults() {
		if faultLabel(f) == label {
			if err := d.ctl.SetFault(f); err != nil {
				d.msg.SetText(errText(err))
			} else {
				d.msg.SetText("")
			}
			d.u.unfocus()
			return
		}
	}
}

// selectCard picks the test card whose PAN ends in last4 (tests, demos).
func (d *demoPanel) selectCard(last4 string) bool {
	for _, c := range d.cards {
		if strings.HasSuffix(c.PAN, last4) {
			d.card.SetText(cardLabel(c))
			return true
		}
	}
	return false
}

// selectFault picks a fault by its engine name (tests, demos).
func (d *demoPanel) selectFault(name string) {
	d.fault.SetSelected(faultLabel(name))
}

// resetFault shows "No fault" again after a payment: a fault applies to one
// read only.
func (d *demoPanel) resetFault() {
	if d.ctl == nil || d.fault.Selected == "" || d.fault.Selected == faultLabel("none") {
		return
	}
	_ = d.ctl.SetFault("none")
	d.fault.Selected = ""
	d.fault.Refresh()
}
