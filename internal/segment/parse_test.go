package segment

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/backstory-dev/backstory/internal/event"
)

// specExample is the definition shown in docs/segments.md.
const specExample = `{
  "name": "Cart, no order, on phones",
  "timeRange": {"last": "30d"},
  "timezone": "Europe/Berlin",
  "match": "all",
  "criteria": [
    {"user": {"field": "email", "op": "ends_with", "value": "@example.org"}},
    {"user": {"field": "device", "op": "eq", "value": "Mobile"}},
    {"did": {"type": "click",
             "where": [{"field": "target_text", "op": "eq", "value": "Add to cart"}]},
     "count": {"op": "gte", "value": 2}},
    {"didNot": {"type": "custom",
                "where": [{"field": "name", "op": "eq", "value": "Order Completed"}]}},
    {"sequence": [
        {"type": "navigate", "where": [{"field": "url", "op": "contains", "value": "#/market"}]},
        {"type": "navigate", "where": [{"field": "url", "op": "contains", "value": "#/checkout"}]}
     ],
     "within": "1h", "sameSession": true}
  ]
}`

func TestParseSpecExampleRoundTrip(t *testing.T) {
	d, err := Parse([]byte(specExample))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if d.Name != "Cart, no order, on phones" || d.TimeRange.Last != "30d" ||
		len(d.Criteria) != 5 || d.Criteria[2].Count == nil ||
		*d.Criteria[2].Count.Value != 2 || !d.Criteria[4].SameSession {
		t.Fatalf("parsed = %+v", d)
	}
	data, err := json.Marshal(d)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	again, err := Parse(data)
	if err != nil {
		t.Fatalf("parse marshalled %s: %v", data, err)
	}
	if !reflect.DeepEqual(d, again) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", again, d)
	}
}

func TestParseSnakeCaseTwins(t *testing.T) {
	d, err := Parse([]byte(`{"time_range":{"last":"1d"},"criteria":[
		{"did_not":{"type":"click"}},
		{"sequence":[{"type":"click"},{"type":"navigate"}],"same_session":true},
		{"user":{"field":"email","op":"eq","value":"x","case_sensitive":false}}]}`))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if d.TimeRange.Last != "1d" || d.Criteria[0].DidNot == nil ||
		!d.Criteria[1].SameSession || *d.Criteria[2].User.CaseSensitive {
		t.Errorf("parsed = %+v", d)
	}
}

func TestParseNullIsAbsent(t *testing.T) {
	d, err := Parse([]byte(`{"name":null,"timeRange":null,"criteria":[
		{"did":{"type":"click","where":null},"count":null}]}`))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if !d.TimeRange.IsAll() || d.Criteria[0].Count != nil {
		t.Errorf("parsed = %+v", d)
	}
}

func TestParseErrors(t *testing.T) {
	c := func(criteria ...string) string { return defOf(criteria...) }
	tests := []struct {
		name, def, want string
	}{
		{"not JSON", `{"criteria":`, "definition is not valid JSON"},
		{"trailing data", `{} {}`, "not valid JSON"},
		{"not an object", `[]`, "want an object"},
		{"unknown top key", `{"criterias":[]}`,
			"criterias: unknown key; allowed: name,"},
		{"twin given twice", `{"timeRange":{"all":true},` +
			`"time_range":{"all":true}}`, "time_range: given twice"},
		{"unknown operator", c(did("click", where("target_text", "equals",
			`"x"`))), `criteria[0].did.where[0].op: unknown operator ` +
			`"equals"; allowed: eq, neq, contains`},
		{"unknown condition key", c(`{"user":{"field":"email","op":"eq",` +
			`"valeu":"x"}}`), "criteria[0].user.valeu: unknown key"},
		{"unknown criterion key", c(`{"did":{"type":"click"},"cnt":1}`),
			"criteria[0].cnt: unknown key"},
		{"unknown filter key", c(`{"did":{"typ":"click"}}`),
			"criteria[0].did.typ: unknown key; allowed: type, where"},
		{"wrong value type", c(userCrit("email", "eq", "3")),
			"criteria[0].user.value: want a string"},
		{"value object", c(userCrit("email", "eq", `{"a":1}`)),
			"criteria[0].user.value: want a string, number or boolean"},
		{"number for number ok, string not", c(did("",
			where("request_status", "eq", `"500"`))),
			"criteria[0].did.where[0].value: want a finite number"},
		{"op for type", c(did("", where("target_text", "gt", `"a"`))),
			`criteria[0].did.where[0].op: operator "gt" does not apply ` +
				`to text field "target_text"; allowed: eq, neq`},
		{"eq on time", c(userCrit("created", "eq", `"2024-01-01"`)),
			`does not apply to time field "created"`},
		{"unknown user field", c(userCrit("emial", "eq", `"x"`)),
			`criteria[0].user.field: unknown field "emial"; allowed: ` +
				`browser, city, country, created`},
		{"event field in user", c(userCrit("target_text", "eq", `"x"`)),
			`criteria[0].user.field: unknown field "target_text"`},
		{"evt prop in user", c(userCrit("evt_price_real", "eq", "1")),
			`unknown field "evt_price_real"`},
		{"bad prop type", c(userCrit("user_plan_string", "eq", `"x"`)),
			`unknown field "user_plan_string"`},
		{"missing field", c(`{"user":{"op":"eq","value":"x"}}`),
			"criteria[0].user.field: missing"},
		{"missing op", c(`{"user":{"field":"email","value":"x"}}`),
			"criteria[0].user.op: missing; allowed: eq"},
		{"missing value", c(`{"user":{"field":"email","op":"eq"}}`),
			"criteria[0].user.value: missing"},
		{"nested path", c(did("click"), `{"match":"any","criteria":[`+
			did("clik")+`]}`), `criteria[1].criteria[0].did.type: ` +
			`unknown event type "clik"; allowed: navigate, load, click`},
		{"sequence step path", c(`{"sequence":[{"type":"click"},` +
			`{"where":[{"field":"url","op":"eq","value":1}]}]}`),
			"criteria[0].sequence[1].where[0].value: want a string"},
		{"one step", c(`{"sequence":[{"type":"click"}]}`),
			"criteria[0].sequence: want 2 to 10 steps"},
		{"bad within", c(`{"sequence":[{},{}],"within":"1 hour"}`),
			"criteria[0].within: want a count and a unit"},
		{"within too long", c(`{"sequence":[{},{}],"within":"99999w"}`),
			"criteria[0].within: at most"},
		{"within without sequence", c(`{"did":{},"within":"1h"}`),
			"criteria[0]: within and sameSession go with sequence"},
		{"count on didNot", c(`{"didNot":{},"count":{"op":"eq",` +
			`"value":1}}`), "criteria[0].count: count goes with did"},
		{"count zero", c(`{"did":{},"count":{"op":"eq","value":0}}`),
			"criteria[0].count.value: want 1 to"},
		{"count fraction", c(`{"did":{},"count":{"op":"eq",` +
			`"value":1.5}}`), "criteria[0].count.value: want a whole number"},
		{"count op", c(`{"did":{},"count":{"op":"gt","value":1}}`),
			`criteria[0].count.op: unknown count operator "gt"`},
		{"count between order", c(`{"did":{},"count":{"op":"between",` +
			`"values":[3,2]}}`), "criteria[0].count.values: want 1 <= low"},
		{"two kinds", c(`{"did":{},"didNot":{}}`),
			"criteria[0]: set exactly one of"},
		{"no kind", c(`{}`), "criteria[0]: set exactly one of"},
		{"empty group", c(`{"match":"any","criteria":[]}`),
			"criteria[0].criteria: a group needs at least one criterion"},
		{"bad group match", c(`{"match":"some","criteria":[{"did":{}}]}`),
			`criteria[0].match: unknown match "some"; allowed: all, any`},
		{"bad match", `{"match":"every"}`, `match: unknown match "every"`},
		{"bad regexp", c(userCrit("email", "matches", `"(a"`)),
			"criteria[0].user.value: invalid RE2 pattern: missing closing )"},
		{"bad selector", c(did("", where("selector", "matches",
			`"a:hover"`))), "criteria[0].did.where[0].value: invalid " +
			`selector: at offset 1: unsupported ':'`},
		{"selector op", c(did("", where("selector", "eq", `"a"`))),
			`operator "eq" does not apply to selector field`},
		{"case on number", c(`{"did":{"where":[{"field":"request_status",` +
			`"op":"eq","value":1,"caseSensitive":false}]}}`),
			"criteria[0].did.where[0].caseSensitive: applies only to text"},
		{"case not bool", c(`{"user":{"field":"email","op":"eq",` +
			`"value":"x","caseSensitive":"no"}}`),
			"criteria[0].user.caseSensitive: want true or false"},
		{"in with value", c(userCrit("email", "in", `"x"`)),
			"criteria[0].user.value: in takes values"},
		{"eq with values", c(userCrit("email", "eq", `["x"]`)),
			"criteria[0].user.values: eq takes value, not values"},
		{"empty in", c(userCrit("email", "in", `[]`)),
			"criteria[0].user.values: want 1 to 1000 values"},
		{"in element type", c(userCrit("email", "in", `["a",2]`)),
			"criteria[0].user.values[1]: want a string"},
		{"between three", c(userCrit("user_seats_int", "between",
			`[1,2,3]`)), "criteria[0].user.values: between takes"},
		{"between order", c(userCrit("user_seats_int", "between",
			`[3,1]`)), "criteria[0].user.values: low is above high"},
		{"exists with value", c(userCrit("email", "exists", `"x"`)),
			"criteria[0].user: exists takes no value"},
		{"flag value", c(did("", where("rage", "eq", `"yes"`))),
			"criteria[0].did.where[0].value: want true or false"},
		{"flag op", c(did("", where("rage", "exists", ""))),
			`operator "exists" does not apply to flag field "rage"`},
		{"bad time value", c(userCrit("created", "gt", `"yesterday"`)),
			`criteria[0].user.value: invalid time "yesterday"`},
		{"list op", c(userCrit("user_n_ints", "eq", "1")),
			`operator "eq" does not apply to list field "user_n_ints"`},
		{"time range two forms", `{"timeRange":{"last":"1d",` +
			`"since":"2024-01-01"}}`, "timeRange: set only one of"},
		{"time range empty", `{"timeRange":{}}`,
			"timeRange: set one of last, since, start/end, all"},
		{"time range all false", `{"timeRange":{"all":false}}`,
			"timeRange.all: only true is meaningful"},
		{"bad last", `{"timeRange":{"last":"30 days"}}`,
			"timeRange.last: want a count and a unit h, d or w"},
		{"last zero", `{"timeRange":{"last":"0d"}}`, "timeRange.last"},
		{"last too long", `{"timeRange":{"last":"200000d"}}`,
			"timeRange.last"},
		{"bad since", `{"timeRange":{"since":"01/02/2024"}}`,
			`timeRange.since: invalid time "01/02/2024"`},
		{"bad start", `{"timeRange":{"start":"2024-13-01"}}`,
			"timeRange.start: invalid time"},
		{"unknown timezone", `{"timezone":"Mars/Olympus"}`,
			`timezone: unknown timezone "Mars/Olympus"`},
		{"fixed offset", `{"timezone":"+05:00"}`,
			`timezone: fixed offset "+05:00" is not supported`},
		{"name type", `{"name":3}`, "name: want a string"},
		{"criteria type", `{"criteria":{}}`, "criteria: want an array"},
		{"too deep", nested(maxDepth + 2), "groups nest at most"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.def))
			if err == nil {
				t.Fatalf("Parse(%s) = nil error, want %q", tc.def, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q\nwant it to contain %q", err, tc.want)
			}
			var e *event.Error
			if !errors.As(err, &e) || e.Code != event.CodeInvalid {
				t.Errorf("error %T %v, want *event.Error invalid_argument",
					err, err)
			}
		})
	}
}

// nested is a definition whose groups nest depth deep.
func nested(depth int) string {
	s := did("")
	for range depth {
		s = `{"match":"any","criteria":[` + s + `]}`
	}
	return defOf(s)
}

func TestValidateBuiltInCode(t *testing.T) {
	d := &Definition{Criteria: []Criterion{{User: &Condition{
		Field: "user_seats_int", Op: "gt", Value: 3}}}}
	if err := d.Validate(); err != nil {
		t.Errorf("Go int value: %v", err)
	}
	d.Criteria[0].User.Value = "3"
	if err := d.Validate(); err == nil {
		t.Error("string for a number: want an error")
	}
}

func TestParseTimeRange(t *testing.T) {
	r, err := ParseTimeRange([]byte(`{"start":"","end":""}`))
	if err != nil || !r.IsAll() {
		t.Errorf("two empty bounds = %+v, %v; want all time", r, err)
	}
	r, err = ParseTimeRange([]byte(`{"start":"2024-08-01","end":"2024-09-01"}`))
	if err != nil || r.Start != "2024-08-01" || r.End != "2024-09-01" {
		t.Errorf("bounds = %+v, %v", r, err)
	}
	if _, err := ParseTimeRange([]byte(`{"start":"soon"}`)); err == nil {
		t.Error("bad bound: want an error")
	}
	if _, err := ParseTimeRange([]byte(`{"begin":"2024-01-01"}`)); err == nil {
		t.Error("unknown key: want an error")
	}
}
