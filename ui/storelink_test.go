package ui

import (
	"testing"

	"kassa/pos"
	"kassa/ui/words"
)

// TestStoreLinkText: the status bar says how many events have not reached
// the store database, in the cashier's language, and nothing when the lane
// has no store database or is up to date.
func TestStoreLinkText(t *testing.T) {
	defer uiLang.Store(current())
	cases := []struct {
		lang words.Lang
		link pos.StoreLink
		want string
	}{
		{words.English, pos.StoreLink{}, ""},
		{words.English, pos.StoreLink{Enabled: true}, ""},
		{words.English, pos.StoreLink{Enabled: true, Backlog: 1}, "1 event not yet at the store database"},
		{words.English, pos.StoreLink{Enabled: true, Backlog: 12}, "12 events not yet at the store database"},
		{words.Russian, pos.StoreLink{Enabled: true, Backlog: 3}, "3 события ещё не в базе магазина"},
		{words.Russian, pos.StoreLink{Enabled: true, Backlog: 25}, "25 событий ещё не в базе магазина"},
		{words.Russian, pos.StoreLink{Enabled: true, Backlog: 4, Refused: true}, "База магазина не приняла журнал этой кассы: позовите менеджера"},
	}
	for _, c := range cases {
		uiLang.Store(c.lang)
		if got := storeLinkText(c.link); got != c.want {
			t.Errorf("%s %+v: %q, want %q", c.lang, c.link, got, c.want)
		}
	}
}
