package pos

import (
	"context"
	"testing"

	"kassa/mapi/faultproxy"
	"kassa/mapi/sandbox"
	"kassa/store"
)

// TestCloseDayWrongReply (issue 17, defect D1): a "finished" close-day reply
// that belongs to an earlier close (a proxy or gateway mix-up: the reply does
// not carry the request id) must not be journaled as this close's answer.
// The engine asks again with the same day_close_request_id when the totals
// differ, and records the gateway's stored reply for it.
func TestCloseDayWrongReply(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	px, err := faultproxy.Start(sb.URL, faultproxy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { px.Close() })
	e := startEngine(t, testConfig(t, px.URL(), callbackAndPo))
	pay(t, e, cardVisa, 1000)
	if rep, err := e.CloseDay(context.Background(), false, nil); err != nil || !rep.Agree {
		t.Fatalf("first close: %+v %v", rep, err)
	}
	pay(t, e, cardVisa, 2000)
	px.Arm(faultproxy.OpCloseDay, faultproxy.WrongReply, 1)
	rep, err := e.CloseDay(context.Background(), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Agree || rep.Theirs.SaleSum.Minor != 2000 || len(rep.Differences) != 0 {
		t.Errorf("second close took the first close's reply: agree %v theirs %+v differences %+v", rep.Agree, rep.Theirs, rep.Differences)
	}
	b, err := e.Journal().Batch(rep.RequestID)
	if err != nil || b.Status != store.BatchFinished || b.Reply["saleAmount"] != "20.00" {
		t.Errorf("journaled batch %+v %v, want finished with saleAmount 20.00", b, err)
	}
	if n := px.Injected()[faultproxy.WrongReply]; n != 1 {
		t.Errorf("wrong replies injected %d, want 1", n)
	}
}
