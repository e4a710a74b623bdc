package central

// LaneState is a lane's close-day state for one business day in a Report.
type LaneState int

// Lane states, worst first when several apply (the report shows the first
// that does).
const (
	LaneClosed     LaneState = iota // every approved payment of the day is in a finished close-day that agrees with the bank
	LaneIdle                        // no payments that day
	LaneBehind                      // the lane has events the database does not have yet
	LaneUnresolved                  // payments of the day are not final (pending, sent, accepted, unknown)
	LaneOpen                        // approved payments not yet in a finished close-day
	LaneDiffers                     // closed, but the bank's counts or sums differ from the lane's
)

// laneStateNames is the one table of LaneState names (output keys).
var laneStateNames = map[LaneState]string{
	LaneClosed:     "closed",
	LaneIdle:       "idle",
	LaneBehind:     "behind",
	LaneUnresolved: "unresolved",
	LaneOpen:       "open",
	LaneDiffers:    "differs",
}

// String is the state's name (laneStateNames).
func (s LaneState) String() string {
	if n, ok := laneStateNames[s]; ok {
		return n
	}
	return "unknown"
}

// OK reports whether the state needs nothing more for the day.
func (s LaneState) OK() bool { return s == LaneClosed || s == LaneIdle }

// MarshalText writes the state's name.
func (s LaneState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
