package ui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
)

// backupSettings is Settings' journal backup section (issue 14): the
// backup folder (KASSA_BACKUP_DIR), how many automatic backups to keep,
// the newest backup's time and "Back up now". The engine makes the copy
// (payments go on meanwhile); an automatic one follows every finished
// close-day.
type backupSettings struct {
	u      *UI
	folder *widget.Entry
	keep   *widget.Entry
	last   *widget.Label
	msg    *widget.Label
	save   *widget.Button
	now    *widget.Button
	root   fyne.CanvasObject
}

// backupNowTimeout bounds "Back up now" (the engine bounds it too).
const backupNowTimeout = 10 * time.Minute

func newBackupSettings(u *UI) *backupSettings {
	b := &backupSettings{u: u, folder: widget.NewEntry(), keep: widget.NewEntry(),
		last: &widget.Label{Wrapping: fyne.TextWrapWord}, msg: &widget.Label{Wrapping: fyne.TextWrapWord}}
	b.folder.SetPlaceHolder(tr("a folder on another disk, e.g. a USB drive"))
	b.keep.SetPlaceHolder(strconv.Itoa(30))
	b.save = &widget.Button{Text: tr("Save backup folder"), Icon: theme.DocumentSaveIcon(), OnTapped: b.saveTapped}
	b.now = &widget.Button{Text: tr("Back up now"), Icon: theme.UploadIcon(), OnTapped: b.nowTapped}
	f := widget.NewForm(
		widget.NewFormItem(tr("Backup folder"), b.folder),
		widget.NewFormItem(tr("Backups to keep"), b.keep),
		widget.NewFormItem("", container.NewVBox(container.NewHBox(b.save), container.NewHBox(b.now), b.last, b.msg)))
	b.root = panel(colorCard, container.NewVBox(text(tr("Journal backups"), 20, true, theme.ColorNameForeground), f))
	return b
}

// shown fills the section from the engine.
func (b *backupSettings) shown() {
	st := b.u.eng.Backups()
	b.folder.SetText(st.Dir)
	b.keep.SetText("")
	if cfg := b.u.eng.Config(); cfg.BackupKeep > 0 {
		b.keep.SetText(strconv.Itoa(cfg.BackupKeep))
	}
	b.msg.SetText("")
	b.showLast(st)
}

// showLast says when the newest backup was made and whether it warns.
func (b *backupSettings) showLast(st pos.BackupStatus) {
	var s string
	switch {
	case st.State == pos.BackupOff:
		s = tr("Automatic backups are off: choose a folder.")
	case st.Last.IsZero():
		s = tr("No backup in this folder yet.")
	default:
		s = tr("Last backup:") + " " + st.Last.Local().Format("2006-01-02 15:04")
	}
	if w := backupSentence(st); w != "" {
		s += "\n⚠ " + w
	}
	b.last.SetText(s)
}

// form is the folder and count as typed; ok false (with the message shown)
// when the count is not a number.
func (b *backupSettings) form() (dir string, keep int, ok bool) {
	dir = strings.TrimSpace(b.folder.Text)
	if k := strings.TrimSpace(b.keep.Text); k != "" {
		n, err := strconv.Atoi(k)
		if err != nil || n < 1 {
			b.msg.SetText("✗ " + tr("Backups to keep: a whole number, at least 1."))
			return "", 0, false
		}
		keep = n
	}
	return dir, keep, true
}

// saveTapped saves the folder and count.
func (b *backupSettings) saveTapped() {
	dir, keep, ok := b.form()
	if !ok {
		return
	}
	if err := b.u.eng.SetBackupFolder(dir, keep); err != nil {
		b.msg.SetText("✗ " + settingsErr(err))
		return
	}
	b.msg.SetText("✓ " + tr("Backup folder saved."))
	b.showLast(b.u.eng.Backups())
}

// nowTapped saves a changed folder, then has the engine write and verify a
// backup into it.
func (b *backupSettings) nowTapped() {
	dir, keep, ok := b.form()
	if !ok {
		return
	}
	if cfg := b.u.eng.Config(); dir != cfg.BackupDir || keep != cfg.BackupKeep {
		if err := b.u.eng.SetBackupFolder(dir, keep); err != nil {
			b.msg.SetText("✗ " + settingsErr(err))
			return
		}
	}
	b.now.Disable()
	b.msg.SetText(tr("Backing up the journal…"))
	b.u.goroutine(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, backupNowTimeout)
		defer cancel()
		res, err := b.u.eng.BackUp(ctx, "")
		b.u.later(func() {
			b.now.Enable()
			b.showLast(b.u.eng.Backups())
			if err != nil {
				b.msg.SetText("✗ " + settingsErr(err))
				return
			}
			what, _ := reasonText(pos.Reason{Cause: pos.CauseBackupDone, Code: res.Path})
			b.msg.SetText("✓ " + what)
		})
	})
}
