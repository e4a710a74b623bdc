package device

import (
	"bytes"
	"fmt"

	"kassa/device/emv"
)

// EntryMode is how the card was read.
type EntryMode int

// Entry modes.
const (
	EntryUnknown       EntryMode = iota
	EntrySwipe                   // magnetic stripe
	EntryChip                    // EMV contact
	EntryContactless             // EMV contactless (DF30 in the template)
	EntryFallbackSwipe           // stripe after the chip could not be read (9F28/9F30)
)

var entryText = [...]string{
	EntryUnknown:       "unknown",
	EntrySwipe:         "swipe",
	EntryChip:          "chip",
	EntryContactless:   "contactless",
	EntryFallbackSwipe: "fallback-swipe",
}

// String returns "swipe", "chip", "contactless", "fallback-swipe" (the
// entry_mode output values) or "unknown".
func (e EntryMode) String() string {
	if e < 0 || int(e) >= len(entryText) {
		return "unknown"
	}
	return entryText[e]
}

// Card is a card read: what may be shown and printed (masked PAN, expiry,
// application) and the template for the gateway, exactly as the reader
// sent it (READER-PROTOCOL.md §8).
type Card struct {
	MaskedPAN     string // 401234***8909
	First6, Last4 string
	Expiry        string // YYMM
	EncryptedType string // "miura"
	EncryptedData string // upper-case hex of Template: the gateway's encrypted-data
	KSN           string // DFAE03
	ReaderSerial  string // from RESET DEVICE

	Template []byte    // the whole top-level template as received (E1 swipe, E4/E3/E5 chip)
	Kind     emv.Kind  // swipe, online (E4), approved (E3) or declined (E5) offline
	Entry    EntryMode // swipe, chip, contactless, fallback swipe
	AID      string    // 4F as hex ("" for swipes)
	AppLabel string    // 50 ("" for swipes)
	CVM      emv.CVM   // from 9F34 and DF28 (unknown for swipes)
	PINBlock bool      // an online PIN block rides in the template (DFAE04)

	// Chip continues a chip or contactless transaction (nil for swipes).
	// The reader holds the card until Continue or End.
	Chip *ChipTransaction
}

// GoString hides the template from %#v.
func (c Card) GoString() string {
	return fmt.Sprintf("device.Card{%s %s %s %s, %d-byte template}", c.Entry, c.MaskedPAN, c.AppLabel, c.CVM, len(c.Template))
}

// swipeCard makes the Card of a good secure swipe from its §6 card-status
// template (body of the unsolicited message, E1{48, DFAE02, DFAE03,
// DFAE22}).
func swipeCard(body []byte, serial string, entry EntryMode) (*Card, error) {
	t, err := emv.ParseTemplate(body)
	if err != nil || t.Kind != emv.KindSwipe {
		return nil, fmt.Errorf("reader sent a bad swipe template: %w", err)
	}
	return cardOf(t, serial, entry), nil
}

// cardOf fills a Card from a parsed template.
func cardOf(t *emv.Template, serial string, entry EntryMode) *Card {
	m := t.Masked()
	c := &Card{
		MaskedPAN: m.String(), First6: m.First6, Last4: m.Last4, Expiry: m.Expiry,
		EncryptedType: emv.EncryptedType, EncryptedData: t.Hex(), KSN: t.KSN().String(), ReaderSerial: serial,
		Template: bytes.Clone(t.Raw), Kind: t.Kind, Entry: entry,
	}
	if t.Kind != emv.KindSwipe {
		c.AID, c.AppLabel, c.CVM = t.AIDHex(), t.Fields.Label, t.CVM()
		_, _, c.PINBlock = t.PIN()
		if t.Fields.Serial != "" && serial == "" {
			c.ReaderSerial = t.Fields.Serial
		}
	}
	return c
}
