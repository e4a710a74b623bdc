package central

import (
	"encoding/hex"
	"errors"
)

func errorsAs(err error, target any) bool { return err != nil && errors.As(err, target) }

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
