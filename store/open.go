package store

import (
	"errors"
	"fmt"
	"os"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// init checks a freshly opened file and creates or migrates the schema.
func (j *Journal) init() error {
	fi, err := os.Stat(j.path)
	if err != nil {
		return err
	}
	var (
		version uint64
		sealed  bool
		fresh   bool
	)
	err = j.view(func(tx *bolt.Tx) error {
		if tx.Size() > fi.Size() {
			return &CorruptError{Path: j.path, Err: fmt.Errorf("file is truncated: %d bytes, needs %d", fi.Size(), tx.Size())}
		}
		meta := tx.Bucket(bMeta)
		if meta == nil {
			empty := true
			_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
			if !empty {
				return &CorruptError{Path: j.path, Err: errors.New("not a Kassa journal")}
			}
			fresh = true
			return nil
		}
		var err error
		if version, sealed, err = checkSchema(j.path, meta); err != nil {
			return err
		}
		for _, b := range bucketsV1 {
			if tx.Bucket(b) == nil {
				return &CorruptError{Path: j.path, Err: fmt.Errorf("bucket %s is missing", b)}
			}
		}
		// Touch the newest event: it must be the stored head.
		seq := u64(meta.Get(kSeq))
		k, v := tx.Bucket(bEvents).Cursor().Last()
		if _, h, err := splitStored(v); seq > 0 && (u64(k) != seq || err != nil || h != string(meta.Get(kHead))) {
			j.log.Warn("journal head does not match its newest event; run kassa journal verify", "path", j.path)
		}
		j.head = string(meta.Get(kHead))
		j.seq = seq
		j.id = string(meta.Get(kJournalID))
		if sealed && j.id == "" {
			// Ids came before seals: a sealed journal always has one.
			return &CorruptError{Path: j.path, Err: errors.New("its journal id is missing")}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if fresh {
		if j.opts.ReadOnly {
			return fmt.Errorf("%s: %w: the journal is empty", j.path, ErrNotFound)
		}
		return j.update(func(tx *bolt.Tx) error {
			for _, b := range append(append([][]byte{}, bucketsV1...), bucketsV2...) {
				if _, err := tx.CreateBucketIfNotExists(b); err != nil {
					return err
				}
			}
			meta := tx.Bucket(bMeta)
			if err := putSchema(meta, SchemaVersion); err != nil {
				return err
			}
			if err := meta.Put(kSeq, k8(0)); err != nil {
				return err
			}
			if err := meta.Put(kHead, []byte(Genesis)); err != nil {
				return err
			}
			return putJournalID(tx, j)
		})
	}
	if j.head == "" {
		j.head = Genesis
	}
	if err := j.migrate(version); err != nil {
		return err
	}
	// Housekeeping rides with the first write (chores), so that Open never
	// changes a file the whole-journal check may still find damaged.
	j.chores.seal = !sealed && version == SchemaVersion
	if err := j.view(func(tx *bolt.Tx) error {
		j.chores.backlog = len(tx.Bucket(bMeta).Get(kBacklog)) > 0 // left by a kill (backlog.go)
		return nil
	}); err != nil {
		return err
	}
	return j.ensureID()
}

// putJournalID gives the journal in tx a new journal_id (a random UUID) and
// keeps it on j once the transaction commits (update reads it back).
func putJournalID(tx *bolt.Tx, j *Journal) error {
	id := uuid.NewString()
	if err := tx.Bucket(bMeta).Put(kJournalID, []byte(id)); err != nil {
		return err
	}
	j.id = id
	return nil
}

// ensureID gives a journal written before journal ids existed its id, once,
// on its first writable open. A journal opened read-only keeps none (ID is
// empty) until Kassa opens it.
func (j *Journal) ensureID() error {
	if j.id != "" || j.opts.ReadOnly {
		return nil
	}
	err := j.update(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(kJournalID); len(v) > 0 {
			j.id = string(v)
			return nil
		}
		return putJournalID(tx, j)
	})
	if err != nil {
		j.id = ""
		return fmt.Errorf("giving journal %s its id: %w", j.path, err)
	}
	j.log.Info("journal id assigned", "path", j.path, "journal_id", j.id)
	return nil
}
