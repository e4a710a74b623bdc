package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kassa/device/emv"
	"kassa/device/sred"
	"kassa/mapi"
)

// pct is an independent RFC 3986 percent-encoder (not mapi's).
func pct(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// handSign is an independent OAuth 1.0a HMAC-SHA1 signer built from RFC 5849
// and MAPI.md §2 by hand, so the sandbox is not only checked against mapi's
// own signer. It returns the Authorization header and the raw signature.
func handSign(method, normURL string, form url.Values, login, key, nonce string, ts int64) (string, string) {
	oauth := [][2]string{
		{"oauth_consumer_key", login}, {"oauth_nonce", nonce}, {"oauth_signature_method", "HMAC-SHA1"},
		{"oauth_timestamp", strconv.FormatInt(ts, 10)}, {"oauth_version", "1.0"},
	}
	var pairs [][2]string
	for k, vs := range form {
		for _, v := range vs {
			pairs = append(pairs, [2]string{pct(k), pct(v)})
		}
	}
	for _, p := range oauth {
		pairs = append(pairs, [2]string{pct(p[0]), pct(p[1])})
	}
	sort.Slice(pairs, func(i, j int) bool { // by encoded name, then encoded value
		if pairs[i][0] != pairs[j][0] {
			return pairs[i][0] < pairs[j][0]
		}
		return pairs[i][1] < pairs[j][1]
	})
	joined := make([]string, len(pairs))
	for i, p := range pairs {
		joined[i] = p[0] + "=" + p[1]
	}
	base := method + "&" + pct(normURL) + "&" + pct(strings.Join(joined, "&"))
	mac := hmac.New(sha1.New, []byte(pct(key)+"&"))
	mac.Write([]byte(base))
	sig := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	h := `OAuth realm=""`
	for _, p := range append(oauth, [2]string{"oauth_signature", sig}) {
		h += fmt.Sprintf(`, %s="%s"`, p[0], pct(p[1]))
	}
	return h, sig
}

// checkLeaks fails the test if goroutines started during it outlive it.
func checkLeaks(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("goroutines: %d before, %d after Close\n%s", before, n, buf)
				return
			}
			http.DefaultClient.CloseIdleConnections()
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// gw is a test client of a running sandbox.
type gw struct {
	t      *testing.T
	run    *Running
	login  string
	key    string
	ep     string
	client *http.Client
}

// start runs a sandbox on loopback for the test and closes it at the end.
func start(t *testing.T, opts Options) *gw {
	t.Helper()
	run, err := Start(context.Background(), "127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		if err := run.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	o := run.Server.Options()
	return &gw{t: t, run: run, login: o.Login, key: o.Key.Reveal(), ep: o.EndpointID, client: &http.Client{Transport: tr, Timeout: 20 * time.Second}}
}

var nonceN struct {
	sync.Mutex
	n int
}

func nonce() string {
	nonceN.Lock()
	defer nonceN.Unlock()
	nonceN.n++
	return fmt.Sprintf("n%08d", nonceN.n)
}

// post sends an OAuth-signed command ("mapi/v1/sale") and returns the HTTP
// status and body.
func (g *gw) post(ctx context.Context, cmd string, form url.Values) (int, string, http.Header) {
	g.t.Helper()
	u := g.run.URL + "/" + cmd + "/" + g.ep
	h, _ := handSign("POST", u, form, g.login, g.key, nonce(), time.Now().Unix())
	return g.raw(ctx, u, h, form.Encode())
}

func (g *gw) raw(ctx context.Context, u, auth, body string) (int, string, http.Header) {
	g.t.Helper()
	req, err := http.NewRequestWithContext(ctx, "POST", u, strings.NewReader(body))
	if err != nil {
		g.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return 0, err.Error(), nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// reply parses a 200 reply.
func (g *gw) reply(code int, body string) url.Values {
	g.t.Helper()
	if code != 200 {
		g.t.Fatalf("HTTP %d: %s", code, body)
	}
	v, err := mapi.ParseReply([]byte(body))
	if err != nil {
		g.t.Fatal(err)
	}
	return v
}

// sale sends a sale (or cmd) with a test card and returns the reply.
func (g *gw) sale(cmd, id, amount, pan string, extra ...string) url.Values {
	g.t.Helper()
	f := saleForm(g.t, id, amount, pan)
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	code, body, _ := g.post(context.Background(), "mapi/v1/"+cmd, f)
	return g.reply(code, body)
}

func saleForm(t testing.TB, id, amount, pan string) url.Values {
	return url.Values{
		"client_orderid": {id}, "amount": {amount}, "currency": {"RUB"}, "order_desc": {"test sale"},
		"encrypted-type": {sred.EncryptedType}, "encrypted-data": {cardBlob(t, pan, "2812")},
		"phone-id": {"T1"}, "sdk-version": {"kassa-test"}, "ipaddress": {"127.0.0.1"},
	}
}

// cardBlob builds encrypted-data for a swipe of pan as the simulator does:
// the hex of its whole E1 template.
func cardBlob(t testing.TB, pan, expiry string) string {
	return blobWithMask(t, pan, expiry, "")
}

// blobWithMask encrypts pan but may put another card's DFAE22 in the template.
func blobWithMask(t testing.TB, pan, expiry, maskPAN string) string {
	t.Helper()
	ksn, err := sred.ParseKSN("FFFF9876543210E00001")
	if err != nil {
		t.Fatal(err)
	}
	track := ";" + pan + "=" + expiry + "101000000000?"
	ct, err := sred.Encrypt(sred.TestBDK, ksn, track)
	if err != nil {
		t.Fatal(err)
	}
	mtrack := track
	if maskPAN != "" {
		mtrack = ";" + maskPAN + "=" + expiry + "101000000000?"
	}
	masked, err := sred.Mask(mtrack)
	if err != nil {
		t.Fatal(err)
	}
	return swipeTemplate(t, ct, ksn, masked)
}

// swipeTemplate is the §6 card-status template E1{48, DFAE02, DFAE03,
// DFAE22} as hex: encrypted-data as READER-PROTOCOL.md §8 says.
func swipeTemplate(t testing.TB, ct []byte, ksn sred.KSN, masked string) string {
	t.Helper()
	b, err := emv.Build(emv.KindSwipe, emv.Fields{CardStatus: []byte{0x00, 0x05}, SRED: ct, KSN: ksn[:], MaskedTrack2: masked})
	if err != nil {
		t.Fatal(err)
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

// status asks for an order's status (orderid may be empty).
func (g *gw) status(id, orderid string) url.Values {
	g.t.Helper()
	code, body := g.statusRaw(id, orderid, mapi.StatusControl(g.login, id, orderid, mapi.Secret(g.key)), true)
	return g.reply(code, body)
}

func (g *gw) statusRaw(id, orderid, control string, sendOrderID bool) (int, string) {
	g.t.Helper()
	f := url.Values{"login": {g.login}, "client_orderid": {id}, "control": {control}}
	if sendOrderID {
		f.Set("orderid", orderid)
	}
	code, body, _ := g.raw(context.Background(), g.run.URL+"/api/v2/status/"+g.ep, "", f.Encode())
	return code, body
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// hook is a callback receiver on loopback.
type hook struct {
	mu   sync.Mutex
	got  []hit
	fail int // answer 500 to this many requests first
}

type hit struct {
	at     time.Time
	method string
	q      url.Values
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, hit{time.Now(), r.Method, r.URL.Query()})
	if h.fail > 0 {
		h.fail--
		w.WriteHeader(500)
		return
	}
	w.WriteHeader(200)
}

func (h *hook) hits(id string) []hit {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []hit
	for _, x := range h.got {
		if id == "" || x.q.Get("client_orderid") == id {
			out = append(out, x)
		}
	}
	return out
}

// logBuffer collects slog output from the sandbox.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
