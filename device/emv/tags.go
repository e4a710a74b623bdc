package emv

import "kassa/device/tlv"

// Templates (READER-PROTOCOL.md §6, §12.1–§12.2).
const (
	TagCommand  tlv.Tag = 0xE0 // command data of START / CONTINUE
	TagResponse tlv.Tag = 0xE1 // response data; the §6 card-status (swipe) template
	TagApproved tlv.Tag = 0xE3 // transaction approved (TC)
	TagOnline   tlv.Tag = 0xE4 // online authorisation required (ARQC)
	TagDeclined tlv.Tag = 0xE5 // transaction declined (AAC)
)

// Data objects of the templates and commands.
const (
	TagAID            tlv.Tag = 0x4F     // application identifier
	TagLabel          tlv.Tag = 0x50     // application label, ASCII
	TagTrack2Eq       tlv.Tag = 0x57     // track 2 equivalent: only inside DFAE02, never clear
	TagPAN            tlv.Tag = 0x5A     // PAN: only inside DFAE02, never clear
	TagCardholderName tlv.Tag = 0x5F20   // cardholder name: receipt only, never logged
	TagTrack1         tlv.Tag = 0x5F21   // clear track 1: refused
	TagTrack2         tlv.Tag = 0x5F22   // clear track 2: refused
	TagTrack3         tlv.Tag = 0x5F23   // clear track 3: refused
	TagExpiry         tlv.Tag = 0x5F24   // application expiry, YYMMDD BCD
	TagCurrency       tlv.Tag = 0x5F2A   // transaction currency, n3
	TagPSN            tlv.Tag = 0x5F34   // PAN sequence number
	TagExponent       tlv.Tag = 0x5F36   // currency exponent
	TagAIP            tlv.Tag = 0x82     // application interchange profile
	TagDFName         tlv.Tag = 0x84     // dedicated file name
	TagARC            tlv.Tag = 0x8A     // authorisation response code, 2 ASCII
	TagIssuerAuth     tlv.Tag = 0x91     // issuer authentication data: ARPC ‖ ARC
	TagScript1        tlv.Tag = 0x71     // issuer script template 1
	TagScript2        tlv.Tag = 0x72     // issuer script template 2
	TagTVR            tlv.Tag = 0x95     // terminal verification results
	TagDate           tlv.Tag = 0x9A     // transaction date, YYMMDD BCD
	TagType           tlv.Tag = 0x9C     // transaction type: 00 purchase
	TagAmount         tlv.Tag = 0x9F02   // amount, authorised, n12
	TagOtherAmount    tlv.Tag = 0x9F03   // amount, other, n12
	TagIAD            tlv.Tag = 0x9F10   // issuer application data
	TagCountry        tlv.Tag = 0x9F1A   // terminal country code
	TagSerial         tlv.Tag = 0x9F1E   // interface device (reader) serial, ASCII
	TagTime           tlv.Tag = 0x9F21   // transaction time, HHMMSS BCD
	TagCryptogram     tlv.Tag = 0x9F26   // application cryptogram
	TagCID            tlv.Tag = 0x9F27   // cryptogram information data
	TagTermCaps       tlv.Tag = 0x9F33   // terminal capabilities
	TagCVMResults     tlv.Tag = 0x9F34   // CVM results
	TagTermType       tlv.Tag = 0x9F35   // terminal type
	TagATC            tlv.Tag = 0x9F36   // application transaction counter
	TagUN             tlv.Tag = 0x9F37   // unpredictable number
	TagCVStatus       tlv.Tag = 0xDF28   // cardholder verification status
	TagKernel         tlv.Tag = 0xDF30   // contactless kernel id: only on contactless
	TagCardStatus     tlv.Tag = 0x48     // §6 card status bits
	TagSREDData       tlv.Tag = 0xDFAE02 // SRED data (encrypted)
	TagSREDKSN        tlv.Tag = 0xDFAE03 // SRED KSN
	TagPINBlock       tlv.Tag = 0xDFAE04 // online PIN block (encrypted)
	TagPINKSN         tlv.Tag = 0xDFAE05 // PIN KSN
	TagMaskedTrack2   tlv.Tag = 0xDFAE22 // masked track 2 of a swipe, ASCII
	TagMaskedICC2     tlv.Tag = 0xDFAE57 // masked track 2 equivalent, ASCII
	TagMaskedPAN      tlv.Tag = 0xDFAE5A // masked PAN, ASCII
)

// CID values (9F27).
const (
	CIDAAC  byte = 0x00
	CIDTC   byte = 0x40
	CIDARQC byte = 0x80
)

// Cardholder verification status values (DF28).
const (
	CVStatusNone     byte = 0x00 // no PIN
	CVStatusPIN      byte = 0x01 // online PIN entered
	CVStatusOnDevice byte = 0x04 // verified on the customer's phone
)

// secretTags are never logged (§10 Logging).
var secretTags = map[tlv.Tag]bool{
	TagSREDData: true, TagPINBlock: true, TagPAN: true, TagTrack2Eq: true, TagCardholderName: true,
	TagTrack1: true, TagTrack2: true, TagTrack3: true,
}

// clearCardTags make a template unacceptable: clear card data (§6, §12.2).
var clearCardTags = []tlv.Tag{TagPAN, TagTrack2Eq, TagTrack1, TagTrack2, TagTrack3}
