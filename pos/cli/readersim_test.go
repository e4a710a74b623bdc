package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestReaderSimHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"reader-sim", "--help"}, &out, &errb); code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	for _, want := range []string{"card PAN", "swipe", "fault NAME", "unplug", "replug", "--auto-swipe", "4111111111111111",
		"--entry", "insert", "tap", "remove", "pull", "chip-error", "no-tap", "wrong-pin", "4000000000000705"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}

func TestReaderSimBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--fault", "melt"}, {"--card", "12ab"}, {"extra"}, {"--entry", "wave"}} {
		var out, errb bytes.Buffer
		if code := Run(context.Background(), append([]string{"reader-sim"}, args...), &out, &errb); code != 2 {
			t.Errorf("%v: exit %d (%s)", args, code, errb.String())
		}
		if out.Len() != 0 {
			t.Errorf("%v: printed %q", args, out.String())
		}
	}
}
