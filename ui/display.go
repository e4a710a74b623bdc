package ui

import (
	"errors"
	"os"
	"runtime"
)

// ErrNoDisplay is Main's error when there is no display to open the window
// on (over SSH, in a service): one line that says what to run instead.
var ErrNoDisplay = errors.New("no display for the GUI (DISPLAY and WAYLAND_DISPLAY are unset); " +
	"the headless commands need none: kassa sale, kassa status, kassa close-day (see kassa help)")

// hasDisplay reports whether a window can be opened: on Linux and the BSDs
// an X11 or Wayland display must be named in the environment (GLFW panics
// without one); Windows and macOS always have one.
func hasDisplay() bool {
	switch runtime.GOOS {
	case "windows", "darwin", "android", "ios":
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}
