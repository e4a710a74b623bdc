package ui

import (
	"errors"
	"runtime"
	"testing"
)

// TestMainWithoutDisplay: with no X11 or Wayland display Main says so in
// one line (and what to run instead) rather than letting GLFW panic.
func TestMainWithoutDisplay(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		t.Log("a display always exists here")
		return
	}
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	err := Main(Launch{})
	if !errors.Is(err, ErrNoDisplay) {
		t.Fatalf("Main without a display: %v, want ErrNoDisplay", err)
	}
	for _, r := range err.Error() {
		if r == '\n' {
			t.Fatalf("more than one line: %q", err)
		}
	}
}
