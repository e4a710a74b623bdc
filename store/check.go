package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
)

// bbolt's on-disk constants (go.etcd.io/bbolt internal/common).
const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	boltPageHeader   = 16
	boltBranchFlag   = 0x01
	boltLeafFlag     = 0x02
	boltFreelistFlag = 0x10
	boltNoFreelist   = ^uint64(0)
)

type boltMeta struct {
	pageSize             uint32
	root, freelist, pgid uint64
	txid                 uint64
}

// readMeta decodes and checks one meta page (checksum as bbolt computes it).
func readMeta(b []byte) (boltMeta, bool) {
	if len(b) < boltPageHeader+64 {
		return boltMeta{}, false
	}
	m := b[boltPageHeader:]
	le := binary.LittleEndian
	if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != boltVersion {
		return boltMeta{}, false
	}
	h := fnv.New64a()
	_, _ = h.Write(m[:56])
	if h.Sum64() != le.Uint64(m[56:]) {
		return boltMeta{}, false
	}
	return boltMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, true
}

// precheck looks at an existing journal file before bbolt maps it: valid meta
// pages, a file as long as the meta says, and sane root and freelist pages.
// bbolt panics or faults on some damaged files, and a panic inside bbolt.Open
// would leave the file locked; checking first keeps such files away from it.
func precheck(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	if size == 0 {
		return nil // bbolt initialises an empty file
	}
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	head = head[:n]
	m0, ok0 := readMeta(head)
	pageSize := int64(os.Getpagesize())
	if ok0 {
		pageSize = int64(m0.pageSize)
	}
	if pageSize < 1024 || pageSize > 1<<20 {
		return errors.New("impossible page size")
	}
	second := make([]byte, boltPageHeader+64)
	var m1 boltMeta
	ok1 := false
	if _, err := f.ReadAt(second, pageSize); err == nil {
		m1, ok1 = readMeta(second)
	}
	var m boltMeta
	switch {
	case ok0 && ok1:
		m = m0
		if m1.txid > m0.txid {
			m = m1
		}
	case ok0:
		m = m0
	case ok1:
		m = m1
	default:
		return errors.New("not a journal file (no valid header)")
	}
	if need := int64(m.pgid) * pageSize; need > size || m.pgid < 2 {
		return fmt.Errorf("file is truncated: %d bytes, needs %d", size, need)
	}
	pageFlags := func(id uint64) (uint16, error) {
		if id < 2 || id >= m.pgid {
			return 0, fmt.Errorf("page %d out of range", id)
		}
		b := make([]byte, boltPageHeader)
		if _, err := f.ReadAt(b, int64(id)*pageSize); err != nil {
			return 0, err
		}
		if binary.LittleEndian.Uint64(b) != id {
			return 0, fmt.Errorf("page %d is damaged", id)
		}
		return binary.LittleEndian.Uint16(b[8:]), nil
	}
	if fl, err := pageFlags(m.root); err != nil || (fl != boltBranchFlag && fl != boltLeafFlag) {
		return fmt.Errorf("root page %d is damaged", m.root)
	}
	// Kassa always syncs the freelist. Without one, bbolt would rebuild it
	// by walking every page in a goroutine of its own, where a damaged page
	// panics beyond recovery: refuse such files.
	if m.freelist == boltNoFreelist {
		return errors.New("not a Kassa journal (no freelist)")
	}
	{
		if fl, err := pageFlags(m.freelist); err != nil || fl != boltFreelistFlag {
			return fmt.Errorf("freelist page %d is damaged", m.freelist)
		}
	}
	return nil
}
