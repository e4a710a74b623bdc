package sandbox

import (
	"context"
	"net"
	"testing"
	"time"

	"kassa/device"
	"kassa/device/sim"
	"kassa/mapi"
)

// TestWithSimulatedReader: the real driver reads each card from the real
// simulator (device/sim, the same device/emv cryptography), Kassa's client
// sends what it read, and the sandbox decrypts and verifies it: the whole
// §12.3 host flow (sale, poll, EMV stage, CONTINUE, advice, final) for
// swipe, insert and tap.
func TestWithSimulatedReader(t *testing.T) {
	checkLeaks(t)
	c := newChipLife(t, Options{})
	for _, tc := range []struct {
		pan    string
		entry  sim.Presentation
		status mapi.Status
		reason string
		stage  bool
	}{
		{"4012345678909", sim.PresentSwipe, mapi.StatusApproved, "", false},
		{"4012345678909", sim.PresentInsert, mapi.StatusApproved, "", true},
		{"4012345678909", sim.PresentTap, mapi.StatusApproved, "", false},
		{"5555555555554444", sim.PresentInsert, mapi.StatusApproved, "", true},
		{"2200000000000004", sim.PresentTap, mapi.StatusApproved, "", false},
		{"4000000000000879", sim.PresentInsert, mapi.StatusDeclined, "declined by the card", true},
		{"4000000000000879", sim.PresentTap, mapi.StatusApproved, "", false},
		{"4000000000000002", sim.PresentInsert, mapi.StatusDeclined, "Insufficient funds", true},
		{"4000000000000705", sim.PresentInsert, mapi.StatusApproved, "", true},
		{"4000000000000119", sim.PresentInsert, mapi.StatusError, "Processing error at the acquirer", false},
		{"4000000000000945", sim.PresentInsert, mapi.StatusApproved, "", false}, // chip unreadable: fallback swipe
	} {
		t.Run(tc.pan+"-"+tc.entry.String(), func(t *testing.T) {
			c.t = t
			card := readWithSim(t, tc.pan, tc.entry)
			id := "sim-" + tc.pan + "-" + tc.entry.String()
			oid := c.sell(CmdSale, id, card.EncryptedData, "")
			if card.EncryptedType != mapi.EncryptedTypeMiura {
				t.Errorf("encrypted-type %q", card.EncryptedType)
			}
			st := c.poll(id, oid)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			sawStage := st.Stage == mapi.StageEMVValidating
			switch {
			case sawStage:
				if card.Chip == nil || card.Chip.Contactless() {
					t.Fatalf("EMV stage for a %v card", card.Entry)
				}
				answer, err := card.Chip.Continue(ctx, string(st.AuthResponseCode), st.IssuerResponse)
				if err != nil {
					t.Fatalf("CONTINUE: %v", err)
				}
				if err := c.advise(id, oid, answer.EncryptedData); err != nil {
					t.Fatalf("advice: %v", err)
				}
				st = c.final(id, oid, "")
			case card.Chip != nil:
				if err := card.Chip.End(ctx, st.Status == mapi.StatusApproved); err != nil {
					t.Errorf("End: %v", err)
				}
			}
			if sawStage != tc.stage || st.Status != tc.status || st.ErrorMessage != tc.reason {
				t.Errorf("stage %v %s %q, want stage %v %s %q", sawStage, st.Status, st.ErrorMessage, tc.stage, tc.status, tc.reason)
			}
		})
	}
}

// readWithSim takes one card from a fresh simulator presenting it as p.
func readWithSim(t *testing.T, pan string, p sim.Presentation) *device.Card {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := sim.New(sim.Config{Card: pan, AutoSwipe: 20 * time.Millisecond, Entry: p})
	host, dev := net.Pipe()
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(ctx, dev) }()
	r, err := device.OpenConn(ctx, host, device.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); cancel(); host.Close(); dev.Close(); <-done })
	card, err := r.ReadCard(ctx, device.ReadRequest{Display: "10.50 RUB", Currency: "RUB", AmountMinor: 1050, Exponent: 2, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("ReadCard %s %s: %v", pan, p, err)
	}
	return card
}
