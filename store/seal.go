package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// kSchemaSeal (in meta) seals the schema number: the first 8 bytes of
// SHA-256("kassa journal schema" || the 8 stored schema bytes). A damaged
// schema field then reads as damage, not as "a newer Kassa wrote this":
// without the seal, one flipped bit in a stopped lane's journal told the
// cashier to update Kassa instead of to move the file aside.
//
// Every Kassa that writes a schema writes its seal in the same transaction;
// a journal from before the seal gets it with its first write after Open
// (chores). A newer schema is believed only with a matching seal.
var kSchemaSeal = []byte("schema_seal")

// schemaSeal returns the seal of the stored schema bytes v.
func schemaSeal(v []byte) []byte {
	h := sha256.New()
	h.Write([]byte("kassa journal schema"))
	h.Write(v)
	return h.Sum(nil)[:8]
}

// putSchema writes the schema number and its seal into meta.
func putSchema(meta *bolt.Bucket, version uint64) error {
	v := k8(version)
	if err := meta.Put(kSchema, v); err != nil {
		return err
	}
	return meta.Put(kSchemaSeal, schemaSeal(v))
}

// checkSchema reads the schema number from meta and checks its seal. sealed
// is false for a journal written before seals (its schema is trusted only
// up to SchemaVersion); a seal that does not match, a schema of zero, or an
// unsealed schema above SchemaVersion is a *CorruptError.
func checkSchema(path string, meta *bolt.Bucket) (version uint64, sealed bool, err error) {
	v := meta.Get(kSchema)
	version = u64(v)
	if len(v) != 8 || version == 0 {
		return 0, false, &CorruptError{Path: path, Err: errors.New("no schema version")}
	}
	seal := meta.Get(kSchemaSeal)
	switch {
	case seal == nil && version > SchemaVersion:
		return 0, false, &CorruptError{Path: path, Err: fmt.Errorf("its schema field reads %d, which no Kassa wrote", version)}
	case seal == nil:
		return version, false, nil
	case !bytes.Equal(seal, schemaSeal(v)):
		return 0, false, &CorruptError{Path: path, Err: fmt.Errorf("its schema field (%d) does not match its seal", version)}
	}
	return version, true, nil
}
