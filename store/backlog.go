package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The index backlog. A payment's day, search and open-day index entries are
// derived from its record (index.go), so they need not be written in the
// transaction that makes it final: that transaction writes the record, its
// events and this list in meta (the same pages Begin writes), and the
// entries follow in a later transaction, off the cashier's wait. The list
// is durable with the final event, so nothing can be lost: every query that
// reads an index also reads the backlog's few payments (withUnresolved,
// openDay), a kill -9 leaves the list for the first write after the next
// Open to apply (chores), and Close applies it.
//
// The backlog is applied when it holds backlogMax payments (in the
// transaction that fills it, so it never grows past that under a steady
// stream of sales), when the journal has had no write for
// Options.IndexDelay, by Close, with the first write after Open, and before
// a close-day reads the open-day index. Measured (issue 14): a final
// transaction that writes its index entries touches 19 pages and costs
// 1.4x one raw fsynced update; without them 7 pages and 1.0x.
var kBacklog = []byte("index_backlog")

// backlogMax is the most final payments the backlog holds.
const backlogMax = 64

// defaultIndexDelay is Options.IndexDelay's default.
const defaultIndexDelay = 2 * time.Second

// backlogIDs lists the final payments whose index entries are not written.
func backlogIDs(tx *bolt.Tx) ([]string, error) {
	ids, err := decodeIDList(tx.Bucket(bMeta).Get(kBacklog))
	if err != nil {
		return nil, fmt.Errorf("index backlog: %w", err)
	}
	return ids, nil
}

// deferIndex puts a payment that has just become final on the backlog,
// applying the backlog when that fills it.
func deferIndex(tx *bolt.Tx, p *Payment) error {
	ids, err := backlogIDs(tx)
	if err != nil {
		return err
	}
	ids = append(ids, p.ClientOrderID)
	if len(ids) >= backlogMax {
		return applyBacklog(tx, ids)
	}
	return tx.Bucket(bMeta).Put(kBacklog, encodeIDList(ids))
}

// flushBacklog writes the index entries of every payment on the backlog and
// empties it.
func flushBacklog(tx *bolt.Tx) error {
	ids, err := backlogIDs(tx)
	if err != nil || len(ids) == 0 {
		return err
	}
	return applyBacklog(tx, ids)
}

func applyBacklog(tx *bolt.Tx, ids []string) error {
	for _, id := range ids {
		p, err := getPayment(tx, id, false)
		if err != nil {
			return fmt.Errorf("index backlog: %w", err)
		}
		if err := indexFinal(tx, &p); err != nil {
			return err
		}
	}
	return tx.Bucket(bMeta).Delete(kBacklog)
}

// verifyBacklog checks that the index backlog names only final payments
// of the journal, each once.
func verifyBacklog(tx *bolt.Tx) error {
	ids, err := backlogIDs(tx)
	if err != nil {
		return err
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		p, err := getPayment(tx, id, false)
		switch {
		case err != nil:
			return fmt.Errorf("%w: the index backlog names payment %s: %v", ErrChain, id, err)
		case !p.Final():
			return fmt.Errorf("%w: the index backlog names payment %s, which is %s, not final", ErrChain, id, p.Status)
		case seen[id]:
			return fmt.Errorf("%w: the index backlog names payment %s twice", ErrChain, id)
		}
		seen[id] = true
	}
	return nil
}

// FlushIndexes writes the index entries of the payments on the backlog now
// (one fsynced transaction; none when the backlog is empty). Queries never
// need it: they read the backlog too.
func (j *Journal) FlushIndexes() error {
	if j.opts.ReadOnly {
		return nil
	}
	var pending bool
	if err := j.view(func(tx *bolt.Tx) error { pending = len(tx.Bucket(bMeta).Get(kBacklog)) > 0; return nil }); err != nil || !pending {
		return err
	}
	return j.update(flushBacklog)
}

// armIndexFlush (j.mu held, after a commit that left a backlog) applies the
// backlog once the journal has had no write for Options.IndexDelay.
func (j *Journal) armIndexFlush() {
	if j.closing {
		return // Close writes it
	}
	if j.idle == nil {
		j.idle = time.AfterFunc(j.opts.IndexDelay, j.idleFlush)
		return
	}
	j.idle.Reset(j.opts.IndexDelay)
}

func (j *Journal) idleFlush() {
	j.mu.Lock()
	if j.closing {
		j.mu.Unlock()
		return
	}
	j.idling.Add(1)
	j.mu.Unlock()
	defer j.idling.Done()
	if err := j.FlushIndexes(); err != nil && !isClosed(err) {
		j.log.Warn("writing the index backlog failed; queries still see it, the next write retries", "path", j.path, "err", err)
	}
}
