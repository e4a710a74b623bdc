package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
)

// Issue 12: the card's entry mode and chip application are journaled with
// the intent and read back; an advice is a note while the payment is in
// flight and stale after its final status; Verify replays both.
func TestChipPaymentJournaled(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "j.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	id := uuid.NewString()
	p := Payment{ClientOrderID: id, Kind: KindSale, AmountMinor: 1050, Currency: "RUB", MaskedPAN: "401234***8909",
		EntryMode: "chip", AID: "A0000000031010", AppLabel: "VISA", CVM: "pin", CreatedAt: time.Now()}
	if err := j.Begin(p); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Record(id, Event{Type: EventAccepted, Status: StatusAccepted, Fields: map[string]string{FieldPaynetOrderID: "9"}}); err != nil {
		t.Fatal(err)
	}
	got, err := j.Record(id, Event{Type: EventAdvice, Fields: map[string]string{"cryptogram": "TC"}})
	if err != nil || got.Status != StatusAccepted {
		t.Fatalf("advice: %v, status %s", err, got.Status)
	}
	if _, err := j.Record(id, Event{Type: EventFinal, Status: StatusApproved}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Record(id, Event{Type: EventAdvice}); !errors.Is(err, ErrStale) {
		t.Errorf("advice after final: %v, want stale", err)
	}
	got, err = j.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if got.EntryMode != "chip" || got.AID != "A0000000031010" || got.AppLabel != "VISA" || got.CVM != "pin" {
		t.Errorf("read back %q %q %q %q", got.EntryMode, got.AID, got.AppLabel, got.CVM)
	}
	if n := len(got.Events); n != 4 || got.Events[2].Type != EventAdvice {
		t.Errorf("events %+v", got.Events)
	}
	swipe := Payment{ClientOrderID: uuid.NewString(), Kind: KindSale, AmountMinor: 100, Currency: "RUB", CreatedAt: time.Now()}
	if err := j.Begin(swipe); err != nil {
		t.Fatal(err)
	}
	if got, err := j.Get(swipe.ClientOrderID); err != nil || got.EntryMode != "" {
		t.Errorf("payment without entry mode: %v %q", err, got.EntryMode)
	}
	if _, _, err := j.Verify(); err != nil {
		t.Errorf("verify: %v", err)
	}
}
