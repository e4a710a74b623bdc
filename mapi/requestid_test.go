package mapi

import "testing"

func TestValidRequestID(t *testing.T) {
	for id, want := range map[string]bool{
		"CLIENTDAY1": true, "abcdefgh": true, "0123456789abcdefABCDEF0123456789": true,
		"abcdefg": false, "0123456789abcdefABCDEF01234567890": false, "abc-defgh": false,
		"": false, "abcdéfgh": false, "abcd efgh": false,
	} {
		if got := ValidRequestID(id); got != want {
			t.Errorf("ValidRequestID(%q) = %v, want %v", id, got, want)
		}
	}
}
