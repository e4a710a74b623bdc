package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the journal layout this Kassa writes. Journals with an
// older version are migrated on Open (one step per version, each in one
// fsynced transaction); a newer one is refused with ErrSchema.
const SchemaVersion = 2

// migrations[v] upgrades a version-v journal to v+1 inside tx.
var migrations = map[uint64]func(tx *bolt.Tx) error{
	1: migrate1to2,
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
			return tx.Bucket(bMeta).Put(kSchema, k8(v+1))
		})
		if err != nil {
			return fmt.Errorf("migrating journal %s from schema %d: %w", j.path, v, err)
		}
	}
	return nil
}

// migrate1to2 builds the search indexes (last four digits, amount, gateway
// order id) that schema 1 did not have.
func migrate1to2(tx *bolt.Tx) error {
	for _, b := range bucketsV2 {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	return tx.Bucket(bPayments).ForEach(func(_, v []byte) error {
		p, err := decodePayment(v)
		if err != nil {
			return err
		}
		if !p.Final() {
			return nil // unresolved payments are indexed when they become final
		}
		return indexSearch(tx, &p)
	})
}
