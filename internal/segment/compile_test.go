package segment

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// defOf wraps criteria (JSON texts) in an all-time definition.
func defOf(criteria ...string) string {
	return `{"timeRange":{"all":true},"criteria":[` +
		strings.Join(criteria, ",") + `]}`
}

// userCrit is a user criterion; value is JSON text or "" for none.
func userCrit(field, op, value string) string {
	return fmt.Sprintf(`{"user":{"field":%q,"op":%q%s}}`, field, op,
		valueKey(value))
}

// where is an event condition; value is JSON text or "" for none.
func where(field, op, value string) string {
	return fmt.Sprintf(`{"field":%q,"op":%q%s}`, field, op, valueKey(value))
}

func valueKey(value string) string {
	switch {
	case value == "":
		return ""
	case strings.HasPrefix(value, "["):
		return `,"values":` + value
	}
	return `,"value":` + value
}

// did is a did criterion over a type ("" for any) and conditions.
func did(typ string, conds ...string) string {
	return `{"did":` + filterJSON(typ, conds...) + `}`
}

func filterJSON(typ string, conds ...string) string {
	parts := []string{}
	if typ != "" {
		parts = append(parts, fmt.Sprintf(`"type":%q`, typ))
	}
	if len(conds) > 0 {
		parts = append(parts, `"where":[`+strings.Join(conds, ",")+`]`)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func TestCompileMembers(t *testing.T) {
	db := shopDB(t)
	fold := func(c string) string {
		if strings.HasPrefix(c, `{"user":`) {
			return strings.TrimSuffix(c, "}}") + `,"caseSensitive":false}}`
		}
		return strings.TrimSuffix(c, "}") + `,"caseSensitive":false}`
	}
	market := where("url", "contains", `"#/market"`)
	checkout := where("url", "contains", `"#/checkout"`)
	addCart := where("target_text", "eq", `"Add to cart"`)
	sel := func(s string) string {
		return did("", where("selector", "matches", fmt.Sprintf("%q", s)))
	}
	seq := func(extra string, steps ...string) string {
		return `{"sequence":[` + strings.Join(steps, ",") + `]` + extra + `}`
	}

	tests := []struct {
		name string
		def  string
		want []int64
	}{
		{"everyone", `{}`, []int64{1, 2, 3, 4, 5}},
		{"no criteria all time", defOf(), []int64{1, 2, 3, 4, 5}},

		// People columns; negative operators hold for a missing value.
		{"email eq", defOf(userCrit("email", "eq", `"ana@example.org"`)),
			[]int64{1}},
		{"email neq", defOf(userCrit("email", "neq", `"ana@example.org"`)),
			[]int64{2, 3, 4, 5}},
		{"email ends_with", defOf(userCrit("email", "ends_with",
			`"@example.org"`)), []int64{1}},
		{"email ends_with any case", defOf(fold(userCrit("email",
			"ends_with", `"@example.org"`))), []int64{1, 2}},
		{"email exists", defOf(userCrit("email", "exists", "")),
			[]int64{1, 2, 4}},
		{"email not_exists", defOf(userCrit("email", "not_exists", "")),
			[]int64{3, 5}},
		{"uid in", defOf(userCrit("uid", "in", `["ana","dee"]`)),
			[]int64{1, 4}},
		{"uid not_in", defOf(userCrit("uid", "not_in", `["ana"]`)),
			[]int64{2, 3, 4, 5}},
		{"name contains", defOf(userCrit("display_name", "contains",
			`"User"`)), []int64{3}},
		{"name not_contains", defOf(userCrit("display_name",
			"not_contains", `"User"`)), []int64{1, 2, 4, 5}},
		{"name starts_with any case", defOf(fold(userCrit("display_name",
			"starts_with", `"b"`))), []int64{2}},
		{"name starts_with case", defOf(userCrit("display_name",
			"starts_with", `"b"`)), nil},
		{"name matches", defOf(userCrit("display_name", "matches",
			`"^[AD]"`)), []int64{1, 4}},
		{"name matches any case", defOf(fold(userCrit("display_name",
			"matches", `"^d"`))), []int64{4}},
		{"name in any case", defOf(fold(userCrit("display_name", "in",
			`["ANA","bo"]`))), []int64{1, 2}},
		{"created gte date", defOf(userCrit("created", "gte",
			`"2024-02-01"`)), []int64{2, 3, 4}},
		{"created lt date", defOf(userCrit("created", "lt",
			`"2024-02-01"`)), []int64{1}},
		{"created between half-open", defOf(userCrit("created", "between",
			`["2024-02-01","2024-03-01"]`)), []int64{2}},
		{"created gt instant", defOf(userCrit("created", "gt",
			`"2024-04-30T23:00:00Z"`)), nil},
		{"created gte instant", defOf(userCrit("created", "gte",
			`"2024-04-30T23:00:00Z"`)), []int64{4}},
		{"created lt local date in UTC", defOf(userCrit("created", "lt",
			`"2024-05-01"`)), []int64{1, 2, 3, 4}},
		{"created lt local date in Berlin",
			`{"timezone":"Europe/Berlin","criteria":[` +
				userCrit("created", "lt", `"2024-05-01"`) + `]}`,
			[]int64{1, 2, 3}},
		{"first_seen lt", defOf(userCrit("first_seen", "lt",
			`"2024-05-01"`)), []int64{3}},
		{"first_seen gte", defOf(userCrit("first_seen", "gte",
			`"2024-05-10"`)), []int64{4, 5}},
		{"last_seen gte", defOf(userCrit("last_seen", "gte",
			`"2024-05-20"`)), []int64{2, 3}},
		{"last_seen between", defOf(userCrit("last_seen", "between",
			`["2024-05-10","2024-05-16"]`)), []int64{4, 5}},

		// User properties, typed by suffix.
		{"plan eq", defOf(userCrit("user_plan_str", "eq", `"pro"`)),
			[]int64{1}},
		{"plan eq any case", defOf(fold(userCrit("user_plan_str", "eq",
			`"pro"`))), []int64{1, 4}},
		{"plan neq", defOf(userCrit("user_plan_str", "neq", `"pro"`)),
			[]int64{2, 3, 4, 5}},
		{"plan exists", defOf(userCrit("user_plan_str", "exists", "")),
			[]int64{1, 2, 4}},
		{"seats gt", defOf(userCrit("user_seats_int", "gt", `3`)),
			[]int64{1, 4}},
		{"seats between", defOf(userCrit("user_seats_int", "between",
			`[1,5]`)), []int64{1, 2}},
		{"seats in", defOf(userCrit("user_seats_int", "in", `[1,12]`)),
			[]int64{2, 4}},
		{"seats eq", defOf(userCrit("user_seats_int", "eq", `5`)),
			[]int64{1}},
		{"seats not_in", defOf(userCrit("user_seats_int", "not_in",
			`[1,12]`)), []int64{1, 3, 5}},
		{"score gte", defOf(userCrit("user_score_real", "gte", `7.5`)),
			[]int64{1}},
		{"trial eq true", defOf(userCrit("user_trial_bool", "eq", `true`)),
			[]int64{2}},
		{"trial eq false", defOf(userCrit("user_trial_bool", "eq",
			`false`)), []int64{1}},
		{"trial neq true", defOf(userCrit("user_trial_bool", "neq",
			`true`)), []int64{1, 3, 4, 5}},
		{"renew gt", defOf(userCrit("user_renew_date", "gt",
			`"2024-05-31"`)), []int64{1}},
		{"tags eq", defOf(userCrit("user_tags_strs", "eq", `"beta"`)),
			[]int64{1, 2}},
		{"tags in", defOf(userCrit("user_tags_strs", "in", `["vip","x"]`)),
			[]int64{1}},
		{"tags neq", defOf(userCrit("user_tags_strs", "neq", `"vip"`)),
			[]int64{2, 3, 4, 5}},
		{"tags exists", defOf(userCrit("user_tags_strs", "exists", "")),
			[]int64{1, 2}},

		// Where people were and what they used, in any event.
		{"device eq", defOf(userCrit("device", "eq", `"Mobile"`)),
			[]int64{2}},
		{"device neq: any event not on Mobile", defOf(userCrit("device",
			"neq", `"Mobile"`)), []int64{1, 3, 4, 5}},
		{"country in", defOf(userCrit("country", "in", `["US","DE"]`)),
			[]int64{1, 2, 5}},
		{"browser any case", defOf(fold(userCrit("browser", "eq",
			`"safari"`))), []int64{2}},
		{"os eq", defOf(userCrit("os", "eq", `"iOS"`)), []int64{2}},

		// did, didNot, counts.
		{"did click", defOf(did("click")), []int64{1, 2, 3, 4}},
		{"did any event", defOf(did("")), []int64{1, 2, 3, 4, 5}},
		{"did add to cart", defOf(did("click", addCart)), []int64{1, 2}},
		{"count gte 2", defOf(`{"did":` + filterJSON("click", addCart) +
			`,"count":{"op":"gte","value":2}}`), []int64{1}},
		{"count eq 1", defOf(`{"did":` + filterJSON("click", addCart) +
			`,"count":{"op":"eq","value":1}}`), []int64{2}},
		{"count lte 1", defOf(`{"did":` + filterJSON("click", addCart) +
			`,"count":{"op":"lte","value":1}}`), []int64{2}},
		{"count between", defOf(`{"did":` + filterJSON("click", addCart) +
			`,"count":{"op":"between","values":[1,2]}}`), []int64{1, 2}},
		{"count gte 3", defOf(`{"did":` + filterJSON("click", addCart) +
			`,"count":{"op":"gte","value":3}}`), nil},
		{"did name", defOf(did("", where("name", "eq",
			`"Order Completed"`))), []int64{1}},
		{"didNot name (other org ignored)", defOf(`{"didNot":` +
			filterJSON("custom", where("name", "eq", `"Order Completed"`)) +
			`}`), []int64{2, 3, 4, 5}},
		{"didNot click", defOf(`{"didNot":{"type":"click"}}`),
			[]int64{5}},

		// Event fields.
		{"url contains", defOf(did("navigate", market)), []int64{1, 2, 3}},
		{"path of hash route", defOf(did("navigate", where("path", "eq",
			`"/"`))), []int64{1, 2, 3}},
		{"path", defOf(did("", where("path", "eq", `"/pay"`))),
			[]int64{4}},
		{"host", defOf(did("", where("host", "eq", `"shop.example"`))),
			[]int64{1, 2, 3, 4, 5}},
		{"referrer", defOf(did("", where("referrer", "starts_with",
			`"https://google"`))), []int64{1}},
		{"page_name", defOf(did("", where("page_name", "eq",
			`"Market"`))), []int64{1}},
		{"target_text not_contains", defOf(did("click",
			where("target_text", "not_contains", `"cart"`))),
			[]int64{2, 3, 4}},
		{"target_text any case", defOf(did("", fold(where("target_text",
			"eq", `"buy now"`)))), []int64{2}},
		{"target_text in any case", defOf(did("", fold(where(
			"target_text", "in", `["buy now","pay"]`)))), []int64{2, 4}},
		{"rage", defOf(did("click", where("rage", "eq", "true"))),
			[]int64{2}},
		{"dead", defOf(did("click", where("dead", "eq", "true"))),
			[]int64{3}},
		{"error", defOf(did("click", where("error", "eq", "true"))),
			[]int64{4}},
		{"not rage", defOf(did("click", where("rage", "eq", "false"))),
			[]int64{1, 2, 3, 4}},
		{"rage neq false", defOf(did("click", where("rage", "neq",
			"false"))), []int64{2}},
		{"request_status", defOf(did("", where("request_status", "gte",
			"500"))), []int64{4}},
		{"request_method", defOf(did("", where("request_method", "eq",
			`"POST"`))), []int64{4}},
		{"request_url", defOf(did("", where("request_url", "contains",
			`"api."`))), []int64{4}},
		{"error_kind", defOf(did("error", where("error_kind", "eq",
			`"TypeError"`))), []int64{4}},
		{"event device", defOf(`{"didNot":` + filterJSON("", where(
			"device", "eq", `"Mobile"`)) + `}`), []int64{1, 3, 4, 5}},

		// Event and page properties.
		{"evt real gt", defOf(did("", where("evt_price_real", "gt",
			"5"))), []int64{1}},
		{"evt str in", defOf(did("", where("evt_product_str", "in",
			`["kiwi"]`))), []int64{1}},
		{"evt dotted key", defOf(did("", where("evt_order.total_real",
			"eq", "8.54"))), []int64{1}},
		{"evt bool", defOf(did("", where("evt_paid_bool", "eq", "true"))),
			[]int64{1}},
		{"evt date with offset", defOf(did("", where("evt_when_date", "lt",
			`"2024-05-01T09:00:00Z"`))), []int64{1}},
		{"evt date after", defOf(did("", where("evt_when_date", "gte",
			`"2024-05-01T09:00:00Z"`))), nil},
		{"page str", defOf(did("", where("page_foobar_str", "contains",
			`"foobar"`))), []int64{5}},
		{"evt matches", defOf(did("", where("evt_code_str", "matches",
			`"^OOS-\\d+"`))), []int64{5}},
		{"evt int", defOf(did("", where("evt_items_int", "eq", "2"))),
			[]int64{5}},
		{"evt not_exists", defOf(did("click", where("evt_price_real",
			"not_exists", ""))), []int64{2, 3, 4}},

		// Selectors over the element path.
		{"selector tag.class", defOf(sel("a.btn")), []int64{1}},
		{"selector encoded class", defOf(sel(".cta-add")), []int64{1}},
		{"selector attr value", defOf(sel(`a[href='#/cart']`)),
			[]int64{1}},
		{"selector attr other value", defOf(sel(`a[href="#/market"]`)),
			nil},
		{"selector descendant", defOf(sel("div a")), []int64{1}},
		{"selector child", defOf(sel("div > a")), []int64{1}},
		{"selector child miss", defOf(sel("body > a")), nil},
		{"selector id ancestor", defOf(sel("#main .btn")), []int64{2}},
		{"selector parts any order", defOf(sel("button.btn-primary.btn")),
			[]int64{2}},
		{"selector attr present", defOf(sel("a[href]")), []int64{1, 3}},
		{"selector ancestor attr", defOf(sel("footer a[href]")),
			[]int64{3}},
		{"selector target only", defOf(sel("html")), nil},
		{"selector tag any case", defOf(sel("BUTTON")), []int64{2}},

		// Sequences.
		{"sequence", defOf(seq("", filterJSON("navigate", market),
			filterJSON("navigate", checkout))), []int64{1, 2, 3}},
		{"sequence reversed", defOf(seq("", filterJSON("navigate",
			checkout), filterJSON("navigate", market))), []int64{2}},
		{"sequence same session", defOf(seq(`,"sameSession":true`,
			filterJSON("navigate", market), filterJSON("navigate",
				checkout))), []int64{1}},
		{"sequence within 1h", defOf(seq(`,"within":"1h"`,
			filterJSON("navigate", market), filterJSON("navigate",
				checkout))), []int64{1}},
		{"sequence within 1d", defOf(seq(`,"within":"1d"`,
			filterJSON("navigate", market), filterJSON("navigate",
				checkout))), []int64{1, 2}},
		{"sequence within and session", defOf(seq(
			`,"within":"1d","sameSession":true`, filterJSON("navigate",
				market), filterJSON("navigate", checkout))), []int64{1}},
		{"sequence three steps", defOf(seq("", filterJSON("navigate",
			market), filterJSON("click", addCart), filterJSON("navigate",
			checkout))), []int64{1}},
		{"sequence repeated step", defOf(seq("", filterJSON("click",
			addCart), filterJSON("click", addCart))), []int64{1}},

		// Groups.
		{"match any", `{"match":"any","criteria":[` + userCrit("email",
			"ends_with", `"@example.org"`) + `,` + did("click",
			where("rage", "eq", "true")) + `]}`, []int64{1, 2}},
		{"nested any in all", defOf(did("navigate"), `{"match":"any",`+
			`"criteria":[`+userCrit("user_plan_str", "eq", `"pro"`)+`,`+
			userCrit("device", "eq", `"Tablet"`)+`]}`), []int64{1, 3}},
		{"nested three deep", defOf(`{"match":"any","criteria":[` +
			`{"criteria":[` + did("click") + `,{"match":"any","criteria":[` +
			userCrit("uid", "eq", `"dee"`) + `,` + userCrit("uid", "eq",
			`"bo"`) + `]}]},` + userCrit("display_name", "eq",
			`"User 3"`) + `]}`), []int64{2, 3, 4}},
		{"all of nothing matches", defOf(userCrit("uid", "eq", `"ana"`),
			userCrit("uid", "eq", `"bo"`)), nil},

		// Windows: members need an event in the window.
		{"everyone last 30d", `{"timeRange":{"last":"30d"}}`,
			[]int64{2, 3, 4, 5}},
		{"sequence last 30d", `{"timeRange":{"last":"30d"},"criteria":[` +
			seq("", filterJSON("navigate", market), filterJSON("navigate",
				checkout)) + `]}`, []int64{2}},
		{"didNot since", `{"timeRange":{"since":"2024-05-02"},` +
			`"criteria":[{"didNot":` + filterJSON("", where("name", "eq",
			`"Order Completed"`)) + `}]}`, []int64{2, 3, 4, 5}},
		{"start end", `{"timeRange":{"start":"2024-05-01",` +
			`"end":"2024-05-02"}}`, []int64{1}},
		{"did in window only", `{"timeRange":{"start":"2024-05-03"},` +
			`"criteria":[` + did("click", addCart) + `]}`, []int64{2}},
		{"first_seen ignores window", `{"timeRange":{"last":"30d"},` +
			`"criteria":[` + userCrit("first_seen", "lt", `"2024-05-01"`) +
			`]}`, []int64{3}},
		{"last hours", `{"timeRange":{"last":"300h"}}`, []int64{2, 3}},
	}
	// The answers must not depend on the session's timezone, which
	// DuckDB takes from the host by default.
	for _, zone := range []string{"UTC", "America/New_York"} {
		if _, err := db.Exec("SET TimeZone = '" + zone + "'"); err != nil {
			t.Fatalf("set session timezone: %v", err)
		}
		for _, tc := range tests {
			t.Run(zone+"/"+tc.name, func(t *testing.T) {
				c := compileJSON(t, tc.def, CompileOptions{Now: shopNow})
				got := members(t, db, c)
				if !slices.Equal(got, tc.want) {
					t.Errorf("members = %v, want %v\nSQL: %s\nargs: %v",
						got, tc.want, c.People.SQL, c.People.Args)
				}
			})
		}
	}
}

func TestCompileWindowOverride(t *testing.T) {
	db := shopDB(t)
	def := `{"timeRange":{"last":"30d"},"criteria":[` + did("", where(
		"name", "eq", `"Order Completed"`)) + `]}`

	c := compileJSON(t, def, CompileOptions{Now: shopNow})
	if got := members(t, db, c); len(got) != 0 {
		t.Errorf("saved window: members = %v, want none", got)
	}

	// Two empty bounds, as an export's segmentTimeRange, mean all time.
	c = compileJSON(t, def, CompileOptions{Now: shopNow,
		Window: &TimeRange{Start: "", End: ""}})
	if got := members(t, db, c); !slices.Equal(got, []int64{1}) {
		t.Errorf("all-time override: members = %v, want [1]", got)
	}
	if !c.Start.IsZero() || !c.End.IsZero() {
		t.Errorf("window = [%v, %v), want unbounded", c.Start, c.End)
	}
}

func TestCompileRequestTimezone(t *testing.T) {
	db := shopDB(t)
	// Person 4 was created 2024-04-30T23:00Z, 05-01 01:00 in Berlin.
	def := defOf(userCrit("created", "lt", `"2024-05-01"`))
	berlin, _ := LoadLocation("Europe/Berlin")
	c := compileJSON(t, def, CompileOptions{Now: shopNow, Location: berlin})
	if got, want := members(t, db, c), []int64{1, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("members = %v, want %v", got, want)
	}
	if c.Location != berlin {
		t.Errorf("location = %v, want Europe/Berlin", c.Location)
	}
}

func TestCompileEventMatch(t *testing.T) {
	db := shopDB(t)
	market := where("url", "contains", `"#/market"`)
	checkout := where("url", "contains", `"#/checkout"`)
	tests := []struct {
		name string
		def  string
		want []string
	}{
		{"did and sequence steps", defOf(
			did("click", where("target_text", "eq", `"Add to cart"`)),
			`{"sequence":[`+filterJSON("navigate", market)+`,`+
				filterJSON("navigate", checkout)+`]}`),
			[]string{"e101", "e102", "e103", "e104", "e201", "e202",
				"e203", "e205", "e301", "e302"}},
		{"didNot and user criteria match no events", defOf(
			`{"didNot":{"type":"click"}}`, userCrit("device", "eq",
				`"Mobile"`)), nil},
		{"window applies", `{"timeRange":{"last":"30d"},"criteria":[` +
			did("click") + `]}`, []string{"e204", "e205", "e303", "e401"}},
		{"nested did", defOf(`{"match":"any","criteria":[` + did("",
			where("name", "eq", `"Checkout Error"`)) + `]}`),
			[]string{"e501"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := compileJSON(t, tc.def, CompileOptions{Now: shopNow})
			if got := matchedEvents(t, db, c); !slices.Equal(got, tc.want) {
				t.Errorf("events = %v, want %v\nSQL: %s", got, tc.want,
					c.EventMatch.SQL)
			}
		})
	}
}

func TestCompileBuiltins(t *testing.T) {
	db := shopDB(t)
	want := map[string][]int64{
		"everyone":    {1, 2, 3, 4, 5},
		"rageClicks":  {2},
		"deadClicks":  {3},
		"errorClicks": {4},
	}
	for _, id := range BuiltinIDs() {
		d, ok := Builtin(id)
		if !ok {
			t.Fatalf("Builtin(%q) missing", id)
		}
		c, err := Compile(d, CompileOptions{Org: testOrg, Now: shopNow})
		if err != nil {
			t.Fatalf("compile %s: %v", id, err)
		}
		if got := members(t, db, c); !slices.Equal(got, want[id]) {
			t.Errorf("%s: members = %v, want %v", id, got, want[id])
		}
	}
	if _, ok := Builtin("nope"); ok {
		t.Error(`Builtin("nope") found`)
	}
}

// TestCompileTieOrder checks that a sequence orders events of one
// instant by event id.
func TestCompileTieOrder(t *testing.T) {
	db := openDB(t)
	insertEvents(t, db,
		testEvent{ID: "a", Indv: 1, Session: 1, Type: "navigate",
			At: "2024-05-01T10:00:00Z"},
		testEvent{ID: "b", Indv: 1, Session: 1, Type: "click",
			At: "2024-05-01T10:00:00Z"},
		testEvent{ID: "b", Indv: 2, Session: 2, Type: "navigate",
			At: "2024-05-01T10:00:00Z"},
		testEvent{ID: "a", Indv: 2, Session: 2, Type: "click",
			At: "2024-05-01T10:00:00Z"},
	)
	def := defOf(`{"sequence":[{"type":"navigate"},{"type":"click"}],` +
		`"within":"1s"}`)
	c := compileJSON(t, def, CompileOptions{Now: shopNow})
	if got := members(t, db, c); !slices.Equal(got, []int64{1}) {
		t.Errorf("members = %v, want [1]", got)
	}
}

func TestCompileOrgScope(t *testing.T) {
	db := shopDB(t)
	def := defOf(userCrit("user_plan_str", "eq", `"pro"`))
	c := compileJSON(t, def, CompileOptions{Org: "org-2", Now: shopNow})
	if got := members(t, db, c); !slices.Equal(got, []int64{2}) {
		t.Errorf("org-2 members = %v, want [2]", got)
	}
	if _, err := Compile(&Definition{}, CompileOptions{}); err == nil {
		t.Error("compile without org: want an error")
	}
}

func TestCompileRelativeNeedsClock(t *testing.T) {
	d := &Definition{TimeRange: TimeRange{Last: "1d"}}
	if _, err := Compile(d, CompileOptions{Org: testOrg}); err == nil {
		t.Error("relative window without Now: want an error")
	}
}

// TestCompileInjection feeds hostile values and names: values must be
// bound, names rejected, and the tables left alone.
func TestCompileInjection(t *testing.T) {
	db := shopDB(t)
	values := []string{
		`"x' OR '1'='1"`, `"'; DROP TABLE people; --"`,
		`"\" OR 1=1 --"`, `"%"`, `"_"`, `"?"`,
	}
	for _, v := range values {
		for _, def := range []string{
			defOf(userCrit("email", "eq", v)),
			defOf(userCrit("email", "contains", v)),
			defOf(userCrit("user_plan_str", "starts_with", v)),
			defOf(did("", where("target_text", "ends_with", v))),
			defOf(did("", where("evt_product_str", "in", "["+v+"]"))),
		} {
			c := compileJSON(t, def, CompileOptions{Now: shopNow})
			if got := members(t, db, c); len(got) != 0 {
				t.Errorf("%s: members = %v, want none", def, got)
			}
		}
	}
	for _, name := range []string{
		`user_plan'); DROP TABLE people;--_str`, `evt_a"b_str`,
		`evt_a'b_str`, `page_$.x_str`, `user_a b_str`, `evt_[0]_str`,
	} {
		var def string
		if strings.HasPrefix(name, "user_") {
			def = defOf(userCrit(name, "eq", `"x"`))
		} else {
			def = defOf(did("", where(name, "eq", `"x"`)))
		}
		if _, err := Parse([]byte(def)); err == nil ||
			!strings.Contains(err.Error(), "unknown field") {
			t.Errorf("field %q: err = %v, want unknown field", name, err)
		}
	}
	sel := defOf(did("", where("selector", "matches",
		`"a[href=\"x' OR '1'='1\"]"`)))
	if got := members(t, db, compileJSON(t, sel, CompileOptions{})); len(got) != 0 {
		t.Errorf("hostile selector: members = %v, want none", got)
	}
	var n int
	err := db.QueryRow("SELECT count(*) FROM people").Scan(&n)
	if err != nil || n != 6 {
		t.Errorf("people rows = %d (%v), want 6", n, err)
	}
}

func TestCompileWindowBounds(t *testing.T) {
	d := &Definition{TimeRange: TimeRange{Last: "1d"}, Timezone: "America/New_York"}
	c, err := Compile(d, CompileOptions{Org: testOrg,
		Now: time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	wantStart := time.Date(2024, 3, 10, 5, 0, 0, 0, time.UTC)
	wantEnd := time.Date(2024, 3, 11, 4, 0, 0, 0, time.UTC)
	if !c.Start.Equal(wantStart) || !c.End.Equal(wantEnd) {
		t.Errorf("window = [%v, %v), want [%v, %v)", c.Start, c.End,
			wantStart, wantEnd)
	}
}

func TestCompileWindowErrorsNamePath(t *testing.T) {
	_, err := Compile(&Definition{}, CompileOptions{Org: testOrg,
		Window: &TimeRange{Start: "2024-08-02", End: "2024-08-01"}})
	if err == nil || !strings.HasPrefix(err.Error(), "segmentTimeRange: ") {
		t.Errorf("err = %v, want it to name segmentTimeRange", err)
	}
	_, err = Compile(&Definition{}, CompileOptions{Org: testOrg,
		Window: &TimeRange{Start: "later"}})
	if err == nil || !strings.HasPrefix(err.Error(), "segmentTimeRange.start: ") {
		t.Errorf("err = %v, want it to name segmentTimeRange.start", err)
	}
}

func TestCompileSteps(t *testing.T) {
	db := shopDB(t)
	def := defOf(did("navigate"), userCrit("device", "neq", `"Mobile"`),
		`{"didNot":{"type":"custom"}}`)
	c := compileJSON(t, def, CompileOptions{Now: shopNow})
	want := [][]int64{{1, 2, 3}, {1, 3}, {3}}
	if c.funnelSteps() != len(want) {
		t.Fatalf("funnel steps = %d, want %d\nSQL: %s", c.funnelSteps(), len(want), c.Funnel.SQL)
	}
	for k := range want {
		got := members(t, db, funnelStep(c, k))
		if !slices.Equal(got, want[k]) {
			t.Errorf("step %d: members = %v, want %v", k, got, want[k])
		}
	}
	if got := members(t, db, c); !slices.Equal(got, want[2]) {
		t.Errorf("members = %v, want %v", got, want[2])
	}
}
