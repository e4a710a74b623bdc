package escpos

import (
	"errors"
	"fmt"
)

// MaxQR is the most bytes a model 2 QR code holds at error correction M.
const MaxQR = 2331

// ErrQR is returned for QR data that is empty or longer than MaxQR.
var ErrQR = errors.New("escpos: qr data must be 1 to 2331 bytes")

// QR-code function numbers of GS ( k with cn 49.
const (
	qrModel = 65 // fn 165: select the model
	qrSize  = 67 // fn 167: module size
	qrLevel = 69 // fn 169: error correction level
	qrStore = 80 // fn 180: store the data
	qrPrint = 81 // fn 181: print the stored symbol
)

// QR prints data as a model 2 QR code, module size dots wide (1 to 16),
// error correction M (GS ( k). The data is bytes as given (ASCII for a
// receipt reference).
func (e *Encoder) QR(data string, size int) error {
	if len(data) == 0 || len(data) > MaxQR {
		return fmt.Errorf("%w (got %d)", ErrQR, len(data))
	}
	e.qrCmd(qrModel, 50, 0)
	e.qrCmd(qrSize, byte(min(max(size, 1), 16)))
	e.qrCmd(qrLevel, 49)
	e.qrCmd(qrStore, append([]byte{48}, data...)...)
	e.qrCmd(qrPrint, 48)
	return nil
}

// qrCmd appends GS ( k pL pH 49 fn args.
func (e *Encoder) qrCmd(fn byte, args ...byte) {
	n := len(args) + 2
	e.buf = append(e.buf, gs, '(', 'k', byte(n), byte(n>>8), 49, fn)
	e.buf = append(e.buf, args...)
}
