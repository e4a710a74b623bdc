package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// payingScreen shows a running payment: a spinner, the engine's stage in
// words, the elapsed time, and Cancel while the engine says it can cancel.
type payingScreen struct {
	u *UI

	since    time.Time // when the current stage began
	began    time.Time // when the payment began
	stopTick chan struct{}

	kind    *styledText
	amount  *styledText
	spinner *widget.Activity
	stage   *styledText
	clock   *styledText
	card    *widget.Label
	note    *wrapped
	cancel  *bigButton

	stageNow pos.Stage // the engine's stage shown
	noteText string    // the note the engine's reason gives
	slow     bool      // the slow-bank note is shown

	root fyne.CanvasObject
}

func newPayingScreen(u *UI) *payingScreen {
	p := &payingScreen{
		u:       u,
		kind:    text("", 22, false, colorMuted),
		amount:  text("", 64, true, theme.ColorNameForeground),
		spinner: widget.NewActivity(),
		stage:   text("", 34, true, theme.ColorNamePrimary),
		clock:   text("0:00", 22, false, colorMuted),
		card:    &widget.Label{Alignment: fyne.TextAlignCenter, TextStyle: fyne.TextStyle{Monospace: true}},
		note:    newWrapped("", theme.SizeNameSubHeadingText, false, theme.ColorNameForeground),
	}
	p.note.SetAlign(fyne.TextAlignCenter)
	for _, t := range []*styledText{p.kind, p.amount, p.stage, p.clock} {
		t.Alignment = fyne.TextAlignCenter
	}
	p.cancel = newBigButton(tr("Cancel (Esc)"), theme.CancelIcon(), 24, widget.DangerImportance, p.cancelTapped)
	cancel := container.NewCenter(fixedWidth(320, fixedHeight(68, p.cancel)))

	content := container.NewVBox(
		layout.NewSpacer(),
		p.kind, p.amount,
		container.NewCenter(container.NewHBox(cardGlyph(), container.NewGridWrap(fyne.NewSquareSize(76), p.spinner))),
		p.stage, p.clock, p.card,
		fixedHeight(16, layout.NewSpacer()),
		cancel, p.note,
		layout.NewSpacer(),
	)
	p.root = container.NewBorder(nil, nil, nil, nil, container.NewPadded(content))
	return p
}

func (p *payingScreen) view() fyne.CanvasObject { return p.root }

// cardGlyph is a drawn payment card: a cue to swipe.
func cardGlyph() fyne.CanvasObject {
	body := newBox(theme.ColorNamePrimary, 10)
	body.Min = fyne.NewSize(120, 76)
	stripe := newBox(theme.ColorNameForeground, 0)
	stripe.Alpha = 0xb0
	stripe.Min = fyne.NewSize(120, 14)
	chip := newBox(colorUnknown, 3)
	chip.Min = fyne.NewSize(20, 15)
	return container.NewStack(body, container.NewVBox(
		fixedHeight(10, layout.NewSpacer()), stripe,
		container.NewHBox(fixedWidth(8, layout.NewSpacer()), container.NewVBox(fixedHeight(6, layout.NewSpacer()), chip))))
}

// start resets the screen for a new payment and starts the clock.
func (p *payingScreen) start(kind pos.Kind, amount pos.Amount) {
	now := time.Now()
	p.began, p.since = now, now
	p.kind.Text = kindText(kind)
	p.kind.Refresh()
	p.amount.Text = money(amount)
	p.amount.Refresh()
	p.stage.Text = stageText(pos.StageWaitingReader)
	p.stage.Refresh()
	p.card.SetText("")
	p.stageNow, p.noteText, p.slow = pos.StageWaitingReader, "", false
	p.setNote("")
	p.cancel.Show()
	p.cancel.Enable()
	p.spinner.Start()
	p.tick()
	p.stopTick = make(chan struct{})
	p.u.every(250*time.Millisecond, p.stopTick, p.tick)
}

// stop ends the clock (the payment returned).
func (p *payingScreen) stop() {
	p.spinner.Stop()
	if p.stopTick != nil {
		close(p.stopTick)
		p.stopTick = nil
	}
}

// slowAfter is how long the bank may take before the cashier is told that
// it is slow and to keep the customer there.
const slowAfter = 15 * time.Second

func (p *payingScreen) tick() {
	t := elapsed(time.Since(p.began))
	if p.clock.Text != t {
		p.clock.Text = t
		p.clock.Refresh()
	}
	bankWait := p.stageNow == pos.StageSending || p.stageNow == pos.StageWaitingBank
	if slow := bankWait && time.Since(p.since) >= slowAfter; slow != p.slow {
		p.slow = slow
		p.showNote()
	}
}

// setNote sets the note the engine's reason gives.
func (p *payingScreen) setNote(s string) {
	p.noteText = s
	p.showNote()
}

// showNote shows the note, or that the bank is slow when it is.
func (p *payingScreen) showNote() {
	if p.slow {
		p.note.Set(tr("The bank is slow to answer. Keep the customer here: the answer is still coming, do not charge again."), colorDeclined)
		return
	}
	p.note.Set(p.noteText, theme.ColorNameForeground)
}

// update follows the engine's stage while a payment runs.
func (p *payingScreen) update(s pos.Snapshot) {
	if !p.u.paying {
		return
	}
	if s.Stage == pos.StageReady || s.Stage == pos.StageStarting || s.Stage == pos.StageRecovering {
		if s.Journal == pos.JournalChecking { // the first payment waits for the journal check
			p.setNote(tr("Kassa checks its journal once after it starts; the card reader is asked in a moment."))
		}
		return // the snapshot predates this payment
	}
	p.stage.Text = payingTitle(s)
	p.stage.Refresh()
	if s.Stage != p.stageNow {
		p.stageNow, p.slow = s.Stage, false
	}
	if !s.StageSince.IsZero() {
		p.since = s.StageSince
	}
	if s.Payment != nil && s.Payment.MaskedPAN != "" {
		p.card.SetText(s.Payment.MaskedPAN + "  " + s.Payment.CardScheme)
	}
	what, todo := reasonText(s.Reason)
	note := strings.TrimSpace(what + " " + todo)
	if s.CanCancel {
		p.cancel.Show()
		p.cancel.Enable()
	} else {
		p.cancel.Hide()
		if s.Stage == pos.StageSending || s.Stage == pos.StageWaitingBank {
			note = tr("The card data is with the bank: the payment can no longer be cancelled. Please wait.")
		}
	}
	p.setNote(note)
	p.tick()
}

// cancelTapped asks the engine to cancel; it refuses once the request was
// sent, and the screen then says why.
func (p *payingScreen) cancelTapped() {
	if !p.cancel.Visible() || p.cancel.Disabled() {
		return
	}
	if p.u.eng.Cancel() {
		p.cancel.Disable()
		p.setNote(tr("Cancelling…"))
		return
	}
	p.cancel.Hide()
	p.setNote(tr("Too late to cancel: the payment is already with the bank."))
}
