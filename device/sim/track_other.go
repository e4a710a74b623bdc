//go:build unix && !linux

package sim

// hangupTracker is Linux-only (inotify); elsewhere hang-ups are seen only
// as EIO on the master, so a very quick close and reopen may count as one
// connection.
type hangupTracker struct{}

func newHangupTracker(string) *hangupTracker { return nil }

func (t *hangupTracker) count() uint64 { return 0 }

func (t *hangupTracker) close() {}
