package ui

import (
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// Chip and contactless on the screens (issue 12): the prompt while the card
// is taken, the card's application and verification on the result, and the
// demo panel's presentation.

// promptTitles is THE table from a reader prompt (the stage's cause while
// the card is taken) to the paying screen's big title; other causes show
// the stage's own words.
var promptTitles = map[pos.Cause]string{
	pos.CausePresentCard:   "Tap, insert or swipe",
	pos.CauseInsertCard:    "Insert the card",
	pos.CauseSwipeFallback: "Swipe the card",
	pos.CauseWrongWay:      "Insert the card",
	pos.CauseOtherCard:     "Use another card",
	pos.CauseReadingCard:   "Reading the card",
	pos.CauseSeePhone:      "Confirm on the phone",
	pos.CauseCardTakenOut:  "Present the card again",
}

// payingTitle is the paying screen's title for a snapshot.
func payingTitle(s pos.Snapshot) string {
	if t, ok := promptTitles[s.Reason.Cause]; ok && s.Stage == pos.StageWaitingCard {
		return tr(t)
	}
	return stageText(s.Stage)
}

// entryWords are the result screen's entry modes (the receipt's words).
var entryWords = map[string]string{
	"swipe":          "Swipe",
	"chip":           "Chip",
	"contactless":    "Contactless",
	"fallback-swipe": "Fallback swipe",
}

// verificationWords are the result screen's cardholder verifications.
var verificationWords = map[string]string{
	"online-pin":        "PIN verified",
	"offline-pin":       "PIN verified",
	"pin-and-signature": "PIN verified",
	"on-device":         "Verified on device",
	"no-cvm":            "No CVM",
	"signature":         "Signature required",
	"failed":            "Cardholder not verified",
}

// chipRows are the result screen's rows of how the card was read: entry
// mode, application (label and AID), verification, TVR and cryptogram.
func chipRows(c pos.CardFacts) [][2]string {
	var rows [][2]string
	if e, ok := entryWords[c.EntryMode]; ok {
		rows = append(rows, [2]string{tr("Entry"), tr(e)})
	}
	if !c.Chip() {
		return rows
	}
	crypt := "Cryptogram"
	if c.CID != "" {
		crypt = c.CID
	}
	v := verificationWords[c.Verification()]
	if v != "" {
		v = tr(v)
	}
	return append(rows,
		[2]string{tr("Application"), joinNonEmpty(c.AppLabel, c.AID)},
		[2]string{tr("Verification"), v},
		[2]string{"TVR", c.TVR},
		[2]string{crypt, c.Cryptogram})
}

// presentations are the demo panel's ways to present the card, in order:
// the simulator's name and the words.
var presentations = []struct{ name, words string }{
	{"tap", "Tap (contactless)"},
	{"insert", "Insert (chip)"},
	{"swipe", "Swipe (stripe)"},
}

// newPresentation is the demo panel's choice of presentation.
func (d *demoPanel) newPresentation() *widget.RadioGroup {
	var opts []string
	for _, p := range presentations {
		opts = append(opts, tr(p.words))
	}
	g := widget.NewRadioGroup(opts, d.presentationChanged)
	g.Horizontal = true
	g.Required = true
	return g
}

// presentNow presents the card now, the chosen way (the reader asked for
// the chip after a tap, or no automatic presentation came).
func (d *demoPanel) presentNow() {
	if d.ctl == nil {
		return
	}
	if err := d.ctl.Present(); err != nil {
		d.msg.SetText(tr("The simulated reader is not waiting for a card."))
	} else {
		d.msg.SetText("")
	}
	d.u.unfocus()
}

// presentationChanged tells the simulated reader how to present the card.
func (d *demoPanel) presentationChanged(label string) {
	if d.ctl == nil {
		return
	}
	for _, p := range presentations {
		if tr(p.words) == label {
			if err := d.ctl.SetEntry(p.name); err != nil {
				d.msg.SetText(errText(err))
			}
			d.u.unfocus()
			return
		}
	}
}

// loadPresentation shows the simulated reader's presentation.
func (d *demoPanel) loadPresentation() {
	for _, p := range presentations {
		if p.name == d.ctl.Entry() {
			d.present.Selected = tr(p.words)
			d.present.Refresh()
		}
	}
}

// selectPresentation picks a presentation by its simulator name (tests).
func (d *demoPanel) selectPresentation(name string) {
	for _, p := range presentations {
		if p.name == name {
			d.present.SetSelected(tr(p.words))
		}
	}
}
