package ui

import (
	"strings"

	"kassa/pos"
)

// backupShort is THE table of the status bar's short backup words (issue
// 14), by cause; Settings shows the whole sentence (words.Reason).
var backupShort = map[pos.Cause]string{
	pos.CauseBackupOld:      "Last backup {code} days ago",
	pos.CauseBackupNone:     "No backup for 2 days",
	pos.CauseBackupFailed:   "Backup failed",
	pos.CauseBackupDiskFull: "Backup failed: disk full",
}

// backupWarning is the status bar's word on the journal's backups: "" while
// backups are off or current; otherwise, short, what is wrong (the newest
// older than two days, none yet, the last automatic one failed). The
// manager sees the whole sentence and what to do in Settings.
func backupWarning(b pos.BackupStatus) string {
	if !b.State.Warn() {
		return ""
	}
	k, ok := backupShort[b.Reason.Cause]
	if !ok {
		what, _ := reasonText(b.Reason)
		return what
	}
	return "⚠ " + strings.ReplaceAll(tr(k), "{code}", b.Reason.Code)
}

// backupSentence is the whole sentence for Settings ("" when it does not
// warn).
func backupSentence(b pos.BackupStatus) string {
	if !b.State.Warn() {
		return ""
	}
	what, todo := reasonText(b.Reason)
	return strings.TrimSpace(what + " " + todo)
}
