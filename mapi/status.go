package mapi

// Status is the state of a gateway order (MAPI.md §4).
type Status string

// Order statuses. Approved, declined, filtered and error are final;
// processing and unknown are not (unknown: never charge again until resolved).
const (
	StatusApproved   Status = "approved"
	StatusDeclined   Status = "declined"
	StatusFiltered   Status = "filtered"
	StatusError      Status = "error"
	StatusProcessing Status = "processing"
	StatusUnknown    Status = "unknown"
)

// Final reports whether the status can no longer change: approved, declined,
// filtered or error.
func (s Status) Final() bool {
	switch s {
	case StatusApproved, StatusDeclined, StatusFiltered, StatusError:
		return true
	}
	return false
}

// Valid reports whether s is one of the six statuses the gateway uses.
func (s Status) Valid() bool {
	return s.Final() || s == StatusProcessing || s == StatusUnknown
}
