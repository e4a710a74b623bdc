// Package receipt renders card receipts and Z (close-day) reports, as text for
// a 42-column receipt printer and as PDF on an 80 mm receipt page. It knows
// nothing of the GUI, the journal or the gateway: the engine fills the structs.
//
// Card numbers are printed masked whatever the caller passes: only the first
// six and the last four digits of a PAN ever reach a receipt.
package receipt

import (
	"strconv"
	"strings"
	"time"

	"kassa/mapi/money"
)

// Copy names of a receipt.
const (
	MerchantCopy = "MERCHANT COPY"
	CustomerCopy = "CUSTOMER COPY"
)

// DemoBanner is stamped on every receipt and report made in demo mode.
const DemoBanner = "DEMO — NOT A REAL PAYMENT"

// DuplicateBanner is stamped on reprints.
const DuplicateBanner = "DUPLICATE"

// TimeLayout is how receipts print dates and times (in At's own location).
const TimeLayout = "2006-01-02 15:04:05"

// Receipt is one copy of a card payment receipt.
type Receipt struct {
	Merchant      string    // merchant (shop) name, may be Cyrillic
	Address       string    // merchant address, one line; wrapped when long
	TerminalID    string    // gateway terminal id
	ReceiptID     string    // gateway receipt id
	ClientOrderID string    // Kassa's order id
	Kind          string    // "sale", "preauth", "refund" or "capture"
	Amount        string    // major units as on the wire, e.g. "10.50"; see SetAmount
	Currency      string    // ISO 4217 code, e.g. "RUB"
	MaskedPAN     string    // e.g. "401234****8909"; a clear PAN is masked anyway
	Scheme        string    // card scheme: VISA, MASTERCARD, MIR...
	ApprovalCode  string    // issuer's approval code
	RRN           string    // processor's retrieval reference number
	Status        string    // approved declined filtered error unknown pending
	At            time.Time // date and time of the payment, printed in its location
	Copy          string    // MerchantCopy or CustomerCopy
	Duplicate     bool      // a reprint: stamped DUPLICATE
	Demo          bool      // demo mode: stamped DemoBanner
	Words         Words     // the terminal's language; nil prints English
	Chip          Chip      // issue 12: entry mode, application, verification, EMV data
}

// SetAmount sets Amount and Currency from a money amount.
func (r *Receipt) SetAmount(a money.Amount) {
	r.Amount, r.Currency = a.Major(), a.Currency
}

// Text renders the receipt for a 42-column receipt printer: UTF-8 lines of at
// most Width characters, each ending in '\n'.
func (r Receipt) Text() string { return r.doc().text() }

// KindText is the printed name of a payment kind ("SALE", "PREAUTHORIZATION").
func KindText(kind string) string {
	switch strings.ToLower(kind) {
	case "sale":
		return "SALE"
	case "preauth":
		return "PREAUTHORIZATION"
	case "refund": // issue 11: a refund of a sale or capture
		return "REFUND"
	case "capture": // issue 11: the capture of a preauthorization's hold
		return "CAPTURE"
	}
	return strings.ToUpper(clean(kind))
}

// StatusText is the printed result of a payment status, with what it means
// for the customer when that is not obvious.
func StatusText(status string) (head, note string) {
	switch strings.ToLower(status) {
	case "approved":
		return "APPROVED", ""
	case "declined":
		return "DECLINED", "The card was declined. No money was taken."
	case "filtered":
		return "DECLINED", "Refused by the payment gateway. No money was taken."
	case "error":
		return "NOT COMPLETED", "The payment failed. No money was taken."
	case "unknown", "pending", "processing", "sent", "accepted":
		return "RESULT NOT CONFIRMED", "Do not pay again: the result is being checked with the bank."
	case "":
		return "", ""
	}
	return strings.ToUpper(clean(status)), ""
}

// AmountText formats an amount in major units with its currency, e.g.
// "1 234.50 RUB". An amount that does not parse is printed as given.
func AmountText(amount, currency string) string {
	amount, currency = clean(amount), clean(currency)
	if amount == "" {
		return ""
	}
	a, err := money.Parse(amount, currency)
	if err != nil {
		return strings.TrimSpace(amount + " " + currency)
	}
	return group(a.Major()) + " " + a.Currency
}

// MinorText formats minor units of a currency in major units with thousands
// grouped ("1 234.50"), without the currency code.
func MinorText(minor int64, currency string) string {
	return group(money.FormatMinor(minor, currency))
}

// group puts a space between thousands of the integer part of a formatted
// amount: "1234567.89" -> "1 234 567.89".
func group(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	if hasDot {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}

// MaskPAN returns a card number with every digit but the first six and the
// last four replaced by '*'; spaces and other separators are dropped. An
// already masked number ("401234****8909") comes back unchanged.
func MaskPAN(pan string) string {
	var keep []byte
	for i := 0; i < len(pan); i++ {
		if c := pan[i]; (c >= '0' && c <= '9') || c == '*' || c == 'X' || c == 'x' {
			keep = append(keep, c)
		}
	}
	n := len(keep)
	for i := range keep {
		switch {
		case n >= 10 && i >= 6 && i < n-4:
			keep[i] = '*' // the middle of a full number
		case n < 10 && i < n-4:
			keep[i] = '*' // too short to hold both ends: only the last four
		case keep[i] == 'X' || keep[i] == 'x':
			keep[i] = '*'
		}
	}
	return string(keep)
}

func (r Receipt) doc() *doc {
	w := wordsOr(r.Words)
	d := &doc{}
	if r.Demo {
		d.stamp(w.Text(DemoBanner))
	}
	if r.Duplicate {
		d.stamp(w.Text(DuplicateBanner))
	}
	d.centered(r.Merchant, bold)
	d.centered(r.Address, plain)
	if r.Copy != "" {
		d.blank()
		d.centered(w.Text(r.Copy), bold)
	}
	d.ruler("-")
	d.centered(w.Text(KindText(r.Kind)), bold)
	d.centered(amountIn(w, r.Amount, r.Currency), big)
	d.ruler("-")
	if pan := MaskPAN(r.MaskedPAN); pan != "" {
		d.field(w.Text("Card"), pan, plain)
	}
	d.field(w.Text("Scheme"), strings.ToUpper(r.Scheme), plain)
	d.chipCard(r.Chip, w)
	d.field(w.Text("Approval code"), r.ApprovalCode, plain)
	d.field(w.Text("RRN"), r.RRN, plain)
	d.field(w.Text("Terminal"), r.TerminalID, plain)
	d.field(w.Text("Receipt"), r.ReceiptID, plain)
	d.field(w.Text("Order"), r.ClientOrderID, plain)
	if !r.At.IsZero() {
		d.field(w.Text("Date"), r.At.Format(TimeLayout), plain)
	}
	d.chipData(r.Chip, w)
	d.ruler("-")
	head, note := StatusText(r.Status)
	d.centered(w.Text(head), big)
	d.centered(w.Text(note), plain)
	d.chipVerification(r, w)
	if r.Copy == CustomerCopy && strings.EqualFold(r.Status, "approved") {
		d.centered(w.Text("Thank you! Please keep this receipt."), plain)
	}
	if r.Demo || r.Duplicate {
		d.blank()
	}
	if r.Duplicate {
		d.stamp(w.Text(DuplicateBanner))
	}
	if r.Demo {
		d.stamp(w.Text(DemoBanner))
	}
	return d
}

// amountIn is AmountText written the language's way.
func amountIn(w Words, amount, currency string) string {
	a, err := money.Parse(clean(amount), clean(currency))
	if err != nil {
		return AmountText(amount, currency)
	}
	return w.Number(group(a.Major())) + " " + a.Currency
}

// itoa formats a count.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
