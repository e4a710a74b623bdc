package central

import "kassa/store"

// FromJournal is the Source of an open journal.
func FromJournal(j *store.Journal) Source { return journalSource{j} }

type journalSource struct{ j *store.Journal }

// ID is the journal's journal_id.
func (s journalSource) ID() string { return s.j.ID() }

// Head is the journal's chain head.
func (s journalSource) Head() string { return s.j.Head() }

// HeadSeq makes the shipper's backlog count cheap.
func (s journalSource) HeadSeq() uint64 {
	n, _ := s.j.HeadSeq()
	return n
}

// EventsSince reads the journal's events after seq, with the facts of
// binary ones decoded.
func (s journalSource) EventsSince(seq uint64, max int) ([]Event, error) {
	raw, err := s.j.EventsSince(seq, max)
	if err != nil {
		return nil, err
	}
	out := make([]Event, len(raw))
	for i, r := range raw {
		out[i] = Event{Seq: r.Seq, Prev: r.Prev, Hash: r.Hash, Body: r.Data}
		// Facts are for the reports only: an event this Kassa cannot
		// decode still ships (and is checked); its facts stay empty.
		out[i].Facts, _ = binaryFacts(r.Data)
	}
	return out, nil
}
