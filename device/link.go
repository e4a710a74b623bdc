package device

// The session's use of the framing (frame.go) and APDU (apdu.go) layers.

import "os"

// encodeCommand frames c as one host packet: NAD 01, PCB 00 (§5).
func encodeCommand(c Command) ([]byte, error) {
	apdu, err := EncodeAPDU(c.CLA, c.INS, c.P1, c.P2, c.Data)
	if err != nil {
		return nil, err
	}
	return EncodePacket(NADMPI, 0, apdu), nil
}

// frameReader reads whole messages: packets through PacketReader (the 1 s
// rule enforced by timedReader from the Start hook) into an Assembler.
type frameReader struct {
	pr  *PacketReader
	asm Assembler
}

func newFrameReader(r *timedReader) *frameReader {
	pr := NewPacketReader(r)
	pr.Timeout = 0 // timedReader has no deadlines; it applies the rule itself
	pr.Start = r.startPacket
	return &frameReader{pr: pr}
}

func (f *frameReader) next() (rxMessage, error) {
	for {
		p, err := f.pr.Next()
		if err != nil {
			return rxMessage{}, err
		}
		m, done, err := f.asm.Add(p)
		if err != nil {
			return rxMessage{}, err
		}
		if done {
			return rxMessage{nad: m.NAD, unsolicited: m.Unsolicited, apdu: m.APDU}, nil
		}
	}
}

// errPacketTimeout: the rest of a packet did not arrive within 1 s of its
// NAD. PacketReader turns it into a *FramingError.
var errPacketTimeout = os.ErrDeadlineExceeded
