package faultproxy

import "strings"

// Operations: the gateway commands a fault can be armed for, by the URL path
// they use (MAPI.md §3–§5, §9, §10).
const (
	OpSale     = "sale"
	OpPreauth  = "preauth"
	OpStatus   = "status"
	OpCloseDay = "close-day"
	OpCapture  = "capture"
	OpReturn   = "return"
	OpAdvice   = "emv-advice"
	OpAny      = "*" // every operation
)

// opOf is the operation of a request path ("" when none is recognised).
func opOf(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i := len(parts) - 1; i >= 0; i-- {
		switch p := parts[i]; p {
		case OpSale, OpPreauth, OpStatus, OpCloseDay, OpCapture, OpReturn, OpAdvice:
			return p
		}
	}
	return ""
}
