package mapi

import "testing"

// The check values of MAPI.md §2.
func TestControlCheckValues(t *testing.T) {
	const key Secret = "D5F82EC1-8575-4482-AD89-97X6X0X20X22"
	tests := []struct {
		name, got, want string
	}{
		{"status control", StatusControl("test-login", "CLIENT-112233", "PAYNET-112233", key), "a1e4d9ff23f0243c45b93733ea028d6eed82328a"},
		{"callback control", CallbackControl("approved", "PAYNET-112233", "CLIENT-112233", key), "37c8a69743d496de0a88c29b062950d21f16a46c"},
		// Without orderid the status control is sha1(login+client_orderid+key).
		{"status control, no orderid", StatusControl("test-login", "CLIENT-112233", "", key), sha1Hex("test-loginCLIENT-112233" + string(key))},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %s, want %s", tt.name, tt.got, tt.want)
		}
	}
	if StatusControl("test-login", "CLIENT-112233", "PAYNET-112233", key+"x") == tests[0].want {
		t.Error("the control does not depend on the key")
	}
}
