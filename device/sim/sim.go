// Package sim is a simulated Miura card reader: the reader side of
// READER-PROTOCOL.md (§9, §11) over any io.ReadWriteCloser, a pseudo-terminal
// (ListenPTY) or an in-memory pipe (Pipe).
//
// It answers RESET DEVICE, GET DEVICE INFO, P2PE STATUS, CARD STATUS,
// BATTERY STATUS, DISPLAY TEXT and ABORT like a Miura reader in SRED mode,
// encrypts swipes with DUKPT (kassa/device/sred), reads chip and
// contactless cards (START TRANSACTION, START CONTACTLESS, CONTINUE
// TRANSACTION, §12.5, templates and cryptograms from kassa/device/emv) and
// can misbehave on purpose (faults). Card data never reaches its log: only
// masked PANs.
package sim

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"kassa/device/emv"
	"kassa/device/sred"
)

// Defaults of Config.
const (
	DefaultSerial    = "SIM00001"
	DefaultCard      = "4012345678909"
	DefaultAutoSwipe = 1500 * time.Millisecond
	DefaultSlow      = 4 * time.Second
	DefaultKSN       = "FFFF9876543210E00000"
	// Expiry and service code of every simulated card; the discretionary
	// data is "000000000" (track 2 ";PAN=2812101000000000?").
	cardTail = "=2812101000000000?"
)

// Identity reported by the simulator (§9).
const (
	MPIName   = "M000-MPI"
	MPIVer    = "1-47"
	OSName    = "M000-OS"
	OSVer     = "7-12"
	Battery   = 85   // percent
	Charging  = 0x01 // DFA209: charging
	P2PEReady = 0x05 // DFAE01: initialised, SRED key ready
	P2PENoKey = 0x01 // DFAE01 under the no-keys fault
)

// Config configures a simulator. The zero value is the §9 reader.
type Config struct {
	Serial    string        // 9F1E; default SIM00001
	BDK       [16]byte      // base derivation key; zero = sred.TestBDK
	KSN       sred.KSN      // injected KSN (counter 0); zero = FFFF9876543210E00000
	Card      string        // PAN swiped; default 4012345678909
	AutoSwipe time.Duration // swipe this long after CARD STATUS on; 0 = 1.5 s, < 0 = only on Swipe()
	Slow      time.Duration // hold time of the slow fault; 0 = 4 s
	Logger    *slog.Logger  // nil = no log

	// Entry is what the automatic presentation (AutoSwipe after CARD STATUS
	// on) does: swipe (the default, so swipe-only hosts keep working),
	// insert or tap. Demo mode presents by tap.
	Entry Presentation
	// IMK is the issuer master key of the chip cards; zero = emv.TestIMK.
	IMK [16]byte
	// PINKSN is the PIN key's injected KSN; zero = FFFF9876543211E00000.
	PINKSN sred.KSN
	// CTLSTimeout is how long START CONTACTLESS waits for a tap; 0 = 30 s.
	CTLSTimeout time.Duration
	// SwipeOnly simulates a reader without chip and contactless: GET
	// DEVICE INFO lists only MSR and SRED and the chip commands get 6D00.
	SwipeOnly bool
}

// Fault makes the simulator misbehave once. Each fault applies to the
// current or next occasion named below and then clears itself:
//
//   - bad-swipe: the next swipe is unreadable (48 00 01); the card can be
//     swiped again (auto-swipe retries after AutoSwipe).
//   - no-card: during the current or next wait for a swipe (CARD STATUS on
//     until off, ABORT, RESET DEVICE or disconnect) no card is swiped
//     (Swipe returns ErrNoCard); clears when that wait ends.
//   - unplug: during the current or next wait for a swipe, at the moment the
//     card would be swiped (auto-swipe time or Swipe), the link is closed;
//     over a pseudo-terminal the port disappears until PTY.Replug.
//   - corrupt: the next swipe packet has one INF bit flipped and a stale LRC.
//   - slow: the first response after the next RESET DEVICE is held for
//     Config.Slow (default 4 s).
//   - no-keys: on the next connection that asks for P2PE STATUS or swipes,
//     P2PE STATUS answers 01 and swipes are in clear (5F21, 5F22, DFAE22, no
//     DFAE02); clears when that connection ends.
//   - drop: the first command after the next RESET DEVICE is not answered.
//   - pull: at the next chip read the card leaves the slot after START
//     answered, so CONTINUE gets 9F23.
//   - chip-error: the next insert or tap gets 9F25 (no fallback).
//   - no-tap: during the current or next wait for a card the card does not
//     answer taps and START CONTACTLESS times out with 9F42 every 5 s.
//   - wrong-pin: at the next online-PIN chip read the cardholder types 0000.
type Fault string

// The faults. FaultNone clears any pending fault.
const (
	FaultNone      Fault = "none"
	FaultBadSwipe  Fault = "bad-swipe"
	FaultNoCard    Fault = "no-card"
	FaultUnplug    Fault = "unplug"
	FaultCorrupt   Fault = "corrupt"
	FaultSlow      Fault = "slow"
	FaultNoKeys    Fault = "no-keys"
	FaultDrop      Fault = "drop"
	FaultPull      Fault = "pull"
	FaultChipError Fault = "chip-error"
	FaultNoTap     Fault = "no-tap"
	FaultWrongPIN  Fault = "wrong-pin"
)

// Faults lists every fault, FaultNone first.
func Faults() []Fault {
	return []Fault{FaultNone, FaultBadSwipe, FaultNoCard, FaultUnplug, FaultCorrupt, FaultSlow, FaultNoKeys, FaultDrop,
		FaultPull, FaultChipError, FaultNoTap, FaultWrongPIN}
}

// ParseFault returns the fault named s ("" is FaultNone).
func ParseFault(s string) (Fault, error) {
	if s == "" {
		return FaultNone, nil
	}
	for _, f := range Faults() {
		if string(f) == s {
			return f, nil
		}
	}
	return FaultNone, fmt.Errorf("unknown fault %q (known: none, bad-swipe, no-card, unplug, corrupt, slow, no-keys, drop, pull, chip-error, no-tap, wrong-pin)", s)
}

// Errors of the control API.
var (
	// ErrNotWaiting: Swipe while no host has card status on.
	ErrNotWaiting = errors.New("sim: the reader is not waiting for a card (card status is off)")
	// ErrNoCard: Swipe under the no-card fault.
	ErrNoCard = errors.New("sim: no card (no-card fault)")
	// ErrUnplugged is returned by Serve when the simulator pulled the cable.
	ErrUnplugged = errors.New("sim: reader unplugged")
)

// testCards are the §9 test PANs: the golden card and the MAPI.md §7
// sandbox cards, including the held-reply and unknown-status cards that §9
// leaves to "any other PAN", so that the demo panel can offer every outcome.
var testCards = []string{
	"4012345678909",
	"4111111111111111", "5555555555554444", "2200000000000004", "4000000000000002",
	"4000000000000119", "4000000000000259", "4000000000000077", "4000000000000341", "4000000000000432",
	"4000000000000994", "4000000000000127",
	"4000000000000531", "4000000000000580", "4000000000000614",
	CardOnlinePIN, CardChipDecline, CardChipBroken,
}

// Reader is a simulated card reader. Its card, fault and DUKPT counter are
// shared by every connection it serves. Methods are safe for concurrent use.
type Reader struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	card     string
	fault    Fault
	ksn      sred.KSN // KSN of the last encrypted swipe (counter 0: none yet)
	sessions map[*session]struct{}

	entry        Presentation      // automatic presentation
	slot         string            // PAN of the card in the chip slot, or ""
	atc          map[string]uint16 // per card: the last ATC
	goldenUNUsed bool              // the golden card's UN 12345678 was used
	pinKSN       sred.KSN          // KSN of the last PIN block
}

// New returns a simulator configured by cfg (zero fields take defaults).
func New(cfg Config) *Reader {
	if cfg.Serial == "" {
		cfg.Serial = DefaultSerial
	}
	if cfg.BDK == ([16]byte{}) {
		cfg.BDK = sred.TestBDK
	}
	if cfg.KSN == (sred.KSN{}) {
		cfg.KSN, _ = sred.ParseKSN(DefaultKSN)
	}
	if cfg.Card == "" {
		cfg.Card = DefaultCard
	}
	if cfg.AutoSwipe == 0 {
		cfg.AutoSwipe = DefaultAutoSwipe
	}
	if cfg.Slow <= 0 {
		cfg.Slow = DefaultSlow
	}
	if cfg.IMK == ([16]byte{}) {
		cfg.IMK = emv.TestIMK
	}
	if cfg.PINKSN == (sred.KSN{}) {
		cfg.PINKSN, _ = sred.ParseKSN(DefaultPINKSN)
	}
	if cfg.CTLSTimeout <= 0 {
		cfg.CTLSTimeout = CTLSTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Reader{cfg: cfg, log: log, card: cfg.Card, fault: FaultNone, ksn: cfg.KSN, sessions: map[*session]struct{}{},
		entry: cfg.Entry, atc: map[string]uint16{}, pinKSN: cfg.PINKSN}
	if err := checkPAN(cfg.Card); err != nil {
		s.log.Warn("sim: configured card is not a valid PAN; using the golden card", "err", err)
		s.card = DefaultCard
	}
	return s
}

// Cards returns the test PANs (§9). Any other PAN of 12–19 digits works too.
func (s *Reader) Cards() []string { return append([]string(nil), testCards...) }

// Card returns the PAN the next swipe uses.
func (s *Reader) Card() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.card
}

func checkPAN(pan string) error {
	if len(pan) < 12 || len(pan) > 19 {
		return fmt.Errorf("sim: a card number has 12 to 19 digits, got %d characters", len(pan))
	}
	for i := 0; i < len(pan); i++ {
		if pan[i] < '0' || pan[i] > '9' {
			return errors.New("sim: a card number has only digits")
		}
	}
	return nil
}

// SetCard chooses the PAN of the next swipes (track 2 ";PAN=2812101000000000?").
func (s *Reader) SetCard(pan string) error {
	if err := checkPAN(pan); err != nil {
		return err
	}
	s.mu.Lock()
	s.card = pan
	s.mu.Unlock()
	s.log.Info("sim: card selected", "card", maskPAN(pan))
	return nil
}

// SetFault arms f (see Fault for when each applies); FaultNone clears. An
// unknown fault is logged and treated as FaultNone.
func (s *Reader) SetFault(f Fault) {
	if _, err := ParseFault(string(f)); err != nil {
		s.log.Warn("sim: "+err.Error()+"; fault cleared", "fault", string(f))
		f = FaultNone
	}
	if f == "" {
		f = FaultNone
	}
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
	s.log.Info("sim: fault armed", "fault", string(f))
}

// Fault returns the pending fault (FaultNone when none).
func (s *Reader) Fault() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fault
}

// KSN returns the KSN of the last encrypted swipe (the injected KSN, counter
// 0, before the first one).
func (s *Reader) KSN() sred.KSN {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ksn
}

// Swipe swipes the current card now on the connection waiting for one
// (card status on), honouring the pending fault. It returns once the
// packet is written. ErrNotWaiting when no host waits for a card.
func (s *Reader) Swipe() error {
	c := s.waiting()
	if c == nil {
		return ErrNotWaiting
	}
	return c.swipe(-1)
}

// Insert inserts the selected card into the chip slot of the connection
// waiting for a card (§12.5). ErrNotWaiting when no host waits.
func (s *Reader) Insert() error {
	c := s.waiting()
	if c == nil {
		return ErrNotWaiting
	}
	return c.insert(-1)
}

// Tap taps the selected card: at once on a pending START CONTACTLESS,
// otherwise held until the host sends one. ErrNotWaiting when no host waits.
func (s *Reader) Tap() error {
	c := s.waiting()
	if c == nil {
		return ErrNotWaiting
	}
	return c.tap(-1)
}

// Present presents the selected card the way p says.
func (s *Reader) Present(p Presentation) error {
	switch p {
	case PresentInsert:
		return s.Insert()
	case PresentTap:
		return s.Tap()
	}
	return s.Swipe()
}

// Remove takes an inserted card out of the slot (a 48 message with the
// chip bits clear to a host with card status on). It reports whether a card
// was in the slot.
func (s *Reader) Remove() bool {
	if s.slotCard() == "" {
		return false
	}
	if c := s.waiting(); c != nil {
		c.removeCard()
	} else {
		s.takeSlot()
	}
	s.log.Info("sim: card removed")
	return true
}

// Inserted returns the masked PAN of the card in the slot ("" when empty).
func (s *Reader) Inserted() string {
	if pan := s.slotCard(); pan != "" {
		return maskPAN(pan)
	}
	return ""
}

// SetEntry chooses what the automatic presentation does.
func (s *Reader) SetEntry(p Presentation) {
	s.mu.Lock()
	s.entry = p
	s.mu.Unlock()
	s.log.Info("sim: automatic presentation", "entry", p.String())
}

// Entry returns what the automatic presentation does.
func (s *Reader) Entry() Presentation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.entry
}

// Waiting reports whether a connected host has card status on.
func (s *Reader) Waiting() bool { return s.waiting() != nil }

// Unplug closes every link being served now, as if the cable were pulled.
func (s *Reader) Unplug() {
	s.mu.Lock()
	var all []*session
	for c := range s.sessions {
		all = append(all, c)
	}
	s.mu.Unlock()
	for _, c := range all {
		c.unplug()
	}
}

// waiting returns the most recent connection with card status on.
func (s *Reader) waiting() *session {
	s.mu.Lock()
	all := make([]*session, 0, len(s.sessions))
	for c := range s.sessions {
		all = append(all, c)
	}
	s.mu.Unlock()
	var best *session
	var bestAt time.Time
	for _, c := range all {
		if at, ok := c.waitingSince(); ok && (best == nil || at.After(bestAt)) {
			best, bestAt = c, at
		}
	}
	return best
}

// takeFault returns the pending fault and clears it when clear says so.
func (s *Reader) takeFault(clear func(Fault) bool) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fault
	if clear(f) {
		s.fault = FaultNone
	}
	return f
}

// maskPAN is the loggable form: first 6, '*' per hidden digit, last 4.
func maskPAN(pan string) string {
	if len(pan) < 10 {
		return "****"
	}
	b := []byte(pan)
	for i := 6; i < len(b)-4; i++ {
		b[i] = '*'
	}
	return string(b)
}
