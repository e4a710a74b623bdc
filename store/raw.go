package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// RawEvent is one event exactly as the journal chained it, for shipping the
// journal elsewhere (a store database, a backup check) and re-checking it
// there without trusting the lane.
//
// How a receiver verifies an event, knowing the Hash it accepted for Seq-1
// of the same journal (Genesis for Seq 1):
//
//  1. Seq is the previous Seq + 1 (no gaps, no repeats with other bytes).
//  2. Hash is the lower-case hex SHA-256 of Data, computed by the receiver.
//  3. The link inside Data is the previous Hash: LinkOf(Data) == Prev ==
//     the previous event's Hash. Prev is given apart for convenience only;
//     it is the link inside Data that the hash covers.
//
// RawEvent.Check does all three. The link sits inside Data so that the hash
// covers it: for events written by Kassa since schema 3 (Data[0] is
// FormatBinary) it is the raw 32 bytes Data[1:33]; in events written
// before (Data[0] is '{', JSON) it is the hex string member "v".
type RawEvent struct {
	Seq  uint64 // position in the journal, from 1
	Prev string // hex SHA-256 of the previous event (Genesis for the first)
	Hash string // hex SHA-256 of Data
	Data []byte // the exact bytes the hash covers, as stored
}

// Check verifies ev as the event after one with sequence number prevSeq and
// hash prevHash (0 and Genesis for the first event): its hash, the link
// inside its bytes and its sequence number. The error wraps ErrChain.
func (ev RawEvent) Check(prevSeq uint64, prevHash string) error {
	if ev.Seq != prevSeq+1 {
		return fmt.Errorf("%w: event %d follows event %d", ErrChain, ev.Seq, prevSeq)
	}
	sum := sha256.Sum256(ev.Data)
	if hex.EncodeToString(sum[:]) != ev.Hash {
		return fmt.Errorf("%w: event %d: hash does not match its bytes", ErrChain, ev.Seq)
	}
	link, err := LinkOf(ev.Data)
	if err != nil {
		return fmt.Errorf("%w: event %d: %v", ErrChain, ev.Seq, err)
	}
	if link != ev.Prev || link != prevHash {
		return fmt.Errorf("%w: event %d does not follow event %d", ErrChain, ev.Seq, prevSeq)
	}
	return nil
}

// LinkOf returns the previous event's hash (hex) that an event's hashed
// bytes carry. See RawEvent for where it sits.
func LinkOf(data []byte) (string, error) {
	r, err := decodeBody(data)
	if err != nil {
		return "", err
	}
	return r.Prev, nil
}

// ID returns the journal's journal_id: a UUID written once into the
// journal's meta when the file was created (journals from before ids get
// one on their first writable open). Copies of the journal (backups,
// compaction) keep it. It is empty only for a journal from before ids
// opened read-only.
func (j *Journal) ID() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.id
}

// HeadSeq returns the newest event's sequence number and hash (0 and
// Genesis for an empty journal): where a shipper's receiver should have
// caught up to. Head returns the same hash alone.
func (j *Journal) HeadSeq() (seq uint64, hash string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq, j.head
}

// EventsSince returns up to max events with a sequence number above seq,
// oldest first, exactly as stored (see RawEvent for how to check them).
// EventsSince(0, n) starts at the first event; an empty result means the
// receiver has everything. max <= 0 means 1000.
func (j *Journal) EventsSince(seq uint64, max int) ([]RawEvent, error) {
	if max <= 0 {
		max = 1000
	}
	var out []RawEvent
	err := j.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bEvents).Cursor()
		for k, v := c.Seek(k8(seq + 1)); k != nil && len(out) < max; k, v = c.Next() {
			ev, err := rawEvent(u64(k), v)
			if err != nil {
				return err
			}
			out = append(out, ev)
		}
		return nil
	})
	return out, err
}

// rawEvent turns a stored event value into a RawEvent (copying its bytes
// out of the transaction's memory).
func rawEvent(seq uint64, v []byte) (RawEvent, error) {
	data, hash, err := splitStored(v)
	if err != nil {
		return RawEvent{}, fmt.Errorf("%w: event %d: %v", ErrChain, seq, err)
	}
	link, err := LinkOf(data)
	if err != nil {
		return RawEvent{}, fmt.Errorf("%w: event %d: %v", ErrChain, seq, err)
	}
	return RawEvent{Seq: seq, Prev: link, Hash: hash, Data: bytes.Clone(data)}, nil
}
