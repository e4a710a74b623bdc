package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"kassa/mapi"
	"kassa/mapi/money"
)

// order is one accepted sale or preauth as the sandbox keeps it (in memory
// and in the data file). It never holds the clear PAN or the card blob: only
// the scenario name and the masked card fields.
type order struct {
	ClientOrderID string    `json:"client_orderid"`
	PaynetOrderID string    `json:"paynet_order_id"`
	SerialNumber  string    `json:"serial_number"`
	Type          string    `json:"type"` // sale | preauth
	AmountMinor   int64     `json:"amount_minor"`
	Currency      string    `json:"currency"`
	Description   string    `json:"description,omitempty"`
	MerchantData  string    `json:"merchant_data,omitempty"`
	CallbackURL   string    `json:"callback_url,omitempty"`
	Scenario      string    `json:"scenario"`
	First6        string    `json:"first6"`
	Last4         string    `json:"last4"`
	Expiry        string    `json:"expiry"`
	PANLength     int       `json:"pan_length"`
	ReaderSerial  string    `json:"reader_serial,omitempty"`
	AcceptedAt    time.Time `json:"accepted_at"`
	// Scale is the time scale the order was accepted with: 1/Speed, 0 when
	// Instant. Its timings never change afterwards, even if the sandbox is
	// restarted with another speed.
	Scale     float64     `json:"scale"`
	ClosedBy  string      `json:"closed_by,omitempty"`
	Callbacks []*delivery `json:"callbacks,omitempty"`
	// Children are the order's captures and returns, oldest first (§9).
	Children []*child `json:"children,omitempty"`
	// ChildHeld: the first child's reply was held already (…0580).
	ChildHeld bool `json:"child_held,omitempty"`
	// EMV is the chip or contactless part (§10); nil for a swipe.
	EMV *emvOrder `json:"emv,omitempty"`
	// Override replaces the scenario's final outcome: a cryptogram that
	// does not verify, a wrong PIN, an offline E3/E5 (§10).
	Override *outcome `json:"override,omitempty"`

	sc scenario // resolved from Scenario
}

// delivery is one planned callback of an order and its retry state.
type delivery struct {
	Due       time.Time `json:"due"`
	Attempts  int       `json:"attempts"`
	Delivered bool      `json:"delivered"`
	GaveUp    bool      `json:"gave_up"`
	Last      string    `json:"last,omitempty"` // result of the last attempt
}

func (d *delivery) pending() bool { return !d.Delivered && !d.GaveUp }

// closeDay is one day_close_request_id and its stored reply.
type closeDay struct {
	RequestID    string      `json:"request_id"`
	SerialNumber string      `json:"serial_number"`
	Number       int64       `json:"number"`
	CreatedAt    time.Time   `json:"created_at"`
	FinishAt     time.Time   `json:"finish_at"`
	Finished     bool        `json:"finished"`
	Orders       []string    `json:"orders,omitempty"`
	Reply        [][2]string `json:"reply,omitempty"` // the finished reply, returned again on repeats
}

// state is everything the sandbox remembers; the data file is its JSON.
type state struct {
	Version    int         `json:"version"`
	NextOrder  int64       `json:"next_order"`
	NextSerial int64       `json:"next_serial"`
	NextClose  int64       `json:"next_close"`
	Orders     []*order    `json:"orders"`
	Closes     []*closeDay `json:"closes"`
}

const stateVersion = 1

// loadState reads a data file; a missing file is an empty state.
func loadState(path string) (*state, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("not a sandbox data file: %w", err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("data file version %d, want %d", st.Version, stateVersion)
	}
	seen := map[string]bool{}
	for _, o := range st.Orders {
		if o == nil || o.ClientOrderID == "" || seen[o.ClientOrderID] {
			return nil, errors.New("data file has an order without an id or a repeated id")
		}
		seen[o.ClientOrderID] = true
		if o.PANLength < 12 || o.PANLength > 19 || len(o.First6) != 6 || len(o.Last4) != 4 || o.Scale < 0 {
			return nil, fmt.Errorf("order %s has malformed card fields", o.ClientOrderID)
		}
		if _, err := money.Exponent(o.Currency); err != nil {
			return nil, fmt.Errorf("order %s: %w", o.ClientOrderID, err)
		}
		sc, ok := scenarioNamed(o.Scenario)
		if !ok {
			return nil, fmt.Errorf("order %s has unknown scenario %q", o.ClientOrderID, o.Scenario)
		}
		o.sc = sc
		for _, d := range o.Callbacks {
			if d == nil {
				return nil, fmt.Errorf("order %s has an empty callback", o.ClientOrderID)
			}
		}
		if err := checkChildren(o); err != nil {
			return nil, err
		}
		if err := checkEMV(o); err != nil {
			return nil, err
		}
	}
	closes := map[string]bool{}
	for _, c := range st.Closes {
		if c == nil || c.RequestID == "" || closes[c.RequestID] {
			return nil, errors.New("data file has a close-day without an id or a repeated id")
		}
		closes[c.RequestID] = true
	}
	return &st, nil
}

// checkChildren refuses a data file's malformed capture or return.
func checkChildren(o *order) error {
	for _, c := range o.Children {
		switch {
		case c == nil || len(c.SerialNumber) < 12 || c.AmountMinor <= 0 || c.Scale < 0:
			return fmt.Errorf("order %s has a malformed capture or return", o.ClientOrderID)
		case c.Type != txCapture && c.Type != txCancel && c.Type != txReversal:
			return fmt.Errorf("order %s has a child of unknown type %q", o.ClientOrderID, c.Type)
		case c.Final != mapi.StatusApproved && c.Final != mapi.StatusDeclined:
			return fmt.Errorf("order %s has a child with final status %q", o.ClientOrderID, c.Final)
		}
	}
	return nil
}

// checkEMV refuses a data file's malformed chip state or outcome.
func checkEMV(o *order) error {
	if x := o.Override; x != nil && !x.Status.Final() {
		return fmt.Errorf("order %s has an outcome %q that is not final", o.ClientOrderID, x.Status)
	}
	e := o.EMV
	if e == nil {
		return nil
	}
	switch {
	case e.Entry != entryChip && e.Entry != entryContactless && e.Entry != entryOffline:
		return fmt.Errorf("order %s has entry mode %q", o.ClientOrderID, e.Entry)
	case e.Stage && len(e.ARC) != 2:
		return fmt.Errorf("order %s has a malformed EMV stage", o.ClientOrderID)
	case !e.AdviceAt.IsZero() && !e.AdviceFinal.Final():
		return fmt.Errorf("order %s has an advice without a final outcome", o.ClientOrderID)
	}
	return nil
}

// writeFileAtomic writes b to path through a temporary file in the same
// directory, fsynced and renamed over path, so a crash leaves either the old
// or the new file, never half of one.
func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: make the rename durable
		d.Close()
	}
	return nil
}

// OrderView is a test hook's copy of one order, with its status now.
type OrderView struct {
	ClientOrderID, PaynetOrderID, SerialNumber string
	Type                                       string // sale | preauth
	Amount                                     money.Amount
	Status                                     mapi.Status // at the time of the call
	MaskedPAN                                  string      // first 6, '*'s, last 4
	CardType                                   string
	Expiry                                     string    // YYMM
	Scenario                                   string    // approved, declined, slow, held-reply, unknown, ...
	Entry                                      string    // swipe, chip, contactless, offline
	AtStage                                    bool      // at the EMV stage now, waiting for the advice
	AdviceAt                                   time.Time // when the advice came (zero: none)
	Reason                                     string    // the decline's reason now ("" while not declined)
	CallbackURL                                string
	AcceptedAt, FinalAt                        time.Time
	CallbackAttempts                           int    // callback GETs made so far
	CallbacksDelivered                         int    // callbacks answered 200
	ClosedBy                                   string // day_close_request_id that covered it
	// Captured and Refunded are the approved capture and refunds now;
	// HoldExpires is when a preauth's hold ends (zero for a sale).
	Captured, Refunded money.Amount
	HoldExpires        time.Time
	Children           []ChildView // captures and returns, oldest first
}

// ChildView is a test hook's copy of one capture or return.
type ChildView struct {
	TransactionType string // capture | cancel | reversal
	SerialNumber    string
	Amount          money.Amount
	Comment         string
	Status          mapi.Status // at the time of the call
	AcceptedAt      time.Time
	ClosedBy        string
}

func (o *order) view(now time.Time, hold time.Duration) OrderView {
	v := OrderView{
		ClientOrderID: o.ClientOrderID, PaynetOrderID: o.PaynetOrderID, SerialNumber: o.SerialNumber,
		Type: o.Type, Amount: money.Amount{Minor: o.AmountMinor, Currency: o.Currency},
		Status:    o.statusAt(now),
		MaskedPAN: maskPAN(o.First6, o.Last4, o.PANLength), CardType: cardType(o.First6), Expiry: o.Expiry,
		Scenario: o.Scenario, CallbackURL: o.CallbackURL,
		AcceptedAt: o.AcceptedAt, FinalAt: o.finalAt(), ClosedBy: o.ClosedBy,
	}
	v.Entry = "swipe"
	if o.EMV != nil {
		v.Entry = o.EMV.Entry
	}
	out := o.outcomeAt(now)
	if out.Status.Final() && out.Status != mapi.StatusApproved {
		v.Reason = out.Reason
	}
	v.AtStage = out.Stage
	if o.EMV != nil {
		v.AdviceAt = o.EMV.AdviceAt
	}
	l := o.ledgerAt(now)
	v.Captured = money.Amount{Minor: l.captured, Currency: o.Currency}
	v.Refunded = money.Amount{Minor: l.refunded, Currency: o.Currency}
	if o.Type == CmdPreauth {
		v.HoldExpires = v.FinalAt.Add(hold)
	}
	for _, c := range o.Children {
		v.Children = append(v.Children, ChildView{TransactionType: c.Type, SerialNumber: c.SerialNumber,
			Amount: money.Amount{Minor: c.AmountMinor, Currency: o.Currency}, Comment: c.Comment,
			Status: c.statusAt(now), AcceptedAt: c.AcceptedAt, ClosedBy: c.ClosedBy})
	}
	for _, d := range o.Callbacks {
		v.CallbackAttempts += d.Attempts
		if d.Delivered {
			v.CallbacksDelivered++
		}
	}
	return v
}

// maskPAN writes first 6, one '*' per hidden digit, last 4.
func maskPAN(first6, last4 string, n int) string {
	stars := n - len(first6) - len(last4)
	if stars < 0 {
		stars = 0
	}
	b := []byte(first6)
	for i := 0; i < stars; i++ {
		b = append(b, '*')
	}
	return string(append(b, last4...))
}
