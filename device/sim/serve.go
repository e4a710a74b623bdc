package sim

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"kassa/device"
	"kassa/device/sred"
	"kassa/device/tlv"
)

// Tags the simulator sends.
const (
	tagTemplate   tlv.Tag = 0xE1
	tagDevStatus  tlv.Tag = 0xE6
	tagEntry      tlv.Tag = 0xEF
	tagSerial     tlv.Tag = 0x9F1E
	tagIdent      tlv.Tag = 0xDF0D
	tagVersion    tlv.Tag = 0xDF7F
	tagP2PE       tlv.Tag = 0xDFAE01
	tagCardStatus tlv.Tag = 0x48
	tagTrack1     tlv.Tag = 0x5F21
	tagTrack2     tlv.Tag = 0x5F22
	tagBatState   tlv.Tag = 0xDFA209
	tagBatLevel   tlv.Tag = 0xDFA20A
)

// poweredOn is the unsolicited POWERED ON message (§9).
var poweredOn = device.EncodeMessage(device.NADMPI, true, device.AppendSW(tlv.Encode(
	tlv.Constructed(tagDevStatus, tlv.New(0xC3, []byte{0x01}), tlv.New(0xC4, []byte("POWERED ON")))), device.SWSuccess))

// session is one connection being served.
type session struct {
	r    *Reader
	conn io.ReadWriteCloser
	ctx  context.Context
	done chan struct{} // closed when Serve returns

	mu         sync.Mutex // serialises writes and guards the fields below
	poweredOn  bool       // POWERED ON sent
	cardOn     bool       // card status on
	gen        int        // bumps on every card status change (stale auto-swipes)
	timer      *time.Timer
	afterReset bool // the next command is the first after RESET DEVICE
	respReset  bool // the next response is the first after RESET DEVICE
	usedNoKeys bool // no-keys shaped this connection
	unplugged  bool
	closed     bool
	onSince    time.Time // when card status went on

	pending *pendingStart // a blocked START CONTACTLESS
	txn     *openTxn      // a chip transaction waiting for CONTINUE
	heldTap bool          // a tap waiting for START CONTACTLESS
}

// waitingSince reports whether card status is on, and since when.
func (c *session) waitingSince() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.onSince, c.cardOn && !c.closed
}

// Serve serves one connection: it reads commands from conn and answers them
// until the host closes the link (nil), ctx ends (ctx.Err()) or the unplug
// fault pulls the cable (ErrUnplugged). Serve closes conn only for an
// unplug or when ctx ends. Framing errors are dropped silently (§9).
func (s *Reader) Serve(ctx context.Context, conn io.ReadWriteCloser) error {
	c := &session{r: s, conn: conn, ctx: ctx, done: make(chan struct{})}
	s.mu.Lock()
	s.sessions[c] = struct{}{}
	s.mu.Unlock()
	s.log.Info("sim: host connected")
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	err := c.loop()
	stop()
	c.end()
	s.mu.Lock()
	delete(s.sessions, c)
	if c.usedNoKeys && s.fault == FaultNoKeys {
		s.fault = FaultNone
	}
	s.mu.Unlock()
	close(c.done)
	switch {
	case c.wasUnplugged():
		s.log.Info("sim: unplugged")
		return ErrUnplugged
	case ctx.Err() != nil:
		return ctx.Err()
	case hostGone(err):
		s.log.Info("sim: host disconnected")
		return nil
	}
	s.log.Warn("sim: link failed", "err", err)
	return err
}

func (c *session) wasUnplugged() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.unplugged
}

// hostGone reports errors that mean the other end closed the link.
func hostGone(err error) bool {
	return err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.ErrClosedPipe) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, os.ErrClosed) || errors.Is(err, syscall.EIO)
}

func (c *session) loop() error {
	pr := device.NewPacketReader(c.conn)
	for {
		p, err := pr.Next()
		if err != nil {
			if errors.Is(err, device.ErrFraming) && !errors.Is(err, io.ErrUnexpectedEOF) {
				c.r.log.Debug("sim: framing error; packet dropped", "err", err)
				continue
			}
			return err
		}
		if p.NAD != device.NADMPI || p.PCB != 0 {
			c.r.log.Debug("sim: packet with NAD/PCB other than 01/00 dropped", "nad", p.NAD, "pcb", p.PCB)
			continue
		}
		if err := c.handle(p.INF); err != nil {
			return err
		}
	}
}

// end stops timers and marks the session closed.
func (c *session) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.setCardLocked(false)
}

// unplug pulls the cable: closes the link; Serve then returns ErrUnplugged.
func (c *session) unplug() {
	c.mu.Lock()
	c.unplugged = true
	c.mu.Unlock()
	_ = c.conn.Close()
}

// handle answers one command APDU.
func (c *session) handle(apdu []byte) error {
	log := c.r.log
	c.mu.Lock()
	first := c.afterReset
	c.afterReset = false
	c.mu.Unlock()
	if first && c.r.takeFault(func(f Fault) bool { return f == FaultDrop }) == FaultDrop {
		log.Info("sim: drop fault: command left unanswered")
		return nil
	}
	if len(apdu) < 4 {
		log.Debug("sim: command under 4 bytes", "sw", "6F00")
		return c.respond(nil, device.SWPacketProblem)
	}
	cmd, err := device.ParseCommandAPDU(apdu)
	if err != nil {
		log.Debug("sim: bad Lc", "cla", hex2(apdu[0]), "ins", hex2(apdu[1]))
		return c.respond(nil, device.SWFormatting)
	}
	ins := uint16(cmd.CLA)<<8 | uint16(cmd.INS)
	c.mu.Lock()
	blocked := c.pending != nil
	c.mu.Unlock()
	if blocked && ins != 0xD000 && ins != 0xD0FF && ins != 0xD060 {
		log.Debug("sim: command while START CONTACTLESS blocks", "cla", hex2(cmd.CLA), "ins", hex2(cmd.INS), "sw", "9F26")
		return c.respond(nil, device.SWNotAllowed)
	}
	if c.r.cfg.SwipeOnly && cmd.CLA == 0xDE {
		log.Debug("sim: chip command on a swipe-only reader", "ins", hex2(cmd.INS), "sw", "6D00")
		return c.respond(nil, device.SWUnknownCommand)
	}
	switch ins {
	case 0xDED1: // START TRANSACTION
		log.Debug("sim: START TRANSACTION")
		return c.startTransaction(cmd)
	case 0xDEC1: // START CONTACTLESS
		log.Debug("sim: START CONTACTLESS")
		return c.startContactless(cmd)
	case 0xDED2: // CONTINUE TRANSACTION
		log.Debug("sim: CONTINUE TRANSACTION")
		return c.continueTxn(cmd)
	case 0xD000: // RESET DEVICE
		log.Debug("sim: RESET DEVICE")
		c.mu.Lock()
		c.setCardLocked(false)
		_ = c.endPendingLocked(0) // dropped unanswered (§12.6)
		c.txn = nil
		c.mu.Unlock()
		body := tlv.Encode(tlv.Constructed(tagTemplate,
			tlv.New(tagSerial, []byte(c.r.cfg.Serial)),
			tlv.Constructed(tagEntry, tlv.New(tagIdent, []byte(MPIName)), tlv.New(tagVersion, []byte(MPIVer))),
			tlv.Constructed(tagEntry, tlv.New(tagIdent, []byte(OSName)), tlv.New(tagVersion, []byte(OSVer)))))
		err := c.respond(body, device.SWSuccess)
		c.mu.Lock()
		c.afterReset, c.respReset = true, true
		c.mu.Unlock()
		return err
	case 0xD002: // GET DEVICE INFO
		log.Debug("sim: GET DEVICE INFO")
		names := []string{"MSR", "SRED", "EMV", "CTLS"}
		if c.r.cfg.SwipeOnly {
			names = names[:2]
		}
		var entries []tlv.TLV
		for _, n := range names {
			entries = append(entries, tlv.Constructed(tagEntry, tlv.New(tagIdent, []byte(n))))
		}
		return c.respond(tlv.Encode(tlv.Constructed(tagTemplate, entries...)), device.SWSuccess)
	case 0xEEE0: // P2PE STATUS
		st := byte(P2PEReady)
		if c.r.Fault() == FaultNoKeys {
			st = P2PENoKey
			c.mu.Lock()
			c.usedNoKeys = true
			c.mu.Unlock()
		}
		log.Debug("sim: P2PE STATUS", "status", hex2(st))
		return c.respond(tlv.Encode(tlv.Constructed(tagTemplate, tlv.New(tagP2PE, []byte{st}))), device.SWSuccess)
	case 0xD060: // CARD STATUS: no solicited response
		on := cmd.P1&0x01 != 0
		log.Debug("sim: CARD STATUS", "on", on)
		c.mu.Lock()
		defer c.mu.Unlock()
		if !on {
			c.setCardLocked(false)
			return nil
		}
		c.setCardLocked(true)
		state := []byte{0x00, 0x00}
		if c.r.slotCard() != "" {
			state[0] = 0x03 // a card in the slot, EMV
		}
		return c.writeLocked(unsolicited(tlv.New(tagCardStatus, state)))
	case 0xD062: // BATTERY STATUS
		log.Debug("sim: BATTERY STATUS")
		return c.respond(tlv.Encode(tlv.Constructed(tagTemplate,
			tlv.New(tagBatState, []byte{Charging}), tlv.New(tagBatLevel, []byte{Battery}))), device.SWSuccess)
	case 0xD201: // DISPLAY TEXT
		if len(cmd.Data) == 0 {
			log.Debug("sim: DISPLAY TEXT without text", "sw", "9F27")
			return c.respond(nil, device.SWDataMissing)
		}
		log.Debug("sim: DISPLAY TEXT", "text", string(cmd.Data))
		return c.respond(nil, device.SWSuccess)
	case 0xD0FF: // ABORT
		log.Debug("sim: ABORT")
		c.mu.Lock()
		defer c.mu.Unlock()
		c.setCardLocked(false)
		return c.abortLocked()
	}
	log.Debug("sim: unknown command", "cla", hex2(cmd.CLA), "ins", hex2(cmd.INS), "sw", "6D00")
	return c.respond(nil, device.SWUnknownCommand)
}

func hex2(b byte) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[b>>4], digits[b&15]})
}

// unsolicited frames E1{items} 9000 as an unsolicited message.
func unsolicited(items ...tlv.TLV) []byte {
	return device.EncodeMessage(device.NADMPI, true,
		device.AppendSW(tlv.Encode(tlv.Constructed(tagTemplate, items...)), device.SWSuccess))
}

// respond sends a solicited response, held for Config.Slow when it is the
// first response after RESET DEVICE under the slow fault.
func (c *session) respond(body []byte, sw device.SW) error {
	pkt := device.EncodeMessage(device.NADMPI, false, device.AppendSW(body, sw))
	c.mu.Lock()
	first := c.respReset
	c.respReset = false
	c.mu.Unlock()
	if first && c.r.takeFault(func(f Fault) bool { return f == FaultSlow }) == FaultSlow {
		c.r.log.Info("sim: slow fault: holding the response", "for", c.r.cfg.Slow)
		t := time.NewTimer(c.r.cfg.Slow)
		select {
		case <-t.C:
		case <-c.ctx.Done():
			t.Stop()
			return c.ctx.Err()
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writeLocked(pkt)
}

// writeLocked writes pkt, preceded by POWERED ON on the connection's first
// outgoing packet.
func (c *session) writeLocked(pkt []byte) error {
	if c.closed {
		return net.ErrClosed
	}
	if !c.poweredOn {
		c.poweredOn = true
		pkt = append(append([]byte{}, poweredOn...), pkt...)
	}
	if d, ok := c.conn.(interface{ SetWriteDeadline(time.Time) error }); ok {
		// A host that stops reading must not hang the simulator (or Swipe).
		if d.SetWriteDeadline(time.Now().Add(writeTimeout)) == nil {
			defer d.SetWriteDeadline(time.Time{})
		}
	}
	_, err := c.conn.Write(pkt)
	return err
}

// writeTimeout bounds one packet write on links with deadlines.
const writeTimeout = 5 * time.Second

// setCardLocked turns card status on or off. Turning it off ends the wait
// for a swipe, which clears the no-card fault.
func (c *session) setCardLocked(on bool) {
	c.gen++
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	if !on {
		if c.cardOn {
			c.r.takeFault(func(f Fault) bool { return f == FaultNoCard || f == FaultNoTap })
		}
		c.cardOn, c.heldTap = false, false
		return
	}
	c.cardOn = true
	c.onSince = time.Now()
	if c.r.slotCard() != "" {
		// A card is in the slot: the customer takes it out when asked
		// (after the transaction), rather than presenting another.
		if c.txn == nil {
			c.autoRemove()
		}
		return
	}
	c.armLocked()
}

// armLocked schedules the automatic presentation (Config.Entry, SetEntry).
func (c *session) armLocked() {
	if c.r.cfg.AutoSwipe < 0 || c.closed {
		return
	}
	gen := c.gen
	c.timer = time.AfterFunc(c.r.cfg.AutoSwipe, func() {
		var err error
		switch c.r.Entry() {
		case PresentInsert:
			if c.r.slotCard() == "" {
				err = c.insert(gen)
			}
		case PresentTap:
			err = c.tap(gen)
		default:
			err = c.swipe(gen)
		}
		if err != nil && !errors.Is(err, ErrNotWaiting) && !errors.Is(err, ErrNoCard) && !errors.Is(err, ErrNoTap) {
			c.r.log.Debug("sim: automatic presentation failed", "err", err)
		}
	})
}

// swipe swipes the card on this connection. gen >= 0 is an automatic swipe
// scheduled in card-status generation gen (ignored if stale).
func (c *session) swipe(gen int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.cardOn || c.closed || (gen >= 0 && gen != c.gen) {
		return ErrNotWaiting
	}
	r := c.r
	r.mu.Lock()
	fault := r.fault
	switch fault {
	case FaultBadSwipe, FaultUnplug, FaultCorrupt:
		r.fault = FaultNone
	}
	if fault == FaultNoCard {
		r.mu.Unlock()
		return ErrNoCard
	}
	pan := r.card
	var ksn sred.KSN
	if fault != FaultNoKeys && fault != FaultBadSwipe && fault != FaultUnplug {
		r.ksn = r.ksn.WithCounter(r.ksn.Counter() + 1)
		ksn = r.ksn
	}
	r.mu.Unlock()

	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	switch fault {
	case FaultUnplug:
		r.log.Info("sim: unplug fault: pulling the cable during the wait for a swipe")
		c.unplugged = true
		_ = c.conn.Close()
		return nil
	case FaultBadSwipe:
		r.log.Info("sim: bad swipe", "card", maskPAN(pan))
		err := c.writeLocked(unsolicited(tlv.New(tagCardStatus, []byte{0x00, 0x01})))
		c.gen++
		c.armLocked() // the cashier swipes again
		return err
	}
	track := ";" + pan + cardTail
	masked, err := sred.Mask(track)
	if err != nil {
		return err
	}
	var msg []byte
	if fault == FaultNoKeys {
		c.usedNoKeys = true
		r.log.Info("sim: swipe in clear (no-keys fault)", "card", maskPAN(pan))
		track1 := "%B" + pan + "^SIMULATOR/TEST CARD^2812101000000000?"
		msg = unsolicited(tlv.New(tagCardStatus, []byte{0x00, 0x07}),
			tlv.New(tagTrack1, []byte(track1)), tlv.New(tagTrack2, []byte(track)),
			tlv.New(sred.TagMaskedTrack2, []byte(masked)))
	} else {
		ct, err := sred.Encrypt(r.cfg.BDK, ksn, track)
		if err != nil {
			return err
		}
		r.log.Info("sim: swipe", "card", maskPAN(pan), "ksn", ksn.String())
		msg = unsolicited(tlv.New(tagCardStatus, []byte{0x00, 0x05}),
			tlv.New(sred.TagCiphertext, ct), tlv.New(sred.TagKSN, ksn[:]),
			tlv.New(sred.TagMaskedTrack2, []byte(masked)))
	}
	if err := c.endPendingLocked(device.SWSwiped); err != nil {
		return err
	}
	if fault == FaultCorrupt {
		r.log.Info("sim: corrupt fault: one bit of the swipe packet flipped")
		msg[3+int(msg[2])/2] ^= 0x10 // an INF byte of the first packet; LRC left stale
	}
	return c.writeLocked(msg)
}
