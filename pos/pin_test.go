package pos

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"kassa/device"
	"kassa/mapi/sandbox"
)

func TestPINs(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	e := startEngine(t, testConfig(t, sb.URL, pollingOnly))
	if e.CheckPIN(Manager, "1234") || e.HasPIN(Manager) {
		t.Error("live mode has a default manager PIN")
	}
	if err := e.SetPIN(Manager, "12"); err == nil {
		t.Error("short PIN accepted")
	}
	if err := e.SetPIN(Manager, "482913"); err != nil {
		t.Fatal(err)
	}
	if err := e.SetPIN(Cashier, "5555"); err != nil {
		t.Fatal(err)
	}
	if !e.CheckPIN(Manager, "482913") || e.CheckPIN(Manager, "482914") || e.CheckPIN(Manager, "5555") || !e.CheckPIN(Cashier, "5555") {
		t.Error("CheckPIN wrong")
	}
	cs, _ := e.Journal().Cashiers()
	if len(cs) != 2 || cs[0].Name != MigratedCashier || cs[1].Name != MigratedManager {
		t.Fatalf("cashiers %+v", cs)
	}
	if h := cs[1].PINHash; h == "" || strings.Contains(h, "482913") {
		t.Errorf("hash %q", h)
	}
	b, _ := os.ReadFile(ConfigPath())
	if strings.Contains(string(b), "demo-control-key") {
		t.Errorf("config file: %s", b)
	}
}

// TestCashiersMigrateOldPINs: a journal from before named cashiers gets a
// manager "Manager" and a cashier "Cashier" from the old PINs.
func TestCashiersMigrateOldPINs(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	cfg := testConfig(t, sb.URL, pollingOnly)
	var err error
	if cfg.ManagerPINHash, err = hashPIN("9876"); err != nil {
		t.Fatal(err)
	}
	if cfg.CashierPINHash, err = hashPIN("4321"); err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, cfg)
	m, err := e.CashierNamed(MigratedManager)
	if err != nil || m.Role != Manager {
		t.Fatalf("manager %+v %v", m, err)
	}
	c, err := e.CashierNamed(MigratedCashier)
	if err != nil || c.Role != Cashier {
		t.Fatalf("cashier %+v %v", c, err)
	}
	if _, err := e.SignIn(c.ID, "4321"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.SignIn(m.ID, "4321"); ReasonOf(err).Cause != CauseWrongPIN {
		t.Fatalf("manager with the cashier's PIN: %v", err)
	}
}

// TestCashierDisabledCannotSignIn, and the last manager stays.
func TestCashierDisabledCannotSignIn(t *testing.T) {
	e := startFake(t, &fakeGateway{}, func(context.Context, device.Options) (Reader, error) { return newFakeReader(fakeCard, nil), nil })
	ctx := context.Background()
	m, err := e.AddCashier(ctx, NewCashier{Name: "Maria", PIN: "1234", Role: Manager})
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.AddCashier(ctx, NewCashier{Name: "Anna", PIN: "0000", Role: Cashier})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SignIn(a.ID, "0000"); err != nil {
		t.Fatal(err)
	}
	if err := e.SetCashierDisabled(ctx, a.ID, true); err != nil {
		t.Fatal(err)
	}
	if who, _ := e.SignedIn(); who.ID != "" {
		t.Errorf("a disabled cashier stays signed in: %+v", who)
	}
	if _, err := e.SignIn(a.ID, "0000"); !errors.Is(err, ErrSignIn) || ReasonOf(err).Cause != CauseCashierDisabled {
		t.Fatalf("disabled cashier signed in: %v", err)
	}
	if e.CheckPIN(Cashier, "0000") {
		t.Error("a disabled cashier's PIN still opens the terminal")
	}
	if err := e.SetCashierDisabled(ctx, m.ID, true); ReasonOf(err).Cause != CauseLastManager {
		t.Fatalf("last manager disabled: %v", err)
	}
	if err := e.SetCashierRole(ctx, m.ID, Cashier); ReasonOf(err).Cause != CauseLastManager {
		t.Fatalf("last manager demoted: %v", err)
	}
	if _, err := e.AddCashier(ctx, NewCashier{Name: "maria", PIN: "2222", Role: Cashier}); ReasonOf(err).Cause != CauseNameTaken {
		t.Fatalf("same name: %v", err)
	}
	if err := e.RenameCashier(ctx, a.ID, "Anna K."); err != nil {
		t.Fatal(err)
	}
	if got := e.CashierName(a.ID); got != "Anna K." {
		t.Errorf("name %q", got)
	}
}
