package pos

import (
	"errors"
	"fmt"
	"unicode"

	"golang.org/x/crypto/bcrypt"
)

// Demo-mode default PINs, used while no PIN is set for the role. In live
// mode there are no defaults: until a manager PIN is set, Close Day and
// Settings ask to set one (HasPIN reports false).
const (
	DemoManagerPIN = "1234"
	DemoCashierPIN = "0000"
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

// checkPIN compares a PIN with a hash in constant time; demo mode falls back
// to the documented default when no hash is set.
func checkPIN(hash, pin string, demo bool, role Role) bool {
	if hash == "" {
		if !demo {
			return false
		}
		switch role {
		case Manager:
			return pin == DemoManagerPIN
		case Cashier:
			return pin == DemoCashierPIN
		}
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pin)) == nil
}

// CheckPIN checks a PIN for a role. Demo defaults (while no PIN is set):
// manager 1234, cashier 0000. In live mode with no PIN set it returns false.
func (e *Engine) CheckPIN(role Role, pin string) bool {
	e.mu.Lock()
	var h string
	switch role {
	case Manager:
		h = e.cfg.ManagerPINHash
	case Cashier:
		h = e.cfg.CashierPINHash
	}
	demo := e.cfg.Demo
	e.mu.Unlock()
	return checkPIN(h, pin, demo, role)
}

// HasPIN reports whether a PIN is set for the role (demo defaults count).
func (e *Engine) HasPIN(role Role) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cfg.Demo {
		return true
	}
	switch role {
	case Manager:
		return e.cfg.ManagerPINHash != ""
	case Cashier:
		return e.cfg.CashierPINHash != ""
	}
	return false
}

// SetPIN sets a role's PIN (4–12 digits), stored as a salted bcrypt hash in
// the config file.
func (e *Engine) SetPIN(role Role, pin string) error {
	h, err := hashPIN(pin)
	if err != nil {
		return err
	}
	e.mu.Lock()
	switch role {
	case Manager:
		e.cfg.ManagerPINHash = h
	case Cashier:
		e.cfg.CashierPINHash = h
	default:
		e.mu.Unlock()
		return fmt.Errorf("unknown role %q", role)
	}
	cfg := e.cfg
	e.mu.Unlock()
	return e.saveConfig(cfg)
}
