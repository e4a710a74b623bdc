package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// settingsScreen is the manager's configuration: the reader port with a
// test, the gateway with a connection test, the merchant's details, the
// language; PINs are set in Settings → Cashiers (issue 13). The control key is write-only: it goes to the OS
// keyring and is never shown.
type settingsScreen struct {
	u *UI

	reader      *widget.SelectEntry
	readerMsg   *widget.Label
	testReader  *widget.Button
	gatewayURL  *widget.Entry
	endpointID  *widget.Entry
	login       *widget.Entry
	controlKey  *widget.Entry
	cbListen    *widget.Entry
	cbURL       *widget.Entry
	gatewayMsg  *widget.Label
	testGateway *widget.Button

	merchName *widget.Entry
	address   *widget.Entry
	city      *widget.Entry
	zip       *widget.Entry
	country   *widget.Entry
	email     *widget.Entry
	phone     *widget.Entry
	currency  *widget.Entry
	termName  *widget.Entry
	language  *widget.Select
	hold      *holdSetting // issue 11: ui/settings_hold.go

	printer *printerSettings // issue 16: ui/settings_printer.go

	saveBtn *widget.Button
	saveMsg *widget.Label

	backup *backupSettings // issue 14: settings_backup.go

	root fyne.CanvasObject
}

var languages = []struct{ code, name string }{{"", "Auto (system)"}, {"en", "English"}, {"ru", "Русский"}}

func newSettingsScreen(u *UI) *settingsScreen {
	s := &settingsScreen{
		u:          u,
		reader:     widget.NewSelectEntry([]string{"auto", "sim"}),
		readerMsg:  &widget.Label{Wrapping: fyne.TextWrapWord},
		gatewayURL: widget.NewEntry(), endpointID: widget.NewEntry(), login: widget.NewEntry(),
		controlKey: widget.NewPasswordEntry(), cbListen: widget.NewEntry(), cbURL: widget.NewEntry(),
		gatewayMsg: &widget.Label{Wrapping: fyne.TextWrapWord},
		merchName:  widget.NewEntry(), address: widget.NewEntry(), city: widget.NewEntry(), zip: widget.NewEntry(),
		country: widget.NewEntry(), email: widget.NewEntry(), phone: widget.NewEntry(),
		currency: widget.NewEntry(), termName: widget.NewEntry(),
		saveMsg: &widget.Label{Wrapping: fyne.TextWrapWord},
	}
	names := make([]string, len(languages))
	for i, l := range languages {
		names[i] = l.name
	}
	names[0] = tr("Auto (system)")
	s.language = widget.NewSelect(names, nil)
	s.backup = newBackupSettings(u) // issue 14
	s.testReader = &widget.Button{Text: tr("Test reader"), Icon: theme.SearchIcon(), OnTapped: s.testReaderTapped}
	s.testGateway = &widget.Button{Text: tr("Test connection"), Icon: theme.ComputerIcon(), OnTapped: s.testGatewayTapped}
	s.saveBtn = &widget.Button{Text: tr("Save settings"), Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: s.saveTapped}
	s.controlKey.SetPlaceHolder(tr("unchanged (kept in the OS keyring)"))
	s.gatewayURL.SetPlaceHolder("https://gate.example/paynet")
	s.cbListen.SetPlaceHolder(":8080")
	s.cbURL.SetPlaceHolder("https://kassa.example/callback")

	section := func(title string, items ...*widget.FormItem) fyne.CanvasObject {
		f := widget.NewForm(items...)
		return panel(colorCard, container.NewVBox(text(title, 20, true, theme.ColorNameForeground), f))
	}
	item := widget.NewFormItem
	readerBox := section(tr("Card reader"),
		item(tr("Port"), s.reader),
		item("", container.NewVBox(container.NewHBox(s.testReader), s.readerMsg)))
	gatewayBox := section(tr("Payment gateway"),
		item(tr("Gateway URL"), s.gatewayURL),
		item(tr("Endpoint id"), s.endpointID),
		item(tr("Login"), s.login),
		item(tr("Control key"), s.controlKey),
		item(tr("Callback listen address"), s.cbListen),
		item(tr("Callback public URL"), s.cbURL),
		item("", container.NewVBox(container.NewHBox(s.testGateway), s.gatewayMsg)))
	merchantBox := section(tr("Merchant"),
		item(tr("Name"), s.merchName),
		item(tr("Address"), s.address),
		item(tr("City"), s.city),
		item(tr("Zip code"), s.zip),
		item(tr("Country"), s.country),
		item(tr("E-mail"), s.email),
		item(tr("Phone"), s.phone),
		item(tr("Currency"), s.currency),
		item(tr("Terminal name"), s.termName))
	s.hold = newHoldSetting()
	otherBox := section(tr("Other settings"), // PINs: Settings → Cashiers (issue 13)
		item(tr("Language"), s.language),
		item(tr("Hold period (days)"), s.hold.entry)) // issue 11

	s.printer = newPrinterSettings(s)
	cols := container.NewGridWithColumns(2,
		container.NewVBox(readerBox, gatewayBox, s.printer.box),
		container.NewVBox(merchantBox, otherBox, s.backup.root, u.cashierSettings.view())) // printer: issue 16, settings_printer.go; backup: issue 14; Cashiers: issue 13, settings_cashiers.go
	title := text(tr("Settings"), 30, true, theme.ColorNameForeground)
	bottom := container.NewBorder(nil, nil, nil, fixedHeight(48, s.saveBtn), s.saveMsg)
	s.root = container.NewPadded(container.NewBorder(container.NewPadded(title), bottom, nil, nil,
		container.NewVScroll(cols)))
	return s
}

func (s *settingsScreen) view() fyne.CanvasObject { return s.root }

// shown fills the form from the engine's configuration.
func (s *settingsScreen) shown() {
	cfg := s.u.eng.Config()
	s.reader.SetText(cfg.Reader)
	s.gatewayURL.SetText(cfg.GatewayURL)
	s.endpointID.SetText(cfg.EndpointID)
	s.login.SetText(cfg.Login)
	s.controlKey.SetText("")
	s.cbListen.SetText(cfg.CallbackListen)
	s.cbURL.SetText(cfg.CallbackURL)
	m := cfg.Merchant
	s.merchName.SetText(m.Name)
	s.address.SetText(m.Address1)
	s.city.SetText(m.City)
	s.zip.SetText(m.ZipCode)
	s.country.SetText(m.Country)
	s.email.SetText(m.Email)
	s.phone.SetText(m.Phone)
	s.currency.SetText(cfg.Currency)
	s.termName.SetText(cfg.TerminalName)
	s.language.SetSelectedIndex(0)
	for i, l := range languages {
		if l.code != "" && strings.EqualFold(l.code, cfg.Language) {
			s.language.SetSelectedIndex(i)
		}
	}
	s.printer.shown(cfg)
	s.hold.shown(cfg)
	s.u.cashierSettings.load() // issue 13
	s.readerMsg.SetText("")
	s.gatewayMsg.SetText("")
	s.saveMsg.SetText("")
	if cfg.Demo {
		s.gatewayMsg.SetText(tr("Demo mode: the embedded test gateway stays in use; gateway settings saved here apply when Kassa starts without --demo."))
	}
	s.loadPorts()
	s.backup.shown() // issue 14
}

func (s *settingsScreen) hidden() {
	s.controlKey.SetText("") // write-only: never left on screen
}

// loadPorts lists the serial ports for the reader choice.
func (s *settingsScreen) loadPorts() {
	s.u.goroutine(func(context.Context) {
		ports, err := pos.ListPorts()
		s.u.later(func() {
			opts := append([]string{"auto", "sim"}, ports...)
			s.reader.SetOptions(opts)
			if err != nil {
				s.readerMsg.SetText(tr("Could not list the serial ports.") + " " + settingsErr(err))
			}
		})
	})
}

// form returns the configuration as edited (control key only if typed).
func (s *settingsScreen) form() pos.Config {
	cfg := s.u.eng.Config()
	cfg.CashierPINHash, cfg.ManagerPINHash = "", "" // "": keep (the old config PINs; people's PINs are in the journal)
	cfg.Reader = strings.TrimSpace(s.reader.Text)
	cfg.GatewayURL = strings.TrimSpace(s.gatewayURL.Text)
	cfg.EndpointID = strings.TrimSpace(s.endpointID.Text)
	cfg.Login = strings.TrimSpace(s.login.Text)
	cfg.ControlKey = s.controlKey.Text
	cfg.CallbackListen = strings.TrimSpace(s.cbListen.Text)
	cfg.CallbackURL = strings.TrimSpace(s.cbURL.Text)
	cfg.Merchant = pos.Merchant{
		Name: s.merchName.Text, Address1: s.address.Text, City: s.city.Text, ZipCode: s.zip.Text,
		Country: s.country.Text, Email: s.email.Text, Phone: s.phone.Text,
	}
	cfg.Currency = strings.ToUpper(strings.TrimSpace(s.currency.Text))
	cfg.TerminalName = s.termName.Text
	if i := s.language.SelectedIndex(); i >= 0 {
		cfg.Language = languages[i].code
	}
	s.printer.apply(&cfg)
	return cfg
}

// testReaderTapped opens the chosen port through the engine and reports.
func (s *settingsScreen) testReaderTapped() {
	port := strings.TrimSpace(s.reader.Text)
	s.testReader.Disable()
	s.readerMsg.SetText(tr("Testing the reader…"))
	s.u.goroutine(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		st, err := s.u.eng.TestReader(ctx, port)
		s.u.later(func() {
			s.testReader.Enable()
			if err != nil {
				what, todo := reasonText(pos.ReasonOf(err))
				if what == "" {
					what = settingsErr(err)
				}
				s.readerMsg.SetText(strings.TrimSpace("✗ " + what + " " + todo))
				return
			}
			_, words := readerIndicator(st)
			msg := "✓ " + words
			if st.Serial != "" {
				msg += " · " + tr("serial") + " " + st.Serial
			}
			if st.Port != "" && st.State != pos.ReaderStateSimulated {
				msg += " · " + st.Port // the simulator's pty is no place a manager picks
			}
			s.readerMsg.SetText(msg)
		})
	})
}

// testGatewayTapped checks the gateway settings as typed.
func (s *settingsScreen) testGatewayTapped() {
	cfg := s.form()
	s.testGateway.Disable()
	s.gatewayMsg.SetText(tr("Testing the connection…"))
	s.u.goroutine(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		err := s.u.eng.TestGateway(ctx, cfg)
		s.u.later(func() {
			s.testGateway.Enable()
			if err != nil {
				s.gatewayMsg.SetText("✗ " + settingsErr(err))
				return
			}
			s.gatewayMsg.SetText("✓ " + tr("The gateway answered and accepted the credentials."))
		})
	})
}

// saveTapped stores the key in the keyring and applies the configuration.
func (s *settingsScreen) saveTapped() {
	cfg := s.form()
	key := cfg.ControlKey
	if err := s.hold.apply(&cfg); err != nil { // issue 11
		s.saveMsg.SetText("✗ " + settingsErr(err))
		return
	}
	s.saveBtn.Disable()
	s.saveMsg.SetText(tr("Saving…"))
	s.u.goroutine(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		var problems []string
		// The configuration (in live mode it puts a typed control key in
		// the keyring).
		if err := s.u.eng.ApplyConfig(ctx, cfg); err != nil {
			problems = append(problems, settingsErr(err))
		}
		if key != "" && cfg.Demo {
			// Demo mode keeps the embedded gateway's key; the live key is
			// stored for the next start without --demo.
			if err := pos.StoreControlKey(key); err != nil {
				problems = append(problems, tr("Control key:")+" "+settingsErr(err))
			}
		}
		s.u.later(func() {
			s.saveBtn.Enable()
			s.controlKey.SetText("")
			if len(problems) > 0 {
				s.saveMsg.SetText("✗ " + strings.Join(problems, "\n"))
				return
			}
			s.hold.saved(s.u.eng.Config()) // issue 11
			s.saveMsg.SetText("✓ " + tr("Saved. A new language applies at the next start."))
		})
	})
}

// settingsErr says what a settings error means, for the manager: the
// cause's words with what to do, and for a configuration error the field
// it names (the manager must know which one).
func settingsErr(err error) string {
	r := pos.ReasonOf(err)
	switch {
	case r.Cause == pos.CauseConfig && r.Detail != "":
		what, todo := reasonText(r)
		return strings.TrimSpace(what + " (" + r.Detail + ") " + todo)
	case r.Cause != pos.CauseNone:
		what, todo := reasonText(r)
		return strings.TrimSpace(what + " " + todo)
	case errors.Is(err, pos.ErrKeyringUnavailable):
		return tr("The OS keyring is not available; set KASSA_CONTROL_KEY instead.")
	case errors.Is(err, pos.ErrConfig):
		return tr("The configuration is incomplete or wrong.") + " (" + strings.TrimPrefix(err.Error(), pos.ErrConfig.Error()+": ") + ")"
	}
	return errText(err)
}

// pinErr says why a new PIN was refused.
func pinErr(err error) string {
	if r := pos.ReasonOf(err); r.Cause != pos.CauseNone {
		return errText(err)
	}
	return tr("A PIN is 4 to 12 digits.")
}
