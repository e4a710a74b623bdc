//go:build !linux

package printer

import "net"

// unacked cannot tell here: -1.
func unacked(*net.TCPConn) (int, error) { return -1, nil }
