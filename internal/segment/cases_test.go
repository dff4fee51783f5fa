package segment

import (
	"slices"
	"strconv"
	"testing"
	"time"
)

// The segment halves of the export cases in shared/cases/export-cases.md.
// Their time bounds (BUG-10, BUG-11, BUG-12) are in TestParseBound and
// TestResolve.

// BUG-19: a retried send is stored once, a genuine double click twice;
// "did Checkout at least 2 times" matches, "at least 3 times" does not.
func TestCaseBug19RepeatsCount(t *testing.T) {
	db := openDB(t)
	insertEvents(t, db,
		testEvent{ID: "e1", Indv: 1, Session: 1, Type: "click",
			At: "2024-05-01T10:00:00Z", Cols: map[string]any{
				"target_text": "Checkout"}},
		testEvent{ID: "e2", Indv: 1, Session: 1, Type: "click",
			At: "2024-05-01T10:00:00Z", Cols: map[string]any{
				"target_text": "Checkout"}},
	)
	for n, want := range map[int][]int64{2: {1}, 3: nil} {
		def := defOf(`{"did":` + filterJSON("click", where("target_text",
			"eq", `"Checkout"`)) + `,"count":{"op":"gte","value":` +
			strconv.Itoa(n) + `}}`)
		c := compileJSON(t, def, CompileOptions{Window: &TimeRange{
			Start: "2024-05-01", End: "2024-05-02"}})
		if got := members(t, db, c); !slices.Equal(got, want) {
			t.Errorf("at least %d: members = %v, want %v", n, got, want)
		}
	}
}

// BUG-23: events from before an identify carry the merged person, so a
// segment mixing an anonymous-time event and a later trait finds one
// person, once.
func TestCaseBug23MergedPerson(t *testing.T) {
	db := openDB(t)
	insertPeople(t, db, testPerson{Indv: 42, UID: ptr("cust-42"),
		Email: ptr("ana.test@example.com"), Created: "2024-05-10T10:06:00Z",
		Props: `{"plan_str":"pro"}`})
	ev := func(id string, indv, session int64, typ, name, at string) testEvent {
		cols := map[string]any{}
		if name != "" {
			cols["custom_name"] = name
		}
		return testEvent{ID: id, Indv: indv, Session: session, Type: typ,
			At: at, Cols: cols}
	}
	insertEvents(t, db,
		ev("e1", 42, 1, "navigate", "", "2024-05-10T10:00:00Z"),
		ev("e2", 42, 1, "custom", "add_to_cart", "2024-05-10T10:05:00Z"),
		ev("e3", 42, 1, "custom", "checkout", "2024-05-10T10:07:00Z"),
		ev("e4", 42, 2, "navigate", "", "2024-05-11T08:00:00Z"),
		ev("e5", 42, 2, "custom", "checkout", "2024-05-11T08:02:00Z"),
		ev("e6", 3, 3, "navigate", "", "2024-05-11T09:00:00Z"),
	)
	def := `{"timeRange":{"start":"2024-05-10","end":"2024-05-12"},` +
		`"criteria":[` + did("", where("name", "eq", `"add_to_cart"`)) +
		`,` + userCrit("user_plan_str", "eq", `"pro"`) + `]}`
	c := compileJSON(t, def, CompileOptions{})
	if got := members(t, db, c); !slices.Equal(got, []int64{42}) {
		t.Errorf("members = %v, want [42]", got)
	}
}

// BUG-25: the segment's own window decides membership; an export's
// segmentTimeRange replaces it; a saved "last 30 days" resolves against
// the injected clock.
func TestCaseBug25MembershipWindow(t *testing.T) {
	db := openDB(t)
	ev := func(id string, indv int64, typ, name, at string) testEvent {
		cols := map[string]any{}
		if name != "" {
			cols["custom_name"] = name
		}
		return testEvent{ID: id, Indv: indv, Session: indv, Type: typ,
			At: at, Cols: cols}
	}
	insertEvents(t, db,
		ev("e1", 1, "custom", "checkout", "2024-08-05T12:00:00Z"),
		ev("e2", 1, "navigate", "", "2024-08-20T12:00:00Z"),
		ev("e3", 1, "navigate", "", "2024-08-21T12:00:00Z"),
		ev("e4", 2, "navigate", "", "2024-08-20T13:00:00Z"),
		ev("e5", 3, "custom", "checkout", "2024-07-20T12:00:00Z"),
		ev("e6", 3, "navigate", "", "2024-08-22T12:00:00Z"),
	)
	def := `{"timeRange":{"last":"30d"},"criteria":[` + did("", where(
		"name", "eq", `"checkout"`)) + `]}`
	now := time.Date(2024, 8, 31, 0, 0, 0, 0, time.UTC)
	for name, opt := range map[string]CompileOptions{
		"segmentTimeRange": {Now: now, Window: &TimeRange{
			Start: "2024-08-01", End: "2024-09-01"}},
		"saved last 30 days": {Now: now, Location: time.UTC},
	} {
		c := compileJSON(t, def, opt)
		if got := members(t, db, c); !slices.Equal(got, []int64{1}) {
			t.Errorf("%s: members = %v, want [1]", name, got)
		}
		if got := matchedEvents(t, db, c); !slices.Equal(got, []string{"e1"}) {
			t.Errorf("%s: matched events = %v, want [e1]", name, got)
		}
	}
}

// BUG-12 end to end: a New York local day, its DST gap and a 25-hour
// Berlin day bound membership exactly. Each event is its own person.
func TestCaseBug12LocalDays(t *testing.T) {
	db := openDB(t)
	for i, at := range []string{
		"2024-03-10T04:59:59.999Z", // 0: before the NY day
		"2024-03-10T06:30:00Z",     // 1: 01:30 EST
		"2024-03-10T07:30:00Z",     // 2: 03:30 EDT
		"2024-03-11T03:59:59.999Z", // 3: 23:59:59.999 EDT
		"2024-03-11T04:00:00Z",     // 4: the next NY day
		"2024-03-10T06:45:00Z",     // 5: 01:45 EST
		"2024-10-26T21:59:59.999Z", // 6: before the Berlin day
		"2024-10-26T22:00:00Z",     // 7: Berlin midnight, CEST
		"2024-10-27T22:30:00Z",     // 8: 23:30 CET, in the 25th hour
		"2024-10-27T23:00:00Z",     // 9: the next Berlin day
	} {
		insertEvents(t, db, testEvent{ID: strconv.Itoa(i), Indv: int64(i),
			Session: 1, Type: "click", At: at})
	}
	tests := []struct {
		name, def string
		now       time.Time
		want      []int64
	}{
		{"NY date bounds", `{"timezone":"America/New_York","timeRange":` +
			`{"start":"2024-03-10","end":"2024-03-11"}}`, time.Time{},
			[]int64{1, 2, 3, 5}},
		{"NY last 1d", `{"timezone":"America/New_York","timeRange":` +
			`{"last":"1d"}}`, time.Date(2024, 3, 10, 20, 0, 0, 0, time.UTC),
			[]int64{1, 2, 3, 5}},
		{"NY gap bound", `{"timezone":"America/New_York","timeRange":` +
			`{"start":"2024-03-10T02:30:00","end":"2024-03-10T04:00:00"}}`,
			time.Time{}, []int64{2}},
		{"Berlin last 1d", `{"timezone":"Europe/Berlin","timeRange":` +
			`{"last":"1d"}}`, time.Date(2024, 10, 27, 12, 0, 0, 0, time.UTC),
			[]int64{7, 8}},
	}
	for _, tc := range tests {
		c := compileJSON(t, tc.def, CompileOptions{Now: tc.now})
		if got := members(t, db, c); !slices.Equal(got, tc.want) {
			t.Errorf("%s: members = %v, want %v", tc.name, got, tc.want)
		}
	}
}
