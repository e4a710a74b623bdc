package pos

import (
	"context"
	"time"

	"kassa/mapi"
	"kassa/store"
)

// Operation is what Kassa does after a payment (MAPI.md §9): capture or
// release a preauth's hold, or refund a sale or a capture.
type Operation string

// The operations after a payment; the words are the headless commands' and
// the journal's.
const (
	Capture Operation = "capture"
	Release Operation = "release"
	Refund  Operation = "refund"
)

// Operations lists the three operations.
func Operations() []Operation { return []Operation{Capture, Release, Refund} }

// mapiOp is the gateway's operation.
func (o Operation) mapiOp() mapi.Operation {
	switch o {
	case Capture:
		return mapi.OpCapture
	case Release:
		return mapi.OpRelease
	}
	return mapi.OpRefund
}

// ChildView is one capture, release or refund of a payment, as the engine
// reports it. A local refusal (nothing journaled, nothing sent) comes as an
// error with a view whose ID is empty and whose Ledger is the payment's.
type ChildView struct {
	ClientOrderID string    // the payment's client_orderid
	ID            string    // "1", "2", …: the child among its payment's; "" when refused locally
	Operation     Operation //
	Status        Status    // StatusPending (in flight), Approved, Declined, Failed (not done), Unknown
	Amount        Amount    // what it moves (release: the held amount)
	Whole         bool      // sent without an amount (the whole hold, or all that was left)
	Reason        Reason    // why it stands where it does
	Comment       string    // the cashier's reason (the return's comment)
	Who           string    // who asked for it
	SerialNumber  string    // the request's serial number, once known
	CreatedAt     time.Time //
	UpdatedAt     time.Time //
	Ledger        Ledger    // the payment's figures now
}

// Final reports whether the child has a final status.
func (c ChildView) Final() bool { return c.Status.Final() }

// Ledger is what a payment is worth after its approved children.
type Ledger struct {
	Kind      Kind
	Amount    Amount    // the payment's own amount (a preauth's: the held amount)
	Captured  Amount    // the approved capture (zero: none)
	Refunded  Amount    // the approved refunds' sum
	Remaining Amount    // what may still be refunded
	HoldOpen  bool      // an approved preauth neither captured nor released
	Released  bool      // the hold was released (or captured: the rest is released)
	ExpiresAt time.Time // a preauth's hold end (zero for a sale)
	Busy      bool      // a child is not final yet
}

// Hold is an open hold: an approved preauth neither captured nor released.
type Hold struct {
	Payment   PaymentView
	Age       time.Duration // since the preauth
	ExpiresAt time.Time     // the end of the hold period
	Left      time.Duration // time left (negative: expired)
	Expiring  bool          // within HoldWarning of the end (amber)
	Expired   bool          // past the end (red): capture and release are refused
	Busy      bool          // a capture or release of it is not final yet
}

// ChildGateway is what the engine needs of the gateway for children;
// *mapi.Client is one. A Gateway without it refuses children (CauseConfig).
type ChildGateway interface {
	Capture(ctx context.Context, req mapi.CaptureRequest) (*mapi.Accepted, error)
	Return(ctx context.Context, req mapi.ReturnRequest) (*mapi.Accepted, error)
}

// actorKey is the context key of WithActor.
type actorKey struct{}

// WithActor returns ctx naming who asks for a capture, release or refund
// (a manager's or cashier's name; it is journaled with the child).
func WithActor(ctx context.Context, who string) context.Context {
	return context.WithValue(ctx, actorKey{}, who)
}

func actorOf(ctx context.Context) string {
	s, _ := ctx.Value(actorKey{}).(string)
	return s
}

// ledgerOf is a journal payment's Ledger (hold period hold).
func ledgerOf(p store.Payment, kids []store.Child, hold time.Duration) Ledger {
	l := store.LedgerOf(p, kids)
	cur := p.Currency
	out := Ledger{Kind: Kind(p.Kind), Amount: Amount{Minor: p.AmountMinor, Currency: cur},
		Captured: Amount{Minor: l.Captured, Currency: cur}, Refunded: Amount{Minor: l.Refunded, Currency: cur},
		Remaining: Amount{Minor: max(l.Refundable, 0), Currency: cur}, Released: l.Released, Busy: l.Open != nil}
	if p.Kind == store.KindPreauth {
		out.ExpiresAt = p.CreatedAt.Add(hold)
		out.HoldOpen = p.Status == store.StatusApproved && !l.Released
	}
	if p.Status != store.StatusApproved {
		out.Remaining = Amount{Currency: cur}
	}
	return out
}

// childViewOf turns a journal child into a ChildView.
func childViewOf(c store.Child, l Ledger) ChildView {
	v := ChildView{ClientOrderID: c.ParentID, ID: c.ID, Operation: Operation(c.Operation), Status: StatusOf(c.Status),
		Amount: Amount{Minor: c.AmountMinor, Currency: c.Currency}, Whole: c.Whole, Comment: c.Reason, Who: c.Who,
		SerialNumber: c.SerialNumber, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Ledger: l}
	r, ok := Reason{}, false
	if c.Fields != nil {
		r, ok = eventReason(store.Event{Fields: c.Fields})
	}
	switch {
	case ok && (r.Cause.Unknown() == (v.Status == StatusUnknown)):
		v.Reason = r
	case v.Status == StatusApproved:
		v.Reason = Reason{Cause: CauseChildDone}
	case v.Status == StatusUnknown:
		v.Reason = Reason{Cause: CauseChildNoReply}
	case v.Status.Final():
		v.Reason = Reason{Cause: CauseChildDeclined, Code: c.Fields[fCode], Message: c.Fields[fMessage]}
	default:
		v.Reason = Reason{Cause: CauseChildProcessing}
	}
	return v
}
