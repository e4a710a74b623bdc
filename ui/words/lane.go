package words

import "kassa/pos"

// laneStates is THE table from a lane's close-day state (the Store view,
// issue 15) to its words.
var laneStates = map[pos.LaneState]string{
	pos.LaneClosed:     "Closed, agrees with the bank",
	pos.LaneIdle:       "No payments today",
	pos.LaneBehind:     "Not all events at the store database yet",
	pos.LaneUnresolved: "Payments not resolved",
	pos.LaneOpen:       "Day not closed yet",
	pos.LaneDiffers:    "Closed, figures differ from the bank's",
}

// LaneState names a lane's state in the Store view.
func LaneState(l Lang, s pos.LaneState) string {
	if k, ok := laneStates[s]; ok {
		return Key(k, l)
	}
	return s.String()
}
