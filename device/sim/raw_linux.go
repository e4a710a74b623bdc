package sim

import "golang.org/x/sys/unix"

// makeRaw puts the terminal fd in raw mode (cfmakeraw): no echo, no line
// editing, no CR/LF translation, 8-bit characters.
func makeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	rawTermios(t)
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}
