package pos

import (
	"context"
	"time"

	"kassa/device"
	"kassa/device/printer"
	"kassa/mapi"
)

// Gateway is what the engine needs of the payment gateway; *mapi.Client is
// one. Tests hand the engine fakes (WithGateway).
type Gateway interface {
	Sale(ctx context.Context, req mapi.PaymentRequest) (*mapi.Accepted, error)
	Preauth(ctx context.Context, req mapi.PaymentRequest) (*mapi.Accepted, error)
	Status(ctx context.Context, req mapi.StatusRequest) (*mapi.StatusResult, error)
	CloseDay(ctx context.Context, req mapi.CloseDayRequest) (*mapi.CloseDayResult, error)
	// EMVAdvice sends a chip card's answer after CONTINUE (issue 12).
	EMVAdvice(ctx context.Context, req mapi.AdviceRequest) (*mapi.Accepted, error)
	CloseIdleConnections()
}

// Reader is what the engine needs of the card reader; *device.Reader is one.
type Reader interface {
	ReadCard(ctx context.Context, req device.ReadRequest) (*device.Card, error)
	Info() device.Info
	States() <-chan device.State
	Close() error
}

// ReaderOpener opens the card reader with the driver's options.
type ReaderOpener func(ctx context.Context, opts device.Options) (Reader, error)

// Option hands Start a part built outside the engine (demo mode's sandbox
// and simulated reader, or a test's fakes).
type Option func(*parts)

// parts are the engine's outside parts; the zero value means the real ones
// built from the Config.
type parts struct {
	gateway    Gateway          // a fixed gateway; nil: a mapi client from the Config
	openReader ReaderOpener     // nil: the serial reader (device.Open)
	simulated  bool             // the reader is the simulator
	demo       DemoControls     // nil: none
	onClose    []func()         // run by Close after the engine stopped
	cashiers   []NewCashier     // added to a journal without cashiers (demo mode)
	now        func() time.Time // the wall clock (issue 17: WithClock); nil: time.Now

	// issue 16: the receipt printer
	printCmd PrintCommand    // nil: the OS print command (OSPrint)
	printer  printer.Options // timeouts of the ESC/POS printer; zero: the defaults
}

// WithCashiers adds the cashiers to a journal that has none yet (and no
// old PINs to migrate): demo mode's cashiers (issue 13).
func WithCashiers(cs ...NewCashier) Option {
	return func(p *parts) { p.cashiers = append(p.cashiers, cs...) }
}

// WithPrinterOptions sets the ESC/POS printer's timeouts (tests shorten
// them); the engine's logger is used when o.Log is nil.
func WithPrinterOptions(o printer.Options) Option { return func(p *parts) { p.printer = o } }

// WithPrintCommand makes the engine print PDF receipts with cmd instead of
// the OS print command (tests; a kiosk's own spooler).
func WithPrintCommand(cmd PrintCommand) Option { return func(p *parts) { p.printCmd = cmd } }

// WithGateway makes the engine use g instead of a gateway client built from
// the Config (also after ApplyConfig).
func WithGateway(g Gateway) Option { return func(p *parts) { p.gateway = g } }

// WithReader makes the engine open its card reader with open; simulated
// marks the reader as the simulator (ReaderStateSimulated).
func WithReader(open ReaderOpener, simulated bool) Option {
	return func(p *parts) { p.openReader, p.simulated = open, simulated }
}

// WithDemo gives the engine the simulated reader's controls (Engine.Demo).
func WithDemo(c DemoControls) Option { return func(p *parts) { p.demo = c } }

// WithOnClose runs fn when the engine closes (after its own parts stopped),
// e.g. to stop a demo sandbox.
func WithOnClose(fn func()) Option { return func(p *parts) { p.onClose = append(p.onClose, fn) } }

// openSerial opens the real reader on a serial port.
func openSerial(ctx context.Context, opts device.Options) (Reader, error) {
	r, err := device.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	return r, nil
}
