package reliability

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"kassa/mapi/faultproxy"
	"kassa/pos"
	"kassa/pos/demo"
)

// jumpClock is a wall clock that can jump: time.Now plus an offset, without
// a monotonic reading (like a clock the system set).
type jumpClock struct{ offset atomic.Int64 }

func (c *jumpClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())).Round(0) }

func (c *jumpClock) jump(d time.Duration) { c.offset.Add(int64(d)) }

// TestClockJumps moves the engine's wall clock back and forward by hours
// while payments are being resolved by polling, across a restart, and
// around close day: waits and the not-found grace follow the monotonic
// clock (payments resolve on time), business days and hold expiry follow
// the wall clock, close day's totals stay right.
func TestClockJumps(t *testing.T) {
	n := runs(1, 20)
	row := newRow(t, fmt.Sprintf("wall clock ±5 h–8 days during polling, after a restart, around close day and a hold's expiry, × %d", n))
	for i := 0; i < n; i++ {
		clockPolling(t, row, i)
		clockRestart(t, row, i)
		clockCloseDay(t, row, i)
		clockHold(t, row, i)
	}
}

// clockHold: a preauth, the clock 8 days forward (past the 7-day hold): a
// capture is refused locally and nothing is sent; the clock back to 5 h
// before the preauth: the capture goes through.
func clockHold(t *testing.T, row *row, i int) {
	clk := &jumpClock{}
	r := clockRig(t, clk, func(c *pos.Config) { c.HoldPeriod = 7 * 24 * time.Hour })
	v, err := r.pay(t, pos.Preauth, cardVisa, int64(1500+i))
	if err != nil || v.Status != pos.StatusApproved {
		t.Fatalf("preauth: %v %v", v.Status, err)
	}
	clk.jump(8 * 24 * time.Hour)
	c, err := childOp(r, pos.Capture, v.ClientOrderID)
	row.add(&row.Runs, 1)
	row.add(&row.Faults, 1)
	if pos.ReasonOf(err).Cause != pos.CauseChildHoldExpired || c.ID != "" || len(r.sb.Server.Accepted("capture", v.ClientOrderID)) != 0 {
		row.fail(t, "capture 8 days on: %+v %v, want refused as expired, nothing sent", c.Status, err)
	}
	clk.jump(-8*24*time.Hour - 5*time.Hour)
	c, err = childOp(r, pos.Capture, v.ClientOrderID)
	row.add(&row.Runs, 1)
	row.add(&row.Faults, 1)
	if err != nil || c.Status != pos.StatusApproved {
		row.fail(t, "capture with the clock 5 h back: %v %v", c.Status, err)
	}
}

// clockRig is a rig whose engine reads clk.
func clockRig(t *testing.T, clk *jumpClock, edit func(*pos.Config)) *rig {
	r := newRig(t, edit)
	r.e.Close()
	e, err := demo.Start(context.Background(), r.cfg, logger(), pos.WithClock(clk.now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if err := e.WaitRecovered(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.e = e
	return r
}

// clockPolling: a slow sale and a sale that never reached the bank, with
// the clock jumping back then forward while they are polled.
func clockPolling(t *testing.T, row *row, i int) {
	clk := &jumpClock{}
	r := clockRig(t, clk, nil)
	jumps := []time.Duration{-5 * time.Hour, 5 * time.Hour}
	for k, card := range []string{cardSlow, cardVisa} {
		f := faultproxy.None
		if card == cardVisa {
			f = faultproxy.ResetBefore // unknown, the bank never had it: not charged after the grace
		}
		r.px.Arm(faultproxy.OpSale, f, 1)
		go func() { time.Sleep(50 * time.Millisecond); clk.jump(jumps[(i+k)%2]) }()
		start := time.Now()
		shown, _ := r.pay(t, pos.Sale, card, int64(700+10*i+k))
		row.add(&row.Runs, 1)
		row.add(&row.Faults, 1)
		if shown.ClientOrderID == "" {
			row.fail(t, "clock polling: the sale was not journaled")
			continue
		}
		final := r.settle(t, shown.ClientOrderID, 10*time.Second)
		count(t, row, fmt.Sprintf("clock polling %s", card), r.judge("sale", shown.ClientOrderID, shown, final))
		if took := time.Since(start); took > 8*time.Second {
			row.fail(t, "clock polling %s: resolved after %s", card, took)
		}
	}
}

// clockRestart: a payment left unknown (never reached the bank), Kassa
// stopped, the clock set back 5 h, Kassa started: it is resolved after the
// grace period, not 5 h later.
func clockRestart(t *testing.T, row *row, i int) {
	clk := &jumpClock{}
	r := clockRig(t, clk, func(c *pos.Config) { c.NotFoundGrace = 1500 * time.Millisecond })
	r.px.Arm(faultproxy.OpSale, faultproxy.ResetBefore, 1)
	shown, _ := r.pay(t, pos.Sale, cardVisa, int64(800+i))
	r.e.Close()
	row.add(&row.Runs, 1)
	row.add(&row.Faults, 1)
	clk.jump(-5 * time.Hour)
	e, err := demo.Start(context.Background(), r.cfg, logger(), pos.WithClock(clk.now))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	r.e = e
	final := r.settle(t, shown.ClientOrderID, 8*time.Second)
	count(t, row, "clock back across a restart", r.judge("sale", shown.ClientOrderID, shown, final))
}

// clockCloseDay: sales, the clock 30 h forward, close day; a sale, the
// clock 80 h back, close day: totals agree, Today follows the wall clock.
func clockCloseDay(t *testing.T, row *row, i int) {
	clk := &jumpClock{}
	r := clockRig(t, clk, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for k, jump := range []time.Duration{30 * time.Hour, -80 * time.Hour} {
		for s := 0; s <= k; s++ {
			if v, err := r.pay(t, pos.Sale, cardVisa, int64(900+100*i+s)); err != nil || v.Status != pos.StatusApproved {
				t.Fatalf("sale: %v %v", v.Status, err)
			}
		}
		clk.jump(jump)
		if today, _ := r.e.Today(); len(today) != 0 {
			row.fail(t, "clock %v: Today lists %d payments of another day", jump, len(today))
		}
		rep, err := r.e.CloseDay(ctx, false, nil)
		row.add(&row.Runs, 1)
		row.add(&row.Faults, 1)
		if err != nil || !rep.Agree || rep.Ours.SaleCount != int64(k+1) {
			row.fail(t, "close day after the clock moved %v: agree %v, ours %d sales: %v", jump, rep.Agree, rep.Ours.SaleCount, err)
		}
	}
}
