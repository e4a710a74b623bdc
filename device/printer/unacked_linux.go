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
	if err := rc.Control(func(fd uintptr) { n, ierr = unackedFD(int(fd)) }); err != nil {
		return -1, err
	}
	return n, ierr
}

// unackedFD counts the unacknowledged bytes of socket fd; a connection the
// printer reset (its bytes will never be acknowledged) is its error.
func unackedFD(fd int) (int, error) {
	n, err := unix.IoctlGetInt(fd, unix.SIOCOUTQ)
	if err != nil || n == 0 {
		return n, err
	}
	if se, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR); err == nil && se != 0 {
		return n, unix.Errno(se)
	}
	if ti, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO); err == nil && ti.State == unix.BPF_TCP_CLOSE {
		return n, unix.ECONNRESET
	}
	return n, nil
}
