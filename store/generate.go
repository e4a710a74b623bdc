package store

import (
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// GenerateDay is how many payments a generated business day has.
const GenerateDay = 5000

// Generate is the bulk generator for benchmarks and load tests: it writes
// a journal of payments payments at path (a new file) through the same
// internal code as Begin, RecordAll, Record, BeginClose and FinishClose
// (codec, chain, indexes), one large transaction per business day of
// GenerateDay payments from 2025-01-01, each day closed by a finished
// close-day except the last, which stays open. A sale gets accepted, final
// and a receipt print; one in 20 is declined (no receipt), one in 10 is a
// preauth; terminal "T-0001", RUB. The days are written without fsync and
// the file is synced once at the end: never use it for a real journal.
func Generate(path string, payments int) error {
	j, err := Open(path, Options{noSync: true})
	if err != nil {
		return err
	}
	base := time.Date(2025, 1, 1, 8, 0, 0, 0, time.Local)
	days := (payments + GenerateDay - 1) / GenerateDay
	for d := 0; d < days; d++ {
		n := min(GenerateDay, payments-d*GenerateDay)
		if err := j.db.Update(func(tx *bolt.Tx) error { return generateDay(tx, base.AddDate(0, 0, d), d, n, d == days-1) }); err != nil {
			_ = j.Close()
			return fmt.Errorf("generating day %d: %w", d, err)
		}
	}
	if err := j.db.Sync(); err != nil {
		_ = j.Close()
		return err
	}
	return j.Close()
}

// generateDay writes one day of n payments, closed unless open.
func generateDay(tx *bolt.Tx, day time.Time, d, n int, open bool) error {
	var at time.Time
	for i := 0; i < n; i++ {
		at = day.Add(time.Duration(i) * 5 * time.Second)
		p := generatedPayment(i)
		if err := prepare(&p, at); err != nil {
			return err
		}
		if err := beginTx(tx, &p, at); err != nil {
			return err
		}
		evs, receipt := saleEvents(d*GenerateDay + i)
		if i%20 == 7 {
			evs = []Event{evs[0], {Type: EventFinal, Status: StatusDeclined, Fields: map[string]string{FieldReason: "declined by issuer"}}}
		} else {
			evs = append(evs, receipt)
		}
		for _, ev := range evs {
			if _, err := applyTx(tx, &p, ev, at.Add(time.Second)); err != nil {
				return err
			}
		}
	}
	if open {
		return flushBacklog(tx) // built fully indexed
	}
	bt, err := beginCloseTx(tx, fmt.Sprintf("close-%d", d), "RUB", "", at)
	if err != nil {
		return err
	}
	return finishClose(tx, &bt, BatchFinished, map[string]string{"status": "finished"}, at.UnixNano())
}

// generatedPayment is the i-th payment of a generated day.
func generatedPayment(i int) Payment {
	k := KindSale
	if i%10 == 9 {
		k = KindPreauth
	}
	return Payment{ClientOrderID: uuid.Must(uuid.NewV7()).String(), Kind: k, AmountMinor: int64(100 + i%997),
		Currency: "RUB", MaskedPAN: fmt.Sprintf("401234****%04d", i%10000), CardScheme: "VISA",
		ReaderSerial: "0123456789", KSN: "FFFF9876543210E00012", TerminalID: "T-0001", CashierID: "cashier-1"}
}

// saleEvents are the events a sale gets after its intent, as the engine
// journals them: accepted and final in one RecordAll, then a receipt print.
func saleEvents(i int) ([]Event, Event) {
	return []Event{
			{Type: EventAccepted, Fields: map[string]string{FieldPaynetOrderID: strconv.Itoa(1000000 + i), FieldSource: "reply"}},
			{Type: EventFinal, Status: StatusApproved, Fields: map[string]string{FieldApprovalCode: "A1B2C3",
				FieldRRN: "512345678901", FieldSerialNumber: "S" + strconv.Itoa(i), FieldSource: "status"}},
		},
		Event{Type: EventReceipt, Fields: map[string]string{FieldCopy: "CUSTOMER COPY"}}
}
