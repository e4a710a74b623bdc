//go:build !unix

package printer

const noCTTY = 0
