package pgtest

import (
	"os"
	"syscall"
)

// terminate stops process pid (Windows has no SIGTERM for another process).
func terminate(pid int) error { return kill(pid) }

// kill stops process pid at once.
func kill(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}

// alive reports whether process pid still runs.
func alive(pid int) bool {
	const still = 259 // STILL_ACTIVE
	h, err := syscall.OpenProcess(syscall.PROCESS_QUERY_INFORMATION, false, uint32(pid))
	if err != nil {
		return false
	}
	defer syscall.CloseHandle(h)
	var code uint32
	return syscall.GetExitCodeProcess(h, &code) == nil && code == still
}

// ownerOf: Windows files have no uid/gid to give on.
func ownerOf(os.FileInfo) (uid, gid int, ok bool) { return 0, 0, false }
