package ui

import (
	"kassa/pos"
)

// backupWarning is the status bar's word on the journal's backups (issue
// 14): "" while backups are off or current; otherwise what is wrong (the
// newest older than two days, none yet, the last automatic one failed).
func backupWarning(b pos.BackupStatus) string {
	if !b.State.Warn() {
		return ""
	}
	what, _ := reasonText(b.Reason)
	return what
}
