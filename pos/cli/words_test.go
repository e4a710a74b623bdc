package cli

import (
	"context"
	"errors"
	"testing"

	"kassa/pos"
)

// TestWords: with Words the commands print its sentences; without, the
// reason's and the error's short text.
func TestWords(t *testing.T) {
	r := pos.Reason{Cause: pos.CauseDeclined, Message: "Insufficient funds"}
	plain := context.Background()
	if got := sentence(plain, r); got != "declined: Insufficient funds" {
		t.Errorf("without words: %q", got)
	}
	w := Words(func(r pos.Reason) (string, string) { return "Declined: " + r.Message + ".", "Ask for another card." })
	ctx := context.WithValue(plain, wordsKey{}, w)
	if got := sentence(ctx, r); got != "Declined: Insufficient funds. Ask for another card." {
		t.Errorf("with words: %q", got)
	}
	err := &pos.Error{Reason: pos.Reason{Cause: pos.CauseBlocked}, Err: pos.ErrBlocked}
	if got := errSentence(plain, err); got != pos.ErrBlocked.Error() {
		t.Errorf("error without words: %q", got)
	}
	if got := errSentence(ctx, err); got != "Declined: . Ask for another card." {
		t.Errorf("error with words: %q", got)
	}
	if got := errSentence(ctx, errors.New("plain")); got != "plain" {
		t.Errorf("plain error: %q", got)
	}
}
