package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// printerKinds are Settings' printer types: the setting's prefix, its
// name, and what the address looks like.
var printerKinds = []struct{ prefix, name, hint string }{
	{"pdf", "PDF, printed by the computer", ""},
	{"tcp", "Network printer (ESC/POS)", "192.168.1.50:9100"},
	{"usb", "USB printer (ESC/POS)", "/dev/usb/lp0"},
	{"serial", "Serial printer (ESC/POS)", "/dev/ttyUSB0,19200"},
}

// printerWidths are the line widths a manager picks from.
var printerWidths = []struct {
	cols int
	name string
}{{32, "32 characters (58 mm paper)"}, {42, "42 characters (80 mm paper)"}, {48, "48 characters (80 mm, small font)"}}

// printAfterNames name pos.PrintAfterChoices.
var printAfterNames = map[string]string{
	pos.PrintBoth: "Merchant and customer copy", pos.PrintCustomer: "Customer copy only", pos.PrintAsk: "Ask (press Print)",
}

// printerSettings is Settings' receipt printer section (issue 16): type,
// address, width, code page, what prints after an approval, Test print.
type printerSettings struct {
	u        *UI
	kind     *widget.Select
	address  *widget.Entry
	width    *widget.Select
	codePage *widget.Entry
	after    *widget.Select
	test     *widget.Button
	msg      *widget.Label
	box      fyne.CanvasObject
}

func newPrinterSettings(s *settingsScreen) *printerSettings {
	p := &printerSettings{u: s.u, address: widget.NewEntry(), codePage: widget.NewEntry(),
		msg: &widget.Label{Wrapping: fyne.TextWrapWord}}
	kinds := make([]string, len(printerKinds))
	for i, k := range printerKinds {
		kinds[i] = tr(k.name)
	}
	p.kind = widget.NewSelect(kinds, func(string) { p.kindChanged() })
	widths := make([]string, len(printerWidths))
	for i, w := range printerWidths {
		widths[i] = tr(w.name)
	}
	p.width = widget.NewSelect(widths, nil)
	afters := make([]string, 0, len(pos.PrintAfterChoices()))
	for _, a := range pos.PrintAfterChoices() {
		afters = append(afters, tr(printAfterNames[a]))
	}
	p.after = widget.NewSelect(afters, nil)
	p.codePage.SetPlaceHolder(tr("17 (Epson: PC866 Cyrillic)"))
	p.test = &widget.Button{Text: tr("Test print"), Icon: theme.DocumentPrintIcon(), OnTapped: p.testTapped}
	item := widget.NewFormItem
	f := widget.NewForm(
		item(tr("Type"), p.kind),
		item(tr("Address"), p.address),
		item(tr("Line width"), p.width),
		item(tr("Code page"), p.codePage),
		item(tr("After approval print"), p.after),
		item("", container.NewVBox(container.NewHBox(p.test), p.msg)))
	p.box = panel(colorCard, container.NewVBox(text(tr("Receipt printer"), 20, true, theme.ColorNameForeground), f))
	return p
}

// shown fills the section from cfg.
func (p *printerSettings) shown(cfg pos.Config) {
	kind, addr, _ := strings.Cut(cfg.Printer, ":")
	p.kind.SetSelectedIndex(0)
	for i, k := range printerKinds {
		if strings.EqualFold(k.prefix, strings.TrimSpace(kind)) {
			p.kind.SetSelectedIndex(i)
		}
	}
	p.address.SetText(addr)
	p.width.SetSelectedIndex(1)
	for i, w := range printerWidths {
		if w.cols == cfg.PrinterWidth {
			p.width.SetSelectedIndex(i)
		}
	}
	p.codePage.SetText(cfg.PrinterCodePage)
	after := pos.PrintAsk
	if setup, err := cfg.PrinterSetup(); err == nil {
		after = setup.After
	}
	for i, a := range pos.PrintAfterChoices() {
		if a == after {
			p.after.SetSelectedIndex(i)
		}
	}
	p.msg.SetText("")
}

// kindChanged shows the address field only for an ESC/POS printer, with
// an example address.
func (p *printerSettings) kindChanged() {
	i := p.kind.SelectedIndex()
	if i <= 0 {
		p.address.Disable()
		p.address.SetPlaceHolder("")
		return
	}
	p.address.Enable()
	p.address.SetPlaceHolder(printerKinds[i].hint)
}

// apply writes the section's values into cfg; a value left at what an
// unset setting means stays unset (nothing new lands in the config file).
func (p *printerSettings) apply(cfg *pos.Config) {
	before, _ := cfg.PrinterSetup()
	i := max(p.kind.SelectedIndex(), 0)
	if i > 0 || before.Spec.ESCPOS() {
		cfg.Printer = printerKinds[i].prefix
		if i > 0 {
			cfg.Printer += ":" + strings.TrimSpace(p.address.Text)
		}
	}
	if w := p.width.SelectedIndex(); w >= 0 && (cfg.PrinterWidth != 0 || printerWidths[w].cols != before.Width) {
		cfg.PrinterWidth = printerWidths[w].cols
	}
	cfg.PrinterCodePage = strings.TrimSpace(p.codePage.Text)
	if a := p.after.SelectedIndex(); a >= 0 && (cfg.PrintAfter != "" || pos.PrintAfterChoices()[a] != before.After || i > 0 != before.Spec.ESCPOS()) {
		cfg.PrintAfter = pos.PrintAfterChoices()[a]
	}
}

// testTapped prints the test page with the values as typed.
func (p *printerSettings) testTapped() {
	cfg := p.u.eng.Config()
	p.apply(&cfg)
	p.test.Disable()
	p.msg.SetText(tr("Printing a test page…"))
	lang := current()
	p.u.goroutine(func(ctx context.Context) {
		path, err := p.u.eng.TestPrint(ctx, cfg, lang)
		p.u.later(func() {
			p.test.Enable()
			if err != nil {
				what, todo := printProblem(err)
				if r := pos.ReasonOf(err); r.Cause == pos.CausePrinterConfig {
					what += " (" + r.Detail + ")"
				}
				p.msg.SetText(strings.TrimSpace("✗ " + what + " " + todo))
				return
			}
			msg := "✓ " + tr("The test page was printed: check that every line fits and the Russian line reads right.")
			if path != "" {
				msg += " " + path
			}
			p.msg.SetText(msg)
		})
	})
}
