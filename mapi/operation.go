package mapi

import "strconv"

// Operation is what Kassa does after a payment (MAPI.md §9): capture or
// release a hold, or refund.
type Operation int

// Operations after the payment. The zero value is no operation.
const (
	OpCapture Operation = iota + 1 // /api/v2/capture on an approved preauth
	OpRelease                      // /api/v2/return without amount on an approved preauth
	OpRefund                       // /api/v2/return on an approved sale or capture
)

// operations is the one table per operation: its name (in errors, logs and
// the headless commands' output), its gateway command, the transaction types
// its child shows in status, and the default comment of a return.
var operations = [...]struct {
	name, path, comment string
	types               []TransactionType
}{
	OpCapture: {"capture", "api/v2/capture", "", []TransactionType{TxCapture}},
	OpRelease: {"release", "api/v2/return", DefaultReleaseComment, []TransactionType{TxCancel, TxReversal}}, // §9: reversal accepted on a preauth
	OpRefund:  {"refund", "api/v2/return", DefaultRefundComment, []TransactionType{TxReversal}},
}

func (o Operation) valid() bool { return o >= OpCapture && int(o) < len(operations) }

// String is "capture", "release" or "refund"; "operation(N)" otherwise.
func (o Operation) String() string {
	if !o.valid() {
		return "operation(" + strconv.Itoa(int(o)) + ")"
	}
	return operations[o].name
}

// Produces reports whether a status reply's transaction type t is what o
// makes: capture → capture; release → cancel (or reversal, on a preauth
// order); refund → reversal.
func (o Operation) Produces(t TransactionType) bool {
	if !o.valid() {
		return false
	}
	for _, x := range operations[o].types {
		if x == t {
			return true
		}
	}
	return false
}
