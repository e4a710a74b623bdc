package printertest

import "golang.org/x/sys/unix"

// makeRaw puts the terminal fd in raw mode (cfmakeraw).
func makeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	rawTermios(t)
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}
