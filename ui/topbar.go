package ui

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
	"kassa/ui/words"
)

// topBar is the strip above every screen (the name, the DEMO badge, the
// navigation) and the status bar below it (the reader and gateway
// indicators and, in demo mode, what demo mode means).
type topBar struct {
	u *UI

	demoBadge   *fyne.Container
	demoStrip   *fyne.Container
	statusBar   fyne.CanvasObject
	readerDot   *box
	readerText  *styledText
	gatewayDot  *box
	gatewayText *styledText
	printerDot  *box // issue 16: ui/printer_status.go
	printerText *styledText

	checkoutBtn *widget.Button
	historyBtn  *widget.Button
	closeDayBtn *widget.Button
	settingsBtn *widget.Button
	storeBtn    *widget.Button // issue 15: shown with a store database
	holdsBtn    *widget.Button // the open-holds board (issue 11)
	lockBtn     *widget.Button

	root fyne.CanvasObject
}

func newTopBar(u *UI) *topBar {
	t := &topBar{
		u:           u,
		readerDot:   dot(colorMuted),
		readerText:  text(tr("Reader"), statusSize, true, theme.ColorNameForeground),
		gatewayDot:  dot(colorMuted),
		gatewayText: text(tr("Gateway"), statusSize, true, theme.ColorNameForeground),
		printerDot:  dot(colorMuted),
		printerText: text("…", statusSize, true, theme.ColorNameForeground),
	}
	demo := text(tr("DEMO"), 16, true, colorOnStatus)
	t.demoBadge = newStatusPanel(colorDemo, 6, container.NewPadded(demo)).box
	t.demoBadge.Hide()
	strip := newWrapped(tr("DEMO MODE · no real money"), theme.SizeNameText, true, colorOnStatus)
	strip.SetAlign(fyne.TextAlignTrailing)
	t.demoStrip = newStatusPanel(colorDemo, 6, strip).box
	t.demoStrip.Hide()

	t.checkoutBtn = &widget.Button{Text: tr("Checkout"), Icon: theme.HomeIcon(), OnTapped: t.checkoutTapped}
	t.historyBtn = &widget.Button{Text: tr("History"), Icon: theme.HistoryIcon(), OnTapped: t.historyTapped}
	t.closeDayBtn = &widget.Button{Text: tr("Close day"), Icon: theme.DocumentIcon(), OnTapped: t.closeDayTapped}
	t.settingsBtn = &widget.Button{Text: tr("Settings"), Icon: theme.SettingsIcon(), OnTapped: t.settingsTapped}
	t.holdsBtn = &widget.Button{Text: tr("Holds"), Icon: theme.StorageIcon(), OnTapped: t.holdsTapped}
	t.storeBtn = &widget.Button{Text: tr("Store"), Icon: theme.GridIcon(), OnTapped: t.storeTapped}
	t.storeBtn.Hide()
	t.lockBtn = &widget.Button{Icon: theme.LogoutIcon(), Importance: widget.LowImportance, OnTapped: t.lockTapped}

	name := text("Kassa", 22, true, theme.ColorNameForeground)
	left := container.NewHBox(container.NewPadded(name), container.NewCenter(t.demoBadge))
	indicators := container.NewHBox(
		dotBox(t.readerDot), container.NewPadded(t.readerText),
		widget.NewSeparator(),
		dotBox(t.gatewayDot), container.NewPadded(t.gatewayText),
		widget.NewSeparator(),
		dotBox(t.printerDot), printerIcon(), container.NewPadded(t.printerText),
	)
	nav := container.NewHBox(t.checkoutBtn, t.historyBtn, t.holdsBtn, t.closeDayBtn, t.storeBtn, t.settingsBtn, u.shiftBtn, t.lockBtn) // shiftBtn: issue 13
	bar := container.NewHBox(left, layout.NewSpacer(), nav)
	t.root = container.NewVBox(container.NewStack(newBox(colorCard, 0), container.NewPadded(bar)), widget.NewSeparator())
	status := container.NewBorder(nil, nil, indicators, nil, container.NewPadded(t.demoStrip))
	t.statusBar = container.NewVBox(widget.NewSeparator(), container.NewStack(newBox(colorCard, 0), status))
	return t
}

func (t *topBar) view() fyne.CanvasObject { return t.root }

// statusSize is the status bar's text size: readable from the customer's
// side of the counter.
const statusSize = 17

// update shows the reader and gateway state and which screen is open.
func (t *topBar) update(s pos.Snapshot) {
	if s.Demo {
		t.demoBadge.Show()
		t.demoStrip.Show()
	} else {
		t.demoBadge.Hide()
		t.demoStrip.Hide()
	}
	c, txt := readerIndicator(s.Reader)
	t.readerDot.SetColor(c)
	t.readerText.SetText(txt)

	c, txt = gatewayIndicator(s.Gateway, s.Demo)
	if link := storeLinkText(s.Store); link != "" {
		txt += " · " + link
	}
	if w := backupWarning(s.Backup); w != "" { // issue 14
		txt += " · " + w
	}
	t.gatewayDot.SetColor(c)
	t.gatewayText.SetText(txt)
	c, txt = printerIndicator(s.Printer)
	t.printerDot.SetColor(c)
	t.printerText.SetText(txt)

	t.u.updateShiftButton(s) // issue 13
	cur := t.u.current
	if s.Store.Enabled != t.storeBtn.Visible() { // issue 15
		t.storeBtn.Hidden = !s.Store.Enabled
		t.storeBtn.Refresh()
	}
	if t.u.paying || t.u.locked {
		t.lockBtn.Disable()
	} else {
		t.lockBtn.Enable()
	}
	for _, b := range []struct {
		btn *widget.Button
		on  bool
	}{
		{t.checkoutBtn, cur == t.u.checkout || cur == t.u.pay || cur == t.u.result || (cur == t.u.receipt && t.u.receipt.back != t.u.history)},
		{t.historyBtn, cur == t.u.history || (cur == t.u.receipt && t.u.receipt.back == t.u.history)},
		{t.holdsBtn, cur == t.u.holds || (cur == t.u.child && t.u.child.back == t.u.holds)},
		{t.closeDayBtn, cur == t.u.closeDay},
		{t.settingsBtn, cur == t.u.settings},
		{t.storeBtn, cur == t.u.store},
	} {
		imp := widget.LowImportance
		if b.on {
			imp = widget.HighImportance
		}
		if b.btn.Importance != imp {
			b.btn.Importance = imp
			b.btn.Refresh()
		}
		// No leaving the payment screen while a payment runs; nothing but
		// the PIN while locked.
		if (t.u.paying && !b.on) || t.u.locked {
			b.btn.Disable()
		} else {
			b.btn.Enable()
		}
	}
}

// readerLooks is THE table from a reader state to its indicator colour.
var readerLooks = map[pos.ReaderState]fyne.ThemeColorName{
	pos.ReaderStateConnected:    colorApproved,
	pos.ReaderStateSimulated:    colorApproved,
	pos.ReaderStateReconnecting: colorUnknown,
	pos.ReaderStateNotFound:     colorDeclined,
}

// readerIndicator gives the reader's colour and words; a reader not found
// before any open was tried is grey ("Reader"), not red.
func readerIndicator(r pos.ReaderStatus) (fyne.ThemeColorName, string) {
	battery := ""
	if r.Battery > 0 {
		battery = fmt.Sprintf(" · %d%%", r.Battery)
		if r.Charging == "charging" {
			battery += " ⚡"
		}
	}
	if r.State == pos.ReaderStateNotFound && r.Problem == pos.ReaderOK {
		return colorMuted, tr("Reader")
	}
	c, ok := readerLooks[r.State]
	if !ok {
		c = colorUnknown
	}
	txt := words.ReaderState(current(), r.State)
	switch {
	case r.State.Usable():
		txt += battery
	case r.State == pos.ReaderStateNotFound && r.Problem != pos.ReaderNotFound:
		// Found but not usable, or gone: say why (no keys: call support).
		txt = tr("Reader not ready") + " · " + strings.TrimSuffix(words.ReaderWords(current(), r.Problem), ".")
	}
	return c, txt
}

// storeLinkText says what has not reached the store database yet ("" when
// nothing is missing or no store database is configured).
func storeLinkText(l pos.StoreLink) string {
	switch {
	case !l.Enabled:
		return ""
	case l.Refused:
		return tr("The store database refused this lane's journal: call a manager")
	case l.Backlog > 0:
		return words.Count("{{.Count}} events not yet at the store database", l.Backlog, current())
	}
	return ""
}

// gatewayIndicator gives the gateway's colour and words.
func gatewayIndicator(g pos.GatewayStatus, demo bool) (fyne.ThemeColorName, string) {
	mode := tr("Live gateway")
	if demo || g.Demo {
		mode = tr("Demo gateway")
	}
	c := colorApproved
	if !g.OK {
		c = colorUnknown
		if g.LastContact.IsZero() {
			c = colorMuted
		}
	}
	if g.LastContact.IsZero() {
		return c, mode + " · " + tr("no contact yet")
	}
	return c, mode + " · " + clock(g.LastContact)
}

func (t *topBar) checkoutTapped() { t.u.home() }
func (t *topBar) lockTapped()     { t.u.lock() }
func (t *topBar) historyTapped() {
	t.u.history.pending = false
	t.u.show(t.u.history)
}

func (t *topBar) holdsTapped() { t.u.show(t.u.holds) }

func (t *topBar) closeDayTapped() {
	t.u.askPIN(pos.Manager, tr("Close day"), func() { t.u.show(t.u.closeDay) })
}

func (t *topBar) storeTapped() {
	t.u.askPIN(pos.Manager, tr("Store"), func() { t.u.show(t.u.store) })
}

func (t *topBar) settingsTapped() {
	t.u.askPIN(pos.Manager, tr("Settings"), func() { t.u.show(t.u.settings) })
}

// bannerBar shows what blocks or slows the checkout: recovery at start, an
// unknown payment blocking new ones (with the manager override), payments
// still unresolved.
type bannerBar struct {
	u        *UI
	panel    *statusPanel
	msg      *wrapped
	override *widget.Button
	showBtn  *widget.Button
	root     *fyne.Container
}

func newBannerBar(u *UI) *bannerBar {
	b := &bannerBar{u: u, msg: newWrapped("", theme.SizeNameSubHeadingText, true, colorOnStatus)}
	b.msg.grew = func() {
		// The banner took another line while the window was being laid
		// out: lay it out again once this pass is over (a nested pass
		// would be overwritten by the outer one).
		u.later(func() {
			if u.content != nil {
				u.content.Refresh()
			}
		})
	}
	b.override = &widget.Button{Text: tr("Manager override"), Icon: theme.AccountIcon(), OnTapped: b.overrideTapped}
	b.showBtn = &widget.Button{Text: tr("Show"), Icon: theme.VisibilityIcon(), OnTapped: b.showTapped}
	b.panel = newStatusPanel(colorUnknown, 0,
		container.NewBorder(nil, nil, nil, container.NewHBox(b.showBtn, b.override), container.NewPadded(b.msg)))
	b.root = container.NewStack(b.panel.box)
	b.root.Hide()
	return b
}

func (b *bannerBar) view() fyne.CanvasObject { return b.root }

func (b *bannerBar) update(s pos.Snapshot) {
	b.override.Hide()
	b.showBtn.Hide()
	switch {
	case s.Journal == pos.JournalDamaged:
		b.msg.Set(tr("The journal on this computer is damaged: payments are stopped. Call support; a manager can restore the last backup."), onColor(colorDeclined))
		b.panel.setColor(colorDeclined)
	case s.Stage == pos.StageStarting || s.Stage == pos.StageRecovering:
		b.msg.Set(stageText(s.Stage)+"…", colorOnStatus)
		b.panel.setColor(theme.ColorNamePrimary)
	case s.Blocked:
		b.msg.Set(tr("An earlier payment's result is not known — new payments are blocked until it resolves."), onColor(colorUnknown))
		b.panel.setColor(colorUnknown)
		b.override.Show()
		b.showBtn.Show()
	case s.Unresolved > 0:
		b.msg.Set(fmt.Sprintf(tr("Payments with unknown result: %d — Kassa keeps checking with the bank."), s.Unresolved), onColor(colorUnknown))
		b.panel.setColor(colorUnknown)
		b.showBtn.Show()
	case s.UnknownChildren > 0: // issue 11
		b.msg.Set(fmt.Sprintf(tr("Refunds or captures with unknown result: %d — Kassa keeps checking with the bank; do not repeat them."), s.UnknownChildren), onColor(colorUnknown))
		b.panel.setColor(colorUnknown)
		b.showBtn.Show()
	default:
		b.root.Hide()
		return
	}
	b.root.Show()
}

// showTapped lists the unresolved payments in the history.
func (b *bannerBar) showTapped() {
	if b.u.paying || b.u.locked {
		return
	}
	b.u.history.pending, b.u.history.query = true, ""
	b.u.history.search.SetText("")
	if b.u.current == b.u.history {
		b.u.history.load()
		return
	}
	b.u.show(b.u.history)
}

// overrideTapped lets a manager start new payments despite an unknown one:
// manager PIN, then a reason that the engine journals.
func (b *bannerBar) overrideTapped() {
	u := b.u
	if u.paying || u.locked {
		return
	}
	back := u.current
	u.askPIN(pos.Manager, tr("Manager override"), func() {
		u.show(back)
		reason := widget.NewEntry()
		reason.SetPlaceHolder(tr("Why may new payments start?"))
		d := dialog.NewForm(tr("Manager override"), tr("Override"), tr("Cancel"),
			[]*widget.FormItem{widget.NewFormItem(tr("Reason"), reason)},
			func(ok bool) {
				if !ok || reason.Text == "" {
					return
				}
				if err := u.eng.Override("manager", reason.Text); err != nil {
					dialog.ShowError(errors.New(errText(err)), u.win) // the words, not the Go error
				}
			}, u.win)
		d.Resize(fyne.NewSize(480, 200))
		d.Show()
	})
}
