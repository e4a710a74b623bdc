//go:build unix

package device_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"kassa/device"
	"kassa/device/emv"
	"kassa/device/sim"
	"kassa/device/sred"
)

// TestPTYFaultEveryPresentation: each §12.5 fault armed before a swipe, an
// insert and a tap, over a real pseudo-terminal (one line per case). A
// fault that does not concern the presentation leaves the read as it
// would be; each step has its own deadline, never a sleep.
func TestPTYFaultEveryPresentation(t *testing.T) {
	s, r := openChipPTY(t, sim.Config{}, nil)
	for _, tc := range []struct {
		fault sim.Fault
		pres  sim.Presentation
		pan   string
		entry device.EntryMode
		err   error
		check func(t *testing.T, s *sim.Reader, card *device.Card)
	}{
		{sim.FaultPull, sim.PresentSwipe, sim.DefaultCard, device.EntrySwipe, nil, nil},
		{sim.FaultPull, sim.PresentInsert, sim.DefaultCard, device.EntryChip, nil, continuePulled},
		{sim.FaultPull, sim.PresentTap, sim.DefaultCard, device.EntryContactless, nil, endTap},
		{sim.FaultChipError, sim.PresentSwipe, sim.DefaultCard, device.EntrySwipe, nil, nil},
		{sim.FaultChipError, sim.PresentInsert, sim.DefaultCard, 0, device.ErrChipUnreadable, nil},
		{sim.FaultChipError, sim.PresentTap, sim.DefaultCard, 0, device.ErrChipUnreadable, nil},
		{sim.FaultNoTap, sim.PresentSwipe, sim.DefaultCard, device.EntrySwipe, nil, nil},
		{sim.FaultNoTap, sim.PresentInsert, sim.DefaultCard, device.EntryChip, nil, endChip},
		{sim.FaultNoTap, sim.PresentTap, sim.DefaultCard, 0, device.ErrReadTimeout, nil},
		{sim.FaultWrongPIN, sim.PresentSwipe, sim.CardOnlinePIN, device.EntrySwipe, nil, nil},
		{sim.FaultWrongPIN, sim.PresentInsert, sim.CardOnlinePIN, device.EntryChip, nil, wrongPIN},
		{sim.FaultWrongPIN, sim.PresentTap, sim.CardOnlinePIN, device.EntryChip, nil, wrongPIN}, // 9FC3: the customer inserts
	} {
		t.Run(string(tc.fault)+"/"+tc.pres.String(), func(t *testing.T) {
			s.Remove()
			if err := s.SetCard(tc.pan); err != nil {
				t.Fatal(err)
			}
			s.SetEntry(tc.pres)
			s.SetFault(tc.fault)
			defer s.SetFault(sim.FaultNone) // a fault the read did not use is not left armed
			req := chipRequest(insertWhenAsked(s).add)
			if tc.err == device.ErrReadTimeout {
				req.Timeout = 1500 * time.Millisecond // no tap ever comes
			}
			ctx, cancel := context.WithTimeout(t.Context(), 2*chipReadTimeout)
			defer cancel()
			card, err := r.ReadCard(ctx, req)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("read: %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if card.Entry != tc.entry {
				t.Fatalf("entry %s, want %s", card.Entry, tc.entry)
			}
			checkTemplate(t, card, tc.pan)
			if tc.check != nil {
				tc.check(t, s, card)
			}
		})
	}
}

// insertWhenAsked is the customer who inserts the card when the reader
// asks for the chip (9FC3 to a tap).
func insertWhenAsked(s *sim.Reader) *prompts {
	return &prompts{on: func(x device.Prompt) {
		if x == device.PromptInsert {
			go insertSoon(s)
		}
	}}
}

// insertSoon inserts the card as soon as the simulated reader takes it
// (it may still be answering the tap), within chipReadTimeout.
func insertSoon(s *sim.Reader) {
	deadline := time.Now().Add(chipReadTimeout)
	for s.Insert() != nil && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
}

// continuePulled: the card left before CONTINUE: ErrCardRemoved.
func continuePulled(t *testing.T, _ *sim.Reader, card *device.Card) {
	tp := checkTemplate(t, card, sim.DefaultCard)
	ir, _ := emv.IssuerResponse(emv.TestIMK, sim.DefaultCard, tp, emv.ARCApproved)
	if _, err := card.Chip.Continue(stepCtx(t), "00", ir); !errors.Is(err, device.ErrCardRemoved) {
		t.Errorf("Continue after the pull: %v", err)
	}
}

func endTap(t *testing.T, _ *sim.Reader, card *device.Card) {
	if err := card.Chip.End(stepCtx(t), true); err != nil {
		t.Errorf("End: %v", err)
	}
}

func endChip(t *testing.T, _ *sim.Reader, card *device.Card) {
	if err := card.Chip.End(stepCtx(t), false); err != nil {
		t.Errorf("End: %v", err)
	}
	if err := card.Chip.WaitRemoval(stepCtx(t), ""); err != nil {
		t.Errorf("WaitRemoval: %v", err)
	}
}

// wrongPIN: the cardholder typed 0000; the card is ended and taken out.
func wrongPIN(t *testing.T, s *sim.Reader, card *device.Card) {
	blk, ksn, ok := checkTemplate(t, card, sim.CardOnlinePIN).PIN()
	if pin, err := emv.DecryptPIN(sred.TestBDK, ksn, blk, sim.CardOnlinePIN); !ok || err != nil || pin != "0000" {
		t.Errorf("wrong-pin PIN %q %v", pin, err)
	}
	endChip(t, s, card)
}

// stepCtx bounds one driver call.
func stepCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), chipReadTimeout)
	t.Cleanup(cancel)
	return ctx
}

// TestPTYHeading: a take-a-card read with a Heading shows it above the
// driver's own prompt, which follows the reader: "Tap, insert or swipe" on
// a chip reader, "Swipe card" on a swipe-only one.
func TestPTYHeading(t *testing.T) {
	for _, tc := range []struct {
		swipeOnly bool
		want      string
	}{
		{false, `text="Amount: 10.50 RUB\nTap, insert or swipe"`},
		{true, `text="Amount: 10.50 RUB\nSwipe card"`},
	} {
		var logs syncBuf
		_, r := openChipPTY(t, sim.Config{SwipeOnly: tc.swipeOnly}, &logs)
		req := chipRequest(nil)
		req.Heading = "Amount: 10.50 RUB"
		card, err := r.ReadCard(stepCtx(t), req)
		if err != nil {
			t.Fatal(err)
		}
		if card.Chip != nil {
			_ = card.Chip.End(stepCtx(t), false)
		}
		if !strings.Contains(logs.String(), tc.want) {
			t.Errorf("swipe-only %v: reader never showed %s", tc.swipeOnly, tc.want)
		}
	}
}
