package pos

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"kassa/mapi/sandbox"
	"kassa/pos/receipt"
)

// model is what the test itself counted for the open day.
type model struct {
	approved, declined, failed int64
	sales, saleSum             int64
	preauths, preauthSum       int64
	refunds, refundSum         int64
	captures, holds            int64
	schemes                    map[Scheme][2]int64
}

func (m *model) add(kind Kind, card string, v PaymentView) {
	switch v.Status {
	case StatusApproved:
		m.approved++
		if kind == Preauth {
			m.preauths++
			m.preauthSum += v.Amount.Minor
			m.holds++
		} else {
			m.sales++
			m.saleSum += v.Amount.Minor
		}
		s := SchemeOf(card[:6]+"******"+card[12:], "")
		c := m.schemes[s]
		m.schemes[s] = [2]int64{c[0] + 1, c[1] + v.Amount.Minor}
	case StatusDeclined, StatusFiltered:
		m.declined++
	case StatusFailed:
		m.failed++
	}
}

// child refunds an approved sale (whole or part) or captures an approved
// preauth's whole hold, and counts it when the bank approves.
func (m *model) child(t *testing.T, e *Engine, kind Kind, v PaymentView) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if kind == Preauth {
		c, err := e.Capture(ctx, v.ClientOrderID, Amount{}, "test capture")
		if err == nil && c.Status == StatusApproved {
			m.captures, m.holds = m.captures+1, m.holds-1
			m.sales, m.saleSum = m.sales+1, m.saleSum+c.Amount.Minor
		}
		return
	}
	part := Amount{Minor: v.Amount.Minor / 2, Currency: "RUB"}
	c, err := e.Refund(ctx, v.ClientOrderID, part, "test refund")
	if err == nil && c.Status == StatusApproved {
		m.refunds, m.refundSum = m.refunds+1, m.refundSum+c.Amount.Minor
	}
}

// check compares the X report's terminal currency with the model.
func (m *model) check(t *testing.T, x XReport, day int) {
	t.Helper()
	c := x.Currencies[0]
	o := c.Totals
	if c.Currency != "RUB" || c.Approved != m.approved || c.Declined != m.declined || c.Failed != m.failed ||
		o.SaleCount != m.sales || o.SaleSum.Minor != m.saleSum || o.PreauthCount != m.preauths || o.PreauthSum.Minor != m.preauthSum ||
		o.ReversalCount != m.refunds || o.ReversalSum.Minor != m.refundSum || c.Refunds != m.refunds || c.Captures != m.captures ||
		c.OpenHolds != m.holds || c.Unknown != 0 {
		t.Fatalf("day %d: X %+v, model %+v", day, c, *m)
	}
	var n, sum int64
	for _, s := range c.Schemes {
		want := m.schemes[s.Scheme]
		if s.Count != want[0] || s.Sum.Minor != want[1] {
			t.Errorf("day %d: scheme %s: %d/%d, want %v", day, s.Scheme, s.Count, s.Sum.Minor, want)
		}
		n, sum = n+s.Count, sum+s.Sum.Minor
	}
	if n != m.approved {
		t.Errorf("day %d: schemes add up to %d/%d", day, n, sum)
	}
}

// TestXAndZTotalsEqualJournal is a property test over random days of
// sales, preauths, declines, refunds and captures (issue 11):
// the X report equals what the test counted, the close-day (Z) sends
// exactly the X report's totals, and the past Z list shows them again.
func TestXAndZTotalsEqualJournal(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	sb := startSandbox(t, sandbox.Options{})
	e := startEngine(t, testConfig(t, sb.URL, callbackAndPo))
	cards := []string{cardVisa, cardMC, cardMir, cardDeclined, cardError, cardFiltered}
	for day := 0; day < 3; day++ {
		m := &model{schemes: map[Scheme][2]int64{}}
		for i, n := 0, 1+rng.IntN(6); i < n; i++ {
			card, kind := cards[rng.IntN(len(cards))], Sale
			if rng.IntN(4) == 0 {
				kind = Preauth
			}
			if err := e.Demo().SetCard(card); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			v, err := e.Pay(ctx, kind, Amount{Minor: int64(100 + rng.IntN(100000)), Currency: "RUB"}, "")
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			m.add(kind, card, v)
			if v.Status == StatusApproved && rng.IntN(2) == 0 {
				m.child(t, e, kind, v)
			}
		}
		x, err := e.XReport()
		if err != nil {
			t.Fatal(err)
		}
		m.check(t, x, day)
		t.Logf("day %d: %d approved, %d declined, %d failed, %d refunds, %d captures, %d open holds", day,
			m.approved, m.declined, m.failed, m.refunds, m.captures, m.holds)
		rep, err := e.CloseDay(context.Background(), false, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Ours != x.Currencies[0].Totals {
			t.Fatalf("day %d: Z %+v, X %+v", day, rep.Ours, x.Currencies[0].Totals)
		}
		past, err := e.PastZReports()
		if err != nil || past[0].Report.RequestID != rep.RequestID || past[0].Report.Ours != rep.Ours || past[0].Report.ChainHead != rep.ChainHead {
			t.Fatalf("day %d: past Z %+v, closed %+v (%v)", day, past[0].Report, rep, err)
		}
		one, err := e.PastZReport(rep.RequestID)
		if err != nil || one.Tally == nil || !sameTally(*one.Tally, x.Currencies[0]) {
			t.Fatalf("day %d: past Z tally %+v, X %+v (%v)", day, one.Tally, x.Currencies[0], err)
		}
		if after, _ := e.XReport(); after.Currencies[0].Approved != 0 || after.Currencies[0].Declined != 0 {
			t.Fatalf("day %d: X after the close %+v", day, after.Currencies[0])
		}
	}
}

// sameTally compares every figure of two tallies.
func sameTally(a, b Tally) bool {
	if a.Totals != b.Totals || a.Approved != b.Approved || a.Declined != b.Declined || a.Failed != b.Failed ||
		a.Unknown != b.Unknown || a.Refunds != b.Refunds || a.Captures != b.Captures || a.OpenHolds != b.OpenHolds {
		return false
	}
	for i := range a.Schemes {
		if a.Schemes[i] != b.Schemes[i] {
			return false
		}
	}
	return len(a.Schemes) == len(b.Schemes)
}

// TestSchemeOf: the BIN decides, else the named scheme.
func TestSchemeOf(t *testing.T) {
	for _, c := range []struct {
		pan, scheme string
		want        Scheme
	}{
		{"411111******1111", "", SchemeVisa},
		{"555555******4444", "", SchemeMastercard},
		{"222100******0000", "", SchemeMastercard},
		{"220000******0004", "", SchemeMIR},
		{"220400******0004", "VISA", SchemeMIR},
		{"371449******8431", "", SchemeOther},
		{"601100******0000", "", SchemeOther},
		{"", "Mastercard", SchemeMastercard},
		{"", "МИР", SchemeMIR},
		{"", "", SchemeOther},
	} {
		if got := SchemeOf(c.pan, c.scheme); got != c.want {
			t.Errorf("SchemeOf(%q, %q) = %s, want %s", c.pan, c.scheme, got, c.want)
		}
	}
}

// TestPastZReprintIsCopy: a past Z report reprints stamped as a copy, and
// the print is journaled.
func TestPastZReprintIsCopy(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	e := startEngine(t, testConfig(t, sb.URL, callbackAndPo))
	pay(t, e, cardVisa, 1042)
	pay(t, e, cardDeclined, 500)
	pv, err := e.PreviewCloseDay()
	if err != nil || pv.Empty || pv.Tally.Declined != 1 || pv.Tally.Schemes[0].Count != 1 {
		t.Fatalf("preview %+v %v", pv, err)
	}
	rep, err := e.CloseDay(context.Background(), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pv, _ := e.PreviewCloseDay(); !pv.Empty {
		t.Error("a day with nothing to send is not empty")
	}
	said := false
	if _, err := e.CloseDay(context.Background(), false, func(r Reason) { said = said || r.Cause == CauseDayEmpty }); err != nil || !said {
		t.Errorf("closing an empty day does not say it has nothing to send (%v)", err)
	}
	if _, err := e.PrintZCopy(context.Background(), rep.RequestID, nil); err != nil {
		t.Fatalf("reprint: %v", err)
	}
	past, err := e.PastZReport(rep.RequestID)
	if err != nil || past.Tally == nil || past.Tally.Approved != 1 || past.Tally.Declined != 1 || past.Tally.Schemes[0].Count != 1 ||
		past.Tally.Totals != rep.Ours {
		t.Fatalf("past Z tally %+v %v", past.Tally, err)
	}
	z, err := e.ZCopy(rep.RequestID)
	if err != nil || !z.Copy {
		t.Fatalf("reprint %+v %v", z, err)
	}
	text := z.Text()
	if strings.Count(text, receipt.CopyBanner) != 2 || !strings.Contains(text, rep.RequestID) || !strings.Contains(text, "10.42") {
		t.Errorf("reprint:\n%s", text)
	}
	if first := e.ZReport(rep).Text(); strings.Contains(first, receipt.CopyBanner) {
		t.Error("the first Z report is stamped as a copy")
	}
	job, err := z.ESCPOS(receipt.PrintOptions{})
	if err != nil || !strings.Contains(string(job.Bytes), receipt.CopyBanner) {
		t.Errorf("ESC/POS copy: %v", err)
	}
}
