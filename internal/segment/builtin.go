package segment

// The built-in segments, by id, in the order listings show them. Each
// judges all time; an export's segmentTimeRange can narrow it.
var builtins = []struct {
	id, name, flag string
}{
	{"everyone", "Everyone", ""},
	{"rageClicks", "Rage clicks", "rage"},
	{"deadClicks", "Dead clicks", "dead"},
	{"errorClicks", "Error clicks", "error"},
}

// BuiltinIDs lists the ids of the built-in segments.
func BuiltinIDs() []string {
	ids := make([]string, len(builtins))
	for i, b := range builtins {
		ids[i] = b.id
	}
	return ids
}

// Builtin returns a fresh copy of a built-in segment: "everyone" (every
// person with an event), or "rageClicks", "deadClicks", "errorClicks"
// (people with a click so marked: EventModFrustrated, EventModDead or
// EventModError is 1).
func Builtin(id string) (*Definition, bool) {
	for _, b := range builtins {
		if b.id != id {
			continue
		}
		d := &Definition{Name: b.name, TimeRange: TimeRange{All: true}}
		if b.flag != "" {
			d.Criteria = []Criterion{{Did: &EventFilter{
				Type:  "click",
				Where: []Condition{{Field: b.flag, Op: opEq, Value: true}},
			}}}
		}
		return d, true
	}
	return nil, false
}
