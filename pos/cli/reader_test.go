package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestReaderHelp(t *testing.T) {
	for _, args := range [][]string{{"reader", "--help"}, {"reader", "info", "--help"}} {
		var out, errb bytes.Buffer
		if code := Run(context.Background(), args, &out, &errb); code != 0 {
			t.Errorf("%v: exit %d", args, code)
		}
		if !strings.Contains(out.String()+errb.String(), "kassa reader info") {
			t.Errorf("%v: no usage:\n%s%s", args, out.String(), errb.String())
		}
	}
}

func TestReaderInfoMissingPort(t *testing.T) {
	var out, errb bytes.Buffer
	path := filepath.Join(t.TempDir(), "ttyACM7")
	code := Run(context.Background(), []string{"reader", "info", "--port", path}, &out, &errb)
	if code == 0 {
		t.Fatalf("exit 0 for a missing port:\n%s", out.String())
	}
	if out.Len() != 0 || !strings.Contains(errb.String(), path+" does not exist") {
		t.Errorf("stdout %q stderr %q", out.String(), errb.String())
	}
}
