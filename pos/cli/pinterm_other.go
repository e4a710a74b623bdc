//go:build !linux

package cli

import "os"

// echoOff cannot turn off the echo here: the PIN shows as it is typed (use
// --pin-stdin from a pipe instead).
func echoOff(*os.File) (restore func(), ok bool) { return func() {}, false }
