package reliability

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"kassa/mapi/faultproxy"
	"kassa/mapi/sandbox"
	"kassa/pos"
)

// TestSoak runs a stream of payments (10,000 in the full run) through the
// engine, the proxy and the sandbox with a random fault on 8 % of them:
// every outcome is checked against the sandbox's record, and the payment
// time's p99 is reported.
func TestSoak(t *testing.T) {
	n := runs(60, 10000)
	row := newRow(t, fmt.Sprintf("%d payments (sale and preauth, 4 cards) with a random gateway fault on 8 %%", n))
	r := newRigWith(t, sandbox.Options{Speed: 200}, func(c *pos.Config) { c.PollInterval = 10 * time.Millisecond })
	faults := faultproxy.Faults()
	cards := []string{cardVisa, cardMC, cardDeclined, cardVisa, cardSlow}
	var lat []time.Duration
	for i := 0; i < n; i++ {
		kind, cmd := pos.Sale, sandbox.CmdSale
		if i%7 == 3 {
			kind, cmd = pos.Preauth, sandbox.CmdPreauth
		}
		f := faultproxy.None
		if rand.IntN(100) < 8 {
			f = faults[rand.IntN(len(faults))]
			op := string(kind)
			if rand.IntN(3) == 0 {
				op = faultproxy.OpStatus
			}
			r.px.Arm(op, f, 1)
			row.add(&row.Faults, 1)
		}
		start := time.Now()
		shown, _ := r.pay(t, kind, cards[rand.IntN(len(cards))], int64(1+rand.IntN(100000)))
		lat = append(lat, time.Since(start))
		r.px.Disarm()
		row.add(&row.Runs, 1)
		if shown.ClientOrderID == "" {
			continue // refused before the journal: checked below against the sandbox's orders
		}
		final := shown
		if !final.Status.Final() {
			final = r.settle(t, shown.ClientOrderID, 15*time.Second)
		}
		count(t, row, fmt.Sprintf("soak %d (%v)", i, f), r.judge(cmd, shown.ClientOrderID, shown, final))
	}
	for _, o := range r.sb.Server.Orders() {
		if _, err := r.e.Payment(o.ClientOrderID); err != nil {
			row.fail(t, "soak: the sandbox has %s, the journal does not", o.ClientOrderID)
		}
	}
	if _, _, err := r.e.Journal().Verify(); err != nil {
		row.fail(t, "soak: chain: %v", err)
	}
	row.P99ms = p99(lat)
	row.Note = "p99: one payment, card read to final answer"
}
