package device

// The APDU layer of READER-PROTOCOL §3: command encoding and parsing,
// response split and status words.

import (
	"errors"
	"fmt"
)

// MaxLc is the largest command data length (Lc is one byte, 1..249).
const MaxLc = 249

// CommandAPDU is a command APDU: CLA INS P1 P2 [Lc data].
type CommandAPDU struct {
	CLA, INS, P1, P2 byte
	Data             []byte
}

// Errors of command APDU encoding and parsing.
var (
	// ErrShortAPDU: a command of under 4 bytes (the reader answers 6F00).
	ErrShortAPDU = errors.New("apdu: command shorter than 4 bytes")
	// ErrLc: Lc does not match the data (the reader answers 9F14).
	ErrLc = errors.New("apdu: Lc does not match the data")
	// ErrDataTooLong: more than 249 data bytes.
	ErrDataTooLong = errors.New("apdu: command data longer than 249 bytes")
)

// EncodeAPDU returns CLA INS P1 P2, followed by Lc and data when data is
// not empty. Le is never sent.
func EncodeAPDU(cla, ins, p1, p2 byte, data []byte) ([]byte, error) {
	if len(data) > MaxLc {
		return nil, fmt.Errorf("%w (%d)", ErrDataTooLong, len(data))
	}
	b := make([]byte, 4, 5+len(data))
	b[0], b[1], b[2], b[3] = cla, ins, p1, p2
	if len(data) > 0 {
		b = append(b, byte(len(data)))
		b = append(b, data...)
	}
	return b, nil
}

// Encode is EncodeAPDU of c.
func (c CommandAPDU) Encode() ([]byte, error) { return EncodeAPDU(c.CLA, c.INS, c.P1, c.P2, c.Data) }

// ParseCommandAPDU splits a command APDU. It accepts the four ISO 7816-4
// cases: header only, header+Le, header+Lc+data, header+Lc+data+Le (Le is
// ignored). Under 4 bytes is ErrShortAPDU; an Lc of 0 or one that does not
// fit the remaining bytes is ErrLc.
func ParseCommandAPDU(b []byte) (CommandAPDU, error) {
	if len(b) < 4 {
		return CommandAPDU{}, ErrShortAPDU
	}
	c := CommandAPDU{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	rest := b[4:]
	switch {
	case len(rest) <= 1: // no data, maybe Le
		return c, nil
	case rest[0] == 0:
		return CommandAPDU{}, ErrLc
	}
	lc := int(rest[0])
	if n := len(rest) - 1; n != lc && n != lc+1 {
		return CommandAPDU{}, fmt.Errorf("%w (Lc %d, %d bytes follow)", ErrLc, lc, n)
	}
	c.Data = rest[1 : 1+lc : 1+lc]
	return c, nil
}

// SW is a response status word, SW1 SW2.
type SW uint16

// Status words of §3 used by Kassa and the simulator.
const (
	SWSuccess          SW = 0x9000
	SWNotFound         SW = 0x6A88
	SWUnknownCommand   SW = 0x6D00 // simulator: unknown CLA/INS
	SWPacketProblem    SW = 0x6F00
	SWFormatting       SW = 0x9F14
	SWInvalidData      SW = 0x9F21
	SWNotReady         SW = 0x9F22
	SWNotAllowed       SW = 0x9F26
	SWDataMissing      SW = 0x9F27
	SWNoCard           SW = 0x9F23 // no card in the slot / card removed
	SWChipError        SW = 0x9F25 // invalid card, no swipe fallback
	SWUnsupportedCard  SW = 0x9F28 // chip unsupported: swipe fallback allowed
	SWICCReadError     SW = 0x9F30 // chip unreadable: swipe fallback allowed
	SWInserted         SW = 0x9F43 // contactless wait ended by a card insertion
	SWSwiped           SW = 0x9F44 // contactless wait ended by a swipe
	SWNoApplication    SW = 0x9FC1 // no application: insert or swipe instead
	SWNotPossible      SW = 0x9FC2 // transaction not possible: try another card
	SWUseChip          SW = 0x9FC3 // the card asked for the chip interface
	SWCancelled        SW = 0x9F41
	SWTimedOut         SW = 0x9F42
	SWHardwareError    SW = 0x9FCF
	SWProprietaryError SW = 0x9F0D
)

var swText = map[SW]string{
	0x9000: "success",
	0x6A88: "referenced data not found",
	0x6D00: "instruction not supported",
	0x6F00: "packet problem",
	0x9F01: "file system error",
	0x9F02: "file storage number limit exceeded",
	0x9F03: "file storage size limit exceeded",
	0x9F0D: "error processing a proprietary command",
	0x9F0F: "invalid parameter (online PIN)",
	0x9F14: "command formatting error",
	0x9F21: "invalid data in command",
	0x9F22: "terminal not ready",
	0x9F23: "no smart card in slot",
	0x9F25: "invalid card, no swipe fallback",
	0x9F26: "command not allowed in this state",
	0x9F27: "data missing from command",
	0x9F28: "unsupported card (swipe fallback allowed)",
	0x9F2A: "missing file",
	0x9F30: "ICC read error (swipe fallback allowed)",
	0x9F40: "invalid issuer public key",
	0x9F41: "cancelled or aborted",
	0x9F42: "timed out",
	0x9F43: "aborted by a card insertion",
	0x9F44: "aborted by a card swipe",
	0x9FC1: "no application; insert or swipe instead",
	0x9FC2: "transaction not possible; try another card",
	0x9FC3: "card asked for the chip interface",
	0x9FCF: "hardware error",
	0x9FE0: "no PIN key or key data missing",
	0x9FE1: "key import: HSM certificate error",
	0x9FE2: "key import: RSA key error",
	0x9FE3: "key import: transport key error",
	0x9FE4: "key import: DUKPT key error",
	0x9FE5: "key import: IKSN error",
	0x9FE6: "key import: internal error",
	0x9FED: "unknown error 9FED",
}

// OK reports whether sw is 9000.
func (sw SW) OK() bool { return sw == SWSuccess }

// String returns the hex code and its §3 meaning, e.g.
// "9F14 command formatting error"; unlisted codes are "XXXX unknown status".
func (sw SW) String() string {
	if t, ok := swText[sw]; ok {
		return fmt.Sprintf("%04X %s", uint16(sw), t)
	}
	return fmt.Sprintf("%04X unknown status", uint16(sw))
}

// DriverBug reports whether sw means the host sent a malformed command
// (9F14, 9F21, 9F27).
func (sw SW) DriverBug() bool {
	return sw == SWFormatting || sw == SWInvalidData || sw == SWDataMissing
}

// ErrShortResponse is returned by ParseResponse for under 2 bytes.
var ErrShortResponse = errors.New("apdu: response shorter than 2 bytes")

// ParseResponse splits a response APDU into its body and status word.
// The body aliases b.
func ParseResponse(b []byte) (body []byte, sw SW, err error) {
	if len(b) < 2 {
		return nil, 0, ErrShortResponse
	}
	n := len(b) - 2
	return b[:n:n], SW(b[n])<<8 | SW(b[n+1]), nil
}

// AppendSW appends sw's two bytes to body: a response APDU.
func AppendSW(body []byte, sw SW) []byte { return append(body, byte(sw>>8), byte(sw)) }
