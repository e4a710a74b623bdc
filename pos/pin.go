package pos

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"kassa/store"
)

// Demo mode's PINs (pos/demo adds the demo's cashiers with them). In live
// mode there are no defaults: until a manager exists, Close Day and
// Settings ask to set one (HasPIN reports false).
const (
	DemoManagerPIN  = "1234"
	DemoCashierPIN  = "0000"
	DemoCashier2PIN = "1111"
)

// errPINFormat: a PIN is 4 to 12 digits.
var errPINFormat = errors.New("a PIN is 4 to 12 digits")

func validPIN(pin string) error {
	if len(pin) < 4 || len(pin) > 12 {
		return errPINFormat
	}
	for _, r := range pin {
		if !unicode.IsDigit(r) || r > unicode.MaxASCII {
			return errPINFormat
		}
	}
	return nil
}

// hashPIN returns a salted bcrypt hash of the PIN.
func hashPIN(pin string) (string, error) {
	if err := validPIN(pin); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pin), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hash PIN: %w", err)
	}
	return string(h), nil
}

// Names of the cashiers made from the PINs of a journal from before named
// cashiers (issue 13), and that SetPIN keeps.
const (
	MigratedManager = "Manager"
	MigratedCashier = "Cashier"
)

// roleMatch reports whether a cashier may act in a role: a manager may also
// do what a cashier does.
func roleMatch(c store.Cashier, role Role) bool {
	return !c.Disabled && (Role(c.Role) == role || (role == Cashier && c.Role == store.RoleManager))
}

// Authorize finds the enabled cashier of the role (a manager also counts
// for Cashier) whose PIN this is. The PIN is compared with every such
// cashier's salted hash.
func (e *Engine) Authorize(role Role, pin string) (CashierView, bool) {
	cs, err := e.journal.Cashiers()
	if err != nil || validPIN(pin) != nil {
		return CashierView{}, false
	}
	for _, c := range cs {
		if roleMatch(c, role) && bcrypt.CompareHashAndPassword([]byte(c.PINHash), []byte(pin)) == nil {
			return viewOfCashier(c), true
		}
	}
	return CashierView{}, false
}

// CheckPIN checks a PIN for a role: some enabled cashier of the role (a
// manager also for Cashier) has it.
func (e *Engine) CheckPIN(role Role, pin string) bool {
	_, ok := e.Authorize(role, pin)
	return ok
}

// HasPIN reports whether an enabled cashier of the role exists (a manager
// counts for Cashier).
func (e *Engine) HasPIN(role Role) bool {
	cs, _ := e.journal.Cashiers()
	for _, c := range cs {
		if roleMatch(c, role) {
			return true
		}
	}
	return false
}

// SetPIN sets a role's PIN (Settings' PIN fields): the PIN of the one
// enabled cashier of exactly that role, else of the one named
// MigratedManager or MigratedCashier, which is added when there is no
// cashier of the role at all. With several and none of that name it is
// refused: their PINs change in Settings → Cashiers.
func (e *Engine) SetPIN(role Role, pin string) error {
	name := MigratedCashier
	switch role {
	case Manager:
		name = MigratedManager
	case Cashier:
	default:
		return fmt.Errorf("unknown role %q", role)
	}
	if err := validPIN(pin); err != nil {
		return err
	}
	ctx := context.Background()
	cs, err := e.journal.Cashiers()
	if err != nil {
		return err
	}
	var same []store.Cashier
	for _, c := range cs {
		if !c.Disabled && Role(c.Role) == role {
			same = append(same, c)
		}
	}
	for _, c := range same {
		if len(same) == 1 || strings.EqualFold(c.Name, name) {
			return e.SetCashierPIN(ctx, c.ID, pin)
		}
	}
	if len(same) > 0 {
		return fmt.Errorf("%w: several people have the role %s: set their PINs in Settings → Cashiers", ErrCashier, role)
	}
	_, err = e.AddCashier(ctx, NewCashier{Name: name, PIN: pin, Role: role})
	return err
}

// setUpCashiers gives a journal without cashiers its first ones: the
// configuration's old manager and cashier PINs become the cashiers
// MigratedManager and MigratedCashier; without them, the seed (demo mode)
// is added.
func (e *Engine) setUpCashiers(seed []NewCashier) error {
	if cs, err := e.journal.Cashiers(); err != nil || len(cs) > 0 {
		return err
	}
	const by = "system:migration"
	cfg := e.Config()
	if cfg.ManagerPINHash != "" || cfg.CashierPINHash != "" {
		for _, m := range []store.Cashier{{Name: MigratedManager, PINHash: cfg.ManagerPINHash, Role: store.RoleManager},
			{Name: MigratedCashier, PINHash: cfg.CashierPINHash, Role: store.RoleCashier}} {
			if m.PINHash == "" {
				continue
			}
			if _, err := e.journal.PutCashier(m, by, "add"); err != nil {
				return err
			}
		}
		return nil
	}
	ctx := WithCashier(context.Background(), "system:demo")
	for _, n := range seed {
		if _, err := e.AddCashier(ctx, n); err != nil {
			return err
		}
	}
	return nil
}
