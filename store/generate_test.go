package store

import (
	"path/filepath"
	"testing"
)

// TestGenerate: a generated journal verifies, has its days closed but the
// last, and the open day's totals count its approved payments.
func TestGenerate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	if err := Generate(path, 2*GenerateDay+100); err != nil {
		t.Fatal(err)
	}
	j := openT(t, path, nil)
	if _, n, err := j.Verify(); err != nil || n == 0 {
		t.Fatalf("verify: %d %v", n, err)
	}
	if bs, err := j.Batches(); err != nil || len(bs) != 2 {
		t.Fatalf("close-days: %d %v", len(bs), err)
	}
	tot, err := j.OpenDayTotals()
	if err != nil || tot["RUB"].SaleCount+tot["RUB"].PreauthCount != 95 { // 100 payments, 5 declined
		t.Fatalf("open day: %+v %v", tot, err)
	}
}
