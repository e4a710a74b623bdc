package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"kassa/mapi/money"
)

// Bucket and key names. Schema history: v1 had every bucket but the search
// indexes (last4, amount, gwid); v2 added those (migrate1to2 builds them).
var (
	bMeta     = []byte("meta")     // schema, seq, head
	bPayments = []byte("payments") // client_orderid -> Payment JSON (no Events)
	bEvents   = []byte("events")   // seq (8 bytes BE) -> hash hex (64) + event JSON
	bDays     = []byte("days")     // day 0x00 client_orderid -> nil (final payments)
	bOpen     = []byte("open")     // client_orderid -> "kind|currency|amount": approved, no finished close
	bBatches  = []byte("batches")  // request id -> Batch JSON
	bAlerts   = []byte("alerts")   // seq -> client_orderid
	bLast4    = []byte("last4")    // v2: last4 0x00 client_orderid -> nil
	bAmount   = []byte("amount")   // v2: amount (8 bytes BE) client_orderid -> nil
	bGwID     = []byte("gwid")     // v2: gateway order id -> client_orderid

	kSchema = []byte("schema")
	kSeq    = []byte("seq")
	kHead   = []byte("head")
	// kUnresolved (in meta) lists the payments that are not final. They are
	// not in the day and search indexes yet: a payment enters those when it
	// becomes final, so that Begin and the events before the final one write
	// only the payment, its event and meta (few pages per fsync). Queries
	// merge this short list in.
	kUnresolved = []byte("unresolved")

	bucketsV1 = [][]byte{bMeta, bPayments, bEvents, bDays, bOpen, bBatches, bAlerts}
	bucketsV2 = [][]byte{bLast4, bAmount, bGwID}
)

// Genesis is the chain head of an empty journal (the Prev of the first event).
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

const dateLayout = "2006-01-02"

// rec is an event as stored. The stored value is the hex SHA-256 of the JSON
// body followed by the body itself, so verification never re-encodes.
type rec struct {
	Seq     uint64            `json:"q"`
	Order   string            `json:"o,omitempty"`
	Type    EventType         `json:"t"`
	At      int64             `json:"a"` // unix nanoseconds
	Status  Status            `json:"s,omitempty"`
	Fields  map[string]string `json:"f,omitempty"`
	Payment *Payment          `json:"p,omitempty"` // intent: the payment as begun (chained with it)
	Prev    string            `json:"v"`
}

func k8(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

func u64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func join(parts ...[]byte) []byte { return bytes.Join(parts, []byte{0}) }

func decodeEvent(v []byte) (rec, string, error) {
	var r rec
	if len(v) < 64 {
		return r, "", fmt.Errorf("event too short")
	}
	if err := json.Unmarshal(v[64:], &r); err != nil {
		return r, "", err
	}
	return r, string(v[:64]), nil
}

func (r rec) event(hash string) Event {
	return Event{Seq: r.Seq, OrderID: r.Order, Type: r.Type, At: time.Unix(0, r.At), Status: r.Status,
		Fields: r.Fields, Prev: r.Prev, Hash: hash}
}

// appendEvent chains r after the current head and stores it, its per-payment
// index entry and the new head, all in tx.
func appendEvent(tx *bolt.Tx, r *rec) (Event, error) {
	meta := tx.Bucket(bMeta)
	seq := u64(meta.Get(kSeq)) + 1
	r.Seq = seq
	r.Prev = string(meta.Get(kHead))
	if r.Prev == "" {
		r.Prev = Genesis
	}
	body, err := json.Marshal(r)
	if err != nil {
		return Event{}, err
	}
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	val := make([]byte, 0, 64+len(body))
	val = append(append(val, h...), body...)
	ev := tx.Bucket(bEvents)
	ev.FillPercent = 0.95 // keys only ever grow
	if err := ev.Put(k8(seq), val); err != nil {
		return Event{}, err
	}
	if err := meta.Put(kSeq, k8(seq)); err != nil {
		return Event{}, err
	}
	if err := meta.Put(kHead, []byte(h)); err != nil {
		return Event{}, err
	}
	if r.Type == EventAlert {
		if err := tx.Bucket(bAlerts).Put(k8(seq), []byte(r.Order)); err != nil {
			return Event{}, err
		}
	}
	return r.event(h), nil
}

// stored is a payment record as stored: the payment (without Events) and
// the sequence numbers of its events.
type stored struct {
	Payment
	Seqs []uint64 `json:"seqs"`
}

// appendPaymentEvent chains r (an event of payment p) and adds it to p's
// list; the caller stores p in the same transaction.
func appendPaymentEvent(tx *bolt.Tx, p *Payment, r *rec) (Event, error) {
	r.Order = p.ClientOrderID
	ev, err := appendEvent(tx, r)
	if err != nil {
		return ev, err
	}
	p.seqs = append(p.seqs, ev.Seq)
	return ev, nil
}

func putPayment(tx *bolt.Tx, p *Payment) error {
	s := stored{Payment: *p, Seqs: p.seqs}
	s.Events = nil
	b, err := json.Marshal(&s)
	if err != nil {
		return err
	}
	return tx.Bucket(bPayments).Put([]byte(p.ClientOrderID), b)
}

func decodePayment(v []byte) (Payment, error) {
	var s stored
	if err := json.Unmarshal(v, &s); err != nil {
		return Payment{}, err
	}
	s.Payment.seqs = s.Seqs
	return s.Payment, nil
}

func getPayment(tx *bolt.Tx, id string, withEvents bool) (Payment, error) {
	v := tx.Bucket(bPayments).Get([]byte(id))
	if v == nil {
		return Payment{}, fmt.Errorf("payment %s: %w", id, ErrNotFound)
	}
	p, err := decodePayment(v)
	if err != nil {
		return p, fmt.Errorf("payment %s: %w", id, err)
	}
	if withEvents {
		evs, err := paymentEvents(tx, &p)
		if err != nil {
			return p, err
		}
		p.Events = evs
	}
	return p, nil
}

func paymentEvents(tx *bolt.Tx, p *Payment) ([]Event, error) {
	events := tx.Bucket(bEvents)
	out := make([]Event, 0, len(p.seqs))
	for _, seq := range p.seqs {
		v := events.Get(k8(seq))
		if v == nil {
			return nil, fmt.Errorf("%w: event %d of %s is missing", ErrChain, seq, p.ClientOrderID)
		}
		r, h, err := decodeEvent(v)
		if err != nil {
			return nil, err
		}
		out = append(out, r.event(h))
	}
	return out, nil
}

func last4(masked string) string {
	d := make([]byte, 0, 4)
	for i := len(masked) - 1; i >= 0 && len(d) < 4; i-- {
		c := masked[i]
		if c >= '0' && c <= '9' {
			d = append(d, c)
		} else if len(d) > 0 || c == '*' {
			break
		}
	}
	if len(d) != 4 {
		return ""
	}
	return string([]byte{d[3], d[2], d[1], d[0]})
}

func amountKey(minor int64, id string) []byte {
	return append(k8(uint64(minor)), id...)
}

// indexFinal adds a payment that became final to the day index and the
// search indexes, and takes it off the unresolved list.
func indexFinal(tx *bolt.Tx, p *Payment) error {
	if err := tx.Bucket(bDays).Put(join([]byte(p.Day), []byte(p.ClientOrderID)), nil); err != nil {
		return err
	}
	if err := setUnresolved(tx, p.ClientOrderID, false); err != nil {
		return err
	}
	return indexSearch(tx, p)
}

// indexSearch adds p to the v2 search indexes.
func indexSearch(tx *bolt.Tx, p *Payment) error {
	if l4 := last4(p.MaskedPAN); l4 != "" {
		if err := tx.Bucket(bLast4).Put(join([]byte(l4), []byte(p.ClientOrderID)), nil); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bAmount).Put(amountKey(p.AmountMinor, p.ClientOrderID), nil); err != nil {
		return err
	}
	if p.PaynetOrderID != "" {
		return tx.Bucket(bGwID).Put([]byte(p.PaynetOrderID), []byte(p.ClientOrderID))
	}
	return nil
}

func validatePayment(p *Payment) error {
	u, err := uuid.Parse(p.ClientOrderID)
	if err != nil || p.ClientOrderID != u.String() {
		return fmt.Errorf("%w: client_orderid %q is not a lower-case UUID", ErrInvalid, p.ClientOrderID)
	}
	if p.Kind != KindSale && p.Kind != KindPreauth {
		return fmt.Errorf("%w: kind %q", ErrInvalid, p.Kind)
	}
	if p.AmountMinor <= 0 {
		return fmt.Errorf("%w: amount %d", ErrInvalid, p.AmountMinor)
	}
	if _, err := money.Exponent(p.Currency); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if p.Status != "" && p.Status != StatusPending {
		return fmt.Errorf("%w: a new payment starts pending, not %q", ErrInvalid, p.Status)
	}
	if strings.Count(p.MaskedPAN, "*") == 0 && len(strings.TrimSpace(p.MaskedPAN)) > 10 {
		return fmt.Errorf("%w: MaskedPAN must be masked", ErrCardData)
	}
	return nil
}

// Begin journals the write-ahead intent of a new payment and returns only
// after it is fsynced. The payment starts pending; its business day is the
// local date of CreatedAt (Options.Now when zero). It returns ErrExists when
// the client_orderid was used before.
func (j *Journal) Begin(p Payment) error {
	now := j.now()
	if err := prepare(&p, now); err != nil {
		return err
	}
	return j.update(func(tx *bolt.Tx) error { return beginTx(tx, &p, now) })
}

// prepare validates a new payment and sets its derived fields.
func prepare(p *Payment, now time.Time) error {
	if err := validatePayment(p); err != nil {
		return err
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	p.UpdatedAt = p.CreatedAt
	p.Day = p.CreatedAt.Format(dateLayout)
	p.Status = StatusPending
	p.CloseBatch = ""
	p.Events = nil
	return nil
}

// beginTx journals a validated payment's intent in tx.
func beginTx(tx *bolt.Tx, p *Payment, now time.Time) error {
	id := []byte(p.ClientOrderID)
	if tx.Bucket(bPayments).Get(id) != nil {
		return fmt.Errorf("payment %s: %w", p.ClientOrderID, ErrExists)
	}
	snap := *p
	snap.seqs = nil
	if _, err := appendPaymentEvent(tx, p, &rec{Type: EventIntent, At: now.UnixNano(),
		Status: StatusPending, Payment: &snap}); err != nil {
		return err
	}
	if err := putPayment(tx, p); err != nil {
		return err
	}
	return setUnresolved(tx, p.ClientOrderID, true)
}

// unresolvedIDs returns the meta list of payments that are not final.
func unresolvedIDs(tx *bolt.Tx) ([]string, error) {
	var ids []string
	if v := tx.Bucket(bMeta).Get(kUnresolved); len(v) > 0 {
		if err := json.Unmarshal(v, &ids); err != nil {
			return nil, fmt.Errorf("%w: unresolved list: %v", ErrChain, err)
		}
	}
	return ids, nil
}

// setUnresolved adds id to (on) or removes it from the unresolved list.
func setUnresolved(tx *bolt.Tx, id string, on bool) error {
	ids, err := unresolvedIDs(tx)
	if err != nil {
		return err
	}
	out := ids[:0]
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	if on {
		out = append(out, id)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return tx.Bucket(bMeta).Put(kUnresolved, b)
}

// Record appends an event to a payment and applies it. States only move
// forward and a final state never changes: an exact repeat (a duplicate
// callback with the same final status) is a no-op returning nil; an event
// that contradicts the journaled state is stored as an alert and returns
// ErrConflict; an event that would move the state backwards stores nothing
// and returns ErrStale. Use Apply to get the Outcome without inspecting
// errors. The returned payment includes its events.
func (j *Journal) Record(id string, ev Event) (Payment, error) {
	p, _, err := j.Apply(id, ev)
	return p, err
}

// Apply is Record that also says what happened: OutcomeApplied,
// OutcomeRepeat, OutcomeConflict (err wraps ErrConflict) or OutcomeStale
// (err wraps ErrStale).
func (j *Journal) Apply(id string, ev Event) (Payment, Outcome, error) {
	p, outs, err := j.ApplyAll(id, ev)
	if len(outs) != 1 {
		return p, "", err
	}
	return p, outs[0], err
}

// RecordAll appends several events to one payment in ONE fsynced
// transaction: all of them reach the disk, or (after a crash or an error)
// none. Each event is decided by Record's rules against the state the
// events before it left, in order; the chain links them one after the
// other. An invalid event (bad type, card data in its fields) stores
// nothing at all. Repeats and stale events are skipped and conflicts stored
// as alerts while the others are applied; the error is then the first
// conflict's or stale event's (errors.Is ErrConflict or ErrStale).
//
// The engine uses it to journal what one gateway answer taught it in one
// write (accepted and final together), which saves an fsync per payment.
func (j *Journal) RecordAll(id string, evs ...Event) (Payment, error) {
	p, _, err := j.ApplyAll(id, evs...)
	return p, err
}

// ApplyAll is RecordAll that also returns each event's Outcome, in order.
func (j *Journal) ApplyAll(id string, evs ...Event) (Payment, []Outcome, error) {
	if len(evs) == 0 {
		return Payment{}, nil, fmt.Errorf("%w: no events to record", ErrInvalid)
	}
	for _, ev := range evs {
		if err := validateEvent(ev); err != nil {
			return Payment{}, nil, err
		}
	}
	ats := make([]time.Time, len(evs))
	for i, ev := range evs {
		ats[i] = ev.At
		if ats[i].IsZero() {
			ats[i] = j.now()
		}
	}
	var (
		out      Payment
		outcomes []Outcome
	)
	err := j.update(func(tx *bolt.Tx) error {
		outcomes = outcomes[:0]
		p, err := getPayment(tx, id, false)
		if err != nil {
			return err
		}
		for i, ev := range evs {
			o, err := applyTx(tx, &p, ev, ats[i])
			if err != nil {
				return err
			}
			outcomes = append(outcomes, o)
		}
		out, err = getPayment(tx, id, true)
		return err
	})
	if err != nil {
		return out, nil, err
	}
	for i, o := range outcomes {
		ev := evs[i]
		switch o {
		case OutcomeConflict:
			return out, outcomes, fmt.Errorf("payment %s is %s; %s %s: %w", id, out.Status, ev.Type, ev.Status, ErrConflict)
		case OutcomeStale:
			return out, outcomes, fmt.Errorf("payment %s is %s; %s: %w", id, out.Status, ev.Type, ErrStale)
		}
	}
	return out, outcomes, nil
}

// validateEvent checks an event Record may store.
func validateEvent(ev Event) error {
	if err := checkFields(ev.Fields); err != nil {
		return err
	}
	switch ev.Type {
	case EventIntent:
		return fmt.Errorf("%w: intents are journaled by Begin", ErrInvalid)
	case EventClose:
		return fmt.Errorf("%w: close events are journaled by FinishClose", ErrInvalid)
	case EventFinal, EventResolved:
		if !isFinal(ev.Status) {
			return fmt.Errorf("%w: %s event needs a final status, not %q", ErrInvalid, ev.Type, ev.Status)
		}
	case EventReceipt:
		if strings.TrimSpace(ev.Fields[FieldCopy]) == "" {
			return fmt.Errorf("%w: a receipt event names its copy (field %q)", ErrInvalid, FieldCopy)
		}
		if _, ok := ev.Fields[FieldPrint]; ok {
			return fmt.Errorf("%w: the journal numbers receipt prints itself (field %q)", ErrInvalid, FieldPrint)
		}
		if _, ok := ev.Fields[FieldDuplicate]; ok {
			return fmt.Errorf("%w: the journal marks duplicates itself (field %q)", ErrInvalid, FieldDuplicate)
		}
	case EventSent, EventAccepted, EventUnknown, EventAlert, EventOverride:
	default:
		return fmt.Errorf("%w: event type %q", ErrInvalid, ev.Type)
	}
	return nil
}

// applyTx decides and stores one event of p (as stored in tx) and keeps p
// current.
func applyTx(tx *bolt.Tx, p *Payment, ev Event, at time.Time) (Outcome, error) {
	outcome := decide(p, ev)
	switch outcome {
	case OutcomeApplied:
		if ev.Type == EventReceipt {
			var err error
			if ev, err = numberPrint(tx, p, ev); err != nil {
				return "", err
			}
		}
		if err := apply(tx, p, ev, at); err != nil {
			return "", err
		}
	case OutcomeConflict:
		f := map[string]string{}
		for k, v := range ev.Fields {
			f[k] = v
		}
		f["reported_type"] = string(ev.Type)
		f["journaled_status"] = string(p.Status)
		if p.PaynetOrderID != "" {
			f["journaled_paynet_order_id"] = p.PaynetOrderID
		}
		if _, err := appendPaymentEvent(tx, p, &rec{Type: EventAlert, At: at.UnixNano(),
			Status: ev.Status, Fields: f}); err != nil {
			return "", err
		}
		if err := putPayment(tx, p); err != nil {
			return "", err
		}
	}
	return outcome, nil
}

// numberPrint returns a receipt event with FieldPrint (this copy's print
// number, from 1) and FieldDuplicate ("yes" from the second print of the
// copy on, else "no") set from the payment's earlier prints.
func numberPrint(tx *bolt.Tx, p *Payment, ev Event) (Event, error) {
	evs, err := paymentEvents(tx, p)
	if err != nil {
		return ev, err
	}
	copyName := ev.Fields[FieldCopy]
	n := 1
	for _, e := range evs {
		if isPrint(e.Type, e.Fields, copyName) {
			n++
		}
	}
	f := make(map[string]string, len(ev.Fields)+2)
	for k, v := range ev.Fields {
		f[k] = v
	}
	f[FieldPrint] = strconv.Itoa(n)
	f[FieldDuplicate] = duplicateWord(n)
	ev.Fields = f
	return ev, nil
}

// isPrint reports whether an event records a print of the receipt copy:
// a receipt event, or in journals written before EventReceipt existed an
// override event with the fields "reprint" and copy.
func isPrint(t EventType, f map[string]string, copyName string) bool {
	switch t {
	case EventReceipt:
		return f[FieldCopy] == copyName
	case EventOverride:
		return f[legacyReprint] != "" && f[FieldCopy] == copyName
	}
	return false
}

func duplicateWord(print int) string {
	if print > 1 {
		return "yes"
	}
	return "no"
}

// decide classifies ev against the payment's current state.
func decide(p *Payment, ev Event) Outcome {
	gw := ev.Fields[FieldPaynetOrderID]
	gwClash := gw != "" && p.PaynetOrderID != "" && gw != p.PaynetOrderID
	switch ev.Type {
	case EventAlert, EventOverride, EventReceipt:
		return OutcomeApplied
	case EventSent:
		switch p.Status {
		case StatusPending:
			return OutcomeApplied
		case StatusSent:
			return OutcomeRepeat
		}
		return OutcomeStale
	case EventAccepted:
		if gwClash {
			return OutcomeConflict
		}
		switch {
		case p.Status == StatusPending || p.Status == StatusSent:
			return OutcomeApplied
		case p.Status == StatusUnknown && gw != "" && p.PaynetOrderID == "":
			return OutcomeApplied // new information; status stays unknown
		case p.Status == StatusAccepted || p.Final() || p.Status == StatusUnknown:
			return OutcomeRepeat
		}
		return OutcomeStale
	case EventUnknown:
		if gwClash {
			return OutcomeConflict
		}
		switch {
		case p.Status == StatusUnknown:
			return OutcomeRepeat
		case p.Final():
			return OutcomeStale
		}
		return OutcomeApplied
	case EventFinal, EventResolved:
		if gwClash {
			return OutcomeConflict
		}
		if !p.Final() {
			return OutcomeApplied
		}
		if p.Status == ev.Status {
			return OutcomeRepeat
		}
		return OutcomeConflict
	}
	return OutcomeStale
}

// applyFields copies the gateway ids in f onto the payment.
func applyFields(p *Payment, f map[string]string) {
	set := func(dst *string, key string) {
		if v := f[key]; v != "" {
			*dst = v
		}
	}
	set(&p.PaynetOrderID, FieldPaynetOrderID)
	set(&p.SerialNumber, FieldSerialNumber)
	set(&p.ApprovalCode, FieldApprovalCode)
	set(&p.RRN, FieldRRN)
	set(&p.ReceiptID, FieldReceiptID)
	set(&p.CardScheme, FieldCardScheme)
}

// nextStatus is the payment status after an applied event.
func nextStatus(cur Status, ev Event) Status {
	switch ev.Type {
	case EventSent:
		return StatusSent
	case EventAccepted:
		if cur == StatusUnknown {
			return cur
		}
		return StatusAccepted
	case EventUnknown:
		return StatusUnknown
	case EventFinal, EventResolved:
		return ev.Status
	}
	return cur
}

func apply(tx *bolt.Tx, p *Payment, ev Event, at time.Time) error {
	id := []byte(p.ClientOrderID)
	wasFinal := p.Final()
	status := nextStatus(p.Status, ev)
	evStatus := status
	if ev.Type == EventAlert && ev.Status != "" {
		evStatus = ev.Status // the reported status
	}
	if _, err := appendPaymentEvent(tx, p, &rec{Type: ev.Type, At: at.UnixNano(),
		Status: evStatus, Fields: ev.Fields}); err != nil {
		return err
	}
	if changesPayment(ev.Type) {
		p.Status = status
		applyFields(p, ev.Fields)
		p.UpdatedAt = at
	}
	if err := putPayment(tx, p); err != nil {
		return err
	}
	if p.Final() && !wasFinal {
		if err := indexFinal(tx, p); err != nil {
			return err
		}
		if p.Status == StatusApproved {
			v := fmt.Sprintf("%s|%s|%d", p.Kind, p.Currency, p.AmountMinor)
			return tx.Bucket(bOpen).Put(id, []byte(v))
		}
	}
	return nil
}

// changesPayment reports whether an event of type t may change the
// payment's status or fields; alerts, overrides and receipt prints are notes
// that change nothing on it.
func changesPayment(t EventType) bool {
	return t != EventAlert && t != EventOverride && t != EventReceipt
}

// Get returns a payment with its events, or ErrNotFound.
func (j *Journal) Get(id string) (Payment, error) {
	var p Payment
	err := j.view(func(tx *bolt.Tx) error {
		var err error
		p, err = getPayment(tx, id, true)
		return err
	})
	return p, err
}

// loadAll returns the payments named by ids, with their events.
func loadAll(tx *bolt.Tx, ids []string) ([]Payment, error) {
	out := make([]Payment, 0, len(ids))
	for _, id := range ids {
		p, err := getPayment(tx, id, true)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (j *Journal) collect(fn func(tx *bolt.Tx) ([]string, error)) ([]Payment, error) {
	var out []Payment
	err := j.view(func(tx *bolt.Tx) error {
		ids, err := fn(tx)
		if err != nil {
			return err
		}
		out, err = loadAll(tx, ids)
		return err
	})
	return out, err
}

func prefixIDs(tx *bolt.Tx, bucket, prefix []byte, idFrom func(k []byte) string) []string {
	var ids []string
	c := tx.Bucket(bucket).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		ids = append(ids, idFrom(k))
	}
	return ids
}

func sortByCreated(ps []Payment) {
	sort.SliceStable(ps, func(a, b int) bool { return ps[a].CreatedAt.Before(ps[b].CreatedAt) })
}

// Unresolved returns every payment that is not final (pending, sent,
// accepted, unknown), oldest first: what recovery must settle.
func (j *Journal) Unresolved() ([]Payment, error) {
	ps, err := j.collect(unresolvedIDs)
	sortByCreated(ps)
	return ps, err
}

// withUnresolved returns ids (from an index of final payments) plus the
// unresolved payments that match keep.
func withUnresolved(tx *bolt.Tx, ids []string, keep func(p Payment) bool) ([]string, error) {
	un, err := unresolvedIDs(tx)
	if err != nil {
		return nil, err
	}
	for _, id := range un {
		p, err := getPayment(tx, id, false)
		if err != nil {
			return nil, err
		}
		if keep(p) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// ByDay returns the payments of a business day (YYYY-MM-DD), oldest first.
func (j *Journal) ByDay(day string) ([]Payment, error) {
	if _, err := time.Parse(dateLayout, day); err != nil {
		return nil, fmt.Errorf("%w: day %q is not YYYY-MM-DD", ErrInvalid, day)
	}
	ps, err := j.collect(func(tx *bolt.Tx) ([]string, error) {
		p := append([]byte(day), 0)
		ids := prefixIDs(tx, bDays, p, func(k []byte) string { return string(k[len(p):]) })
		return withUnresolved(tx, ids, func(p Payment) bool { return p.Day == day })
	})
	sortByCreated(ps)
	return ps, err
}

// Walk calls fn for each payment (with events) whose business day is within
// from..to inclusive (YYYY-MM-DD; empty means unbounded), by day and time.
func (j *Journal) Walk(from, to string, fn func(Payment) error) error {
	for _, d := range []string{from, to} {
		if d != "" {
			if _, err := time.Parse(dateLayout, d); err != nil {
				return fmt.Errorf("%w: day %q is not YYYY-MM-DD", ErrInvalid, d)
			}
		}
	}
	inRange := func(day string) bool { return (from == "" || day >= from) && (to == "" || day <= to) }
	return j.view(func(tx *bolt.Tx) error {
		type ref struct{ day, id string }
		var refs []ref
		c := tx.Bucket(bDays).Cursor()
		k, _ := c.First()
		if from != "" {
			k, _ = c.Seek([]byte(from))
		}
		for ; k != nil; k, _ = c.Next() {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				continue
			}
			if !inRange(string(k[:i])) {
				break
			}
			refs = append(refs, ref{string(k[:i]), string(k[i+1:])})
		}
		un, err := withUnresolved(tx, nil, func(p Payment) bool { return inRange(p.Day) })
		if err != nil {
			return err
		}
		ps := make([]Payment, 0, len(refs)+len(un))
		flush := func() error {
			sortByCreated(ps)
			for _, p := range ps {
				if err := fn(p); err != nil {
					return err
				}
			}
			ps = ps[:0]
			return nil
		}
		pending, err := loadAll(tx, un)
		if err != nil {
			return err
		}
		// One day at a time, oldest first, unresolved ones merged in.
		for i := 0; i < len(refs); {
			day := refs[i].day
			for ; i < len(refs) && refs[i].day == day; i++ {
				p, err := getPayment(tx, refs[i].id, true)
				if err != nil {
					return err
				}
				ps = append(ps, p)
			}
			rest := pending[:0]
			for _, p := range pending {
				if p.Day <= day {
					ps = append(ps, p)
				} else {
					rest = append(rest, p)
				}
			}
			pending = rest
			if err := flush(); err != nil {
				return err
			}
		}
		ps = append(ps, pending...)
		return flush()
	})
}

// Latest returns the n most recently begun payments, newest first.
func (j *Journal) Latest(n int) ([]Payment, error) {
	return j.collect(func(tx *bolt.Tx) ([]string, error) {
		var ids []string
		c := tx.Bucket(bEvents).Cursor()
		for k, v := c.Last(); k != nil && len(ids) < n; k, v = c.Prev() {
			// Only intents: cheap test before decoding.
			if len(v) > 64 && !bytes.Contains(v[64:], []byte(`"t":"intent"`)) {
				continue
			}
			r, _, err := decodeEvent(v)
			if err != nil {
				return nil, err
			}
			if r.Type == EventIntent {
				ids = append(ids, r.Order)
			}
		}
		return ids, nil
	})
}

// Search returns the payments matching every set field of q, newest first.
// OrderID matches the client_orderid or the gateway's order id.
func (j *Journal) Search(q Query) ([]Payment, error) {
	if q.Last4 == "" && q.AmountMinor == 0 && q.OrderID == "" && q.Day == "" {
		return nil, fmt.Errorf("%w: empty search", ErrInvalid)
	}
	match := func(p Payment) bool {
		return (q.OrderID == "" || p.ClientOrderID == q.OrderID || p.PaynetOrderID == q.OrderID) &&
			(q.Last4 == "" || last4(p.MaskedPAN) == q.Last4) &&
			(q.AmountMinor == 0 || p.AmountMinor == q.AmountMinor) &&
			(q.Day == "" || p.Day == q.Day)
	}
	ps, err := j.collect(func(tx *bolt.Tx) ([]string, error) {
		var ids []string
		switch {
		case q.OrderID != "":
			if tx.Bucket(bPayments).Get([]byte(q.OrderID)) != nil {
				return []string{q.OrderID}, nil
			}
			if v := tx.Bucket(bGwID).Get([]byte(q.OrderID)); v != nil {
				ids = []string{string(v)}
			}
		case q.Last4 != "":
			p := append([]byte(q.Last4), 0)
			ids = prefixIDs(tx, bLast4, p, func(k []byte) string { return string(k[len(p):]) })
		case q.AmountMinor > 0:
			p := k8(uint64(q.AmountMinor))
			ids = prefixIDs(tx, bAmount, p, func(k []byte) string { return string(k[8:]) })
		default:
			p := append([]byte(q.Day), 0)
			ids = prefixIDs(tx, bDays, p, func(k []byte) string { return string(k[len(p):]) })
		}
		return withUnresolved(tx, ids, match)
	})
	if err != nil {
		return nil, err
	}
	out := ps[:0]
	seen := map[string]bool{}
	for _, p := range ps {
		if match(p) && !seen[p.ClientOrderID] {
			seen[p.ClientOrderID] = true
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].CreatedAt.After(out[b].CreatedAt) })
	return out, nil
}

// Alerts returns every alert event (contradicting reports), oldest first.
func (j *Journal) Alerts() ([]Event, error) {
	var out []Event
	err := j.view(func(tx *bolt.Tx) error {
		events := tx.Bucket(bEvents)
		return tx.Bucket(bAlerts).ForEach(func(k, _ []byte) error {
			v := events.Get(k)
			if v == nil {
				return fmt.Errorf("%w: alert event %d is missing", ErrChain, u64(k))
			}
			r, h, err := decodeEvent(v)
			if err != nil {
				return err
			}
			out = append(out, r.event(h))
			return nil
		})
	})
	return out, err
}
