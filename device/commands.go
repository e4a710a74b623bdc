package device

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"kassa/device/tlv"
)

// Command is one command of the READER-PROTOCOL §5 subset, ready to send.
type Command struct {
	Name              string
	CLA, INS, P1, P2  byte
	Data              []byte
	NoResponse        bool          // CARD STATUS: the reader sends no solicited response
	Timeout           time.Duration // response timeout; 0 = the session default (3 s)
	retryAfterAbortSW bool          // after 9F26: ABORT and retry once (every command but ABORT)
}

// Tags used by the §5 decoders.
const (
	TagTemplate     tlv.Tag = 0xE1
	TagDeviceStatus tlv.Tag = 0xE6
	TagEntry        tlv.Tag = 0xEF
	TagSerial       tlv.Tag = 0x9F1E
	TagIdentifier   tlv.Tag = 0xDF0D
	TagVersion      tlv.Tag = 0xDF7F
	TagP2PEStatus   tlv.Tag = 0xDFAE01
	TagSREDData     tlv.Tag = 0xDFAE02
	TagSREDKSN      tlv.Tag = 0xDFAE03
	TagMaskedTrack2 tlv.Tag = 0xDFAE22
	TagCardStatus   tlv.Tag = 0x48
	TagTrack1       tlv.Tag = 0x5F21
	TagTrack2       tlv.Tag = 0x5F22
	TagTrack3       tlv.Tag = 0x5F23
	TagATR          tlv.Tag = 0x63
	TagBatteryState tlv.Tag = 0xDFA209
	TagBatteryLevel tlv.Tag = 0xDFA20A
	TagStatusCode   tlv.Tag = 0xC3
	TagStatusText   tlv.Tag = 0xC4
)

// Response timeouts of §10.
const (
	DefaultResponseTimeout = 3 * time.Second
	ResetTimeout           = 10 * time.Second
)

// ResetDevice is RESET DEVICE, soft reset (P1 00): `D0 00 00 00`.
func ResetDevice() Command {
	return Command{Name: "RESET DEVICE", CLA: 0xD0, INS: 0x00, Timeout: ResetTimeout, retryAfterAbortSW: true}
}

// GetDeviceInfo is GET DEVICE INFO: `D0 02 00 00`.
func GetDeviceInfo() Command {
	return Command{Name: "GET DEVICE INFO", CLA: 0xD0, INS: 0x02, retryAfterAbortSW: true}
}

// P2PEStatus is P2PE STATUS: `EE E0 00 00`.
func P2PEStatus() Command {
	return Command{Name: "P2PE STATUS", CLA: 0xEE, INS: 0xE0, retryAfterAbortSW: true}
}

// CardStatus is CARD STATUS: on = P1 1D (unsolicited card-status messages
// with ATR and tracks 1-3), off = P1 00. No solicited response.
func CardStatus(on bool) Command {
	c := Command{Name: "CARD STATUS off", CLA: 0xD0, INS: 0x60, NoResponse: true}
	if on {
		c.Name, c.P1 = "CARD STATUS on", 0x1D
	}
	return c
}

// BatteryStatus is BATTERY STATUS without sleep (P1 00): `D0 62 00 00`.
func BatteryStatus() Command {
	return Command{Name: "BATTERY STATUS", CLA: 0xD0, INS: 0x62, retryAfterAbortSW: true}
}

// Abort is ABORT: `D0 FF 00 00`.
func Abort() Command { return Command{Name: "ABORT", CLA: 0xD0, INS: 0xFF} }

// StartTransaction is START TRANSACTION `DE D1 00 00` with the E0 data of
// emv.Start (§12.1); it blocks on the cardholder (CardholderTimeout).
func StartTransaction(data []byte) Command {
	return Command{Name: "START TRANSACTION", CLA: 0xDE, INS: 0xD1, Data: data, Timeout: CardholderTimeout}
}

// StartContactless is START CONTACTLESS `DE C1 00 00` with the same data.
func StartContactless(data []byte) Command {
	return Command{Name: "START CONTACTLESS", CLA: 0xDE, INS: 0xC1, Data: data, Timeout: CardholderTimeout}
}

// ContinueTransaction is CONTINUE TRANSACTION `DE D2 00 00` with the E0 data
// of emv.NewContinue.
func ContinueTransaction(data []byte) Command {
	return Command{Name: "CONTINUE TRANSACTION", CLA: 0xDE, INS: 0xD2, Data: data, Timeout: CardholderTimeout}
}

// MaxDisplayText is the longest DISPLAY TEXT data (Lc ≤ 249).
const MaxDisplayText = MaxLc

// DisplayText is DISPLAY TEXT in the four-row layout with backlight and
// UTF-8 (P1 00, P2 81). Lines are separated by "\n". The text must be 1-249
// bytes of valid UTF-8.
func DisplayText(text string) (Command, error) {
	if text == "" || len(text) > MaxDisplayText || !utf8.ValidString(text) {
		return Command{}, fmt.Errorf("display text must be 1-%d bytes of UTF-8, got %d bytes", MaxDisplayText, len(text))
	}
	return Command{Name: "DISPLAY TEXT", CLA: 0xD2, INS: 0x01, P1: 0x00, P2: 0x81, Data: []byte(text), retryAfterAbortSW: true}, nil
}

// ResetInfo is the answer to RESET DEVICE.
type ResetInfo struct {
	Serial            string
	MPIID, MPIVersion string
	OSID, OSVersion   string
}

var errBadResponse = errors.New("malformed response")

// decodeBody parses a response body as BER-TLV.
func decodeBody(body []byte) ([]tlv.TLV, error) {
	items, err := tlv.Decode(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadResponse, err)
	}
	return items, nil
}

// DecodeReset decodes RESET DEVICE's `E1{9F1E, EF{DF0D,DF7F}, EF{DF0D,DF7F}}`:
// the first EF is the MPI, the second the OS. A second DF0D in place of DF7F
// (RPI 1-1 firmware bug) is taken as the version.
func DecodeReset(body []byte) (ResetInfo, error) {
	items, err := decodeBody(body)
	if err != nil {
		return ResetInfo{}, err
	}
	var ri ResetInfo
	serial, ok := tlv.Find(items, TagSerial)
	if !ok || len(serial.Value) == 0 {
		return ResetInfo{}, fmt.Errorf("%w: RESET DEVICE without serial 9F1E", errBadResponse)
	}
	ri.Serial = string(serial.Value)
	entries := collectTags(items, TagEntry)
	if len(entries) > 0 {
		ri.MPIID, ri.MPIVersion = entryNameValue(entries[0])
	}
	if len(entries) > 1 {
		ri.OSID, ri.OSVersion = entryNameValue(entries[1])
	}
	return ri, nil
}

// collect returns every item with tag t, depth first, in order.
func collectTags(items []tlv.TLV, t tlv.Tag) []tlv.TLV {
	var out []tlv.TLV
	for _, it := range items {
		if it.Tag == t {
			out = append(out, it)
			continue
		}
		out = append(out, collectTags(it.Children, t)...)
	}
	return out
}

func entryNameValue(e tlv.TLV) (name, value string) {
	seenName := false
	for _, c := range e.Children {
		switch {
		case c.Tag == TagIdentifier && !seenName:
			name, seenName = string(c.Value), true
		case c.Tag == TagVersion, c.Tag == TagIdentifier:
			value = string(c.Value)
		}
	}
	return name, value
}

// DeviceInfoEntry is one GET DEVICE INFO entry.
type DeviceInfoEntry struct{ Name, Value string }

// DecodeDeviceInfo decodes GET DEVICE INFO: `E1{entry{DF0D [,DF7F]}…}`.
func DecodeDeviceInfo(body []byte) ([]DeviceInfoEntry, error) {
	items, err := decodeBody(body)
	if err != nil {
		return nil, err
	}
	var out []DeviceInfoEntry
	for _, it := range items {
		for _, e := range it.Children {
			if !e.Tag.Constructed() {
				continue
			}
			n, v := entryNameValue(e)
			out = append(out, DeviceInfoEntry{Name: n, Value: v})
		}
	}
	return out, nil
}

// P2PE is the DFAE01 byte of P2PE STATUS.
type P2PE byte

// Initialised reports bit 0.
func (p P2PE) Initialised() bool { return p&1 != 0 }

// PINKeyReady reports bit 1.
func (p P2PE) PINKeyReady() bool { return p&2 != 0 }

// SREDReady reports bit 2: the SRED key is loaded; no read without it.
func (p P2PE) SREDReady() bool { return p&4 != 0 }

// DecodeP2PEStatus decodes P2PE STATUS's DFAE01.
func DecodeP2PEStatus(body []byte) (P2PE, error) {
	items, err := decodeBody(body)
	if err != nil {
		return 0, err
	}
	v, ok := tlv.Find(items, TagP2PEStatus)
	if !ok || len(v.Value) != 1 {
		return 0, fmt.Errorf("%w: P2PE STATUS without DFAE01", errBadResponse)
	}
	return P2PE(v.Value[0]), nil
}

// Charging states of Battery.Charging.
const (
	OnBattery     = "on battery"
	Charging      = "charging"
	Charged       = "charged"
	ChargingError = "error"
)

// DecodeBattery decodes BATTERY STATUS: DFA20A percent, DFA209 charging state.
func DecodeBattery(body []byte) (Battery, error) {
	items, err := decodeBody(body)
	if err != nil {
		return Battery{}, err
	}
	lvl, ok1 := tlv.Find(items, TagBatteryLevel)
	st, ok2 := tlv.Find(items, TagBatteryState)
	if !ok1 || !ok2 || len(lvl.Value) != 1 || len(st.Value) != 1 {
		return Battery{}, fmt.Errorf("%w: BATTERY STATUS without DFA20A/DFA209", errBadResponse)
	}
	b := Battery{Percent: int(lvl.Value[0])}
	switch st.Value[0] {
	case 0x00:
		b.Charging = OnBattery
	case 0x01:
		b.Charging = Charging
	case 0x02:
		b.Charging = Charged
	default:
		b.Charging = ChargingError
	}
	return b, nil
}

// String formats the battery as "85% charging".
func (b Battery) String() string { return fmt.Sprintf("%d%% %s", b.Percent, b.Charging) }

// CardStatusMsg is a decoded unsolicited card-status message (§6).
// Encrypted/KSN/MaskedTrack2 alias the message buffer; Wipe zeroes it.
type CardStatusMsg struct {
	ChipPresent, ChipEMV            bool
	MSRData, Track1, Track2, Track3 bool
	Encrypted                       []byte // DFAE02, never logged
	KSN                             []byte // DFAE03
	MaskedTrack2                    string // DFAE22
	Clear                           bool   // 5F21/5F22/5F23 present: reader not SRED-ready
	HasStatus                       bool   // tag 48 present
}

// Kind classifies a card-status message by the §6 driver rules.
type swipeKind int

const (
	swipeNone  swipeKind = iota // 48-only state change: ignore
	swipeGood                   // bits 0 and 2 with DFAE02, DFAE03, DFAE22
	swipeBad                    // bit 0 set, bit 2 clear: prompt again
	swipeClear                  // clear tracks or no DFAE02: not SRED-ready
	swipeChip                   // chip inserted: please swipe
)

func (m CardStatusMsg) kind() swipeKind {
	switch {
	case m.Clear:
		return swipeClear
	case m.MSRData && m.Track2 && m.Encrypted != nil && m.KSN != nil && m.MaskedTrack2 != "":
		return swipeGood
	case m.MSRData && !m.Track2:
		return swipeBad
	case m.MSRData:
		return swipeClear // track 2 read but no DFAE02
	case m.ChipPresent:
		return swipeChip
	}
	return swipeNone
}

// DecodeCardStatus decodes the body of an unsolicited card-status message.
// It reports ok=false for other unsolicited messages (e.g. E6 device status).
func DecodeCardStatus(body []byte) (m CardStatusMsg, ok bool, err error) {
	items, err := decodeBody(body)
	if err != nil {
		return m, false, err
	}
	st, has := tlv.Find(items, TagCardStatus)
	if has {
		if len(st.Value) != 2 {
			return m, false, fmt.Errorf("%w: card status 48 of %d bytes", errBadResponse, len(st.Value))
		}
		m.HasStatus = true
		m.ChipPresent = st.Value[0]&1 != 0
		m.ChipEMV = st.Value[0]&2 != 0
		m.MSRData = st.Value[1]&1 != 0
		m.Track1 = st.Value[1]&2 != 0
		m.Track2 = st.Value[1]&4 != 0
		m.Track3 = st.Value[1]&8 != 0
	}
	for _, t := range []tlv.Tag{TagTrack1, TagTrack2, TagTrack3} {
		if _, found := tlv.Find(items, t); found {
			m.Clear = true
		}
	}
	if v, found := tlv.Find(items, TagSREDData); found {
		m.Encrypted = v.Value
	}
	if v, found := tlv.Find(items, TagSREDKSN); found {
		m.KSN = v.Value
	}
	if v, found := tlv.Find(items, TagMaskedTrack2); found {
		m.MaskedTrack2 = string(v.Value)
	}
	if !has && !m.Clear && m.Encrypted == nil {
		return m, false, nil
	}
	return m, true, nil
}

// DecodeDeviceStatus decodes an unsolicited `E6{C3 code, C4 text}`.
func DecodeDeviceStatus(body []byte) (code byte, text string, ok bool) {
	items, err := tlv.Decode(body)
	if err != nil {
		return 0, "", false
	}
	e6, found := tlv.Find(items, TagDeviceStatus)
	if !found {
		return 0, "", false
	}
	if c, f := tlv.Find(e6.Children, TagStatusCode); f && len(c.Value) == 1 {
		code = c.Value[0]
	}
	if t, f := tlv.Find(e6.Children, TagStatusText); f {
		text = string(t.Value)
	}
	return code, text, true
}
