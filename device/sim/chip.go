package sim

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"kassa/device"
	"kassa/device/emv"
	"kassa/device/tlv"
)

// Presentation is how the simulated customer presents the card.
type Presentation int

// Presentations.
const (
	PresentSwipe  Presentation = iota // swipe the stripe (the default)
	PresentInsert                     // insert the chip
	PresentTap                        // tap (contactless)
)

var presentText = [...]string{PresentSwipe: "swipe", PresentInsert: "insert", PresentTap: "tap"}

// String returns "swipe", "insert" or "tap".
func (p Presentation) String() string {
	if p < 0 || int(p) >= len(presentText) {
		return "unknown"
	}
	return presentText[p]
}

// ParsePresentation parses "swipe", "insert" or "tap" ("" is swipe).
func ParsePresentation(s string) (Presentation, error) {
	if s == "" {
		return PresentSwipe, nil
	}
	for i, t := range presentText {
		if t == s {
			return Presentation(i), nil
		}
	}
	return PresentSwipe, fmt.Errorf("unknown presentation %q (known: swipe, insert, tap)", s)
}

// Chip test cards (§12.5) and timings (§12.6).
const (
	CardOnlinePIN   = "4000000000000705" // online PIN on contact; contactless answers 9FC3
	CardChipDecline = "4000000000000879" // the chip declines after an approval (E5 always)
	CardChipBroken  = "4000000000000945" // chip unreadable (9F28 to an insert and to a tap)
	DefaultPINKSN   = "FFFF9876543211E00000"
	CTLSTimeout     = 30 * time.Second // START CONTACTLESS answers 9F42 after this
	NoTapTimeout    = 5 * time.Second  // … under the no-tap fault
	CardholderPIN   = "1234"           // what the simulated cardholder types (wrong-pin: 0000)
)

// ErrNoTap: Tap under the no-tap fault.
var ErrNoTap = errors.New("sim: the card does not answer the tap (no-tap fault)")

// goldenUN is the golden card's first unpredictable number (§12.5).
var goldenUN = [4]byte{0x12, 0x34, 0x56, 0x78}

// pendingStart is a START CONTACTLESS that blocks until a tap, an insert,
// a swipe, its timeout or ABORT.
type pendingStart struct {
	start emv.Start
	timer *time.Timer
}

// openTxn is a chip or contactless transaction waiting for CONTINUE.
type openTxn struct {
	ans         emv.Answer
	arqc        [8]byte
	contactless bool
	pulled      bool // the pull fault: the card left before CONTINUE
}

// answer makes the card's answer for one chip or contactless read: next
// KSN, the card's next ATC, UN, CVM and (contact, online-PIN card) a PIN
// block under the next PIN KSN. Caller holds c.mu.
func (c *session) answer(pan string, st emv.Start, contactless bool) (emv.Answer, error) {
	r := c.r
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ksn = r.ksn.WithCounter(r.ksn.Counter() + 1)
	r.atc[pan]++
	a := emv.Answer{
		Card:    emv.ICCData{PAN: pan, Expiry: "2812", ServiceCode: emv.ChipServiceCode, Discretion: emv.ChipDiscretionary},
		Profile: emv.ProfileFor(pan), Start: st, Country: emv.CountryRussia, ATC: r.atc[pan],
		CVMResults: [3]byte{0x1F, 0x03, 0x02}, CVStatus: emv.CVStatusNone, Contactless: contactless,
		Serial: r.cfg.Serial, KSN: r.ksn,
	}
	if pan == DefaultCard && !r.goldenUNUsed {
		r.goldenUNUsed, a.UN = true, goldenUN
	} else if _, err := rand.Read(a.UN[:]); err != nil {
		return a, err
	}
	if contactless && strings.HasSuffix(pan, "0002") {
		a.CVStatus = emv.CVStatusOnDevice
	}
	if !contactless && pan == CardOnlinePIN {
		pin := CardholderPIN
		if r.fault == FaultWrongPIN {
			r.fault, pin = FaultNone, "0000"
		}
		r.pinKSN = r.pinKSN.WithCounter(r.pinKSN.Counter() + 1)
		blk, err := emv.EncryptPIN(r.cfg.BDK, r.pinKSN, pin, pan)
		if err != nil {
			return a, err
		}
		a.CVMResults, a.CVStatus, a.PINBlock, a.PINKSN = [3]byte{0x42, 0x03, 0x00}, emv.CVStatusPIN, blk, r.pinKSN
	}
	return a, nil
}

// startTransaction answers START TRANSACTION (DE D1) for the card in the
// slot.
func (c *session) startTransaction(cmd device.CommandAPDU) error {
	st, err := emv.ParseStart(cmd.Data)
	if err != nil {
		return c.respond(nil, device.SWInvalidData)
	}
	r := c.r
	pan := r.slotCard()
	if pan == "" {
		return c.respond(nil, device.SWNoCard)
	}
	switch r.takeFault(func(f Fault) bool { return f == FaultChipError }) {
	case FaultChipError:
		r.log.Info("sim: chip-error fault: 9F25", "card", maskPAN(pan))
		return c.respond(nil, device.SWChipError)
	}
	if pan == CardChipBroken {
		r.log.Info("sim: chip unreadable: 9F28, swipe allowed", "card", maskPAN(pan))
		c.fallbackSwipe() // the customer takes the card out to swipe it
		return c.respond(nil, device.SWUnsupportedCard)
	}
	c.mu.Lock()
	a, err := c.answer(pan, st, false)
	c.mu.Unlock()
	if err != nil {
		return err
	}
	raw, err := a.Template(r.cfg.BDK, r.cfg.IMK, emv.KindOnline, nil)
	if err != nil {
		return err
	}
	pulled := r.takeFault(func(f Fault) bool { return f == FaultPull }) == FaultPull
	if a.PINBlock != nil {
		if err := c.writeUnsolicited(pinEntry); err != nil {
			return err
		}
	}
	c.mu.Lock()
	c.txn = &openTxn{ans: a, arqc: arqcOf(raw), pulled: pulled}
	c.mu.Unlock()
	r.log.Info("sim: chip read", "card", maskPAN(pan), "ksn", a.KSN.String(), "atc", a.ATC)
	if err := c.respond(raw, device.SWSuccess); err != nil {
		return err
	}
	if pulled {
		r.log.Info("sim: pull fault: the card leaves the slot before CONTINUE", "card", maskPAN(pan))
		c.removeCard()
	}
	return nil
}

// pinEntry is the unsolicited "PIN entry event" (E6, C3 02).
var pinEntry = device.EncodeMessage(device.NADMPI, true, device.AppendSW(tlv.Encode(
	tlv.Constructed(tagDevStatus, tlv.New(0xC3, []byte{0x02}), tlv.New(0xC4, []byte("PIN OK")))), device.SWSuccess))

func arqcOf(raw []byte) [8]byte {
	var out [8]byte
	if t, err := emv.ParseTemplate(raw); err == nil {
		copy(out[:], t.Fields.Cryptogram)
	}
	return out
}

// writeUnsolicited writes an unsolicited packet.
func (c *session) writeUnsolicited(pkt []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writeLocked(pkt)
}

// startContactless answers START CONTACTLESS (DE C1): 9F43 at once with a
// card in the slot; otherwise it blocks until a tap, an insert, a swipe,
// the timeout (9F42) or ABORT. A held tap happens now.
func (c *session) startContactless(cmd device.CommandAPDU) error {
	st, err := emv.ParseStart(cmd.Data)
	if err != nil {
		return c.respond(nil, device.SWInvalidData)
	}
	if c.r.slotCard() != "" {
		return c.respond(nil, device.SWInserted)
	}
	timeout := c.r.cfg.CTLSTimeout
	if c.r.Fault() == FaultNoTap {
		timeout = NoTapTimeout
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p := &pendingStart{start: st}
	p.timer = time.AfterFunc(timeout, func() { c.contactlessTimeout(p) })
	c.pending = p
	c.r.log.Debug("sim: START CONTACTLESS waits for a tap", "timeout", timeout)
	if c.heldTap {
		c.heldTap = false
		return c.tapLocked()
	}
	return nil
}

// contactlessTimeout answers a still-pending START CONTACTLESS with 9F42.
func (c *session) contactlessTimeout(p *pendingStart) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending != p || c.closed {
		return
	}
	c.pending = nil
	c.r.log.Debug("sim: no tap: 9F42")
	_ = c.writeLocked(response(nil, device.SWTimedOut))
}

// endPendingLocked answers a pending START CONTACTLESS with sw (9F43, 9F44,
// 9F41), or drops it unanswered when sw is 0 (RESET DEVICE).
func (c *session) endPendingLocked(sw device.SW) error {
	p := c.pending
	if p == nil {
		return nil
	}
	c.pending = nil
	p.timer.Stop()
	if sw == 0 {
		return nil
	}
	return c.writeLocked(response(nil, sw))
}

// response frames a solicited response.
func response(body []byte, sw device.SW) []byte {
	return device.EncodeMessage(device.NADMPI, false, device.AppendSW(body, sw))
}

// tapLocked taps the selected card on the pending START CONTACTLESS.
func (c *session) tapLocked() error {
	r := c.r
	p := c.pending
	pan := r.Card()
	if r.takeFault(func(f Fault) bool { return f == FaultChipError }) == FaultChipError {
		r.log.Info("sim: chip-error fault on a tap: 9F25", "card", maskPAN(pan))
		return c.endPendingLocked(device.SWChipError)
	}
	switch pan {
	case CardOnlinePIN:
		r.log.Info("sim: tap needs the chip (online PIN): 9FC3", "card", maskPAN(pan))
		return c.endPendingLocked(device.SWUseChip)
	case CardChipBroken:
		r.log.Info("sim: card unreadable on a tap: 9F28", "card", maskPAN(pan))
		err := c.endPendingLocked(device.SWUnsupportedCard)
		c.fallbackSwipeLocked()
		return err
	}
	a, err := c.answer(pan, p.start, true)
	if err != nil {
		return err
	}
	raw, err := a.Template(r.cfg.BDK, r.cfg.IMK, emv.KindOnline, nil)
	if err != nil {
		return err
	}
	c.pending = nil
	p.timer.Stop()
	c.txn = &openTxn{ans: a, arqc: arqcOf(raw), contactless: true}
	r.log.Info("sim: tap", "card", maskPAN(pan), "ksn", a.KSN.String(), "atc", a.ATC)
	return c.writeLocked(response(raw, device.SWSuccess))
}

// fallbackSwipe schedules, in automatic mode, the swipe that follows 9F28.
func (c *session) fallbackSwipe() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fallbackSwipeLocked()
}

func (c *session) fallbackSwipeLocked() {
	c.r.takeSlot()
	if c.r.cfg.AutoSwipe < 0 || c.closed {
		return
	}
	gen := c.gen
	time.AfterFunc(c.r.cfg.AutoSwipe, func() { _ = c.swipe(gen) })
}

// continueTxn answers CONTINUE TRANSACTION (DE D2) (§12.6): a contact card
// answers E3 only to 8A "00" with a 91 that verifies and says "00"; a
// contactless card E3 to "00"; 4000000000000879 always E5; the pull fault
// 9F23.
func (c *session) continueTxn(cmd device.CommandAPDU) error {
	cd, err := emv.ParseContinue(cmd.Data)
	if err != nil {
		return c.respond(nil, device.SWInvalidData)
	}
	c.mu.Lock()
	txn := c.txn
	c.txn = nil
	c.mu.Unlock()
	if txn == nil {
		return c.respond(nil, device.SWNotAllowed)
	}
	if txn.pulled {
		return c.respond(nil, device.SWNoCard)
	}
	r := c.r
	kind := emv.KindDeclined
	if c.approves(txn, cd) {
		kind = emv.KindApproved
	}
	raw, err := txn.ans.Template(r.cfg.BDK, r.cfg.IMK, kind, &cd.ARC)
	if err != nil {
		return err
	}
	r.log.Info("sim: CONTINUE", "card", maskPAN(txn.ans.Card.PAN), "arc", cd.ARC.String(), "answer", kind.String())
	if err := c.respond(raw, device.SWSuccess); err != nil {
		return err
	}
	if !txn.contactless {
		c.autoRemove()
	}
	return nil
}

func (c *session) approves(txn *openTxn, cd emv.Continue) bool {
	if cd.ARC != emv.ARCApproved || txn.ans.Card.PAN == CardChipDecline {
		return false
	}
	if txn.contactless {
		return true
	}
	v91, ok := cd.IssuerAuth()
	if !ok {
		return false
	}
	mk, err := emv.ICCMasterKey(c.r.cfg.IMK, txn.ans.Card.PAN, fmt.Sprintf("%02X", txn.ans.Profile.PSN))
	if err != nil {
		return false
	}
	arc, err := emv.VerifyIssuerAuth(mk, txn.arqc, v91)
	return err == nil && arc == emv.ARCApproved
}

// autoRemove takes the card out N ms after the transaction, in automatic
// mode.
func (c *session) autoRemove() {
	if c.r.cfg.AutoSwipe < 0 {
		return
	}
	time.AfterFunc(c.r.cfg.AutoSwipe, func() {
		c.mu.Lock()
		busy := c.txn != nil || c.pending != nil
		c.mu.Unlock()
		if !busy {
			c.removeCard()
		}
	})
}

// removeCard empties the slot and, with card status on, says so (48 00 00).
func (c *session) removeCard() {
	if c.r.takeSlot() == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cardOn && !c.closed {
		_ = c.writeLocked(unsolicited(tlv.New(tagCardStatus, []byte{0x00, 0x00})))
	}
}

// insert puts the selected card in the slot on this connection: a pending
// START CONTACTLESS answers 9F43 first, then the card-status event (chip
// present, EMV) goes out. gen >= 0 is an automatic insert.
func (c *session) insert(gen int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.cardOn || c.closed || (gen >= 0 && gen != c.gen) {
		return ErrNotWaiting
	}
	if stop, err := c.presentFaultLocked(); stop {
		return err
	}
	c.stopTimerLocked()
	pan := c.r.Card()
	c.r.putSlot(pan)
	c.r.log.Info("sim: card inserted", "card", maskPAN(pan))
	if err := c.endPendingLocked(device.SWInserted); err != nil {
		return err
	}
	return c.writeLocked(unsolicited(tlv.New(tagCardStatus, []byte{0x03, 0x00})))
}

// tap taps the selected card: at once on a pending START CONTACTLESS, else
// held until the host sends one. gen >= 0 is an automatic tap.
func (c *session) tap(gen int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.cardOn || c.closed || (gen >= 0 && gen != c.gen) {
		return ErrNotWaiting
	}
	if c.r.Fault() == FaultNoTap {
		return ErrNoTap
	}
	if stop, err := c.presentFaultLocked(); stop {
		return err
	}
	c.stopTimerLocked()
	if c.pending == nil {
		c.heldTap = true
		c.r.log.Debug("sim: tap held until START CONTACTLESS")
		return nil
	}
	return c.tapLocked()
}

// presentFaultLocked applies no-card and unplug to an insert or a tap:
// stop reports that the card is not presented.
func (c *session) presentFaultLocked() (stop bool, err error) {
	switch c.r.takeFault(func(f Fault) bool { return f == FaultUnplug }) {
	case FaultNoCard:
		return true, ErrNoCard
	case FaultUnplug:
		c.r.log.Info("sim: unplug fault: pulling the cable at the card")
		c.unplugged = true
		_ = c.conn.Close()
		return true, nil
	}
	return false, nil
}

func (c *session) stopTimerLocked() {
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
}

// abortLocked is ABORT: the ABORT's 9000 first, then a pending START's
// 9F41 (§12.3); an open transaction is dropped.
func (c *session) abortLocked() error {
	c.txn = nil
	c.heldTap = false
	if err := c.writeLocked(response(nil, device.SWSuccess)); err != nil {
		return err
	}
	return c.endPendingLocked(device.SWCancelled)
}

// slot helpers on the Reader (the physical card slot is shared).
func (s *Reader) slotCard() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.slot
}

func (s *Reader) putSlot(pan string) {
	s.mu.Lock()
	s.slot = pan
	s.mu.Unlock()
}

func (s *Reader) takeSlot() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	pan := s.slot
	s.slot = ""
	return pan
}
