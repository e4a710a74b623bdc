package emv

// CVM is how the cardholder was verified, from 9F34 byte 1 & 3F and DF28.
type CVM int

// Cardholder verification methods.
const (
	CVMUnknown         CVM = iota // no 9F34, or a method Kassa does not name
	CVMNone                       // 1F: no CVM required
	CVMOnlinePIN                  // 02: online PIN (the block rides in DFAE04)
	CVMOfflinePIN                 // 01, 04: PIN checked by the chip
	CVMSignature                  // 1E: signature on the receipt
	CVMPINAndSignature            // 03, 05: offline PIN and signature
	CVMOnDevice                   // DF28 04: verified on the customer's phone
	CVMFailed                     // 00, 3F: CVM failed
)

var cvmText = [...]string{
	CVMUnknown:         "unknown",
	CVMNone:            "no-cvm",
	CVMOnlinePIN:       "online-pin",
	CVMOfflinePIN:      "offline-pin",
	CVMSignature:       "signature",
	CVMPINAndSignature: "pin-and-signature",
	CVMOnDevice:        "on-device",
	CVMFailed:          "failed",
}

// String returns a stable lower-case token: "no-cvm", "online-pin",
// "offline-pin", "signature", "pin-and-signature", "on-device", "failed",
// "unknown".
func (c CVM) String() string {
	if c < 0 || int(c) >= len(cvmText) {
		return "unknown"
	}
	return cvmText[c]
}

// NeedsSignature reports whether the receipt needs a signature line.
func (c CVM) NeedsSignature() bool { return c == CVMSignature || c == CVMPINAndSignature }

// cvmCodes maps 9F34 byte 1 & 3F to a CVM, one line per case.
var cvmCodes = map[byte]CVM{
	0x00: CVMFailed,
	0x01: CVMOfflinePIN,
	0x02: CVMOnlinePIN,
	0x03: CVMPINAndSignature,
	0x04: CVMOfflinePIN,
	0x05: CVMPINAndSignature,
	0x1E: CVMSignature,
	0x1F: CVMNone,
	0x3F: CVMFailed,
}

// CVMOf returns the CVM of a 9F34 value (3 bytes) and a DF28 value (1
// byte; 04 = verified on the customer's phone wins). nil inputs are absent.
func CVMOf(results, status []byte) CVM {
	if len(status) == 1 && status[0] == CVStatusOnDevice {
		return CVMOnDevice
	}
	if len(results) < 1 {
		return CVMUnknown
	}
	if c, ok := cvmCodes[results[0]&0x3F]; ok {
		return c
	}
	return CVMUnknown
}
