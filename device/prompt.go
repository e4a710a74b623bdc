package device

// Prompt is a reader event for the screen during a card read or a chip
// transaction.
type Prompt int

// Prompts.
const (
	PromptNone        Prompt = iota
	PromptPresent            // tap, insert or swipe the card (or swipe only on a swipe-only read)
	PromptInsert             // insert the card: the card asked for the chip, or a chip card was swiped
	PromptSwipe              // swipe the card: the chip could not be read (fallback)
	PromptTryAgain           // bad swipe: swipe again
	PromptWrongWay           // card inserted the wrong way, or not a chip card
	PromptOtherCard          // this card can't be used here: use another card
	PromptReadingCard        // a card is being read (chip inserted or tapped)
	PromptPIN                // the customer is entering the PIN on the reader
	PromptSeePhone           // the customer confirms on the phone
	PromptProcessing         // card read; waiting for the bank
	PromptRemoveCard         // remove the card from the reader
	PromptCardRemoved        // the card was removed
)

var promptText = [...]string{
	PromptNone:        "none",
	PromptPresent:     "present card",
	PromptInsert:      "insert card",
	PromptSwipe:       "swipe card",
	PromptTryAgain:    "bad swipe, try again",
	PromptWrongWay:    "card inserted the wrong way or not a chip card",
	PromptOtherCard:   "use another card",
	PromptReadingCard: "reading card",
	PromptPIN:         "PIN entry on the reader",
	PromptSeePhone:    "see phone",
	PromptProcessing:  "processing",
	PromptRemoveCard:  "remove card",
	PromptCardRemoved: "card removed",
}

// String returns a short English description (for logs; screens use their
// own words).
func (p Prompt) String() string {
	if p < 0 || int(p) >= len(promptText) {
		return "unknown"
	}
	return promptText[p]
}
