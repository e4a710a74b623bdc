package mapi

import (
	"encoding/hex"
	"net/url"
)

// CryptogramKind is the kind of application cryptogram a card made, from
// the top two bits of its cryptogram information data (9F27).
type CryptogramKind int

// Cryptogram kinds. CIDNone: the reply has no emv-cid-9f27.
const (
	CIDNone     CryptogramKind = iota
	CIDAAC                     // 00: declined by the card
	CIDTC                      // 40: approved by the card
	CIDARQC                    // 80: online request
	CIDReserved                // C0: reserved for future use
)

// cryptogramKinds is the one table of names, one line per kind.
var cryptogramKinds = [...]string{
	CIDNone:     "",
	CIDAAC:      "AAC",
	CIDTC:       "TC",
	CIDARQC:     "ARQC",
	CIDReserved: "RFU",
}

// String is "AAC", "TC", "ARQC", "RFU", or "" for CIDNone.
func (k CryptogramKind) String() string {
	if k < 0 || int(k) >= len(cryptogramKinds) {
		return "RFU"
	}
	return cryptogramKinds[k]
}

// cryptogramKindOf reads the kind from a 9F27 byte.
func cryptogramKindOf(cid byte) CryptogramKind {
	return [4]CryptogramKind{CIDAAC, CIDTC, CIDARQC, CIDReserved}[cid>>6]
}

// ResponseCode is an authorisation response code (auth-response-code, the
// card's 8A): two characters from the issuer ("00" approved, "05", "51",
// "55" …) or the terminal ("Z1", "Z3"). The set is open, so it is a string.
type ResponseCode string

// Response codes Kassa and the sandbox name (MAPI.md §10).
const (
	ResponseApproved       ResponseCode = "00"
	ResponseDoNotHonour    ResponseCode = "05"
	ResponseInsufficient   ResponseCode = "51"
	ResponseIncorrectPIN   ResponseCode = "55"
	ResponseCryptogramFail ResponseCode = "Z1" // a cryptogram did not verify
	ResponseUnableOnline   ResponseCode = "Z3" // ends a card without an issuer answer
)

// maxIssuerResponseLength caps emv-issuer-response, in bytes.
const maxIssuerResponseLength = 512

// Approved reports whether the issuer approved ("00").
func (c ResponseCode) Approved() bool { return c == ResponseApproved }

// validResponseCode: empty, or two ASCII letters or digits.
func validResponseCode(s string) bool {
	if s == "" {
		return true
	}
	if len(s) != 2 {
		return false
	}
	for i := 0; i < 2; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// EMVFields are a chip or contactless order's receipt fields (MAPI.md §10),
// decoded from the hex the gateway sends; absent ones are nil/zero.
type EMVFields struct {
	AID         []byte         // emv-terminal-aid-9f06, 5-16 bytes
	AppLabel    string         // emv-app-label-50, decoded (printable ASCII, ≤ 16)
	TVR         []byte         // emv-tvr-95, 5 bytes
	CVMResults  []byte         // emv-cvm-9f34, 3 bytes (the method: device/emv CVMOf)
	PANSequence []byte         // emv-pan-sequence-5f34, 1 byte
	CID         CryptogramKind // emv-cid-9f27
	Cryptogram  []byte         // emv-app-cryptogram-9f26, 8 bytes
}

// emvField is one hex field of the table below: its reply key, the
// lengths it may have, and where it goes.
type emvField struct {
	key      string
	min, max int
	set      func(*EMVFields, []byte)
}

// emvFieldTable is the one table of §10 receipt fields, one line each.
var emvFieldTable = []emvField{
	{"emv-terminal-aid-9f06", 5, 16, func(e *EMVFields, b []byte) { e.AID = b }},
	{"emv-app-label-50", 1, 16, func(e *EMVFields, b []byte) { e.AppLabel = string(b) }},
	{"emv-tvr-95", 5, 5, func(e *EMVFields, b []byte) { e.TVR = b }},
	{"emv-cvm-9f34", 3, 3, func(e *EMVFields, b []byte) { e.CVMResults = b }},
	{"emv-pan-sequence-5f34", 1, 1, func(e *EMVFields, b []byte) { e.PANSequence = b }},
	{"emv-cid-9f27", 1, 1, func(e *EMVFields, b []byte) { e.CID = cryptogramKindOf(b[0]) }},
	{"emv-app-cryptogram-9f26", 8, 8, func(e *EMVFields, b []byte) { e.Cryptogram = b }},
}

// parseEMVFields reads the emv-* receipt fields; nil when there are none.
func parseEMVFields(v url.Values) (*EMVFields, error) {
	var e *EMVFields
	for _, f := range emvFieldTable {
		s := v.Get(f.key)
		if s == "" {
			continue
		}
		b, err := hex.DecodeString(s)
		if err != nil || len(b) < f.min || len(b) > f.max {
			return nil, unknownReply(opStatus, "%s %q", f.key, clip(s))
		}
		if f.key == "emv-app-label-50" && !printable(b) {
			return nil, unknownReply(opStatus, "%s is not printable text", f.key)
		}
		if e == nil {
			e = &EMVFields{}
		}
		f.set(e, b)
	}
	return e, nil
}

// parseIssuerResponse decodes emv-issuer-response: the hex of the issuer's
// BER-TLVs (91, maybe 71/72), passed to the card as they are.
func parseIssuerResponse(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) > maxIssuerResponseLength {
		return nil, unknownReply(opStatus, "emv-issuer-response %q", clip(s))
	}
	return b, nil
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}
