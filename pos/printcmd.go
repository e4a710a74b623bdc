package pos

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
)

// PrintCommand prints a saved PDF file; nil error only when the OS (or the
// spooler) accepted it.
type PrintCommand func(ctx context.Context, path string) error

// OSPrint hands a PDF to the OS print system: `lp` (CUPS) on Unix-like
// systems, the shell's Print verb on Windows. Its error carries the
// command's own words (no spooler, no default printer).
func OSPrint(ctx context.Context, path string) error {
	var cmd *exec.Cmd
	if runtime.GOOS == "windows" {
		quoted := "'" + strings.ReplaceAll(path, "'", "''") + "'"
		cmd = exec.CommandContext(ctx, "powershell", "-NoProfile", "-NonInteractive", "-Command",
			"Start-Process -FilePath "+quoted+" -Verb Print -Wait -ErrorAction Stop")
	} else {
		cmd = exec.CommandContext(ctx, "lp", "--", path)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		if msg := strings.TrimSpace(string(out)); msg != "" {
			return fmt.Errorf("%s: %w: %s", cmd.Args[0], err, msg)
		}
		return fmt.Errorf("%s: %w", cmd.Args[0], err)
	}
	return nil
}

// printCommand is the engine's PDF print command.
func (e *Engine) printCommand() PrintCommand {
	if e.parts.printCmd != nil {
		return e.parts.printCmd
	}
	return OSPrint
}
