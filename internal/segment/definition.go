package segment

import "encoding/json"

// Match says how the criteria of a definition or group combine.
type Match string

// The match modes. An empty Match means MatchAll.
const (
	MatchAll Match = "all" // every criterion holds
	MatchAny Match = "any" // at least one criterion holds
)

// Definition is a segment definition: a question about people, judged
// over a time window. The zero value selects everyone with an event.
// Parse reads one from JSON; Compile turns one into SQL.
type Definition struct {
	Name        string      `json:"name,omitempty"`
	Description string      `json:"description,omitempty"`
	TimeRange   TimeRange   `json:"timeRange"`
	Timezone    string      `json:"timezone,omitempty"` // IANA name; "" is UTC
	Match       Match       `json:"match,omitempty"`
	Criteria    []Criterion `json:"criteria,omitempty"`
}

// Criterion is one test of a person. Exactly one of User, Did, DidNot,
// Sequence, or the group pair Match/Criteria is set. Count goes with
// Did; Within and SameSession go with Sequence.
type Criterion struct {
	User   *Condition   `json:"user,omitempty"`
	Did    *EventFilter `json:"did,omitempty"`
	Count  *Count       `json:"count,omitempty"`
	DidNot *EventFilter `json:"didNot,omitempty"`

	Sequence    []EventFilter `json:"sequence,omitempty"`
	Within      string        `json:"within,omitempty"` // e.g. "30m", "2d"
	SameSession bool          `json:"sameSession,omitempty"`

	// A group: its own match mode over nested criteria.
	Match    Match       `json:"match,omitempty"`
	Criteria []Criterion `json:"criteria,omitempty"`
}

// EventFilter selects events: an optional event type and conditions on
// event fields, all of which must hold.
type EventFilter struct {
	Type  string      `json:"type,omitempty"`
	Where []Condition `json:"where,omitempty"`
}

// Condition compares a field with a value. Value holds one JSON value
// (string, number as json.Number or any Go number, bool); Values holds
// the list for in, not_in and between. CaseSensitive, when false, makes
// a text operator ignore case.
type Condition struct {
	Field         string `json:"field"`
	Op            string `json:"op"`
	Value         any    `json:"value,omitempty"`
	Values        []any  `json:"values,omitempty"`
	CaseSensitive *bool  `json:"caseSensitive,omitempty"`
}

// Count bounds how many matching events a person has: op is eq, gte,
// lte (with Value) or between (with Values, inclusive).
type Count struct {
	Op     string  `json:"op"`
	Value  *int64  `json:"value,omitempty"`
	Values []int64 `json:"values,omitempty"`
}

// TimeRange is the window a definition's criteria are judged over. Set
// one form: Last ("30d", "12h", "2w"), Since (a bound), Start and/or End
// (bounds, half-open; an empty one is unbounded), or All. The zero
// value is all time. Bounds are read by ParseBound.
type TimeRange struct {
	Last  string `json:"last,omitempty"`
	Since string `json:"since,omitempty"`
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
	All   bool   `json:"all,omitempty"`
}

// IsAll reports whether r selects all time.
func (r TimeRange) IsAll() bool {
	return r.All || r == TimeRange{}
}

// MarshalJSON writes all time as {"all":true}, so that a stored
// definition reads back the same.
func (r TimeRange) MarshalJSON() ([]byte, error) {
	type plain TimeRange
	if r.IsAll() {
		return []byte(`{"all":true}`), nil
	}
	return json.Marshal(plain(r))
}
