package mapi

// ValidRequestID reports whether id is a valid day_close_request_id: 8 to 32
// ASCII letters and digits (MAPI.md §5). The client checks it before sending
// and the sandbox before accepting, with this one function.
func ValidRequestID(id string) bool {
	if len(id) < 8 || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
