//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package printertest

import "golang.org/x/sys/unix"

// makeRaw puts the terminal fd in raw mode (cfmakeraw).
func makeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TIOCGETA)
	if err != nil {
		return err
	}
	rawTermios(t)
	return unix.IoctlSetTermios(fd, unix.TIOCSETA, t)
}
