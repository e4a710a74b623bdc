package ui

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// cashierScreens are the screens of issue 13 (named cashiers, shifts, the
// manager's reports), kept together in the UI.
type cashierScreens struct {
	signIn          *signInScreen
	shift           *shiftScreen
	xReport         *xReportScreen
	zList           *zListScreen
	shiftBtn        *widget.Button   // top bar: who is signed in; opens the shift screen
	cashierSettings *cashierSettings // Settings → Cashiers
}

// buildCashierScreens makes them (build calls it with the other screens).
func (u *UI) buildCashierScreens() {
	u.signIn = newSignInScreen(u)
	u.shift = newShiftScreen(u)
	u.xReport = newXReportScreen(u)
	u.zList = newZListScreen(u)
	u.cashierSettings = newCashierSettings(u)
	u.shiftBtn = &widget.Button{Text: tr("Sign in"), Icon: theme.AccountIcon(), Importance: widget.LowImportance,
		OnTapped: func() { u.show(u.shift) }}
}

// updateShiftButton shows who is signed in on the top bar's button.
func (u *UI) updateShiftButton(s pos.Snapshot) {
	txt := tr("Sign in")
	if s.SignedIn.ID != "" {
		txt = s.SignedIn.Name
	}
	if u.shiftBtn.Text != txt {
		u.shiftBtn.SetText(txt)
	}
	imp := widget.LowImportance
	if u.current == u.shift || u.current == u.xReport || u.current == u.zList {
		imp = widget.HighImportance
	}
	if u.shiftBtn.Importance != imp {
		u.shiftBtn.Importance = imp
		u.shiftBtn.Refresh()
	}
	if u.paying || u.locked {
		u.shiftBtn.Disable()
	} else {
		u.shiftBtn.Enable()
	}
}

// personText is who caused an event for the screens: a cashier's name,
// "command line (user)" for a headless command, "nobody signed in" for the
// GUI without a sign-in; "" for journals from before named cashiers.
func personText(e *pos.Engine, id string) string {
	switch {
	case strings.HasPrefix(id, "cli:"):
		return tr("command line") + " (" + strings.TrimPrefix(id, "cli:") + ")"
	case strings.HasPrefix(id, "gui:"):
		return tr("nobody signed in")
	}
	return e.CashierName(id)
}

// tallyPanel shows a currency's counts and the split by card scheme beside
// its totals (close day, X report, shift report).
func tallyPanel(t pos.Tally) fyne.CanvasObject {
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	counts := container.NewHBox(kv(
		[2]string{tr("Approved"), n(t.Approved)},
		[2]string{tr("Declined"), n(t.Declined)},
		[2]string{tr("Failed"), n(t.Failed)},
		[2]string{tr("Unknown"), n(t.Unknown)},
	), kv(
		[2]string{tr("Refunds"), n(t.Refunds)},
		[2]string{tr("Captures"), n(t.Captures)},
		[2]string{tr("Open holds"), n(t.OpenHolds)},
	))
	g := container.NewGridWithColumns(3)
	hdr := func(s string) fyne.CanvasObject { return &widget.Label{Text: s, TextStyle: fyne.TextStyle{Bold: true}} }
	g.Add(hdr(tr("Card scheme")))
	g.Add(hdr(tr("Approved")))
	g.Add(hdr(tr("Sum")))
	for _, s := range t.Schemes {
		g.Add(widget.NewLabel(tr(pos.SchemeLabel(s.Scheme))))
		g.Add(widget.NewLabel(n(s.Count)))
		g.Add(widget.NewLabel(money(s.Sum)))
	}
	// Side by side, each at its own width: the panel fits 1024 px in Russian.
	return container.NewHBox(
		container.NewVBox(text(tr("Payments"), 18, true, theme.ColorNameForeground), counts),
		widget.NewSeparator(),
		container.NewVBox(text(tr("By card scheme"), 18, true, theme.ColorNameForeground), g))
}
