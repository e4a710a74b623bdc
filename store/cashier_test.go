package store

import (
	"errors"
	"testing"
	"time"
)

func TestCashiersLastManagerStays(t *testing.T) {
	j, _, _ := newJ(t)
	m, err := j.PutCashier(Cashier{Name: "Anna", PINHash: "h", Role: RoleManager}, "cli:root", "add")
	if err != nil {
		t.Fatal(err)
	}
	c, err := j.PutCashier(Cashier{Name: "Boris", PINHash: "h", Role: RoleCashier}, m.ID, "add")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.PutCashier(Cashier{Name: "anna", PINHash: "h", Role: RoleCashier}, m.ID, "add"); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("same name: %v", err)
	}
	m.Disabled = true
	if _, err := j.PutCashier(m, m.ID, "disable"); !errors.Is(err, ErrLastManager) {
		t.Fatalf("disable the last manager: %v", err)
	}
	m.Disabled, m.Role = false, RoleCashier
	if _, err := j.PutCashier(m, m.ID, "role"); !errors.Is(err, ErrLastManager) {
		t.Fatalf("demote the last manager: %v", err)
	}
	c.Role = RoleManager
	if _, err := j.PutCashier(c, m.ID, "role"); err != nil {
		t.Fatal(err)
	}
	m.Role, m.Disabled = RoleManager, true
	if _, err := j.PutCashier(m, c.ID, "disable"); err != nil {
		t.Fatalf("disable a manager while another is left: %v", err)
	}
	all, _ := j.Cashiers()
	if len(all) != 2 || all[0].Name != "Anna" || !all[0].Disabled {
		t.Fatalf("cashiers: %+v", all)
	}
	if _, _, err := j.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestCashierAndShiftEventsCarryWho(t *testing.T) {
	j, _, _ := newJ(t)
	m, _ := j.PutCashier(Cashier{Name: "Anna", PINHash: "h", Role: RoleManager}, "cli:root", "add")
	s, err := j.OpenShift(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := j.OpenShift(m.ID)
	if again.ID != s.ID {
		t.Fatalf("second open made another shift")
	}
	if s, err = j.CloseShift(s.ID, "boss"); err != nil || s.Open() || s.ClosedBy != "boss" {
		t.Fatalf("close: %+v %v", s, err)
	}
	if err := j.Note(EventSettings, m.ID, map[string]string{FieldWhat: "currency"}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.BeginCloseBy("KZ1234567890", "RUB", m.ID); err != nil {
		t.Fatal(err)
	}
	evs, err := j.JournalEvents(time.Time{})
	if err != nil || len(evs) != 5 {
		t.Fatalf("events: %d %v", len(evs), err)
	}
	for _, e := range evs {
		if e.Fields[FieldCashier] == "" {
			t.Errorf("%s event has no cashier: %v", e.Type, e.Fields)
		}
	}
	if _, _, err := j.Verify(); err != nil {
		t.Fatal(err)
	}
}
