package central

// Event is one journal event as stored on the lane: its position, the hash
// of the event before it, its own hash (hex SHA-256 of Body) and the exact
// stored bytes the hash covers.
type Event struct {
	Seq  uint64
	Prev string // hex SHA-256, store.Genesis for the first event
	Hash string // hex SHA-256 of Body
	Body []byte
	// Facts is the event decoded as JSON in the journal's JSON event shape
	// for bodies the database cannot read itself (the binary format); nil
	// for JSON bodies.
	Facts []byte
}

// Source is a lane's journal as the shipper reads it. *store.Journal
// provides it through FromJournal.
type Source interface {
	// ID is the journal's journal_id (a UUID made when the file was created).
	ID() string
	// EventsSince returns up to max events with Seq > seq, in order.
	EventsSince(seq uint64, max int) ([]Event, error)
	// Head is the hash of the newest event (store.Genesis when empty).
	Head() string
}

// genesis is store.Genesis (the Prev of a journal's first event).
const genesis = "0000000000000000000000000000000000000000000000000000000000000000"
