package words

import (
	"testing"

	"kassa/pos"
)

// TestEveryLaneStateHasWords: each Store view lane state has its own words
// in English and Russian.
func TestEveryLaneStateHasWords(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range pos.LaneStates() {
		en, ru := LaneState(English, s), LaneState(Russian, s)
		if _, ok := laneStates[s]; !ok || en == ru || seen[en] || !Has(laneStates[s], Russian) {
			t.Errorf("%v: %q / %q", s, en, ru)
		}
		seen[en] = true
	}
}
