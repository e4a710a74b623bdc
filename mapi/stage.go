package mapi

// OrderStage is what Kassa reads from a status reply's order-stage (MAPI.md
// §10): the EMV stage, at which a contact card must be continued, or any
// other stage (shown, never acted on; the text stays in
// StatusResult.OrderStage).
type OrderStage int

// Order stages.
const (
	StageNone          OrderStage = iota // no order-stage in the reply
	StageEMVValidating                   // the issuer answered; continue the chip card and send the advice
	StageOther                           // any other stage
)

// orderStages is the one table of stage names Kassa acts on, one line each.
var orderStages = map[string]OrderStage{
	"":                          StageNone,
	"sale_emv_validating":       StageEMVValidating,
	"auth_emv_validating":       StageEMVValidating, // the sandbox's preauth stage (MAPI.md §10 decision)
	"auth_card_chip_validating": StageEMVValidating, // also taken for a preauth (MAPI.md §10)
}

// ParseOrderStage reads an order-stage value; unknown names are StageOther.
func ParseOrderStage(s string) OrderStage {
	if st, ok := orderStages[s]; ok {
		return st
	}
	return StageOther
}

// String names the stage: "none", "emv-validating" or "other".
func (s OrderStage) String() string {
	switch s {
	case StageNone:
		return "none"
	case StageEMVValidating:
		return "emv-validating"
	}
	return "other"
}
