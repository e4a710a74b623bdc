//go:build unix

package pgtest

import (
	"os"
	"syscall"
)

// terminate asks process pid to stop (SIGTERM).
func terminate(pid int) error { return syscall.Kill(pid, syscall.SIGTERM) }

// kill stops process pid at once (SIGKILL: a crash).
func kill(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }

// alive reports whether process pid still exists.
func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// ownerOf is a file's owner and group.
func ownerOf(fi os.FileInfo) (uid, gid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), int(st.Gid), true
}
