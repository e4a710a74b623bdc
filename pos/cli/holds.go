package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"kassa/pos"
)

// kassa holds (issue 11): the open holds, one per line or a JSON array with
// client_orderid, amount, currency, age, expires_at (contract keys), then
// state (open, expiring, expired) and left.

func init() {
	register(Command{Name: "holds", Summary: "list open holds (approved preauths not captured or released)", Run: runHolds})
}

func payHoldsUsage(w io.Writer) {
	fmt.Fprintln(w, `Usage: kassa holds [--json] [--demo] [--cashier NAME]

Lists every approved preauth that is neither captured nor released, oldest
first: one line per hold (client_orderid=… amount=… currency=… age=…
expires_at=… state=… left=…), or one JSON array with --json. state is
"open", "expiring" (from 2 days before the end of the hold period,
KASSA_HOLD_PERIOD, default 7 days) or "expired". Exit status: 0, or 1 on a
usage or configuration error.`)
}

// holdJSON is one open hold in the output.
type holdJSON struct {
	ClientOrderID string `json:"client_orderid"`
	Amount        string `json:"amount"`
	Currency      string `json:"currency"`
	Age           string `json:"age"`        // a Go duration, whole seconds: "26h3m4s"
	ExpiresAt     string `json:"expires_at"` // RFC 3339, UTC
	State         string `json:"state"`      // open | expiring | expired
	Left          string `json:"left"`       // time left, a Go duration ("0s" when expired)
}

func runHolds(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, c := newPayFlagSet("holds", payHoldsUsage, stderr)
	asJSON := fs.Bool("json", false, "print one JSON array")
	if _, code, ok := payParse(fs, args, 0, stderr); !ok {
		return code
	}
	e, code := payStartEngine(ctx, *c, true, stderr)
	if e == nil {
		return code
	}
	defer e.Close()
	holds, err := e.OpenHolds()
	if err != nil {
		fmt.Fprintln(stderr, "kassa holds:", err)
		return payExitUsage
	}
	out := make([]holdJSON, 0, len(holds))
	for _, h := range holds {
		out = append(out, holdLine(h))
	}
	if *asJSON {
		b, _ := json.Marshal(out)
		fmt.Fprintln(stdout, string(b))
		return payExitOK
	}
	if e.Config().Demo {
		fmt.Fprintln(stdout, "mode: DEMO")
	}
	for _, h := range out {
		fmt.Fprintf(stdout, "client_orderid=%s amount=%s currency=%s age=%s expires_at=%s state=%s left=%s\n",
			h.ClientOrderID, h.Amount, h.Currency, h.Age, h.ExpiresAt, h.State, h.Left)
	}
	return payExitOK
}

// holdLine is a hold in the output's words.
func holdLine(h pos.Hold) holdJSON {
	state := "open"
	switch {
	case h.Expired:
		state = "expired"
	case h.Expiring:
		state = "expiring"
	}
	return holdJSON{ClientOrderID: h.Payment.ClientOrderID, Amount: h.Payment.Amount.Major(), Currency: h.Payment.Amount.Currency,
		Age: h.Age.Round(time.Second).String(), ExpiresAt: h.ExpiresAt.UTC().Format(time.RFC3339),
		State: state, Left: max(h.Left, 0).Round(time.Second).String()}
}
