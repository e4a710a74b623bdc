package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"kassa/pos"
	"kassa/store"
)

const journalBackupUsage = `backup [--journal PATH] [--demo] DEST

Writes a consistent copy of the journal to DEST and verifies the copy's
chain. DEST is a new file, or a directory: the copy is then named
kassa-journal-<terminal id>-<UTC time>.db (terminal id: $KASSA_TERMINAL_ID,
else the journal's). Exit 0 when the copy is written and verified, 2 with
the reason otherwise. While Kassa runs, the running Kassa makes the copy
(asked over its control socket, <journal>.sock, open to this user only);
Settings → "Back up now" does the same.
Restore: with Kassa closed, copy the backup over the journal file (keep the
old one) and run kassa journal verify.`

func journalBackup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, jf := newJournalFlags("backup", journalBackupUsage, stderr)
	if code, stop := toolArgs(fs, args, func() (int, bool) {
		if code, stop := usageUnless(fs, fs.NArg() == 1); stop {
			return code, stop
		}
		return backupByInstance(ctx, jf, fs.Arg(0), stdout, stderr)
	}); stop {
		return code
	}
	j, _ := jf.open(stderr)
	if j == nil {
		return 2 // open said why; every failure of backup exits 2
	}
	defer j.Close()
	res, err := store.Backup(j, fs.Arg(0), store.BackupOptions{TerminalID: os.Getenv("KASSA_TERMINAL_ID")})
	if err != nil {
		fmt.Fprintln(stderr, "kassa journal backup:", err)
		return 2
	}
	printBackup(stdout, pos.BackupResult{Path: res.Path, Bytes: res.Bytes, Events: res.Events, Head: res.Head})
	return 0
}

// backupByInstance asks the Kassa running on the journal, if one answers on
// its control socket, to make the copy (it holds the journal, so this
// command could not open it). asked is false when none answers.
func backupByInstance(ctx context.Context, jf *journalFlags, dest string, stdout, stderr io.Writer) (code int, asked bool) {
	path := jf.path
	if path == "" {
		var err error
		if path, err = journalFile(jf.demo); err != nil {
			return 0, false // open says why
		}
	}
	ctx, cancel := context.WithTimeout(ctx, backupWait)
	defer cancel()
	res, err := pos.RequestBackup(ctx, path, dest)
	switch {
	case errors.Is(err, pos.ErrNoInstance):
		return 0, false
	case err != nil:
		fmt.Fprintln(stderr, "kassa journal backup: the running Kassa could not make the backup:", err)
		return 2, true
	}
	printBackup(stdout, res)
	return 0, true
}

// backupWait bounds a backup made by the running Kassa.
const backupWait = 10 * time.Minute

func printBackup(stdout io.Writer, res pos.BackupResult) {
	fmt.Fprintf(stdout, "backup written: %s\nbytes: %d\nevents: %d\nchain head: %s\n", res.Path, res.Bytes, res.Events, res.Head)
}

const journalCompactUsage = `compact [--journal PATH] [--demo]

Rewrites the journal into a fresh, smaller file, verifies it and swaps it in
atomically; the old file is kept beside it (.pre-compact-<UTC time>). Only
while Kassa is not running. Exit 0 when done, 2 with the reason otherwise.`

func journalCompact(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs, jf := newJournalFlags("compact", journalCompactUsage, stderr)
	if code, stop := toolArgs(fs, args, nil); stop {
		return code
	}
	path := jf.path
	if path == "" {
		var err error
		if path, err = journalFile(jf.demo); err != nil {
			fmt.Fprintln(stderr, "kassa journal compact:", err)
			return 2
		}
	}
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(stderr, "kassa journal compact: there is no journal at %s\n", path)
		return 2
	}
	res, err := store.Compact(path, store.Options{LockTimeout: time.Second})
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintf(stderr, "kassa journal compact: Kassa is running on %s; close it, then run this command again\n", path)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "kassa journal compact:", err)
		return 2
	}
	fmt.Fprintf(stdout, "journal compacted: %s\nbytes before: %d\nbytes after: %d\nevents: %d\nold journal kept at: %s\n",
		res.Path, res.BytesBefore, res.BytesAfter, res.Events, res.OldPath)
	return 0
}
