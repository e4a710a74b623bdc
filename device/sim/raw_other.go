//go:build unix && !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package sim

import "errors"

// makeRaw is not implemented on this system: ListenPTY fails and callers
// fall back to Pipe.
func makeRaw(int) error {
	return errors.New("raw terminal mode is not supported on this system")
}
