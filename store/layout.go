package store

// Bucket and key names. Schema history: v1 had every bucket but the search
// indexes (last4, amount, gwid); v2 added those; v3 encodes new events and
// every payment record in binary (codec.go) and keys the day and search
// indexes by creation time (index.go); v4 keys payments and the open-day
// index by the id's 16 bytes (idBytes), and so stores the gwid values.
// migrations in migrate.go.
var (
	bMeta     = []byte("meta")     // schema, seq, head, journal_id, unresolved
	bPayments = []byte("payments") // client_orderid (16 bytes) -> payment record (no Events; its event seqs)
	bEvents   = []byte("events")   // seq (8 bytes BE) -> event (binary, or hash hex + JSON before v3)
	bDays     = []byte("days")     // day 0x00 created id -> nil (final payments)
	bOpen     = []byte("open")     // client_orderid (16 bytes) -> "kind|currency|amount": approved, no finished close
	bBatches  = []byte("batches")  // request id -> Batch JSON
	bAlerts   = []byte("alerts")   // seq -> client_orderid
	bLast4    = []byte("last4")    // last4 0x00 created id -> nil (final payments)
	bAmount   = []byte("amount")   // amount (8 bytes BE) created id -> nil (final payments)
	bGwID     = []byte("gwid")     // gateway order id -> client_orderid (16 bytes)

	kSchema = []byte("schema")
	kSeq    = []byte("seq")
	kHead   = []byte("head")
	// kJournalID (in meta) is the journal's UUID, written once when the
	// file is created (or on the first open of a journal from before ids).
	kJournalID = []byte("journal_id")
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
