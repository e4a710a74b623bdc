package mapi

// TransactionType is the kind of transaction a status reply describes
// (transaction-type, MAPI.md §4, §9): the order's own sale or preauth, or a
// child made by capture or return.
type TransactionType int

// Transaction types. TxNone is a reply without transaction-type; TxOther a
// value Kassa does not know (kept in StatusResult.Raw).
const (
	TxNone TransactionType = iota
	TxSale
	TxPreauth
	TxCapture
	TxCancel
	TxReversal
	TxVoid
	TxChargeback
	TxOther
)

// transactionTypes is the one table of wire names, one line per type.
var transactionTypes = [...]string{
	TxNone:       "",
	TxSale:       "sale",
	TxPreauth:    "preauth",
	TxCapture:    "capture",
	TxCancel:     "cancel",
	TxReversal:   "reversal",
	TxVoid:       "void",
	TxChargeback: "chargeback",
	TxOther:      "other",
}

// String is the wire name ("capture"); "" for TxNone.
func (t TransactionType) String() string {
	if t < 0 || int(t) >= len(transactionTypes) {
		return "other"
	}
	return transactionTypes[t]
}

// ParseTransactionType reads a transaction-type value: "" is TxNone, an
// unknown name TxOther (never an error: the gateway may add types).
func ParseTransactionType(s string) TransactionType {
	for t, name := range transactionTypes {
		if name == s && TransactionType(t) != TxOther {
			return TransactionType(t)
		}
	}
	return TxOther
}

// Child reports whether t is a child of an order (capture, cancel,
// reversal, void, chargeback), not the order's own sale or preauth.
func (t TransactionType) Child() bool {
	switch t {
	case TxCapture, TxCancel, TxReversal, TxVoid, TxChargeback:
		return true
	}
	return false
}
