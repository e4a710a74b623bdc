package central

// RefusalKind says why the database refused an event.
type RefusalKind int

// Refusal kinds (the database's words for them in refusalNames).
const (
	RefusedUnknown  RefusalKind = iota // a note this Kassa cannot read
	RefusedFork                        // another event is stored at this (journal_id, seq)
	RefusedHash                        // the bytes do not hash to the event's hash
	RefusedSequence                    // the bytes carry another sequence number
	RefusedLink                        // it does not follow the stored event before it
	RefusedGap                         // the event before it is not stored yet (no alert)
)

// refusalNames is the one table between kinds and the database's words.
var refusalNames = map[RefusalKind]string{
	RefusedUnknown:  "unknown",
	RefusedFork:     "fork",
	RefusedHash:     "hash",
	RefusedSequence: "sequence",
	RefusedLink:     "link",
	RefusedGap:      "gap",
}

// String is the kind's name, as central.alerts.kind spells it.
func (k RefusalKind) String() string {
	if n, ok := refusalNames[k]; ok {
		return n
	}
	return "unknown"
}

// MarshalText writes the kind's name.
func (k RefusalKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

func refusalKind(s string) RefusalKind {
	for k, n := range refusalNames {
		if n == s {
			return k
		}
	}
	return RefusedUnknown
}
