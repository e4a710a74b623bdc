package pos

import (
	"testing"
	"time"

	"kassa/mapi/sandbox"
)

// BenchmarkChipSale is a full sale through the engine for each way the
// card is presented (issue 12) — swipe, tap (sale → final → CONTINUE to
// end the reader's screen) and insert (sale → EMV stage → CONTINUE → the
// advice journaled and sent → final → removal) — with no artificial delays,
// each against the baseline (one loopback round trip + one fsynced bbolt
// update) measured in the same run after every sale (x-baseline: sale time
// / baseline time). The tap's floor is the swipe's, 2.0; an insert adds two
// round trips (the advice, the status after it) and one fsync (the advice).
func BenchmarkChipSale(b *testing.B) {
	for _, entry := range []string{"swipe", "tap", "insert"} {
		b.Run(entry, func(b *testing.B) { benchPresented(b, entry) })
	}
}

func benchPresented(b *testing.B, entry string) {
	bl := newBaseline(b)
	sb := startSandbox(b, sandbox.Options{Instant: true, CallbackRetry: []time.Duration{10 * time.Millisecond}})
	cfg := testConfig(b, sb.URL, callbackOnly)
	cfg.SimAutoSwipe, cfg.SaleTimeout = time.Microsecond, 5*time.Second
	if entry == "insert" {
		// The simulated customer takes the card out AutoSwipe after the
		// transaction and the next one is inserted AutoSwipe after the
		// reader asks: a microsecond lets the two overlap.
		cfg.SimAutoSwipe = time.Millisecond
	}
	e := startEngine(b, cfg)
	if err := e.Demo().SetCard(cardVisa); err != nil {
		b.Fatal(err)
	}
	if err := e.Demo().SetEntry(entry); err != nil {
		b.Fatal(err)
	}
	vsBaseline(b, bl, func(i int) time.Duration { return timedSale(b, e, i, entry+" sale") })
}
