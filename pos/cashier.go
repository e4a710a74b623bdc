package pos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"

	"kassa/store"
)

// Issue 13: named cashiers. The records live in the journal file (store's
// cashiers); pos checks PINs, keeps who is signed in, and puts the id of the
// person who causes an event on every journal write (store.FieldCashier).

// CashierView is a cashier as the screens and the commands show it (the
// PIN's hash never leaves pos).
type CashierView struct {
	ID       string
	Name     string
	Role     Role
	Disabled bool
}

// Manager reports whether the cashier may open manager screens.
func (c CashierView) Manager() bool { return c.Role == Manager }

// NewCashier is a cashier to add: a name, a PIN (4–12 digits) and a role.
type NewCashier struct {
	Name string
	PIN  string
	Role Role
}

// whoKey is the context key of the person an engine call is made for.
type whoKey struct{}

// WithCashier returns ctx saying that the engine calls made with it are
// caused by the person id (a cashier's id, or "cli:<user>" for a headless
// command). It wins over the signed-in cashier.
func WithCashier(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, whoKey{}, id)
}

// CashierOf is the person id ctx carries (WithCashier), "" when none.
func CashierOf(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(whoKey{}).(string)
	return id
}

// CLIUser is the person id of a headless command run without --cashier:
// "cli:" and the OS user.
func CLIUser() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	return "cli:" + name
}

// GUIUser is the person id of a GUI action while nobody is signed in
// (demo mode, or before the first cashier exists): "gui:" and the OS user.
func GUIUser() string { return "gui:" + strings.TrimPrefix(CLIUser(), "cli:") }

// Who is the person id journaled (store.FieldCashier) for an engine call
// made with ctx: the one ctx carries (WithCashier), else the signed-in
// cashier, else GUIUser in the GUI (RequireShifts) and CLIUser otherwise.
// Every person-caused journal write goes through it.
func (e *Engine) Who(ctx context.Context) string {
	if id := CashierOf(ctx); id != "" {
		return id
	}
	e.mu.Lock()
	id, gui := e.session.cashier.ID, e.requireShift
	e.mu.Unlock()
	switch {
	case id != "":
		return id
	case gui:
		return GUIUser()
	}
	return CLIUser()
}

func viewOfCashier(c store.Cashier) CashierView {
	return CashierView{ID: c.ID, Name: c.Name, Role: Role(c.Role), Disabled: c.Disabled}
}

// Cashiers lists every cashier by name (disabled ones too).
func (e *Engine) Cashiers() ([]CashierView, error) { return CashiersIn(e.journal) }

// CashiersIn lists every cashier of a journal by name (the headless
// commands, without an engine).
func CashiersIn(j *store.Journal) ([]CashierView, error) {
	cs, err := j.Cashiers()
	out := make([]CashierView, 0, len(cs))
	for _, c := range cs {
		out = append(out, viewOfCashier(c))
	}
	return out, err
}

// CashierNames maps the journal's cashier ids to their names (exports and
// history show the name).
func CashierNames(j *store.Journal) map[string]string {
	cs, _ := j.Cashiers()
	m := make(map[string]string, len(cs))
	for _, c := range cs {
		m[c.ID] = c.Name
	}
	return m
}

// CashierNamed finds a cashier by name (any case).
func (e *Engine) CashierNamed(name string) (CashierView, error) {
	c, err := e.findCashier(func(c store.Cashier) bool { return strings.EqualFold(c.Name, strings.TrimSpace(name)) })
	if err != nil {
		return CashierView{}, errorOf(ErrCashier, Reason{Cause: CauseNoCashier, Code: name, Detail: err.Error()})
	}
	return viewOfCashier(c), nil
}

// CashierName is the name to show for a person id: the cashier's name, the
// id itself for "cli:<user>" and unknown ids, "" for "".
func (e *Engine) CashierName(id string) string { return nameIn(e.journal, id) }

func nameIn(j *store.Journal, id string) string {
	if id == "" || strings.Contains(id, ":") {
		return id
	}
	c, err := findIn(j, func(c store.Cashier) bool { return c.ID == id })
	if err != nil {
		return id
	}
	return c.Name
}

func (e *Engine) findCashier(match func(store.Cashier) bool) (store.Cashier, error) {
	return findIn(e.journal, match)
}

func findIn(j *store.Journal, match func(store.Cashier) bool) (store.Cashier, error) {
	cs, err := j.Cashiers()
	if err != nil {
		return store.Cashier{}, err
	}
	for _, c := range cs {
		if match(c) {
			return c, nil
		}
	}
	return store.Cashier{}, store.ErrNotFound
}

// AddCashier adds a cashier (journaled as caused by Who(ctx)).
func (e *Engine) AddCashier(ctx context.Context, n NewCashier) (CashierView, error) {
	return AddCashierIn(e.journal, e.Who(ctx), n)
}

// AddCashierIn adds a cashier to a journal, journaled as caused by by (the
// headless `kassa cashier add`).
func AddCashierIn(j *store.Journal, by string, n NewCashier) (CashierView, error) {
	if n.Role != Cashier && n.Role != Manager {
		return CashierView{}, fmt.Errorf("%w: unknown role %q", ErrCashier, n.Role)
	}
	h, err := hashPIN(n.PIN)
	if err != nil {
		return CashierView{}, err
	}
	c, err := j.PutCashier(store.Cashier{Name: n.Name, PINHash: h, Role: string(n.Role)}, by, "add")
	return viewOfCashier(c), cashierErr(err)
}

// RenameCashier renames a cashier.
func (e *Engine) RenameCashier(ctx context.Context, id, name string) error {
	return e.changeCashier(ctx, id, "rename", func(c *store.Cashier) error { c.Name = name; return nil })
}

// SetCashierRole makes a cashier a cashier or a manager (the last enabled
// manager stays one).
func (e *Engine) SetCashierRole(ctx context.Context, id string, role Role) error {
	if role != Cashier && role != Manager {
		return fmt.Errorf("%w: unknown role %q", ErrCashier, role)
	}
	return e.changeCashier(ctx, id, "role", func(c *store.Cashier) error { c.Role = string(role); return nil })
}

// SetCashierDisabled disables (or enables again) a cashier; a disabled
// cashier cannot sign in, and the last enabled manager cannot be disabled.
func (e *Engine) SetCashierDisabled(ctx context.Context, id string, disabled bool) error {
	action := "enable"
	if disabled {
		action = "disable"
	}
	return e.changeCashier(ctx, id, action, func(c *store.Cashier) error { c.Disabled = disabled; return nil })
}

// DisableCashierIn disables the cashier named name in a journal (the
// headless `kassa cashier disable`), journaled as caused by by.
func DisableCashierIn(j *store.Journal, by, name string) error {
	c, err := findIn(j, func(c store.Cashier) bool { return strings.EqualFold(c.Name, strings.TrimSpace(name)) })
	if err != nil {
		return errorOf(ErrCashier, Reason{Cause: CauseNoCashier, Code: name, Detail: err.Error()})
	}
	c.Disabled = true
	_, err = j.PutCashier(c, by, "disable")
	return cashierErr(err)
}

// SetCashierPIN gives a cashier a new PIN (stored as a salted hash).
func (e *Engine) SetCashierPIN(ctx context.Context, id, pin string) error {
	h, err := hashPIN(pin)
	if err != nil {
		return err
	}
	return e.changeCashier(ctx, id, "credential", func(c *store.Cashier) error { c.PINHash = h; return nil })
}

func (e *Engine) changeCashier(ctx context.Context, id, action string, fn func(*store.Cashier) error) error {
	c, err := e.findCashier(func(c store.Cashier) bool { return c.ID == id })
	if err != nil {
		return errorOf(ErrCashier, Reason{Cause: CauseNoCashier, Code: id, Detail: err.Error()})
	}
	if err := fn(&c); err != nil {
		return err
	}
	_, err = e.journal.PutCashier(c, e.Who(ctx), action)
	if err == nil {
		e.refreshSession()
	}
	return cashierErr(err)
}

// cashierErr turns the journal's refusals into engine errors with a cause.
func cashierErr(err error) error {
	switch {
	case errors.Is(err, store.ErrLastManager):
		return errorOf(ErrCashier, Reason{Cause: CauseLastManager, Detail: err.Error()})
	case errors.Is(err, store.ErrNameTaken):
		return errorOf(ErrCashier, Reason{Cause: CauseNameTaken, Detail: err.Error()})
	}
	return err
}
