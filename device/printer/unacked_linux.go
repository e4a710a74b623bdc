package printer

import (
	"net"

	"golang.org/x/sys/unix"
)

// unacked returns the bytes written to c that the peer has not
// acknowledged yet (SIOCOUTQ).
func unacked(c *net.TCPConn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return -1, err
	}
	n, ierr := 0, error(nil)
	if err := rc.Control(func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ) }); err != nil {
		return -1, err
	}
	return n, ierr
}
