package sim_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"kassa/device"
	"kassa/device/emv"
	"kassa/device/sim"
	"kassa/device/sred"
)

// The golden card's E4 (READER-PROTOCOL.md §12.2, §12.4; the same bytes as
// device/emv's goldenE4).
const goldenE4 = "E481FA4F07A00000000310105004564953415F24032812315F2A0206435F340101820218008407A0000000031010950500000000009A032612039C01009F02060000000010509F03060000000000009F100706010A03A000009F1A0206439F1E0853494D30303030319F26086173C4BA994F78A69F2701809F3303E0F8C89F34031F03029F3501229F360200019F370412345678DF280100DFAE0220843C08643C529665150A2166A0D4F27CF91A6AFA24EA80455FC599375E6FE7DCDFAE030AFFFF9876543210E00002DFAE571E3430313233342A2A2A3839303944323831323230312A2A2A2A2A2A2A2A2ADFAE5A0D3430313233342A2A2A38393039"

const (
	pktStart        = "010027DED1000022E0209C01009F02060000000010505F2A0206435F3601029A032612039F2103101500C3"
	pktStartCTLS    = "010027DEC1000022E0209C01009F02060000000010505F2A0206435F3601029A032612039F2103101500D3"
	pktContinueARPC = "010017DED2000012E0108A023030910A48AAD066D5116B8B30309B"
	pktContinueZ3   = "01000BDED2000006E0048A025A3305"
	ansInserted     = "01 40 08 E1 04 48 02 03 00 90 00 75"
	ansCTLSInserted = "01 00 02 9F 43 DF"
	ansCancelled    = "01 00 02 9F 41 DD"
	ansNotAllowed   = "01 00 02 9F 26 BA"
	ansCardRemoved  = "01 00 02 9F 23 BF"
)

// async runs a control call that writes to the link while the test reads.
func async(t *testing.T, f func() error) func() {
	errc := make(chan error, 1)
	go func() { errc <- f() }()
	return func() {
		t.Helper()
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
}

// messageBody reads one (possibly chained) message and returns its APDU.
func (h *host) message() []byte {
	h.t.Helper()
	h.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	pr := device.NewPacketReader(h.conn)
	var asm device.Assembler
	for {
		p, err := pr.Next()
		if err != nil {
			h.t.Fatalf("read: %v", err)
		}
		m, done, err := asm.Add(p)
		if err != nil {
			h.t.Fatal(err)
		}
		if done {
			return m.APDU
		}
	}
}

// §12.5: in a fresh simulator, swipe the golden card once, then insert it:
// every §12.4 vector byte for byte (KSN counter 2, ATC 0001, UN 12345678).
func TestGoldenChipVectors(t *testing.T) {
	s := manual(sim.Config{})
	h := connect(t, t.Context(), s)
	h.open()
	h.send(pktCardOn)
	h.expect(ansNoCard)
	done := async(t, s.Swipe)
	h.readPacket() // the §6 golden swipe (counter 1)
	done()
	done = async(t, s.Insert)
	h.expect(ansInserted)
	done()
	h.send(pktStart)
	apdu := h.message()
	if got := strings.ToUpper(hex.EncodeToString(apdu)); got != goldenE4+"9000" {
		t.Fatalf("E4\n%s\nwant\n%s9000", got, goldenE4)
	}
	h.send(pktContinueARPC)
	e3 := strings.ToUpper(hex.EncodeToString(h.message()))
	if !strings.HasPrefix(e3, "E3") || !strings.Contains(e3, "9F2608B388BBEDD872DB3C9F270140") ||
		!strings.Contains(e3, "DFAE0220843C08643C529665150A2166A0D4F27CF91A6AFA24EA80455FC599375E6FE7DC") || strings.Contains(e3, "DFAE04") {
		t.Errorf("E3 %s", e3)
	}
	tp, err := emv.ParseTemplateHex(strings.TrimSuffix(e3, "9000"))
	if err != nil {
		t.Fatal(err)
	}
	arc := emv.ARCApproved
	if err := emv.VerifyCryptogram(emv.TestIMK, "4012345678909", tp, &arc); err != nil {
		t.Error(err)
	}
	// The card stays in the slot: START CONTACTLESS answers 9F43 at once.
	h.send(pktStartCTLS)
	h.expect(ansCTLSInserted)
	// A CONTINUE with no transaction open is not allowed.
	h.send(pktContinueZ3)
	h.expect(ansNotAllowed)
}

// §12.3/§12.6: while START CONTACTLESS blocks, other commands get 9F26;
// ABORT is answered first (9000), then the START (9F41).
func TestAbortWhileContactlessBlocks(t *testing.T) {
	s := manual(sim.Config{})
	h := connect(t, t.Context(), s)
	h.open()
	h.send(pktCardOn)
	h.expect(ansNoCard)
	h.send(pktStartCTLS)
	h.silent(50 * time.Millisecond)
	h.send(pktBattery)
	h.expect(ansNotAllowed)
	h.send(pktAbort)
	h.expect(ansOK + ansCancelled)
	// RESET DEVICE drops a blocked START unanswered.
	h.send(pktCardOn)
	h.expect(ansNoCard)
	h.send(pktStartCTLS)
	h.silent(20 * time.Millisecond)
	h.send(pktReset)
	h.expect(ansReset)
}

// A tap: E4 with DF30; CONTINUE "00" without 91 answers E3 (contactless);
// a swipe during START CONTACTLESS answers 9F44 before the swipe message.
func TestTapAndSwipeDuringContactless(t *testing.T) {
	s := manual(sim.Config{})
	h := connect(t, t.Context(), s)
	h.open()
	h.send(pktCardOn)
	h.expect(ansNoCard)
	if err := s.Tap(); err != nil { // held until START CONTACTLESS: nothing written
		t.Fatal(err)
	}
	h.send(pktStartCTLS)
	e4, err := emv.ParseTemplate(bytes.TrimSuffix(h.message(), []byte{0x90, 0x00}))
	if err != nil || !e4.Contactless() || e4.Fields.Kernel[0] != 0x03 {
		t.Fatalf("tap: %v", err)
	}
	h.send(withLRC(t, "01 00 0B DE D2 00 00 06 E0 04 8A 02 30 30"))
	if m := h.message(); m[0] != 0xE3 {
		t.Errorf("contactless CONTINUE 00: %X", m[:1])
	}
	h.send(pktStartCTLS)
	h.silent(20 * time.Millisecond)
	done := async(t, s.Swipe)
	h.expect("01 00 02 9F 44 D8")
	if p := h.readPacket(); !p.Unsolicited() {
		t.Error("no swipe message after 9F44")
	}
	done()
}

// Faults of §12.5 at the byte level: pull (9F23 to CONTINUE), chip-error
// (9F25), the chip-broken card (9F28) and the online-PIN card (9FC3 to a
// tap, DFAE04 on insert).
func TestChipFaultsBytes(t *testing.T) {
	s := manual(sim.Config{})
	h := connect(t, t.Context(), s)
	h.open()
	h.send(pktCardOn)
	h.expect(ansNoCard)
	insert := func() {
		t.Helper()
		if s.Inserted() != "" {
			done := async(t, func() error { s.Remove(); return nil })
			h.expect(ansNoCard)
			done()
		}
		done := async(t, s.Insert)
		h.expect(ansInserted)
		done()
	}
	s.SetFault(sim.FaultPull)
	insert()
	h.send(pktStart)
	if m := h.message(); m[0] != 0xE4 {
		t.Fatalf("pull: %X", m[:2])
	}
	h.expect("01 40 08 E1 04 48 02 00 00 90 00 76") // the card leaves
	h.send(pktContinueARPC)
	h.expect(ansCardRemoved)

	s.SetFault(sim.FaultChipError)
	insert()
	h.send(pktStart)
	h.expect("01 00 02 9F 25 B9")

	if err := s.SetCard(sim.CardChipBroken); err != nil {
		t.Fatal(err)
	}
	insert()
	h.send(pktStart)
	h.expect("01 00 02 9F 28 B4")

	if err := s.SetCard(sim.CardOnlinePIN); err != nil {
		t.Fatal(err)
	}
	if s.Inserted() != "" {
		t.Error("the chip-broken card stays in the slot after 9F28 (the customer swipes it)")
	}
	h.send(pktStartCTLS)
	h.silent(20 * time.Millisecond)
	done := async(t, s.Tap)
	h.expect("01 00 02 9F C3 5F")
	done()
	insert()
	h.send(pktStart)
	if p := h.readPacket(); !p.Unsolicited() || p.INF[0] != 0xE6 {
		t.Fatalf("no PIN entry event: %X", p.INF)
	}
	tp, err := emv.ParseTemplate(bytes.TrimSuffix(h.message(), []byte{0x90, 0x00}))
	if err != nil || tp.CVM() != emv.CVMOnlinePIN {
		t.Fatalf("PIN card: %v", err)
	}
	blk, ksn, ok := tp.PIN()
	if !ok || ksn.String() != "FFFF9876543211E00001" {
		t.Fatalf("PIN KSN %s", ksn)
	}
	if pin, err := emv.DecryptPIN(sred.TestBDK, ksn, blk, sim.CardOnlinePIN); err != nil || pin != "1234" {
		t.Errorf("PIN %q %v", pin, err)
	}
}
