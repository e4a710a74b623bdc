// Command barewindow is the baseline of Kassa's start-up benchmark: a bare
// Fyne window with one label. Like `kassa` with KASSA_READY set, it writes
// "ready <ms>" on stderr once its first frame is up.
package main

import (
	"fmt"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	start := time.Now()
	a := app.NewWithID("kassa.barewindow")
	w := a.NewWindow("Hello")
	w.SetContent(widget.NewLabel("Hello, Fyne"))
	w.Resize(fyne.NewSize(1100, 740))
	a.Lifecycle().SetOnStarted(func() {
		fyne.Do(func() { fmt.Fprintf(os.Stderr, "ready %d\n", time.Since(start).Milliseconds()) })
	})
	w.ShowAndRun()
}
