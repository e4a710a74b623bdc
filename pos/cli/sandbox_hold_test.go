package cli

import (
	"context"
	"strings"
	"testing"
)

// TestSandboxHoldDaysFlag: --hold-days is documented with its default 7 and
// must be positive.
func TestSandboxHoldDaysFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, 0, "-hold-days"},
		{[]string{"--help"}, 0, "(default 7)"},
		{[]string{"--hold-days", "0"}, 1, "--hold-days must be more than 0"},
		{[]string{"--hold-days", "-1"}, 1, "--hold-days must be more than 0"},
		{[]string{"--hold-days", "x"}, 1, "invalid value"},
	} {
		var stdout, stderr sandboxBuf
		code := runSandbox(context.Background(), tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
}
