package pos

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"kassa/mapi"
	"kassa/store"
)

// Payment returns one payment from the journal.
func (e *Engine) Payment(id string) (PaymentView, error) {
	p, err := e.journal.Get(id)
	if errors.Is(err, store.ErrNotFound) {
		return PaymentView{}, errorOf(ErrNotFound, Reason{Cause: CauseNotFound, Detail: id})
	}
	if err != nil {
		return PaymentView{}, err
	}
	return viewOf(p), nil
}

// Today returns today's payments (local business day), newest first.
func (e *Engine) Today() ([]PaymentView, error) {
	ps, err := e.journal.ByDay(e.now().Format("2006-01-02"))
	if err != nil {
		return nil, err
	}
	return views(ps, true), nil
}

// Unresolved returns the payments whose outcome is not known yet (unknown,
// or in flight), oldest first.
func (e *Engine) Unresolved() ([]PaymentView, error) {
	ps, err := e.journal.Unresolved()
	if err != nil {
		return nil, err
	}
	return views(ps, false), nil
}

func views(ps []store.Payment, newestFirst bool) []PaymentView {
	out := make([]PaymentView, 0, len(ps))
	for _, p := range ps {
		out = append(out, viewOf(p))
	}
	if newestFirst {
		sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	}
	return out
}

// LookupResult is what "check with the bank now" found: the payment as the
// journal has it after the answer, and when the bank was asked.
type LookupResult struct {
	Payment PaymentView
	// CheckedAt is when the bank was asked (zero when it was not: the
	// payment is in flight).
	CheckedAt time.Time
	// Answered reports whether the bank answered (else Payment is what the
	// journal had; the error says why).
	Answered bool
}

// Lookup asks the gateway for a journaled payment's status and records the
// answer; a final payment is compared with the gateway (a contradiction is
// journaled as an alert). The payment in flight is not asked about.
func (e *Engine) Lookup(ctx context.Context, clientOrderID string) (LookupResult, error) {
	p, err := e.journal.Get(clientOrderID)
	if errors.Is(err, store.ErrNotFound) {
		return LookupResult{}, errorOf(ErrNotFound, Reason{Cause: CauseNotFound, Detail: clientOrderID})
	}
	if err != nil {
		return LookupResult{}, err
	}
	e.mu.Lock()
	inFlight := e.current == clientOrderID
	e.mu.Unlock()
	if inFlight {
		return LookupResult{Payment: viewOf(p)}, nil
	}
	at := time.Now()
	if !p.Final() {
		pm, _ := e.paymentFor(p)
		if !pm.check(ctx, "lookup") {
			pm.start(e.pollDelay(0))
		}
		return LookupResult{Payment: e.view(clientOrderID), CheckedAt: at, Answered: e.Snapshot().Gateway.OK}, nil
	}
	return e.compareFinal(ctx, p, at)
}

// compareFinal asks the gateway about a final payment and journals an alert
// when it now says another final status.
func (e *Engine) compareFinal(ctx context.Context, p store.Payment, at time.Time) (LookupResult, error) {
	cctx, cancel := context.WithTimeout(ctx, e.Config().SaleTimeout)
	defer cancel()
	res, err := e.gw().Status(cctx, mapi.StatusRequest{ClientOrderID: p.ClientOrderID, PaynetOrderID: p.PaynetOrderID})
	if err != nil {
		var refused *mapi.RefusedError
		e.gatewayContact(errors.As(err, &refused))
		return LookupResult{Payment: viewOf(p), CheckedAt: at}, err
	}
	e.gatewayContact(true)
	if res.Status.Final() && statusOfGateway(res.Status) != StatusOf(p.Status) {
		e.paymentOf(p).alert(Reason{Cause: CauseGatewayContradicts, Code: string(res.Status)}, "lookup")
	}
	return LookupResult{Payment: e.view(p.ClientOrderID), CheckedAt: at, Answered: true}, nil
}

// Search finds payments by amount ("10.42"), last four digits ("1111") or
// order id (client_orderid or gateway order id), newest first.
func (e *Engine) Search(text string) ([]PaymentView, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return e.Today()
	}
	seen := map[string]bool{}
	var all []store.Payment
	add := func(ps []store.Payment, err error) error {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		for _, p := range ps {
			if !seen[p.ClientOrderID] {
				seen[p.ClientOrderID] = true
				all = append(all, p)
			}
		}
		return nil
	}
	for _, q := range e.searchQueries(text) {
		if err := add(e.journal.Search(q)); err != nil {
			return nil, err
		}
	}
	if len(text) >= 4 {
		if p, err := e.journal.Get(text); err == nil {
			_ = add([]store.Payment{p}, nil)
		}
	}
	return views(all, true), nil
}

// searchQueries are the journal queries a search text stands for.
func (e *Engine) searchQueries(text string) []store.Query {
	var qs []store.Query
	if len(text) == 4 && digitsOnly(text) {
		qs = append(qs, store.Query{Last4: text})
	}
	if a, err := ParseAmount(text, e.Config().Currency); err == nil {
		qs = append(qs, store.Query{AmountMinor: a.Minor})
	}
	if len(text) >= 4 {
		qs = append(qs, store.Query{OrderID: text})
	}
	return qs
}

func digitsOnly(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// view reads a payment from the journal (an unknown view if unreadable).
func (e *Engine) view(id string) PaymentView {
	p, err := e.journal.Get(id)
	if err != nil {
		e.log.Error("journal: get", "id", id, "err", err)
		return PaymentView{ClientOrderID: id, Status: StatusUnknown, Reason: Reason{Cause: CauseNoReply}}
	}
	return viewOf(p)
}
