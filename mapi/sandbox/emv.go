package sandbox

import (
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"kassa/device/emv"
	"kassa/mapi"
)

// emvOrder is what the sandbox keeps of a chip or contactless order (MAPI.md
// §10): how it was read, whether it comes to the EMV stage, what the stage
// answered, the advice's outcome, and the receipt fields (never card data).
type emvOrder struct {
	Entry          string `json:"entry"`           // chip | contactless | offline
	Stage          bool   `json:"stage,omitempty"` // the order comes to the EMV stage
	ARC            string `json:"arc,omitempty"`   // the stage's auth-response-code
	IssuerResponse string `json:"issuer_response,omitempty"`
	// Receipt fields (hex as on the card); CID and Cryptogram are the
	// advice's after it came.
	AID, Label, TVR, CVM, PSN, CID, Cryptogram string `json:",omitempty"`

	AdviceAt     time.Time   `json:"advice_at,omitzero"`
	AdviceFinal  mapi.Status `json:"advice_final,omitempty"`
	AdviceReason string      `json:"advice_reason,omitempty"`
	AdviceCode   string      `json:"advice_code,omitempty"`
}

// Entry modes of emvOrder.
const (
	entryChip        = "chip"
	entryContactless = "contactless"
	entryOffline     = "offline" // an E3/E5 sent as the sale itself
)

// §10 timings at Speed 1 and reasons.
const (
	emvWindow        = mapi.AdviceResendWindow // the stage waits this long for the advice
	adviceProcessing = 1 * time.Second         // from the advice to the final status
	correctPIN       = "1234"                  // …0705's PIN
)

// §10 decline reasons and codes, one line each.
const (
	reasonNoConfirmation = "no card confirmation"
	reasonCardDeclined   = "declined by the card"
	reasonCryptogram     = "card cryptogram did not verify"
	reasonIncorrectPIN   = "incorrect PIN"
	codeCryptogram       = "Z1"
	codeIncorrectPIN     = "55"
)

// pinCard needs the online PIN on contact (§7, READER-PROTOCOL.md §12.5).
const pinCard = "4000000000000705"

// stageCard is the issuer decline that still comes to the stage (ARC 05).
const stageCard = "4000000000000002"

// outcome is an order's status at one moment, with the reason of a decline
// and whether it stands at the EMV stage.
type outcome struct {
	Status       mapi.Status `json:"status"`
	Reason, Code string      `json:",omitempty"`
	Stage        bool        `json:"-"`
}

// outcomeAt is the order's status at now: a pure function of the order and
// the time, like the scenario's (a restart answers as before).
func (o *order) outcomeAt(now time.Time) outcome {
	issuerAt := o.sc.finalAt(o.AcceptedAt, o.Scale)
	if now.Before(issuerAt) {
		return outcome{Status: o.sc.Pending}
	}
	if o.Override != nil {
		return *o.Override
	}
	e := o.EMV
	if e == nil || !e.Stage {
		return outcome{Status: o.sc.Final, Reason: o.sc.Reason, Code: o.sc.Code}
	}
	if !e.AdviceAt.IsZero() {
		if now.Before(e.AdviceAt.Add(scaled(adviceProcessing, o.Scale))) {
			return outcome{Status: mapi.StatusProcessing}
		}
		return outcome{Status: e.AdviceFinal, Reason: e.AdviceReason, Code: e.AdviceCode}
	}
	if now.Before(issuerAt.Add(o.window())) {
		return outcome{Status: mapi.StatusProcessing, Stage: true}
	}
	if e.ARC != string(mapi.ResponseApproved) { // nothing to reverse: the issuer's decline stands
		return outcome{Status: mapi.StatusDeclined, Reason: o.sc.Reason, Code: e.ARC}
	}
	return outcome{Status: mapi.StatusDeclined, Reason: reasonNoConfirmation}
}

// window is how long the stage waits for the advice: 60 s scaled by Speed;
// Instant removes delays, not this deadline, so it stays 60 s there.
func (o *order) window() time.Duration {
	if o.Scale <= 0 {
		return emvWindow
	}
	return scaled(emvWindow, o.Scale)
}

// statusAt is outcomeAt's status.
func (o *order) statusAt(now time.Time) mapi.Status { return o.outcomeAt(now).Status }

// finalAt is when the order is final (as far as known now: a stage order
// waiting for its advice is final when the window closes).
func (o *order) finalAt() time.Time {
	at := o.sc.finalAt(o.AcceptedAt, o.Scale)
	e := o.EMV
	switch {
	case o.Override != nil || e == nil || !e.Stage:
		return at
	case !e.AdviceAt.IsZero():
		return e.AdviceAt.Add(scaled(adviceProcessing, o.Scale))
	}
	return at.Add(o.window())
}

// card is a decrypted, checked card-data template of a sale or advice.
type card struct {
	t      *emv.Template
	pan    string
	masked emv.MaskedPAN
}

// msgCardData is the one message a client gets for card data that does not
// decrypt or match: no detail, the detail may describe card data.
const msgCardData = "encrypted-data could not be decrypted or does not match its masked PAN"

// openCard parses and decrypts encrypted-data as READER-PROTOCOL.md §8 says;
// on failure it returns the reply's error-message instead.
func (s *Server) openCard(typ, data string) (*card, string) {
	if typ != emv.EncryptedType {
		return nil, "Unsupported encrypted-type (want " + emv.EncryptedType + ")"
	}
	t, err := emv.ParseTemplateHex(data)
	if err != nil {
		return nil, "Malformed encrypted-data (want the hex of the reader's whole template)"
	}
	d, err := emv.Open(s.opts.BDK, t)
	if err != nil {
		t.Wipe()
		return nil, msgCardData
	}
	return &card{t: t, pan: d.PAN, masked: t.Masked()}, ""
}

// chipOrder decides a chip or contactless sale (MAPI.md §10): the ARQC and
// the PIN are checked, a contact approval (and …0002) comes to the EMV
// stage with a computed 91, an offline E3/E5 is the result itself.
func (s *Server) chipOrder(c *card) (*emvOrder, *outcome) {
	v := c.t.ValueHex
	e := &emvOrder{Entry: entryChip, AID: v(emv.TagAID), Label: v(emv.TagLabel), TVR: v(emv.TagTVR),
		CVM: v(emv.TagCVMResults), PSN: v(emv.TagPSN), CID: v(emv.TagCID), Cryptogram: v(emv.TagCryptogram)}
	if c.t.Contactless() {
		e.Entry = entryContactless
	}
	if c.t.Kind != emv.KindOnline {
		e.Entry = entryOffline
	}
	if err := emv.VerifyCryptogram(s.opts.IMK, c.pan, c.t, nil); err != nil {
		return e, &outcome{Status: mapi.StatusDeclined, Reason: reasonCryptogram, Code: codeCryptogram}
	}
	switch c.t.Kind {
	case emv.KindApproved:
		return e, &outcome{Status: mapi.StatusApproved}
	case emv.KindDeclined:
		return e, &outcome{Status: mapi.StatusDeclined, Reason: reasonCardDeclined}
	}
	if !s.pinOK(c) {
		return e, &outcome{Status: mapi.StatusDeclined, Reason: reasonIncorrectPIN, Code: codeIncorrectPIN}
	}
	sc := scenarioFor(c.pan)
	if e.Entry == entryContactless || (sc.Final != mapi.StatusApproved && c.pan != stageCard) {
		return e, nil // final by the scenario, without the stage
	}
	arc := emv.ARCApproved
	if sc.Final != mapi.StatusApproved {
		arc, _ = emv.ParseARC("05")
	}
	ir, err := emv.IssuerResponse(s.opts.IMK, c.pan, c.t, arc)
	if err != nil {
		return e, &outcome{Status: mapi.StatusDeclined, Reason: reasonCryptogram, Code: codeCryptogram}
	}
	e.Stage, e.ARC, e.IssuerResponse = true, arc.String(), hexU(ir)
	return e, nil
}

// pinOK checks an online PIN block against 1234; …0705 on contact must
// carry one.
func (s *Server) pinOK(c *card) bool {
	block, ksn, ok := c.t.PIN()
	if !ok {
		return c.pan != pinCard || c.t.Contactless()
	}
	pin, err := emv.DecryptPIN(s.opts.BDK, ksn, block, c.pan)
	return err == nil && pin == correctPIN
}

// adviceOutcome decides an advice at the stage: a TC that verifies after
// ARC 00 approves; an AAC after 00 reverses ("declined by the card"); after
// another ARC the issuer's decline stands; a TC that does not verify is Z1.
func (s *Server) adviceOutcome(o *order, c *card) outcome {
	arc, _ := emv.ParseARC(o.EMV.ARC)
	switch {
	case c.t.Kind == emv.KindApproved && emv.VerifyCryptogram(s.opts.IMK, c.pan, c.t, &arc) != nil:
		return outcome{Status: mapi.StatusDeclined, Reason: reasonCryptogram, Code: codeCryptogram}
	case arc != emv.ARCApproved:
		return outcome{Status: mapi.StatusDeclined, Reason: o.sc.Reason, Code: o.EMV.ARC}
	case c.t.Kind == emv.KindApproved:
		return outcome{Status: mapi.StatusApproved}
	}
	return outcome{Status: mapi.StatusDeclined, Reason: reasonCardDeclined}
}

// emvFields are the §10 status fields of a chip or contactless order.
func (o *order) emvFields(out outcome) [][2]string {
	e := o.EMV
	if e == nil {
		return nil
	}
	var kv [][2]string
	add := func(k, v string) {
		if v != "" {
			kv = append(kv, [2]string{k, v})
		}
	}
	if out.Stage {
		add("auth-response-code", e.ARC)
		add("emv-issuer-response", e.IssuerResponse)
	}
	add("emv-terminal-aid-9f06", e.AID)
	add("emv-app-label-50", e.Label)
	add("emv-tvr-95", e.TVR)
	add("emv-cvm-9f34", e.CVM)
	add("emv-pan-sequence-5f34", e.PSN)
	add("emv-cid-9f27", e.CID)
	add("emv-app-cryptogram-9f26", e.Cryptogram)
	return kv
}

// stageName is the order-stage of the EMV stage (MAPI.md §10 decision for
// a preauth).
func (o *order) stageName() string {
	if o.Type == CmdPreauth {
		return "auth_emv_validating"
	}
	return "sale_emv_validating"
}

func hexU(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// advice serves /mapi/v1/emv-advice (MAPI.md §10): the card's E3 or E5
// after CONTINUE, for an order at the EMV stage.
func (s *Server) advice(q *request) reply {
	if err := s.verifyOAuth(q); err != nil {
		return reply{httpStatus: http.StatusForbidden, text: "forbidden: OAuth signature check failed"}
	}
	cid, oid := q.value("client_orderid"), q.value("orderid")
	q.clientOrderID = cid
	var msg string
	switch {
	case q.endpoint != s.opts.EndpointID:
		msg = "Unknown endpoint " + q.endpoint
	case cid == "":
		msg = "Parameter client_orderid is required"
	case oid == "":
		msg = "Parameter orderid is required"
	case q.value("encrypted-data") == "":
		msg = "Parameter encrypted-data is required"
	}
	if msg != "" {
		return validation(codeInvalid, msg, cid, s.newSerial())
	}
	c, bad := s.openCard(q.value("encrypted-type"), q.value("encrypted-data"))
	if c == nil {
		return validation(codeInvalid, bad, cid, s.newSerial())
	}
	defer c.t.Wipe()
	q.card = c.masked.String()
	if c.t.Kind != emv.KindApproved && c.t.Kind != emv.KindDeclined {
		return validation(codeInvalid, "An advice carries the card's E3 or E5 template", cid, s.newSerial())
	}
	s.mu.Lock()
	serial := s.serialLocked()
	o, ok := s.byClient[cid]
	if !ok || o.PaynetOrderID != oid {
		s.mu.Unlock()
		return validation(codeNotFound, "order not found", cid, serial)
	}
	at := now()
	if !o.outcomeAt(at).Stage {
		s.mu.Unlock()
		return validation(codeWrongState, "The order is not at the EMV stage", cid, serial, [2]string{"paynet-order-id", oid})
	}
	if c.masked.First6 != o.First6 || c.masked.Last4 != o.Last4 || len(c.pan) != o.PANLength {
		s.mu.Unlock()
		return validation(codeInvalid, "The advice is for another card", cid, serial, [2]string{"paynet-order-id", oid})
	}
	res := s.adviceOutcome(o, c)
	e, before := o.EMV, *o.EMV
	e.AdviceAt, e.AdviceFinal, e.AdviceReason, e.AdviceCode = at, res.Status, res.Reason, res.Code
	e.CID, e.Cryptogram = c.t.ValueHex(emv.TagCID), c.t.ValueHex(emv.TagCryptogram)
	s.rescheduleLocked(o, at)
	s.mu.Unlock()
	if err := s.save(); err != nil {
		s.mu.Lock()
		*o.EMV = before
		s.rescheduleLocked(o, at)
		s.mu.Unlock()
		return reply{kv: [][2]string{{"type", "error"}, {"serial-number", serial}, {"merchant-order-id", cid},
			{"error-message", "Sandbox could not store the advice; send it again"}, {"error-code", codeInvalid}}}
	}
	s.log.Info("sandbox: advice accepted", "client_orderid", cid, "paynet_order_id", oid, "kind", c.t.Kind.String(), "outcome", string(res.Status))
	return reply{took: true, kv: [][2]string{{"type", "async-response"}, {"serial-number", serial}, {"merchant-order-id", cid},
		{"paynet-order-id", oid}, {"status", string(mapi.StatusProcessing)}}}
}
