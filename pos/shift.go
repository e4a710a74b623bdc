package pos

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"kassa/store"
)

// session is who is signed in at the terminal (the GUI) and their shift.
type session struct {
	cashier CashierView
	shift   string // the open shift's id; "" when none
}

// ShiftView is a shift as the screens show it.
type ShiftView struct {
	ID       string
	Cashier  CashierView
	OpenedAt time.Time
	ClosedAt time.Time // zero while open
	ClosedBy string    // the name of who closed it
}

// Open reports whether the shift is still open.
func (s ShiftView) Open() bool { return s.ClosedAt.IsZero() }

// SignIn signs a cashier in with their PIN and opens their shift (or goes
// on with the one they left open). A disabled cashier or a wrong PIN is
// refused (ErrSignIn with CauseCashierDisabled or CauseWrongPIN).
func (e *Engine) SignIn(id, pin string) (ShiftView, error) {
	c, err := e.findCashier(func(c store.Cashier) bool { return c.ID == id })
	if err != nil {
		return ShiftView{}, errorOf(ErrSignIn, Reason{Cause: CauseNoCashier, Code: id})
	}
	if c.Disabled {
		return ShiftView{}, errorOf(ErrSignIn, Reason{Cause: CauseCashierDisabled})
	}
	if bcrypt.CompareHashAndPassword([]byte(c.PINHash), []byte(pin)) != nil {
		return ShiftView{}, errorOf(ErrSignIn, Reason{Cause: CauseWrongPIN})
	}
	s, err := e.journal.OpenShift(c.ID)
	if err != nil {
		return ShiftView{}, fmt.Errorf("journal shift: %w", err)
	}
	e.log.Info("cashier signed in", "cashier", c.ID, "shift", s.ID)
	e.mu.Lock()
	e.session = session{cashier: viewOfCashier(c), shift: s.ID}
	e.publishLocked()
	e.mu.Unlock()
	return e.shiftView(s), nil
}

// SignOut signs the cashier out (the terminal locks); the shift stays open
// until CloseShift.
func (e *Engine) SignOut() {
	e.mu.Lock()
	e.session = session{}
	e.publishLocked()
	e.mu.Unlock()
}

// SignedIn is the signed-in cashier and their open shift's id (zero and ""
// when nobody is signed in).
func (e *Engine) SignedIn() (CashierView, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.session.cashier, e.session.shift
}

// RequireShifts makes payments need a signed-in cashier with an open shift
// outside demo mode (the GUI calls it; headless commands need no shift).
func (e *Engine) RequireShifts() {
	e.mu.Lock()
	e.requireShift = true
	e.mu.Unlock()
}

// checkShift refuses a payment that needs a shift and has none.
func (e *Engine) checkShift(ctx context.Context) error {
	e.mu.Lock()
	need := e.requireShift && !e.cfg.Demo && CashierOf(ctx) == ""
	open := e.session.shift != ""
	e.mu.Unlock()
	// Before the first cashier exists there is nobody to sign in.
	if need && !open && e.HasPIN(Cashier) {
		return errorOf(ErrNoShift, Reason{Cause: CauseNoShift})
	}
	return nil
}

// CloseShift closes a shift (the cashier's own, or any by a manager),
// journaled as caused by Who(ctx); the signed-in cashier of that shift is
// signed out. It returns the shift's report.
func (e *Engine) CloseShift(ctx context.Context, id string) (ShiftReport, error) {
	s, err := e.journal.CloseShift(id, e.Who(ctx))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return ShiftReport{}, errorOf(ErrNotFound, Reason{Cause: CauseNotFound, Detail: id})
		}
		return ShiftReport{}, fmt.Errorf("journal shift: %w", err)
	}
	e.mu.Lock()
	if e.session.shift == id {
		e.session = session{}
		e.publishLocked()
	}
	e.mu.Unlock()
	return e.shiftReport(s)
}

// Shifts lists the shifts, newest first (open ones and the closed ones of
// the last limit; limit 0: all).
func (e *Engine) Shifts(limit int) ([]ShiftView, error) {
	ss, err := e.journal.Shifts()
	var out []ShiftView
	for i, s := range ss {
		if limit > 0 && i >= limit && !s.Open() {
			continue
		}
		out = append(out, e.shiftView(s))
	}
	return out, err
}

func (e *Engine) shiftView(s store.Shift) ShiftView {
	v := ShiftView{ID: s.ID, OpenedAt: s.OpenedAt, ClosedAt: s.ClosedAt, ClosedBy: e.CashierName(s.ClosedBy)}
	if c, err := e.findCashier(func(c store.Cashier) bool { return c.ID == s.CashierID }); err == nil {
		v.Cashier = viewOfCashier(c)
	} else {
		v.Cashier = CashierView{ID: s.CashierID, Name: s.CashierID}
	}
	return v
}

// refreshSession republishes the signed-in cashier after a change to the
// cashiers (a rename shows at once; a disabled cashier is signed out).
func (e *Engine) refreshSession() {
	cur, _ := e.SignedIn()
	if cur.ID == "" {
		return
	}
	c, err := e.findCashier(func(c store.Cashier) bool { return c.ID == cur.ID })
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.session.cashier.ID != cur.ID {
		return
	}
	if err != nil || c.Disabled {
		e.session = session{}
	} else {
		e.session.cashier = viewOfCashier(c)
	}
	e.publishLocked()
}
