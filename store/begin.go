package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"kassa/mapi/money"
)

func validatePayment(p *Payment) error {
	u, err := uuid.Parse(p.ClientOrderID)
	if err != nil || p.ClientOrderID != u.String() {
		return fmt.Errorf("%w: client_orderid %q is not a lower-case UUID", ErrInvalid, p.ClientOrderID)
	}
	if p.Kind != KindSale && p.Kind != KindPreauth {
		return fmt.Errorf("%w: kind %q", ErrInvalid, p.Kind)
	}
	if p.AmountMinor <= 0 {
		return fmt.Errorf("%w: amount %d", ErrInvalid, p.AmountMinor)
	}
	if _, err := money.Exponent(p.Currency); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if p.Status != "" && p.Status != StatusPending {
		return fmt.Errorf("%w: a new payment starts pending, not %q", ErrInvalid, p.Status)
	}
	if strings.Count(p.MaskedPAN, "*") == 0 && len(strings.TrimSpace(p.MaskedPAN)) > 10 {
		return fmt.Errorf("%w: MaskedPAN must be masked", ErrCardData)
	}
	return nil
}

// Begin journals the write-ahead intent of a new payment and returns only
// after it is fsynced. The payment starts pending; its business day is the
// local date of CreatedAt (Options.Now when zero). It returns ErrExists when
// the client_orderid was used before.
func (j *Journal) Begin(p Payment) error {
	now := j.now()
	if err := prepare(&p, now); err != nil {
		return err
	}
	return j.update(func(tx *bolt.Tx) error { return beginTx(tx, &p, now) })
}

// prepare validates a new payment and sets its derived fields.
func prepare(p *Payment, now time.Time) error {
	if err := validatePayment(p); err != nil {
		return err
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	p.UpdatedAt = p.CreatedAt
	p.Day = p.CreatedAt.Format(dateLayout)
	p.Status = StatusPending
	p.CloseBatch = ""
	p.Events = nil
	return nil
}

// beginTx journals a validated payment's intent in tx.
func beginTx(tx *bolt.Tx, p *Payment, now time.Time) error {
	if tx.Bucket(bPayments).Get(idBytes(p.ClientOrderID)) != nil {
		return fmt.Errorf("payment %s: %w", p.ClientOrderID, ErrExists)
	}
	snap := *p
	snap.seqs = nil
	if _, err := appendPaymentEvent(tx, p, &rec{Type: EventIntent, At: now.UnixNano(),
		Status: StatusPending, Payment: &snap}); err != nil {
		return err
	}
	if err := putPayment(tx, p); err != nil {
		return err
	}
	return setUnresolved(tx, p.ClientOrderID, true)
}
