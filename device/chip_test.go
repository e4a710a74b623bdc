package device

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kassa/device/emv"
	"kassa/device/sred"
)

var goldenAt = time.Date(2026, 12, 3, 10, 15, 0, 0, time.UTC)

func goldenStart(t testing.TB) []byte {
	b, err := emv.Start{AmountMinor: 1050, Currency: 643, Exponent: 2, At: goldenAt}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every §12.1 packet byte for byte, and the chip-capable GET DEVICE INFO.
func TestChipCommandPackets(t *testing.T) {
	start := goldenStart(t)
	cont, _, err := emv.NewContinue(emv.ARCApproved, hx(t, "910A48AAD066D5116B8B3030"))
	if err != nil {
		t.Fatal(err)
	}
	z3, _, _ := emv.NewContinue(emv.ARCEndCard, nil)
	for _, tc := range []struct {
		c    Command
		want string
	}{
		{StartTransaction(start), "010027DED1000022E0209C01009F02060000000010505F2A0206435F3601029A032612039F2103101500C3"},
		{StartContactless(start), "010027DEC1000022E0209C01009F02060000000010505F2A0206435F3601029A032612039F2103101500D3"},
		{ContinueTransaction(cont), "010017DED2000012E0108A023030910A48AAD066D5116B8B30309B"},
		{ContinueTransaction(z3), "01000BDED2000006E0048A025A3305"},
		{Abort(), "01 00 04 D0 FF 00 00 2A"},
	} {
		got, err := encodeCommand(tc.c)
		if err != nil {
			t.Fatal(tc.c.Name, err)
		}
		if !bytes.Equal(got, hx(t, tc.want)) {
			t.Errorf("%s: %X, want %s", tc.c.Name, got, tc.want)
		}
		if tc.c.Timeout != CardholderTimeout && tc.c.INS != 0xFF {
			t.Errorf("%s: timeout %v, want %v", tc.c.Name, tc.c.Timeout, CardholderTimeout)
		}
	}
	info := hx(t, "01 00 26 E1 22 EF 06 DF 0D 03 4D 53 52 EF 07 DF 0D 04 53 52 45 44 EF 06 DF 0D 03 45 4D 56 EF 07 DF 0D 04 43 54 4C 53 90 00 6E")
	if LRC(info) != 0 {
		t.Fatal("GET DEVICE INFO vector LRC")
	}
	body, sw, _ := ParseResponse(info[3 : len(info)-1])
	entries, err := DecodeDeviceInfo(body)
	if err != nil || sw != SWSuccess {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name)
	}
	if strings.Join(names, " ") != "MSR SRED EMV CTLS" {
		t.Errorf("entries %v", names)
	}
}

// blockedFake answers START/CONTINUE only when ABORT comes (with the
// packets abortReply returns), everything else with 9000.
func blockedFake(t *testing.T, abortReply func() []byte) (*fakeReader, *session) {
	f, host := newFake(t, func(apdu []byte) []byte {
		switch {
		case apdu[0] == 0xDE:
			return nil
		case apdu[0] == 0xD0 && apdu[1] == 0xFF:
			return abortReply()
		}
		return okPkt
	})
	s := newSession(host, testLogger(&bytes.Buffer{}), 500*time.Millisecond)
	t.Cleanup(s.close)
	return f, s
}

// TestAbortRace: ABORT while START blocks (§12.3) — the one time two commands
// are outstanding. The reader answers the ABORT first (bare 9000), then the
// START (9F41); or the START won the race (E4) and the ABORT's 9000 follows.
// Both pair correctly and the session stays usable.
func TestAbortRace(t *testing.T) {
	e4 := pkt(1, 0, hx(t, "E4 04 9F 27 01 80 90 00"))
	for _, tc := range []struct {
		name    string
		reply   []byte
		wantErr error
		wantSW  SW
		body    bool
	}{
		{"abort first", append(bytes.Clone(okPkt), pkt(1, 0, []byte{0x9F, 0x41})...), context.Canceled, SWCancelled, false},
		{"start first", append(bytes.Clone(e4), okPkt...), nil, SWSuccess, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, s := blockedFake(t, func() []byte { return tc.reply })
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			var body []byte
			var sw SW
			var err error
			wg.Add(1)
			go func() {
				defer wg.Done()
				body, sw, err = s.blocking(ctx, StartTransaction(goldenStart(t)))
			}()
			waitCommands(t, f, 1)
			time.Sleep(50 * time.Millisecond)
			cancel()
			wg.Wait()
			if !errors.Is(err, tc.wantErr) && !(tc.wantErr == nil && err == nil) || sw != tc.wantSW || (len(body) > 0) != tc.body {
				t.Fatalf("blocking = %X, %s, %v", body, sw, err)
			}
			if got := strings.Join(f.commands(), " "); got != "DED1 D0FF" {
				t.Errorf("commands %s", got)
			}
			if _, err := s.transact(context.Background(), BatteryStatus()); err != nil {
				t.Errorf("session unusable after the race: %v", err)
			}
		})
	}
}

func waitCommands(t *testing.T, f *fakeReader, n int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for len(f.commands()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d commands arrived", len(f.commands()))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// A START has no 3 s (here: 200 ms) response limit; its own limit ends in
// ABORT and ErrCardholderTimeout; an unanswered ABORT breaks the session.
func TestBlockingLimits(t *testing.T) {
	late := make(chan struct{})
	f, host := newFake(t, func(apdu []byte) []byte {
		if apdu[0] == 0xDE && apdu[1] == 0xC1 {
			<-late
			return pkt(1, 0, []byte{0x9F, 0x42})
		}
		return okPkt
	})
	s := newSession(host, testLogger(&bytes.Buffer{}), 200*time.Millisecond)
	defer s.close()
	go func() { time.Sleep(600 * time.Millisecond); close(late) }()
	_, sw, err := s.blocking(context.Background(), StartContactless(goldenStart(t)))
	if err != nil || sw != SWTimedOut {
		t.Fatalf("slow START CONTACTLESS: %s, %v", sw, err)
	}
	_ = f

	_, s2 := blockedFake(t, func() []byte { return append(bytes.Clone(okPkt), pkt(1, 0, []byte{0x9F, 0x41})...) })
	c := StartTransaction(goldenStart(t))
	c.Timeout = 100 * time.Millisecond
	if _, _, err := s2.blocking(context.Background(), c); !errors.Is(err, ErrCardholderTimeout) {
		t.Errorf("limit: %v", err)
	}

	_, s3 := blockedFake(t, func() []byte { return nil })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := s3.blocking(ctx, StartTransaction(goldenStart(t))); !errors.Is(err, ErrNoResponse) {
		t.Errorf("unanswered ABORT: %v", err)
	}
	if s3.broken() == nil {
		t.Error("session not broken after an unanswered ABORT")
	}
}

// chipScript answers like a chip-capable reader: GET DEVICE INFO lists EMV
// and CTLS; START CONTACTLESS gets ctls(); START TRANSACTION start();
// CONTINUE cont(); CARD STATUS on sends onCard().
type chipScript struct {
	ctls, start, cont, onCard func() []byte
}

func (c chipScript) answer(t *testing.T) func([]byte) []byte {
	base := scripted(t, c.onCard)
	return func(apdu []byte) []byte {
		switch {
		case apdu[0] == 0xD0 && apdu[1] == 0x02:
			return hx(t, "01 00 26 E1 22 EF 06 DF 0D 03 4D 53 52 EF 07 DF 0D 04 53 52 45 44 EF 06 DF 0D 03 45 4D 56 EF 07 DF 0D 04 43 54 4C 53 90 00 6E")
		case apdu[0] == 0xDE && apdu[1] == 0xC1:
			return c.ctls()
		case apdu[0] == 0xDE && apdu[1] == 0xD1:
			return c.start()
		case apdu[0] == 0xDE && apdu[1] == 0xD2:
			return c.cont()
		}
		return base(apdu)
	}
}

func goldenAnswer(t testing.TB) emv.Answer {
	ksn, _ := sred.ParseKSN("FFFF9876543210E00002")
	return emv.Answer{
		Card:    emv.ICCData{PAN: "4012345678909", Expiry: "2812", ServiceCode: "201", Discretion: "000000000"},
		Profile: emv.ProfileFor("4012345678909"), Start: emv.Start{AmountMinor: 1050, Currency: 643, Exponent: 2, At: goldenAt},
		Country: 643, ATC: 1, UN: [4]byte{0x12, 0x34, 0x56, 0x78}, CVMResults: [3]byte{0x1F, 0x03, 0x02},
		Serial: "SIM00001", KSN: ksn,
	}
}

func templatePkt(t testing.TB, a emv.Answer, k emv.Kind, arc *emv.ARC) []byte {
	raw, err := a.Template(sred.TestBDK, emv.TestIMK, k, arc)
	if err != nil {
		t.Fatal(err)
	}
	return EncodeMessage(NADMPI, false, AppendSW(raw, SWSuccess))
}

// A scripted insert: START CONTACTLESS blocks until the chip is inserted
// (the reader answers 9F43), START TRANSACTION gives the golden E4, and
// CONTINUE "00" + 91 gives the E3 with the TC.
func TestTakeCardInsertScripted(t *testing.T) {
	var logs bytes.Buffer
	a := goldenAnswer(t)
	arc := emv.ARCApproved
	insertEvt := pkt(1, 0x40, hx(t, "E1 04 48 02 03 00 90 00"))
	ctlsWait := make(chan struct{})
	f, host := newFake(t, chipScript{
		onCard: func() []byte {
			go func() { time.Sleep(30 * time.Millisecond); close(ctlsWait) }()
			return pkt(1, 0x40, hx(t, "E1 04 48 02 00 00 90 00"))
		},
		ctls:  func() []byte { <-ctlsWait; return append(pkt(1, 0, []byte{0x9F, 0x43}), insertEvt...) },
		start: func() []byte { return templatePkt(t, a, emv.KindOnline, nil) },
		cont:  func() []byte { return templatePkt(t, a, emv.KindApproved, &arc) },
	}.answer(t))
	r, err := OpenConn(context.Background(), host, Options{Logger: testLogger(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var prompts []Prompt
	var pmu sync.Mutex
	card, err := r.ReadCard(context.Background(), ReadRequest{Currency: "RUB", AmountMinor: 1050, Exponent: 2, At: goldenAt,
		OnPrompt: func(p Prompt) { pmu.Lock(); prompts = append(prompts, p); pmu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	e4, _ := a.Template(sred.TestBDK, emv.TestIMK, emv.KindOnline, nil)
	v := viewOf(card)
	if v.Entry != EntryChip || v.EncryptedType != "miura" || v.Template != hexOf(e4) || v.EncryptedData != v.Template ||
		v.MaskedPAN != "401234***8909" || v.Expiry != "2812" || v.AID != "A0000000031010" || v.AppLabel != "VISA" ||
		v.CVM != "no-cvm" || !v.Chip || card.Kind != emv.KindOnline || card.Chip.Contactless() {
		t.Fatalf("card %+v", v)
	}
	got := strings.Join(f.commands(), " ")
	if want := "D000 EEE0 D062 D201 D002 D201 D060 DEC1 DED1 D060 D201"; got != want {
		t.Errorf("commands %s\nwant     %s", got, want)
	}
	final, err := card.Chip.Continue(context.Background(), "00", hx(t, "910A48AAD066D5116B8B3030"))
	if err != nil {
		t.Fatal(err)
	}
	if final.Kind != emv.KindApproved || !strings.Contains(final.EncryptedData, "9F2608B388BBEDD872DB3C9F270140") {
		t.Errorf("final %s %s", final.Kind, final.EncryptedData)
	}
	if _, err := card.Chip.Continue(context.Background(), "00", nil); !errors.Is(err, ErrTransactionDone) {
		t.Errorf("second Continue: %v", err)
	}
	pmu.Lock()
	ps := prompts
	pmu.Unlock()
	if len(ps) < 3 || ps[0] != PromptPresent || ps[1] != PromptReadingCard || ps[len(ps)-1] != PromptProcessing {
		t.Errorf("prompts %v", ps)
	}
	assertNoCardData(t, logs.String())
}

func hexOf(b []byte) string { return strings.ToUpper(string(appendHex(nil, b))) }

func appendHex(dst, b []byte) []byte {
	const digits = "0123456789ABCDEF"
	for _, c := range b {
		dst = append(dst, digits[c>>4], digits[c&15])
	}
	return dst
}

// An offline result straight from START (E3 on a tap): the Card carries the
// E3 for the sale, Continue is refused and End sends nothing.
func TestTakeCardOfflineScripted(t *testing.T) {
	a := goldenAnswer(t)
	a.Contactless = true
	f, host := newFake(t, chipScript{
		onCard: func() []byte { return pkt(1, 0x40, hx(t, "E1 04 48 02 00 00 90 00")) },
		ctls:   func() []byte { return templatePkt(t, a, emv.KindApproved, nil) },
	}.answer(t))
	r, err := OpenConn(context.Background(), host, Options{Logger: testLogger(&bytes.Buffer{})})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	card, err := r.ReadCard(context.Background(), ReadRequest{Currency: "RUB", AmountMinor: 1050, Exponent: 2, At: goldenAt})
	if err != nil {
		t.Fatal(err)
	}
	if card.Kind != emv.KindApproved || card.Entry != EntryContactless || !card.Chip.Offline() || !strings.HasPrefix(card.EncryptedData, "E3") {
		t.Fatalf("offline card %+v", viewOf(card))
	}
	if _, err := card.Chip.Continue(context.Background(), "00", nil); !errors.Is(err, ErrTransactionDone) {
		t.Errorf("Continue of an offline result: %v", err)
	}
	n := len(f.commands())
	if err := card.Chip.End(context.Background(), true); err != nil {
		t.Error(err)
	}
	if len(f.commands()) != n {
		t.Error("End of an offline result sent a command")
	}
	if _, err := r.ReadCard(context.Background(), ReadRequest{Currency: "XXX"}); err == nil {
		t.Error("a currency without a numeric code was accepted")
	}
}

// §12.3: a stripe whose service code starts with 2 (a chip card) swiped at
// a chip reader asks for the chip, except as the fallback after 9F30.
func TestTakeCardChipStripeScripted(t *testing.T) {
	ksn, _ := sred.ParseKSN("FFFF9876543210E00001")
	track := ";4012345678909=2812201000000000?"
	ct, err := sred.Encrypt(sred.TestBDK, ksn, track)
	if err != nil {
		t.Fatal(err)
	}
	masked, _ := sred.Mask(track)
	tmpl, err := emv.Build(emv.KindSwipe, emv.Fields{CardStatus: []byte{0, 5}, SRED: ct, KSN: ksn[:], MaskedTrack2: masked})
	if err != nil {
		t.Fatal(err)
	}
	swipe := EncodeMessage(NADMPI, true, AppendSW(tmpl, SWSuccess))
	f, host := newFake(t, chipScript{
		onCard: func() []byte { return pkt(1, 0x40, hx(t, "E1 04 48 02 00 00 90 00")) },
		ctls:   func() []byte { return append(pkt(1, 0, []byte{0x9F, 0x44}), swipe...) },
		start:  func() []byte { return pkt(1, 0, []byte{0x9F, 0x30}) },
	}.answer(t))
	r, err := OpenConn(context.Background(), host, Options{Logger: testLogger(&bytes.Buffer{})})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var mu sync.Mutex
	var pr []Prompt
	customer := func(p Prompt) { // the customer does what the screen says
		switch p {
		case PromptInsert:
			go f.conn.Write(pkt(1, 0x40, hx(t, "E1 04 48 02 03 00 90 00")))
		case PromptSwipe:
			go f.conn.Write(swipe)
		}
	}
	card, err := r.ReadCard(context.Background(), ReadRequest{Currency: "RUB", AmountMinor: 1050, Exponent: 2, At: goldenAt,
		Timeout: 5 * time.Second, OnPrompt: func(p Prompt) { mu.Lock(); pr = append(pr, p); mu.Unlock(); customer(p) }})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if card.Entry != EntryFallbackSwipe || !slices.Contains(pr, PromptInsert) || !slices.Contains(pr, PromptSwipe) {
		t.Errorf("entry %s prompts %v", card.Entry, pr)
	}
	if got := strings.Join(f.commands(), " "); !strings.Contains(got, "DEC1 DED1 D060 D201") {
		t.Errorf("commands %s", got)
	}
}

// The fallback swipe overtakes START's 9F30 answer (the customer swipes at
// once, or the link delivers the event first): the swipe that came while
// START blocked is kept and taken as the fallback swipe after the answer,
// never dropped.
func TestTakeCardSwipeOvertakesStartScripted(t *testing.T) {
	ksn, _ := sred.ParseKSN("FFFF9876543210E00001")
	track := ";4012345678909=2812201000000000?"
	ct, err := sred.Encrypt(sred.TestBDK, ksn, track)
	if err != nil {
		t.Fatal(err)
	}
	masked, _ := sred.Mask(track)
	tmpl, err := emv.Build(emv.KindSwipe, emv.Fields{CardStatus: []byte{0, 5}, SRED: ct, KSN: ksn[:], MaskedTrack2: masked})
	if err != nil {
		t.Fatal(err)
	}
	swipe := EncodeMessage(NADMPI, true, AppendSW(tmpl, SWSuccess))
	_, host := newFake(t, chipScript{
		onCard: func() []byte { return pkt(1, 0x40, hx(t, "E1 04 48 02 00 00 90 00")) },
		ctls: func() []byte {
			return append(pkt(1, 0, []byte{0x9F, 0x43}), pkt(1, 0x40, hx(t, "E1 04 48 02 03 00 90 00"))...)
		},
		start: func() []byte { return append(append([]byte{}, swipe...), pkt(1, 0, []byte{0x9F, 0x30})...) },
	}.answer(t))
	r, err := OpenConn(context.Background(), host, Options{Logger: testLogger(&bytes.Buffer{})})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	card, err := r.ReadCard(context.Background(), ReadRequest{Currency: "RUB", AmountMinor: 1050, Exponent: 2, At: goldenAt,
		Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if card.Entry != EntryFallbackSwipe || card.Chip != nil || card.MaskedPAN != "401234***8909" {
		t.Errorf("entry %s chip %v pan %s", card.Entry, card.Chip != nil, card.MaskedPAN)
	}
}
