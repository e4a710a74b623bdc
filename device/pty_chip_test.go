//go:build unix

package device_test

// The chip and contactless driver against the simulator over a real
// pseudo-terminal (go.bug.st/serial): every card × presentation × fault of
// READER-PROTOCOL.md §12.5, with the test playing the gateway (ARPC from the
// ARQC, CONTINUE, TC/AAC verified) and the customer where the reader asks
// for something (insert after 9FC3).

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kassa/device"
	"kassa/device/emv"
	"kassa/device/sim"
	"kassa/device/sred"
)

var chipAt = time.Date(2026, 12, 3, 10, 15, 0, 0, time.UTC)

// chipReadTimeout is each read's deadline: long, so that a loaded machine
// (the pty, the simulator's 20 ms presentation, -race) never hits it; a
// read that works takes milliseconds.
const chipReadTimeout = 30 * time.Second

func chipRequest(onPrompt func(device.Prompt)) device.ReadRequest {
	return device.ReadRequest{Currency: "RUB", AmountMinor: 1050, Exponent: 2, At: chipAt, Timeout: chipReadTimeout, OnPrompt: onPrompt}
}

// prompts records prompts and can act on one.
type prompts struct {
	mu  sync.Mutex
	got []device.Prompt
	on  func(device.Prompt)
}

func (p *prompts) add(x device.Prompt) {
	p.mu.Lock()
	p.got = append(p.got, x)
	on := p.on
	p.mu.Unlock()
	if on != nil {
		on(x)
	}
}

func (p *prompts) has(x device.Prompt) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.got, x)
}

func openChipPTY(t *testing.T, cfg sim.Config, logs *syncBuf) (*sim.Reader, *device.Reader) {
	t.Helper()
	if cfg.AutoSwipe == 0 {
		cfg.AutoSwipe = 20 * time.Millisecond
	}
	if logs != nil {
		cfg.Logger = debugLogger(logs)
	}
	s := newSim(cfg)
	p := listenPTY(t, s)
	opts := device.Options{Port: p.Path, BatteryInterval: -1}
	if logs != nil {
		opts.Logger = debugLogger(logs)
	}
	r, err := device.Open(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return s, r
}

// checkTemplate decrypts and verifies a card's template as the gateway
// would, returning it.
func checkTemplate(t *testing.T, card *device.Card, pan string) *emv.Template {
	t.Helper()
	tp, err := emv.ParseTemplateHex(card.EncryptedData)
	if err != nil {
		t.Fatalf("%s: template: %v", pan, err)
	}
	if card.EncryptedType != "miura" || !strings.EqualFold(card.EncryptedData, string(appendHex(card.Template))) {
		t.Fatalf("%s: encrypted-type %q, data is not the template", pan, card.EncryptedType)
	}
	d, err := emv.Open(sred.TestBDK, tp)
	if err != nil || d.PAN != pan {
		t.Fatalf("%s: Open: %v", pan, err)
	}
	if card.MaskedPAN != emv.MaskPAN(pan) || card.Expiry != "2812" {
		t.Errorf("%s: masked %s expiry %s", pan, card.MaskedPAN, card.Expiry)
	}
	if tp.Kind != emv.KindSwipe {
		if err := emv.VerifyCryptogram(emv.TestIMK, pan, tp, nil); err != nil {
			t.Errorf("%s: ARQC: %v", pan, err)
		}
	}
	return tp
}

func appendHex(b []byte) []byte {
	const digits = "0123456789ABCDEF"
	var out []byte
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return out
}

// gatewayContinue plays the gateway's EMV stage: ARC "00" with the 91 from
// the ARQC, CONTINUE, and the TC or AAC verified. It returns the final kind.
func gatewayContinue(t *testing.T, card *device.Card, pan string, tp *emv.Template) emv.Kind {
	t.Helper()
	ir, err := emv.IssuerResponse(emv.TestIMK, pan, tp, emv.ARCApproved)
	if err != nil {
		t.Fatal(err)
	}
	final, err := card.Chip.Continue(t.Context(), "00", ir)
	if err != nil {
		t.Fatalf("%s: Continue: %v", pan, err)
	}
	ft, err := emv.ParseTemplate(final.Template)
	if err != nil {
		t.Fatalf("%s: final template: %v", pan, err)
	}
	arc := emv.ARCApproved
	if err := emv.VerifyCryptogram(emv.TestIMK, pan, ft, &arc); err != nil {
		t.Errorf("%s: %s cryptogram: %v", pan, ft.Kind, err)
	}
	if ft.Fields.PINBlock != nil || ft.KSN() != tp.KSN() {
		t.Errorf("%s: the final template must repeat DFAE02/03 and drop DFAE04/05", pan)
	}
	return ft.Kind
}

// TestPTYChipMatrix: every §9/§12.5 test card swiped, inserted and tapped.
func TestPTYChipMatrix(t *testing.T) {
	var logs syncBuf
	s, r := openChipPTY(t, sim.Config{}, &logs)
	chip, ctls, err := r.Capabilities(t.Context())
	if err != nil || !chip || !ctls {
		t.Fatalf("capabilities %v %v %v", chip, ctls, err)
	}
	for _, pan := range s.Cards() {
		for _, p := range []sim.Presentation{sim.PresentSwipe, sim.PresentInsert, sim.PresentTap} {
			t.Run(pan+"/"+p.String(), func(t *testing.T) {
				if err := s.SetCard(pan); err != nil {
					t.Fatal(err)
				}
				s.SetEntry(p)
				pr := &prompts{}
				if p == sim.PresentTap && pan == sim.CardOnlinePIN {
					pr = insertWhenAsked(s) // the customer inserts as asked
				}
				card, err := r.ReadCard(t.Context(), chipRequest(pr.add))
				if err != nil {
					t.Fatal(err)
				}
				tp := checkTemplate(t, card, pan)
				want := wantEntry(pan, p)
				if card.Entry != want {
					t.Fatalf("entry %s, want %s", card.Entry, want)
				}
				switch card.Entry {
				case device.EntrySwipe, device.EntryFallbackSwipe:
					if card.Chip != nil || tp.Kind != emv.KindSwipe {
						t.Error("a swipe with a chip transaction")
					}
					if card.Entry == device.EntryFallbackSwipe && !pr.has(device.PromptSwipe) {
						t.Error("no swipe prompt before the fallback")
					}
				case device.EntryChip:
					checkChip(t, s, card, pan, tp, pr)
				case device.EntryContactless:
					checkTap(t, card, pan, tp)
				}
			})
		}
	}
	assertClean(t, logs.String())
}

func wantEntry(pan string, p sim.Presentation) device.EntryMode {
	switch {
	case p == sim.PresentSwipe:
		return device.EntrySwipe
	case pan == sim.CardChipBroken:
		return device.EntryFallbackSwipe
	case p == sim.PresentInsert, pan == sim.CardOnlinePIN:
		return device.EntryChip
	}
	return device.EntryContactless
}

func checkChip(t *testing.T, s *sim.Reader, card *device.Card, pan string, tp *emv.Template, pr *prompts) {
	t.Helper()
	if card.Kind != emv.KindOnline || card.Chip == nil || card.Chip.Contactless() || card.AID == "" || card.AppLabel == "" {
		t.Fatalf("chip card %+v", card)
	}
	wantCVM := emv.CVMNone
	if pan == sim.CardOnlinePIN {
		wantCVM = emv.CVMOnlinePIN
		blk, ksn, ok := tp.PIN()
		if !ok || !card.PINBlock || !pr.has(device.PromptPIN) {
			t.Fatal("no PIN block or PIN prompt")
		}
		if pin, err := emv.DecryptPIN(sred.TestBDK, ksn, blk, pan); err != nil || pin != sim.CardholderPIN {
			t.Errorf("PIN %q %v", pin, err)
		}
	}
	if card.CVM != wantCVM {
		t.Errorf("CVM %s, want %s", card.CVM, wantCVM)
	}
	kind := gatewayContinue(t, card, pan, tp)
	if wantKind := map[bool]emv.Kind{true: emv.KindDeclined, false: emv.KindApproved}[pan == sim.CardChipDecline]; kind != wantKind {
		t.Errorf("card answered %s, want %s", kind, wantKind)
	}
	if err := card.Chip.WaitRemoval(t.Context(), ""); err != nil {
		t.Errorf("WaitRemoval: %v", err)
	}
	if s.Inserted() != "" {
		t.Error("card still in the slot")
	}
}

func checkTap(t *testing.T, card *device.Card, pan string, tp *emv.Template) {
	t.Helper()
	if !tp.Contactless() || card.Chip == nil || !card.Chip.Contactless() || card.Kind != emv.KindOnline {
		t.Fatalf("tap %+v", card)
	}
	wantCVM := emv.CVMNone
	if strings.HasSuffix(pan, "0002") {
		wantCVM = emv.CVMOnDevice
	}
	if card.CVM != wantCVM || card.PINBlock {
		t.Errorf("CVM %s, want %s", card.CVM, wantCVM)
	}
	if err := card.Chip.End(t.Context(), true); err != nil {
		t.Errorf("End: %v", err)
	}
	if err := card.Chip.End(t.Context(), true); !errors.Is(err, device.ErrTransactionDone) {
		t.Errorf("second End: %v", err)
	}
	if err := card.Chip.WaitRemoval(t.Context(), "Approved"); err != nil {
		t.Errorf("WaitRemoval after a tap: %v", err)
	}
}

// TestPTYChipGolden: in a fresh simulator, swipe the golden card, then
// insert it: the driver hands over the §12.4 golden E4 byte for byte.
func TestPTYChipGolden(t *testing.T) {
	s, r := openChipPTY(t, sim.Config{}, nil)
	card, err := r.ReadCard(t.Context(), chipRequest(nil))
	if err != nil || card.Entry != device.EntrySwipe || card.EncryptedData != device.GoldenBlob {
		t.Fatalf("swipe %v %+v", err, device.ViewOf(card))
	}
	s.SetEntry(sim.PresentInsert)
	card, err = r.ReadCard(t.Context(), chipRequest(nil))
	if err != nil {
		t.Fatal(err)
	}
	if card.EncryptedData != goldenE4 {
		t.Errorf("E4\n%s\nwant\n%s", card.EncryptedData, goldenE4)
	}
	tp := checkTemplate(t, card, "4012345678909")
	if k := gatewayContinue(t, card, "4012345678909", tp); k != emv.KindApproved {
		t.Errorf("golden card answered %s", k)
	}
}

// goldenE4 is the §12.4 golden card's E4 (device/emv's frozen vector).
const goldenE4 = "E481FA4F07A00000000310105004564953415F24032812315F2A0206435F340101820218008407A0000000031010950500000000009A032612039C01009F02060000000010509F03060000000000009F100706010A03A000009F1A0206439F1E0853494D30303030319F26086173C4BA994F78A69F2701809F3303E0F8C89F34031F03029F3501229F360200019F370412345678DF280100DFAE0220843C08643C529665150A2166A0D4F27CF91A6AFA24EA80455FC599375E6FE7DCDFAE030AFFFF9876543210E00002DFAE571E3430313233342A2A2A3839303944323831323230312A2A2A2A2A2A2A2A2ADFAE5A0D3430313233342A2A2A38393039"

// TestPTYChipFaults: the §12.5 faults through the driver.
func TestPTYChipFaults(t *testing.T) {
	s, r := openChipPTY(t, sim.Config{}, nil)
	read := func(p sim.Presentation, f sim.Fault, pan string) (*device.Card, error) {
		t.Helper()
		s.Remove() // the customer took the last card out
		if err := s.SetCard(pan); err != nil {
			t.Fatal(err)
		}
		s.SetEntry(p)
		s.SetFault(f)
		return r.ReadCard(t.Context(), chipRequest(nil))
	}
	t.Run("pull", func(t *testing.T) {
		card, err := read(sim.PresentInsert, sim.FaultPull, "4111111111111111")
		if err != nil {
			t.Fatal(err)
		}
		tp := checkTemplate(t, card, "4111111111111111")
		ir, _ := emv.IssuerResponse(emv.TestIMK, "4111111111111111", tp, emv.ARCApproved)
		if _, err := card.Chip.Continue(t.Context(), "00", ir); !errors.Is(err, device.ErrCardRemoved) {
			t.Errorf("Continue after the pull: %v", err)
		}
	})
	for _, p := range []sim.Presentation{sim.PresentInsert, sim.PresentTap} {
		t.Run("chip-error/"+p.String(), func(t *testing.T) {
			if _, err := read(p, sim.FaultChipError, "4111111111111111"); !errors.Is(err, device.ErrChipUnreadable) {
				t.Errorf("chip-error: %v", err)
			}
		})
	}
	t.Run("wrong-pin", func(t *testing.T) {
		card, err := read(sim.PresentInsert, sim.FaultWrongPIN, sim.CardOnlinePIN)
		if err != nil {
			t.Fatal(err)
		}
		blk, ksn, ok := checkTemplate(t, card, sim.CardOnlinePIN).PIN()
		if pin, err := emv.DecryptPIN(sred.TestBDK, ksn, blk, sim.CardOnlinePIN); !ok || err != nil || pin != "0000" {
			t.Errorf("wrong-pin PIN %q %v", pin, err)
		}
		if err := card.Chip.End(t.Context(), false); err != nil {
			t.Errorf("End Z3: %v", err)
		}
		if err := card.Chip.WaitRemoval(t.Context(), ""); err != nil {
			t.Errorf("WaitRemoval: %v", err)
		}
	})
	t.Run("declined-by-issuer", func(t *testing.T) {
		card, err := read(sim.PresentInsert, sim.FaultNone, "4000000000000002")
		if err != nil {
			t.Fatal(err)
		}
		tp := checkTemplate(t, card, "4000000000000002")
		ir, _ := emv.IssuerResponse(emv.TestIMK, "4000000000000002", tp, emv.ARC{'0', '5'})
		final, err := card.Chip.Continue(t.Context(), "05", ir)
		if err != nil || final.Kind != emv.KindDeclined {
			t.Fatalf("ARC 05: %v %v", final, err)
		}
		ft, _ := emv.ParseTemplate(final.Template)
		arc := emv.ARC{'0', '5'}
		if err := emv.VerifyCryptogram(emv.TestIMK, "4000000000000002", ft, &arc); err != nil {
			t.Errorf("AAC: %v", err)
		}
		_ = card.Chip.WaitRemoval(t.Context(), "Declined")
	})
	t.Run("bad-arpc", func(t *testing.T) {
		card, err := read(sim.PresentInsert, sim.FaultNone, "4111111111111111")
		if err != nil {
			t.Fatal(err)
		}
		final, err := card.Chip.Continue(t.Context(), "00", hx(t, "910A00000000000000003030"))
		if err != nil || final.Kind != emv.KindDeclined {
			t.Errorf("bad ARPC: %v %v", final, err)
		}
		_ = card.Chip.WaitRemoval(t.Context(), "")
	})
}

// TestPTYNoTap: under no-tap START CONTACTLESS times out with 9F42 every
// 5 s and the driver starts it again until its own read timeout.
func TestPTYNoTap(t *testing.T) {
	var logs syncBuf
	s, r := openChipPTY(t, sim.Config{}, &logs)
	s.SetEntry(sim.PresentTap)
	s.SetFault(sim.FaultNoTap)
	req := chipRequest(nil)
	req.Timeout = 6500 * time.Millisecond
	if _, err := r.ReadCard(t.Context(), req); !errors.Is(err, device.ErrReadTimeout) {
		t.Fatalf("no-tap: %v", err)
	}
	if n := strings.Count(logs.String(), "START CONTACTLESS waits"); n != 2 {
		t.Errorf("START CONTACTLESS sent %d times, want 2 (one 9F42 after 5 s, then again)", n)
	}
	if n := strings.Count(logs.String(), "no tap: 9F42"); n != 1 {
		t.Errorf("%d 9F42 answers, want 1", n)
	}
	if s.Fault() != sim.FaultNone {
		t.Error("no-tap still armed after the wait")
	}
	s.SetEntry(sim.PresentTap)
	card, err := r.ReadCard(t.Context(), chipRequest(nil))
	if err != nil || card.Entry != device.EntryContactless {
		t.Fatalf("tap after no-tap: %v", err)
	}
	_ = card.Chip.End(t.Context(), false)
}

// TestPTYCancelWhileContactlessBlocks: cancelling a read while START
// CONTACTLESS blocks sends ABORT with it outstanding; the reader answers
// both and the next read works.
func TestPTYCancelWhileContactlessBlocks(t *testing.T) {
	var logs syncBuf
	s, r := openChipPTY(t, sim.Config{AutoSwipe: -1}, &logs)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		deadline := time.Now().Add(chipReadTimeout)
		for !strings.Contains(logs.String(), "START CONTACTLESS waits") && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		cancel()
	}()
	if _, err := r.ReadCard(ctx, chipRequest(nil)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: %v", err)
	}
	if !strings.Contains(logs.String(), "sending ABORT while a command blocks") {
		t.Error("no ABORT while START CONTACTLESS blocked")
	}
	go func() {
		deadline := time.Now().Add(chipReadTimeout)
		for s.Tap() != nil && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
	}()
	card, err := r.ReadCard(t.Context(), chipRequest(nil))
	if err != nil || card.Entry != device.EntryContactless {
		t.Fatalf("read after cancel: %v", err)
	}
	_ = card.Chip.End(t.Context(), true)
}

func hx(t *testing.T, s string) []byte {
	t.Helper()
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		for _, c := range s[2*i : 2*i+2] {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			default:
				v |= byte(c-'A') + 10
			}
		}
		b[i] = v
	}
	return b
}

// TestPTYSwipeOnlyReader: take-a-card on a reader without EMV/CTLS sends no
// chip command, asks to swipe an inserted card and takes the swipe.
func TestPTYSwipeOnlyReader(t *testing.T) {
	var logs syncBuf
	s, r := openChipPTY(t, sim.Config{SwipeOnly: true, AutoSwipe: -1}, &logs)
	pr := &prompts{}
	pr.on = func(x device.Prompt) {
		switch x {
		case device.PromptPresent:
			go func() {
				for s.Insert() != nil {
					time.Sleep(2 * time.Millisecond)
				}
			}()
		case device.PromptSwipe:
			go func() { s.Remove(); _ = s.Swipe() }()
		}
	}
	card, err := r.ReadCard(t.Context(), chipRequest(pr.add))
	if err != nil {
		t.Fatal(err)
	}
	if card.Entry != device.EntrySwipe || card.Chip != nil {
		t.Errorf("entry %s", card.Entry)
	}
	checkTemplate(t, card, sim.DefaultCard)
	if strings.Contains(logs.String(), "START") {
		t.Error("a chip command went to a swipe-only reader")
	}
	if chip, ctls, _ := r.Capabilities(t.Context()); chip || ctls {
		t.Error("swipe-only reader reports chip or contactless")
	}
}

// TestPTYChipLinkFaults: bad-swipe on the take-a-card path prompts and takes
// the next swipe; unplug at an insert or a tap fails the read with
// ErrDeviceGone (never retried); a card pulled mid-transaction after a
// replug is not continued on the new link.
func TestPTYChipLinkFaults(t *testing.T) {
	s := newSim(sim.Config{AutoSwipe: 20 * time.Millisecond})
	p := listenPTY(t, s)
	r, err := device.Open(t.Context(), device.Options{Port: p.Path, Reconnect: true, BatteryInterval: -1,
		Backoff: []time.Duration{20 * time.Millisecond, 50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	pr := &prompts{}
	s.SetFault(sim.FaultBadSwipe)
	card, err := r.ReadCard(t.Context(), chipRequest(pr.add))
	if err != nil || card.Entry != device.EntrySwipe || !pr.has(device.PromptTryAgain) {
		t.Fatalf("bad swipe then good: %v, prompts %v", err, pr.got)
	}

	// A chip card taken, then the link breaks before CONTINUE.
	s.SetEntry(sim.PresentInsert)
	card, err = r.ReadCard(t.Context(), chipRequest(nil))
	if err != nil || card.Entry != device.EntryChip {
		t.Fatalf("insert: %v", err)
	}
	states := r.States()
	s.Unplug()
	waitState(t, states, device.StateReconnecting, 3*time.Second)
	if _, err := card.Chip.Continue(t.Context(), "00", nil); !errors.Is(err, device.ErrDeviceGone) {
		t.Errorf("Continue over a broken link: %v", err)
	}
	if err := p.Replug(); err != nil {
		t.Fatal(err)
	}
	waitState(t, states, device.StateConnected, 3*time.Second)

	for _, pres := range []sim.Presentation{sim.PresentInsert, sim.PresentTap} {
		s.Remove()
		s.SetEntry(pres)
		s.SetFault(sim.FaultUnplug)
		if _, err := r.ReadCard(t.Context(), chipRequest(nil)); !errors.Is(err, device.ErrDeviceGone) {
			t.Fatalf("unplug at %s: %v", pres, err)
		}
		waitState(t, states, device.StateReconnecting, 3*time.Second)
		if err := p.Replug(); err != nil {
			t.Fatal(err)
		}
		waitState(t, states, device.StateConnected, 3*time.Second)
	}
}

// TestPTYChipNoGoroutineLeak: taps, inserts (with CONTINUE and removal) and
// a cancelled contactless wait leave no goroutine behind after Close.
func TestPTYChipNoGoroutineLeak(t *testing.T) {
	s := newSim(sim.Config{AutoSwipe: 20 * time.Millisecond})
	p := listenPTY(t, s)
	time.Sleep(50 * time.Millisecond)
	before := runtime.NumGoroutine()
	for _, pres := range []sim.Presentation{sim.PresentTap, sim.PresentInsert} {
		s.SetEntry(pres)
		r, err := device.Open(t.Context(), device.Options{Port: p.Path, Reconnect: true, BatteryInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		card, err := r.ReadCard(t.Context(), chipRequest(nil))
		if err != nil {
			t.Fatal(err)
		}
		if err := card.Chip.End(t.Context(), false); err != nil {
			t.Fatal(err)
		}
		if err := card.Chip.WaitRemoval(t.Context(), ""); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		s.SetEntry(sim.PresentTap)
		s.SetFault(sim.FaultNoTap)
		_, err = r.ReadCard(ctx, chipRequest(nil))
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("cancelled read: %v", err)
		}
		states := r.States()
		r.Close()
		for range states {
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d before, %d after Close\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
