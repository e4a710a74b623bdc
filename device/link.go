package device

// TEMPORARY private framing until frame.go/apdu.go land; then this file
// becomes a thin adapter onto their API.

import (
	"errors"
	"fmt"
	"io"
	"time"
)

const (
	nadMPI         = 0x01
	swOK           = 0x9000
	swNotAllowed   = 0x9F26
	linkMaxMessage = 8192
)

var linkErrFraming = errors.New("framing error")

func encodeCommand(c Command) ([]byte, error) {
	apdu := []byte{c.CLA, c.INS, c.P1, c.P2}
	if len(c.Data) > 0 {
		if len(c.Data) > 249 {
			return nil, fmt.Errorf("%s: data too long", c.Name)
		}
		apdu = append(apdu, byte(len(c.Data)))
		apdu = append(apdu, c.Data...)
	}
	pkt := []byte{nadMPI, 0x00, byte(len(apdu))}
	pkt = append(pkt, apdu...)
	var lrc byte
	for _, b := range pkt {
		lrc ^= b
	}
	return append(pkt, lrc), nil
}

func splitResponse(apdu []byte) ([]byte, uint16, error) {
	if len(apdu) < 2 {
		return nil, 0, fmt.Errorf("response of %d bytes", len(apdu))
	}
	n := len(apdu) - 2
	return apdu[:n], uint16(apdu[n])<<8 | uint16(apdu[n+1]), nil
}

func swMeaning(sw uint16) string { return fmt.Sprintf("SW %04X", sw) }

type frameReader struct {
	r     *timedReader
	parts map[byte]*rxMessage
}

func newFrameReader(r *timedReader) *frameReader {
	return &frameReader{r: r, parts: map[byte]*rxMessage{}}
}

func (f *frameReader) next() (rxMessage, error) {
	for {
		f.r.startPacket()
		var hdr [3]byte
		if _, err := io.ReadFull(f.r, hdr[:]); err != nil {
			return rxMessage{}, err
		}
		nad, pcb, n := hdr[0], hdr[1], int(hdr[2])
		if nad != 1 && nad != 2 || pcb&^0x41 != 0 || n < 2 || n > 254 {
			return rxMessage{}, fmt.Errorf("%w: header % X", linkErrFraming, hdr)
		}
		rest := make([]byte, n+1)
		if _, err := io.ReadFull(f.r, rest); err != nil {
			return rxMessage{}, err
		}
		lrc := hdr[0] ^ hdr[1] ^ hdr[2]
		for _, b := range rest {
			lrc ^= b
		}
		if lrc != 0 {
			return rxMessage{}, fmt.Errorf("%w: bad LRC", linkErrFraming)
		}
		unsol := pcb&0x40 != 0
		m := f.parts[nad]
		if m == nil {
			m = &rxMessage{nad: nad, unsolicited: unsol}
			f.parts[nad] = m
		} else if m.unsolicited != unsol {
			return rxMessage{}, fmt.Errorf("%w: inconsistent chain", linkErrFraming)
		}
		m.apdu = append(m.apdu, rest[:n]...)
		if len(m.apdu) > linkMaxMessage {
			return rxMessage{}, fmt.Errorf("%w: message over %d bytes", linkErrFraming, linkMaxMessage)
		}
		if pcb&1 != 0 {
			continue
		}
		delete(f.parts, nad)
		m.at = time.Now()
		return *m, nil
	}
}
