package device

// Packet framing of READER-PROTOCOL §2: NAD PCB LEN INF LRC, chaining of
// long messages into 254-byte packets and per-NAD reassembly.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Framing constants of §2.
const (
	NADMPI         byte = 0x01        // the PED / card reader
	NADRPI         byte = 0x02        // a Miura retail base
	PCBChained     byte = 0x01        // more packets of this message follow
	PCBUnsolicited byte = 0x40        // unsolicited message
	MinINF              = 2           // smallest valid LEN
	MaxINF              = 254         // largest valid LEN
	MaxMessage          = 8192        // cap on a reassembled message
	PacketTimeout       = time.Second // NAD to LRC of one packet (§2)
)

// ErrFraming is matched (errors.Is) by every framing error: bad NAD, PCB,
// LEN or LRC, an inconsistent chain, an oversized message, a packet cut
// short by EOF or by the 1 s rule. After one the session is unusable (§1).
var ErrFraming = errors.New("framing error")

// FramingError describes one framing error. It never carries INF bytes.
type FramingError struct {
	Reason string // e.g. "bad LRC"
	Err    error  // underlying cause (io.ErrUnexpectedEOF, os.ErrDeadlineExceeded) or nil
}

// Error describes the framing error.
func (e *FramingError) Error() string {
	if e.Err != nil {
		return "framing error: " + e.Reason + ": " + e.Err.Error()
	}
	return "framing error: " + e.Reason
}

// Is makes errors.Is(err, ErrFraming) true.
func (e *FramingError) Is(target error) bool { return target == ErrFraming }

// Unwrap returns the underlying cause.
func (e *FramingError) Unwrap() error { return e.Err }

func framingErr(cause error, format string, args ...any) error {
	return &FramingError{Reason: fmt.Sprintf(format, args...), Err: cause}
}

// Packet is one decoded packet.
type Packet struct {
	NAD, PCB byte
	INF      []byte
}

// Chained reports whether more packets of the message follow.
func (p Packet) Chained() bool { return p.PCB&PCBChained != 0 }

// Unsolicited reports whether the packet belongs to an unsolicited message.
func (p Packet) Unsolicited() bool { return p.PCB&PCBUnsolicited != 0 }

// LRC returns the XOR of b's bytes.
func LRC(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x
}

func checkNAD(nad byte) error {
	if nad != NADMPI && nad != NADRPI {
		return framingErr(nil, "bad NAD %02X", nad)
	}
	return nil
}

func checkPCB(pcb byte) error {
	if pcb&^(PCBChained|PCBUnsolicited) != 0 {
		return framingErr(nil, "bad PCB %02X", pcb)
	}
	return nil
}

func checkLEN(n byte) error {
	if n < MinINF || n > MaxINF {
		return framingErr(nil, "bad LEN %02X", n)
	}
	return nil
}

// EncodePacket returns NAD PCB LEN INF LRC. INF must hold 2 to 254 bytes;
// anything else is a programming error and panics.
func EncodePacket(nad, pcb byte, inf []byte) []byte {
	return appendPacket(make([]byte, 0, len(inf)+4), nad, pcb, inf)
}

func appendPacket(dst []byte, nad, pcb byte, inf []byte) []byte {
	if len(inf) < MinINF || len(inf) > MaxINF {
		panic(fmt.Sprintf("device: packet INF of %d bytes (want %d..%d)", len(inf), MinINF, MaxINF))
	}
	start := len(dst)
	dst = append(dst, nad, pcb, byte(len(inf)))
	dst = append(dst, inf...)
	return append(dst, LRC(dst[start:]))
}

// EncodeMessage frames msg (at least 2 bytes) as one packet, or as a chain
// of 254-byte packets with the chained bit on all but the last when it is
// longer than 254 bytes (§2). Should the last packet be left with a single
// byte, the one before it carries 253 so that every LEN stays valid.
// Host commands are never longer than 254 bytes, so they are never chained.
func EncodeMessage(nad byte, unsolicited bool, msg []byte) []byte {
	if len(msg) < MinINF {
		panic(fmt.Sprintf("device: message of %d bytes", len(msg)))
	}
	pcb := byte(0)
	if unsolicited {
		pcb = PCBUnsolicited
	}
	out := make([]byte, 0, len(msg)+4*(len(msg)/MaxINF+1))
	for len(msg) > MaxINF {
		n := MaxINF
		if len(msg)-n == 1 {
			n--
		}
		out = appendPacket(out, nad, pcb|PCBChained, msg[:n])
		msg = msg[n:]
	}
	return appendPacket(out, nad, pcb, msg)
}

// deadliner is a source whose reads can be bounded in time (net.Conn,
// *os.File on a pty).
type deadliner interface{ SetReadDeadline(time.Time) error }

// PacketReader reads packets from a byte stream per §2: NAD, PCB and LEN
// one byte at a time (each checked at once), then exactly LEN+1 bytes,
// then the LRC check. It never resynchronises: after a framing error the
// caller decides (the host closes the link; the simulator carries on with
// the next byte).
type PacketReader struct {
	r io.Reader
	// Timeout, when positive and the source has SetReadDeadline, bounds the
	// time from a packet's NAD to its LRC (§2: 1 s); the deadline is
	// cleared after each packet. Sources without deadlines can enforce the
	// rule themselves from the Start hook.
	Timeout time.Duration
	// Start, when set, is called before the NAD of each packet is read.
	Start func()
	hdr   [3]byte
}

// NewPacketReader returns a reader of packets from r with Timeout set to
// PacketTimeout.
func NewPacketReader(r io.Reader) *PacketReader {
	return &PacketReader{r: r, Timeout: PacketTimeout}
}

// Next reads one packet. At a clean packet boundary EOF is returned as
// io.EOF; a packet cut short or late is a *FramingError. Other read errors
// are returned as they are. The returned INF is freshly allocated.
func (p *PacketReader) Next() (Packet, error) {
	if p.Start != nil {
		p.Start()
	}
	if _, err := io.ReadFull(p.r, p.hdr[:1]); err != nil {
		return Packet{}, err
	}
	if err := checkNAD(p.hdr[0]); err != nil {
		return Packet{}, err
	}
	if d, ok := p.r.(deadliner); ok && p.Timeout > 0 {
		if d.SetReadDeadline(time.Now().Add(p.Timeout)) == nil {
			defer d.SetReadDeadline(time.Time{})
		}
	}
	if err := p.readByte(1); err != nil {
		return Packet{}, err
	}
	if err := checkPCB(p.hdr[1]); err != nil {
		return Packet{}, err
	}
	if err := p.readByte(2); err != nil {
		return Packet{}, err
	}
	if err := checkLEN(p.hdr[2]); err != nil {
		return Packet{}, err
	}
	rest := make([]byte, int(p.hdr[2])+1)
	if _, err := io.ReadFull(p.r, rest); err != nil {
		return Packet{}, cutShort(err)
	}
	if LRC(p.hdr[:])^LRC(rest) != 0 {
		return Packet{}, framingErr(nil, "bad LRC")
	}
	return Packet{NAD: p.hdr[0], PCB: p.hdr[1], INF: rest[: len(rest)-1 : len(rest)-1]}, nil
}

func (p *PacketReader) readByte(i int) error {
	if _, err := io.ReadFull(p.r, p.hdr[i:i+1]); err != nil {
		return cutShort(err)
	}
	return nil
}

func cutShort(err error) error {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return framingErr(io.ErrUnexpectedEOF, "packet cut short")
	case errors.Is(err, os.ErrDeadlineExceeded):
		return framingErr(os.ErrDeadlineExceeded, "rest of packet not received within the packet timeout")
	}
	return err
}

// Message is one reassembled message: the APDU bytes of all its packets.
type Message struct {
	NAD         byte
	Unsolicited bool
	APDU        []byte
}

// Assembler joins chained packets into messages, per NAD (§2): packets of
// one chain must share NAD and unsolicited bit, the other NAD may
// interleave, and messages are capped at Max bytes. The zero value is ready
// to use with Max = MaxMessage.
type Assembler struct {
	// Max caps a message's length; 0 means MaxMessage.
	Max   int
	parts [2]*Message // indexed by NAD-1
}

// Add feeds one packet. It returns the completed message and true when p
// ends one. A framing error discards every partial message.
func (a *Assembler) Add(p Packet) (Message, bool, error) {
	if err := checkNAD(p.NAD); err != nil {
		a.Reset()
		return Message{}, false, err
	}
	if err := checkPCB(p.PCB); err != nil {
		a.Reset()
		return Message{}, false, err
	}
	if len(p.INF) < MinINF || len(p.INF) > MaxINF {
		a.Reset()
		return Message{}, false, framingErr(nil, "bad LEN %d", len(p.INF))
	}
	limit := a.Max
	if limit <= 0 {
		limit = MaxMessage
	}
	slot := &a.parts[p.NAD-1]
	m := *slot
	if m == nil {
		m = &Message{NAD: p.NAD, Unsolicited: p.Unsolicited()}
	} else if m.Unsolicited != p.Unsolicited() {
		a.Reset()
		return Message{}, false, framingErr(nil, "chain of NAD %02X mixes solicited and unsolicited packets", p.NAD)
	}
	if len(m.APDU)+len(p.INF) > limit {
		a.Reset()
		return Message{}, false, framingErr(nil, "message over %d bytes", limit)
	}
	m.APDU = append(m.APDU, p.INF...)
	if p.Chained() {
		*slot = m
		return Message{}, false, nil
	}
	*slot = nil
	return *m, true, nil
}

// Pending reports whether a chain is waiting for more packets.
func (a *Assembler) Pending() bool { return a.parts[0] != nil || a.parts[1] != nil }

// Reset drops every partial message.
func (a *Assembler) Reset() { a.parts = [2]*Message{} }
