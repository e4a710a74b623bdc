//go:build unix

package printer

import "syscall"

// noCTTY keeps a terminal device from becoming Kassa's controlling terminal.
const noCTTY = syscall.O_NOCTTY
