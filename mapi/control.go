package mapi

import (
	"crypto/sha1"
	"encoding/hex"
)

// StatusControl is the SHA-1 control of a status request (MAPI.md §2):
// lower-case hex of sha1(login + clientOrderID + orderID + key). orderID is
// empty when the gateway's order id is not known.
func StatusControl(login, clientOrderID, orderID string, key Secret) string {
	return sha1Hex(login + clientOrderID + orderID + key.Reveal())
}

// CallbackControl is the SHA-1 control of a gateway callback (MAPI.md §2):
// lower-case hex of sha1(status + orderID + clientOrderID + key).
func CallbackControl(status, orderID, clientOrderID string, key Secret) string {
	return sha1Hex(status + orderID + clientOrderID + key.Reveal())
}

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
