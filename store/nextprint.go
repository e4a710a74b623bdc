package store

import (
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// NextPrint tells, without writing anything, which print of the receipt
// copy copyName of payment id the next receipt event would be: 1 for the
// original, 2 and more for a DUPLICATE. Record numbers the print itself in
// its own transaction; a caller that renders before journaling (a receipt
// is journaled only once it is on paper) asks here first and keeps its
// prints of one payment to one at a time. ErrNotFound for an unknown id.
func (j *Journal) NextPrint(id, copyName string) (int, error) {
	return j.NextChildPrint(id, "", copyName)
}

// NextChildPrint is NextPrint for the receipt of a payment's capture or
// refund (issue 11): its prints are numbered apart, per child and copy.
// An empty child is the payment's own receipt.
func (j *Journal) NextChildPrint(id, child, copyName string) (int, error) {
	if strings.TrimSpace(copyName) == "" {
		return 0, fmt.Errorf("%w: a receipt print names its copy", ErrInvalid)
	}
	var n int
	err := j.view(func(tx *bolt.Tx) error {
		p, err := getPayment(tx, id, false)
		if err != nil {
			return err
		}
		evs, err := paymentEvents(tx, &p)
		if err != nil {
			return err
		}
		n = nextPrint(evs, copyName, child)
		return nil
	})
	return n, err
}

// nextPrint is the number the next print of copyName (of child, "" the
// payment's own receipt) gets after evs.
func nextPrint(evs []Event, copyName, child string) int {
	n := 1
	for _, e := range evs {
		if isPrint(e.Type, e.Fields, copyName) && e.Fields[FieldChild] == child {
			n++
		}
	}
	return n
}
