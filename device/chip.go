package device

// ChipTransaction is a chip or contactless transaction the reader holds
// open after START answered: Continue sends the issuer's response (CONTINUE
// TRANSACTION) and returns the card's final template; End closes it with
// 8A "Z3" (or "00" for an approved contactless sale).
type ChipTransaction struct {
	r           *Reader
	s           *session
	contactless bool
	done        bool
}
