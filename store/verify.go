package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrChain means the journal's hash chain, or a record derived from it, does
// not check out: an event was edited, deleted or reordered, or a payment
// record no longer matches its events.
var ErrChain = errors.New("journal chain is broken")

func timeFromNano(n int64) time.Time { return time.Unix(0, n) }

// replayed is what the events say a payment should look like.
type replayed struct {
	p      Payment
	seqs   []uint64
	prints map[string]int // receipt prints so far, by copy
	kids   []Event        // the payment's child events so far
	stored Payment        // its record, which lists all its events
}

// Verify walks the whole hash chain: every event's hash must match its
// content, every Prev the hash before it, sequence numbers must have no gap,
// and the stored head and count must match the last event (so deleting the
// newest event is caught too). It then replays the events and checks each
// payment record against them. It returns the head and the number of events,
// or an error wrapping ErrChain that says what is wrong.
func (j *Journal) Verify() (head string, events int, err error) {
	return j.VerifyContext(context.Background())
}

// VerifyContext is Verify that stops, returning ctx's error, when ctx is
// done (the engine checks a whole journal in the background at start).
func (j *Journal) VerifyContext(ctx context.Context) (head string, events int, err error) {
	err = j.view(func(tx *bolt.Tx) error {
		head, events, err = verify(ctx, tx)
		return err
	})
	return head, events, err
}

func verify(ctx context.Context, tx *bolt.Tx) (string, int, error) {
	prev := Genesis
	var seq uint64
	un, err := unresolvedIDs(tx)
	if err != nil {
		return prev, 0, err
	}
	rp := newReplay(tx, un)
	c := tx.Bucket(bEvents).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		seq++
		if seq%4096 == 0 && ctx.Err() != nil {
			return prev, int(seq - 1), ctx.Err()
		}
		if got := u64(k); got != seq {
			if got > seq {
				return prev, int(seq - 1), fmt.Errorf("%w: event %d is missing (next is %d)", ErrChain, seq, got)
			}
			return prev, int(seq - 1), fmt.Errorf("%w: event key %x out of order", ErrChain, k)
		}
		body, h, err := splitStored(v)
		if err != nil {
			return prev, int(seq - 1), fmt.Errorf("%w: event %d is truncated", ErrChain, seq)
		}
		if v[0] != formatBinary { // older JSON events carry their hash
			if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != h {
				return prev, int(seq - 1), fmt.Errorf("%w: event %d was changed (its hash does not match its content)", ErrChain, seq)
			}
		}
		r, err := decodeBody(body)
		if err != nil {
			return prev, int(seq - 1), fmt.Errorf("%w: event %d: %v", ErrChain, seq, err)
		}
		if r.Seq != seq {
			return prev, int(seq - 1), fmt.Errorf("%w: event %d carries sequence %d", ErrChain, seq, r.Seq)
		}
		if r.Prev != prev {
			return prev, int(seq - 1), linkError(tx, seq, h)
		}
		if err := rp.event(r); err != nil {
			return prev, int(seq - 1), err
		}
		prev = h
	}
	meta := tx.Bucket(bMeta)
	if got := u64(meta.Get(kSeq)); got != seq {
		return prev, int(seq), fmt.Errorf("%w: the journal says it holds %d events, found %d (events were removed)", ErrChain, got, seq)
	}
	if got := string(meta.Get(kHead)); got != prev && !(seq == 0 && got == "") {
		return prev, int(seq), fmt.Errorf("%w: stored head %s is not the last event's hash %s", ErrChain, got, prev)
	}
	if err := rp.end(ctx); err != nil {
		return prev, int(seq), err
	}
	if err := verifyBacklog(tx); err != nil {
		return prev, int(seq), err
	}
	return prev, int(seq), verifyChildList(tx, rp.openKids)
}

// replay checks, while Verify walks the chain, every payment record against
// its events. It holds only the payments whose events are still to come
// (the record lists them all), so its memory does not grow with the
// journal: a payment is compared with its record, and dropped, at its last
// event.
type replay struct {
	tx         *bolt.Tx
	open       map[string]*replayed // begun, events still to come
	unresolved map[string]bool      // the stored unresolved list
	openKids   map[string]bool      // payments with a child not final
	intents    int                  // payments begun
	pending    int                  // payments replayed that are not final
	listed     int                  // entries on the stored unresolved list
	gone       map[string]bool      // payments dropped after a mismatch
	err        error                // the first mismatch (later)
}

func newReplay(tx *bolt.Tx, unresolved []string) *replay {
	rp := &replay{tx: tx, open: map[string]*replayed{}, unresolved: map[string]bool{}, openKids: map[string]bool{}, gone: map[string]bool{}, listed: len(unresolved)}
	for _, id := range unresolved {
		rp.unresolved[id] = true
	}
	return rp
}

// record is payment id's stored record, completed from its intent (the
// event being replayed, intent) when it is slim.
func (rp *replay) record(id string, intent *Payment) (Payment, bool, error) {
	v := rp.tx.Bucket(bPayments).Get(idBytes(id))
	if v == nil {
		return Payment{}, false, nil
	}
	p, err := decodePayment(v)
	if err != nil {
		return Payment{}, true, fmt.Errorf("%w: payment %s: %v", ErrChain, id, err)
	}
	p.ClientOrderID = id
	if p.slim && intent != nil {
		fillFromIntent(&p, intent)
	}
	return p, true, nil
}

// event replays one event of the chain.
func (rp *replay) event(r rec) error {
	if r.Order == "" {
		return nil // journal-level close events
	}
	s, ok := rp.open[r.Order]
	if rp.gone[r.Order] {
		return nil // already reported (later)
	}
	if r.Type == EventIntent {
		if r.Payment == nil {
			return fmt.Errorf("%w: intent %d has no payment", ErrChain, r.Seq)
		}
		stored, found, err := rp.record(r.Order, r.Payment)
		switch {
		case err != nil:
			return err
		case ok || found && len(stored.seqs) > 0 && stored.seqs[0] != r.Seq:
			return fmt.Errorf("%w: payment %s begun twice", ErrChain, r.Order)
		case !found:
			rp.later(fmt.Errorf("%w: payment %s has events but no record", ErrChain, r.Order))
			rp.gone[r.Order] = true
			return nil
		}
		rp.intents++
		s = &replayed{p: *r.Payment, seqs: []uint64{r.Seq}, stored: stored}
		rp.open[r.Order] = s
		rp.settle(r.Order, s)
		return nil
	}
	if !ok {
		if _, found, _ := rp.record(r.Order, nil); found {
			rp.later(fmt.Errorf("%w: payment %s does not list its event %d", ErrChain, r.Order, r.Seq))
			return nil
		}
		return fmt.Errorf("%w: event %d is for payment %s, which has no intent", ErrChain, r.Seq, r.Order)
	}
	s.seqs = append(s.seqs, r.Seq)
	if err := replayEvent(s, r); err != nil {
		return err
	}
	rp.settle(r.Order, s)
	return nil
}

// later keeps the first mismatch between a record and its events; Verify
// reports it after the whole chain checked out (a broken chain explains
// the mismatch better).
func (rp *replay) later(err error) {
	if rp.err == nil {
		rp.err = err
	}
}

// settle compares payment id with its record once the chain has reached
// the record's last event, and drops it.
func (rp *replay) settle(id string, s *replayed) {
	i := len(s.seqs) - 1
	if i >= len(s.stored.seqs) || s.stored.seqs[i] != s.seqs[i] {
		rp.later(fmt.Errorf("%w: payment %s lists events %v, the chain has %v", ErrChain, id, s.stored.seqs, s.seqs))
		delete(rp.open, id)
		rp.gone[id] = true
		return
	}
	if len(s.seqs) < len(s.stored.seqs) {
		return // more to come
	}
	delete(rp.open, id)
	rp.later(rp.compare(id, s))
}

// compare checks a payment whose events have all been replayed.
func (rp *replay) compare(id string, s *replayed) error {
	p := s.stored
	if d := diff(s.p, p); d != "" {
		return fmt.Errorf("%w: payment %s was changed: %s", ErrChain, id, d)
	}
	if p.Final() == rp.unresolved[id] {
		return fmt.Errorf("%w: payment %s is %s but the unresolved list says otherwise", ErrChain, id, p.Status)
	}
	if !p.Final() {
		rp.pending++
	}
	for _, c := range ChildrenOf(Payment{ClientOrderID: id, Events: s.kids}) {
		if !c.Final() {
			rp.openKids[id] = true
		}
	}
	return nil
}

// end checks, after the last event, that no record waits for events the
// chain does not have, that every record was begun by an intent, and that
// the unresolved list names only unresolved payments.
func (rp *replay) end(ctx context.Context) error {
	if rp.err != nil {
		return rp.err
	}
	for id, s := range rp.open {
		return fmt.Errorf("%w: payment %s lists events %v, the chain has %v", ErrChain, id, s.stored.seqs, s.seqs)
	}
	if rp.pending != len(rp.unresolved) || rp.listed != len(rp.unresolved) {
		return fmt.Errorf("%w: the unresolved list names payments that are not in the journal", ErrChain)
	}
	n := rp.tx.Bucket(bPayments).Stats().KeyN
	if n == rp.intents {
		return nil
	}
	// Some record was not begun by an intent: name it.
	i := 0
	err := rp.tx.Bucket(bPayments).ForEach(func(key, v []byte) error {
		if i++; i%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		k := idString(key)
		p, err := decodePayment(v)
		if err != nil {
			return fmt.Errorf("%w: payment %s: %v", ErrChain, k, err)
		}
		if err := completePayment(rp.tx, k, &p); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: %d payment records but %d payments begun", ErrChain, n, rp.intents)
}

// linkError says what a broken link before event seq (whose own hash is h)
// means: when seq itself is still linked to by the event after it (or is
// the stored head), the event before it was changed; otherwise an event was
// removed or replaced.
func linkError(tx *bolt.Tx, seq uint64, h string) error {
	next := string(tx.Bucket(bMeta).Get(kHead))
	if v := tx.Bucket(bEvents).Get(k8(seq + 1)); v != nil {
		next = ""
		if body, _, err := splitStored(v); err == nil {
			next, _ = LinkOf(body)
		}
	}
	if next == h && seq > 1 {
		return fmt.Errorf("%w: event %d does not follow event %d: event %d was changed", ErrChain, seq, seq-1, seq-1)
	}
	return fmt.Errorf("%w: event %d does not follow event %d (an event was removed or replaced)", ErrChain, seq, seq-1)
}

// replayEvent applies one event after the intent to its payment's replay.
func replayEvent(s *replayed, r rec) error {
	if r.Type == EventReceipt || r.Type == EventOverride {
		if err := replayPrint(s, r); err != nil {
			return err
		}
	}
	if r.Type == EventClose {
		if r.Fields[FieldChild] == "" { // a child's close leaves the payment's batch
			s.p.CloseBatch = r.Fields[FieldRequestID]
		}
		return nil
	}
	if childEvents[r.Type] {
		return replayChild(s, r)
	}
	if !changesPayment(r.Type) {
		return nil // a note
	}
	next, outcome := transition(s.p.Status, s.p.PaynetOrderID, Event{Type: r.Type, Status: r.Status, Fields: r.Fields})
	if outcome != OutcomeApplied {
		return fmt.Errorf("%w: event %d (%s) of %s would not be applied to a %s payment (%s)",
			ErrChain, r.Seq, r.Type, r.Order, s.p.Status, outcome)
	}
	s.p.Status = next
	applyFields(&s.p, r.Fields)
	s.p.UpdatedAt = timeFromNano(r.At)
	return nil
}

// replayChild checks a child event with the same rules Record used: it
// must have been applied, and its stored status be the child's next state.
func replayChild(s *replayed, r rec) error {
	ev := Event{Seq: r.Seq, Type: r.Type, At: timeFromNano(r.At), Status: r.Status, Fields: r.Fields}
	kids := ChildrenOf(Payment{ClientOrderID: r.Order, Events: s.kids})
	if r.Type == EventChild && r.Fields[FieldChild] != strconv.Itoa(len(kids)+1) {
		return fmt.Errorf("%w: event %d begins child %q of %s, but it is child %d", ErrChain, r.Seq, r.Fields[FieldChild], r.Order, len(kids)+1)
	}
	cur, sn, err := childState(&s.p, kids, ev)
	if err != nil {
		return fmt.Errorf("%w: event %d: %v", ErrChain, r.Seq, err)
	}
	next, outcome := transition(cur, sn, ev)
	if outcome != OutcomeApplied || next != r.Status {
		return fmt.Errorf("%w: child event %d (%s %s) of %s would not be applied to a %s child (%s)",
			ErrChain, r.Seq, r.Type, r.Status, r.Order, cur, outcome)
	}
	s.kids = append(s.kids, ev)
	return nil
}

// verifyChildList checks the stored list of payments with an open child
// against the replay.
func verifyChildList(tx *bolt.Tx, want map[string]bool) error {
	ids, err := decodeIDList(tx.Bucket(bMeta).Get(kChildUnresolved))
	if err != nil {
		return err
	}
	got := map[string]bool{}
	for _, id := range ids {
		got[id] = true
		if !want[id] {
			return fmt.Errorf("%w: the open-children list names %s, whose children are all final", ErrChain, id)
		}
	}
	for id := range want {
		if !got[id] {
			return fmt.Errorf("%w: payment %s has a child not final, missing from the open-children list", ErrChain, id)
		}
	}
	return nil
}

// replayPrint counts a receipt print and checks the numbering the journal
// gave it: prints of a copy are numbered 1, 2, 3… and all but the first are
// duplicates.
func replayPrint(s *replayed, r rec) error {
	c := r.Fields[FieldCopy]
	if r.Type == EventReceipt && strings.TrimSpace(c) == "" {
		return fmt.Errorf("%w: receipt event %d of %s names no copy", ErrChain, r.Seq, r.Order)
	}
	if !isPrint(r.Type, r.Fields, c) {
		return nil // an ordinary override
	}
	if s.prints == nil {
		s.prints = map[string]int{}
	}
	c += "\x00" + r.Fields[FieldChild] // a child's receipt is numbered apart
	s.prints[c]++
	if r.Type != EventReceipt {
		return nil // legacy print notes carry no checked numbering
	}
	n := s.prints[c]
	if r.Fields[FieldPrint] != strconv.Itoa(n) || r.Fields[FieldDuplicate] != duplicateWord(n) {
		return fmt.Errorf("%w: receipt event %d of %s says print %q (duplicate %q) of %s, but it is print %d",
			ErrChain, r.Seq, r.Order, r.Fields[FieldPrint], r.Fields[FieldDuplicate], r.Fields[FieldCopy], n)
	}
	return nil
}

// diff names the first field where the stored payment differs from the
// replayed one.
func diff(want, got Payment) string {
	type kv struct{ name, a, b string }
	for _, f := range []kv{
		{"kind", string(want.Kind), string(got.Kind)},
		{"amount", fmt.Sprint(want.AmountMinor), fmt.Sprint(got.AmountMinor)},
		{"currency", want.Currency, got.Currency},
		{"masked card", want.MaskedPAN, got.MaskedPAN},
		{"reader serial", want.ReaderSerial, got.ReaderSerial},
		{"KSN", want.KSN, got.KSN},
		{"entry mode", want.EntryMode, got.EntryMode},
		{"application", want.AID + " " + want.AppLabel + " " + want.CVM, got.AID + " " + got.AppLabel + " " + got.CVM},
		{"terminal", want.TerminalID, got.TerminalID},
		{"cashier", want.CashierID, got.CashierID},
		{"status", string(want.Status), string(got.Status)},
		{"day", want.Day, got.Day},
		{"gateway order id", want.PaynetOrderID, got.PaynetOrderID},
		{"approval code", want.ApprovalCode, got.ApprovalCode},
		{"RRN", want.RRN, got.RRN},
		{"receipt id", want.ReceiptID, got.ReceiptID},
		{"close batch", want.CloseBatch, got.CloseBatch},
	} {
		if f.a != f.b {
			return fmt.Sprintf("%s is %q, its events say %q", f.name, f.b, f.a)
		}
	}
	if !want.CreatedAt.Equal(got.CreatedAt) {
		return "creation time differs from its intent"
	}
	return ""
}
