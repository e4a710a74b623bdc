package receipt

import "strings"

// Chip is what an EMV receipt shows of a chip or contactless card (issue
// 12): how the card was read, its application, how the cardholder was
// verified, and the card's data from the gateway's final status. The zero
// value (a receipt of before, or a swipe without it) prints nothing.
type Chip struct {
	// EntryMode is "swipe", "chip", "contactless" or "fallback-swipe".
	EntryMode string
	AppLabel  string // application label, e.g. "VISA"
	AID       string // application identifier as hex
	// CVM is how the cardholder was verified (device/emv names):
	// "online-pin", "offline-pin", "pin-and-signature", "on-device",
	// "no-cvm", "signature", "failed"; "" for a swipe.
	CVM string
	// Signature asks for a signature line (9F34 says signature).
	Signature  bool
	TVR        string // terminal verification results (95), hex
	CID        string // the cryptogram's kind: "TC", "AAC", "ARQC"
	Cryptogram string // application cryptogram (9F26), hex
}

// entryWords are the printed entry modes.
var entryWords = map[string]string{
	"swipe":          "Swipe",
	"chip":           "Chip",
	"contactless":    "Contactless",
	"fallback-swipe": "Fallback swipe",
}

// cvmWords are the printed cardholder verifications.
var cvmWords = map[string]string{
	"online-pin":        "PIN verified",
	"offline-pin":       "PIN verified",
	"pin-and-signature": "PIN verified",
	"on-device":         "Verified on device",
	"no-cvm":            "No CVM",
	"signature":         "Signature required",
	"failed":            "Cardholder not verified",
}

// cardRows are the rows after the card number: entry mode, application.
func (c Chip) cardRows(w Words) [][2]string {
	var rows [][2]string
	if e, ok := entryWords[c.EntryMode]; ok {
		rows = append(rows, [2]string{"Entry", w.Text(e)})
	}
	return append(rows, [2]string{"Application", c.AppLabel}, [2]string{"AID", strings.ToUpper(c.AID)})
}

// dataRows are the card's data of the final status, after the date.
func (c Chip) dataRows() [][2]string {
	crypt := "Cryptogram"
	if c.CID != "" {
		crypt = c.CID
	}
	return [][2]string{{"TVR", strings.ToUpper(c.TVR)}, {crypt, strings.ToUpper(c.Cryptogram)}}
}

// verification is the printed verification line ("" for none).
func (c Chip) verification(w Words) string {
	if v, ok := cvmWords[c.CVM]; ok {
		return w.Text(v)
	}
	return ""
}

// signatureLine reports whether this copy gets the signature line: an
// approved payment whose card asked for a signature, on every copy but the
// customer's.
func (r Receipt) signatureLine() bool {
	return r.Chip.Signature && r.Copy != CustomerCopy && strings.EqualFold(r.Status, "approved")
}

// chipCard adds the entry mode and application rows to a text or PDF receipt.
func (d *doc) chipCard(c Chip, w Words) {
	for _, row := range c.cardRows(w) {
		d.field(w.Text(row[0]), row[1], plain)
	}
}

// chipData adds the card's data rows.
func (d *doc) chipData(c Chip, w Words) {
	for _, row := range c.dataRows() {
		d.field(w.Text(row[0]), row[1], plain)
	}
}

// chipVerification adds the verification line and, when asked, the
// signature line.
func (d *doc) chipVerification(r Receipt, w Words) {
	d.centered(r.Chip.verification(w), plain)
	if r.signatureLine() {
		d.blank()
		d.blank()
		d.add(line{text: "X" + strings.Repeat("_", Width-1)})
		d.centered(w.Text("Cardholder signature"), plain)
	}
}

// chipCard prints the entry mode and application rows.
func (d *escposDoc) chipCard(c Chip) {
	w := Words(d)
	for _, row := range c.cardRows(w) {
		d.field(row[0], row[1])
	}
}

// chipData prints the card's data rows.
func (d *escposDoc) chipData(c Chip) {
	for _, row := range c.dataRows() {
		d.field(row[0], row[1])
	}
}

// chipVerification prints the verification line and the signature line.
func (d *escposDoc) chipVerification(r Receipt) {
	d.centered(r.Chip.verification(d))
	if r.signatureLine() {
		d.e.Line("").Line("")
		d.e.Line("X" + strings.Repeat("_", d.e.Width()-1))
		d.centered(d.t("Cardholder signature"))
	}
}

// Text is the words of the printer's language (escposDoc is a Words).
func (d *escposDoc) Text(english string) string { return d.t(english) }

// Number writes a formatted number the language's way.
func (d *escposDoc) Number(s string) string {
	if d.w != nil {
		return d.w.Number(s)
	}
	return s
}
