package sim

import (
	"encoding/binary"
	"sync"

	"golang.org/x/sys/unix"
)

// hangupTracker counts how often the last host closed the terminal, from
// inotify open/close events on the slave device. Unlike EIO on the master,
// which a quick close and reopen can hide, the event queue never loses a
// hang-up, so a reopened port is always a new connection.
type hangupTracker struct {
	mu      sync.Mutex
	fd      int
	opens   int
	hangups uint64
}

func newHangupTracker(dev string) *hangupTracker {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil
	}
	if _, err := unix.InotifyAddWatch(fd, dev, unix.IN_OPEN|unix.IN_CLOSE_WRITE|unix.IN_CLOSE_NOWRITE); err != nil {
		unix.Close(fd)
		return nil
	}
	return &hangupTracker{fd: fd}
}

// count drains pending events and returns the number of hang-ups so far.
func (t *hangupTracker) count() uint64 {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var buf [4096]byte
	for t.fd >= 0 {
		n, err := unix.Read(t.fd, buf[:])
		if err != nil || n <= 0 {
			break
		}
		for b := buf[:n]; len(b) >= unix.SizeofInotifyEvent; {
			mask := binary.NativeEndian.Uint32(b[4:8])
			l := int(binary.NativeEndian.Uint32(b[12:16]))
			switch {
			case mask&unix.IN_OPEN != 0:
				t.opens++
			case mask&(unix.IN_CLOSE_WRITE|unix.IN_CLOSE_NOWRITE) != 0 && t.opens > 0:
				t.opens--
				if t.opens == 0 {
					t.hangups++
				}
			}
			if unix.SizeofInotifyEvent+l > len(b) {
				break
			}
			b = b[unix.SizeofInotifyEvent+l:]
		}
	}
	return t.hangups
}

func (t *hangupTracker) close() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fd >= 0 {
		unix.Close(t.fd)
		t.fd = -1
	}
}
