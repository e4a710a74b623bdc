package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the journal layout this Kassa writes. Journals with an
// older version are migrated on Open (one step per version, each in one
// fsynced transaction); a newer one is refused with ErrSchema when its
// schema seal matches (seal.go), and as damaged when it does not.
//
// Schema 3 stores new events and every payment record in a compact binary
// encoding (codec.go, wire.go) and keys the day and search indexes by
// creation time. Events written before stay as they are: the chain and its
// hashes never change.
//
// Schema 4 keys the payments and open-day buckets by the id's 16 bytes (not
// its 36-character text) and stores those 16 bytes as the gateway-id
// index's values.
const SchemaVersion = 4

// migrations[v] upgrades a version-v journal to v+1 inside tx.
var migrations = map[uint64]func(tx *bolt.Tx) error{
	1: migrate1to2,
	2: migrate2to3,
	3: migrate3to4,
}

// SchemaOf returns the schema version stored in an open journal.
func (j *Journal) SchemaOf() (uint64, error) {
	var v uint64
	err := j.view(func(tx *bolt.Tx) error {
		v = u64(tx.Bucket(bMeta).Get(kSchema))
		return nil
	})
	return v, err
}

func (j *Journal) migrate(from uint64) error {
	if from > SchemaVersion {
		return fmt.Errorf("%s has schema %d, this Kassa knows %d: %w", j.path, from, SchemaVersion, ErrSchema)
	}
	if from < SchemaVersion && j.opts.ReadOnly {
		return fmt.Errorf("%s has schema %d and needs migrating to %d: open it with Kassa first: %w",
			j.path, from, SchemaVersion, ErrReadOnly)
	}
	for v := from; v < SchemaVersion; v++ {
		step, ok := migrations[v]
		if !ok {
			return fmt.Errorf("%w: no migration from schema %d", ErrSchema, v)
		}
		j.log.Info("migrating journal", "path", j.path, "from", v, "to", v+1)
		err := j.update(func(tx *bolt.Tx) error {
			if err := step(tx); err != nil {
				return err
			}
			return putSchema(tx.Bucket(bMeta), v+1)
		})
		if err != nil {
			return fmt.Errorf("migrating journal %s from schema %d: %w", j.path, v, err)
		}
	}
	return nil
}

// migrate1to2 adds the search index buckets that schema 1 did not have;
// migrate2to3 fills them.
func migrate1to2(tx *bolt.Tx) error {
	for _, b := range bucketsV2 {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	return nil
}

// migrate2to3 re-encodes every payment record in the binary format,
// rebuilds the day and search indexes with their time-ordered keys and
// rewrites the unresolved list. Events are not touched.
func migrate2to3(tx *bolt.Tx) error {
	for _, b := range [][]byte{bDays, bLast4, bAmount} {
		if err := tx.DeleteBucket(b); err != nil {
			return err
		}
		if _, err := tx.CreateBucket(b); err != nil {
			return err
		}
	}
	ids, err := unresolvedIDs(tx)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bMeta).Put(kUnresolved, encodeIDList(ids)); err != nil {
		return err
	}
	var ps []Payment
	if err := tx.Bucket(bPayments).ForEach(func(k, v []byte) error {
		p, err := decodePayment(v)
		if err != nil {
			return fmt.Errorf("payment %s: %w", k, err)
		}
		if err := completePayment(tx, string(k), &p); err != nil { // schema 3: text keys
			return err
		}
		ps = append(ps, p)
		return nil
	}); err != nil {
		return err
	}
	for i := range ps {
		p := &ps[i]
		// Schema 3 keys payments by their text id (migrate3to4 re-keys them).
		if err := tx.Bucket(bPayments).Put([]byte(p.ClientOrderID), encodePayment(p)); err != nil {
			return err
		}
		if !p.Final() {
			continue // unresolved payments are indexed when they become final
		}
		if err := tx.Bucket(bDays).Put(append(dayPrefix(p.Day), timeID(p)...), nil); err != nil {
			return err
		}
		if err := indexSearch(tx, p); err != nil {
			return err
		}
	}
	return nil
}

// migrate3to4 re-keys the payments and open-day buckets by the ids' 16
// bytes and rewrites the gateway-id index's values the same way. Records
// and events are not touched.
func migrate3to4(tx *bolt.Tx) error {
	for _, b := range [][]byte{bPayments, bOpen} {
		if err := rekey(tx, b); err != nil {
			return err
		}
	}
	gw := tx.Bucket(bGwID)
	type kv struct{ k, v []byte }
	var ids []kv
	if err := gw.ForEach(func(k, v []byte) error {
		ids = append(ids, kv{append([]byte(nil), k...), idBytes(string(v))})
		return nil
	}); err != nil {
		return err
	}
	for _, x := range ids {
		if err := gw.Put(x.k, x.v); err != nil {
			return err
		}
	}
	return nil
}

// rekey rebuilds bucket name with its text id keys as idBytes.
func rekey(tx *bolt.Tx, name []byte) error {
	type kv struct{ k, v []byte }
	var all []kv
	if err := tx.Bucket(name).ForEach(func(k, v []byte) error {
		all = append(all, kv{idBytes(string(k)), append([]byte(nil), v...)})
		return nil
	}); err != nil {
		return err
	}
	if err := tx.DeleteBucket(name); err != nil {
		return err
	}
	b, err := tx.CreateBucket(name)
	if err != nil {
		return err
	}
	for _, x := range all {
		if err := b.Put(x.k, x.v); err != nil {
			return err
		}
	}
	return nil
}
