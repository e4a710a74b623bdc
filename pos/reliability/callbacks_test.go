package reliability

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"kassa/mapi"
	"kassa/pos"
)

// TestCallbackStorm fires forged, replayed, tampered, oversized and
// malformed callbacks (≥ 10,000 in the full run) at the engine's listener
// while real sales run that only callbacks resolve (polling is off): none
// is accepted (a replay of a genuine callback is answered 200 and changes
// nothing), every genuine callback is still handled, the listener's p99
// stays ≤ 50 ms and the heap is flat.
func TestCallbackStorm(t *testing.T) {
	attacks, sales := runs(1000, 10000), runs(4, 40)
	r := newRig(t, func(c *pos.Config) {
		c.CallbackListen, c.PollInterval, c.ResultWait = "127.0.0.1:0", time.Hour, 20*time.Second
	})
	row := newRow(t, fmt.Sprintf("%d hostile callbacks at the listener during %d callback-resolved sales", attacks, sales))
	heapBefore := heap()
	st := &storm{url: r.e.CallbackURL(), hc: &http.Client{Timeout: 5 * time.Second}}
	st.genuine = r.genuineCallback(t) // one approved payment to replay and tamper with
	replayed := st.genuine.Get("client_orderid")
	if p, err := r.e.Journal().Get(replayed); err == nil {
		st.events = len(p.Events)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() { defer wg.Done(); st.fire(t, attacks/4) }()
	}
	go func() { wg.Wait(); close(done) }()
	for i := 0; i < sales; i++ {
		v, err := r.pay(t, pos.Sale, cardSlow, int64(1000+i))
		row.add(&row.Runs, 1)
		o, _ := r.sb.Server.Order(v.ClientOrderID)
		if err != nil || v.Status != pos.StatusApproved || o.CallbacksDelivered == 0 {
			row.fail(t, "genuine sale %d: %v %v (callbacks delivered %d)", i, v.Status, err, o.CallbacksDelivered)
		}
	}
	<-done
	if got, err := r.e.Journal().Get(replayed); err != nil || len(got.Events) != st.events {
		row.fail(t, "the replayed payment's journal changed: %d events, was %d (%v)", len(got.Events), st.events, err)
	}
	r.e.Close()
	heapAfter := heap()
	row.Faults = int(st.sent.Load())
	row.P99ms = p99(st.lat)
	row.Note = fmt.Sprintf("heap %.1f → %.1f MiB; accepted %d", mib(heapBefore), mib(heapAfter), st.accepted.Load())
	row.add(&row.Wrong, int(st.accepted.Load()))
	if st.accepted.Load() > 0 {
		t.Errorf("%d hostile callbacks accepted", st.accepted.Load())
	}
	// The p99 is a figure of the full run (docs/RELIABILITY.md), checked
	// there; CI's short run under -race on a shared machine only reports it.
	if full() && row.P99ms > 50 {
		t.Errorf("listener p99 %.1f ms > 50 ms", row.P99ms)
	}
	if heapAfter > heapBefore+16<<20 {
		t.Errorf("heap grew %s", row.Note)
	}
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// genuineCallback takes an approved payment and returns the callback the
// gateway sends for it (the suite knows the control key).
func (r *rig) genuineCallback(t *testing.T) url.Values {
	v, err := r.pay(t, pos.Sale, cardVisa, 999)
	if err != nil || v.Status != pos.StatusApproved {
		t.Fatalf("payment to replay: %v %v", v.Status, err)
	}
	q := url.Values{"status": {"approved"}, "orderid": {v.PaynetOrderID}, "client_orderid": {v.ClientOrderID},
		"merchant_order": {v.ClientOrderID}, "type": {"sale"}, "amount": {"9.99"}}
	q.Set("control", mapi.CallbackControl("approved", v.PaynetOrderID, v.ClientOrderID, mapi.Secret(r.cfg.ControlKey)))
	return q
}

// storm fires hostile callbacks and keeps the figures.
type storm struct {
	url      string
	hc       *http.Client
	genuine  url.Values
	events   int
	mu       sync.Mutex
	lat      []time.Duration
	sent     counter
	accepted counter
}

type counter struct {
	mu sync.Mutex
	n  int64
}

func (c *counter) Add(d int64) { c.mu.Lock(); c.n += d; c.mu.Unlock() }
func (c *counter) Load() int64 { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

// fire sends n hostile callbacks of every kind in turn.
func (s *storm) fire(t *testing.T, n int) {
	for i := 0; i < n; i++ {
		method, target, hostile := s.attack(i)
		start := time.Now()
		req, _ := http.NewRequest(method, target, nil)
		resp, err := s.hc.Do(req)
		d := time.Since(start)
		s.sent.Add(1)
		if err != nil {
			continue // a refused oversized request is fine
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		s.mu.Lock()
		s.lat = append(s.lat, d)
		s.mu.Unlock()
		if hostile && resp.StatusCode == http.StatusOK {
			s.accepted.Add(1)
		}
	}
}

// attack is the i-th hostile request: method, URL, and whether a 200 would
// mean it was accepted (a replay of a genuine callback is answered 200).
func (s *storm) attack(i int) (string, string, bool) {
	g := s.genuine
	q := url.Values{}
	for k, v := range g {
		q[k] = append([]string(nil), v...)
	}
	switch i % 8 {
	case 0: // forged: random ids, random control
		q.Set("orderid", fmt.Sprint(rand.IntN(1e9)))
		q.Set("client_orderid", fmt.Sprintf("%08x-0000-4000-8000-%012x", rand.Uint32(), rand.Uint64()>>16))
		q.Set("control", fmt.Sprintf("%040x", rand.Uint64()))
	case 1: // replayed: the genuine callback again
		return http.MethodGet, s.url + "?" + q.Encode(), false
	case 2: // tampered: declined with the approved control
		q.Set("status", "declined")
	case 3: // tampered: another gateway order id
		q.Set("orderid", fmt.Sprint(rand.IntN(1e9)))
	case 4: // oversized
		q.Set("merchantdata", strings.Repeat("A", 70<<10))
	case 5: // malformed: no control
		q.Del("control")
	case 6: // malformed: bad encoding and a repeated status
		return http.MethodGet, s.url + "?status=approved&status=declined&control=%zz&" + q.Encode(), true
	case 7: // malformed: POST with a body-less form
		return http.MethodPost, s.url + "?" + q.Encode() + "&x=" + fmt.Sprint(rand.IntN(10)), true
	}
	return http.MethodGet, s.url + "?" + q.Encode(), true
}
