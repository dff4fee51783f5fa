package segment

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// The differential test runs a fixed seed and a small budget by default,
// so CI is repeatable and quick. For a longer hunt:
//
//	go test ./internal/segment -run Differential -rapid.checks=5000 -rapid.seed=0
//
// (-rapid.seed=0 draws a fresh seed each run.)
const (
	diffChecks = 250
	diffSeed   = 20240501
)

// TestDifferential compares DuckDB with the oracle over random
// definitions and random events.
func TestDifferential(t *testing.T) {
	defer rapidDefaults(t, diffChecks, diffSeed)()
	db := openDB(t)
	rapid.Check(t, func(t *rapid.T) {
		evs, ps := genWorld(t)
		resetDB(t, db)
		insertPeople(t, db, ps...)
		insertEvents(t, db, evs...)

		def := genDefinition(t)
		opt := genOptions(t)
		c, err := Compile(def, opt)
		if err != nil {
			t.Fatalf("compile: %v", err)
		}
		p, err := validate(def, c.Location)
		if err != nil {
			t.Fatalf("validate: %v", err)
		}
		o := newOracle(t, evs, ps)

		got, want := members(t, db, c), o.members(p, c.Start, c.End)
		if !slices.Equal(got, want) {
			t.Fatalf("members: duckdb %v, oracle %v\nwindow [%v, %v)\n"+
				"SQL: %s\nargs: %v", got, want, c.Start, c.End, c.People.SQL,
				c.People.Args)
		}
		for k := range c.funnelSteps() {
			step := &plan{match: p.match, nodes: p.nodes[:k+1]}
			got, want := members(t, db, funnelStep(c, k)), o.members(step, c.Start, c.End)
			if !slices.Equal(got, want) {
				t.Fatalf("funnel step %d: duckdb %v, oracle %v\nSQL: %s", k+1,
					got, want, c.Funnel.SQL)
			}
		}
		gotEv, wantEv := matchedEvents(t, db, c), o.matched(p, c.Start, c.End)
		if !slices.Equal(gotEv, wantEv) {
			t.Fatalf("event match: duckdb %v, oracle %v\nSQL: %s", gotEv,
				wantEv, c.EventMatch.SQL)
		}
	})
}

// rapidDefaults sets rapid's check count and seed unless the command
// line or the environment set them, and returns the restore.
func rapidDefaults(t *testing.T, checks int, seed uint64) func() {
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var undo []func()
	for name, v := range map[string]string{
		"rapid.checks": strconv.Itoa(checks),
		"rapid.seed":   strconv.FormatUint(seed, 10),
	} {
		env := "RAPID_" + strings.ToUpper(strings.TrimPrefix(name, "rapid."))
		f := flag.Lookup(name)
		if _, ok := os.LookupEnv(env); ok || set[name] || f == nil {
			continue
		}
		old := f.Value.String()
		if err := f.Value.Set(v); err != nil {
			t.Fatalf("set -%s: %v", name, err)
		}
		undo = append(undo, func() { f.Value.Set(old) })
	}
	return func() {
		for _, u := range undo {
			u()
		}
	}
}

func resetDB(t fataler, db *sql.DB) {
	for _, table := range []string{"events", "people"} {
		if _, err := db.Exec("DELETE FROM " + table); err != nil {
			t.Fatalf("reset %s: %v", table, err)
		}
	}
}

// The value pools fixtures and definitions draw from, small so that
// conditions often hold.
var (
	poolURLs = []any{urlMarket, urlCheckout,
		"https://shop.example/pay?x=1#top", "https://User@Shop.Example:8080/a/b",
		"not a url", nil}
	// poolTexts holds, per field, values it takes and near misses.
	poolTexts = map[string][]string{
		"uid":          {"ana", "bo", "Ana", "a"},
		"display_name": {"Ana", "Bo", "ana", "A"},
		"email": {"ana@example.org", "@example.org", "bo@example.org",
			"BO"},
		"user_plan_str":  {"pro", "Pro", "free", "p"},
		"user_tags_strs": {"vip", "beta", "x"},
		"country":        {"US", "DE", "us"},
		"device":         {"Mobile", "Desktop", "mobile"},
		"url": {urlMarket, "#/market", "https://shop.example/", "pay",
			"not a url"},
		"host":      {"shop.example", "Shop.Example", "shop", ""},
		"path":      {"/", "/pay", "/a/b", "/a", ""},
		"referrer":  {"https://google.com/", "google"},
		"page_name": {"Market", "market", "M"},
		"target_text": {"Add to cart", "add to cart", "cart", "Add", "Buy",
			"buy", ""},
		"name": {"Order Completed", "Checkout Error", "Order",
			"order completed"},
		"error_kind":       {"TypeError", "Type", "typeerror"},
		"evt_product_str":  {"kiwi", "Kiwi", "k"},
		"evt_order.id_str": {"a.b", "a"},
		"page_foobar_str":  {"foo", "bar", "FOO", "o"},
	}
	poolPatterns = []string{"^Add", "cart$", "(?i)buy", "^$", "[a-z]+ [a-z]+",
		"Ki", `^https://[^/]+/#/`}
	poolSelectors = []string{"a.btn", ".cta-add", "a[href]", "div a",
		"div > a", "#main .btn", "button.btn-primary.btn", "footer a[href]",
		"html", "*", "body a", "a[href='#/cart']", "span", ".cart span"}
	poolNumbers = []float64{0, 1, 1.5, 2, 5, 6.75, 200, 500}
	poolTimes   = []string{"2024-05-01", "2024-05-02", "2024-05-02T06:00:00",
		"2024-05-01T09:00:00Z", "2024-05-03T00:00:00+02:00", "2024-04-01"}
	poolTimePairs = [][2]string{{"2024-05-01", "2024-05-02"},
		{"2024-05-01T09:00:00Z", "2024-05-03"}, {"2024-04-01", "2024-06-01"},
		{"2024-05-02", "2024-05-02T12:00:00"}}
	poolTokens = []any{tokAddCart, tokBuy, tokHelp, tokCartSpan,
		tokMarketLink, nil}
	poolZones = []string{"UTC", "America/New_York", "Europe/Berlin"}
)

func pick[T any](t *rapid.T, pool []T, label string) T {
	return rapid.SampledFrom(pool).Draw(t, label)
}

// genWorld draws people 1..5 (some without a row) and their events.
func genWorld(t *rapid.T) ([]testEvent, []testPerson) {
	var ps []testPerson
	for id := int64(1); id <= 5; id++ {
		if !rapid.Bool().Draw(t, "has row") {
			continue
		}
		ps = append(ps, testPerson{Indv: id,
			UID:  pick(t, []*string{ptr("ana"), ptr("bo"), nil}, "uid"),
			Name: pick(t, []*string{ptr("Ana"), ptr("Bo"), nil}, "name"),
			Email: pick(t, []*string{ptr("ana@example.org"),
				ptr("BO@Example.ORG"), nil}, "email"),
			Created: pick(t, []string{"2024-04-30T23:00:00Z",
				"2024-05-01T00:00:00Z", "2024-05-02T10:00:00Z"}, "created"),
			Props: genProps(t, "user"),
		})
	}
	n := rapid.IntRange(4, 16).Draw(t, "events")
	ids := rapid.Permutation(seqIDs(n)).Draw(t, "ids")
	// Whole hours, so that events fall on local midnights of every zone
	// and on window bounds; few of them, so that times tie.
	base := time.Date(2024, 4, 30, 20, 0, 0, 0, time.UTC)
	var evs []testEvent
	for i := range n {
		at := base.Add(time.Duration(rapid.IntRange(0, 64).Draw(t, "slot")) *
			time.Hour)
		cols := map[string]any{}
		for col, pool := range map[string][]any{
			"page_url":       poolURLs,
			"referrer_url":   {"https://google.com/", nil},
			"page_name":      {"Market", "market", nil},
			"target_text":    {"Add to cart", "add to cart", "Buy", "", nil},
			"custom_name":    {"Order Completed", "Checkout Error", nil},
			"error_kind":     {"TypeError", nil},
			"req_status":     {200, 500, nil},
			"mod_frustrated": {0, 1, nil},
			"mod_dead":       {0, 1, nil},
			"mod_error":      {0, 1, nil},
			"device":         {"Mobile", "Desktop", nil},
			"country":        {"US", "DE", nil},
			"selector_tok":   poolTokens,
		} {
			if v := pick(t, pool, col); v != nil {
				cols[col] = v
			}
		}
		evs = append(evs, testEvent{ID: ids[i],
			Indv:    int64(rapid.IntRange(1, 5).Draw(t, "indv")),
			Session: int64(rapid.IntRange(0, 2).Draw(t, "session")),
			At:      at.Format(time.RFC3339),
			Type:    pick(t, []string{"navigate", "click", "custom"}, "type"),
			Cols:    cols,
			Evt:     genProps(t, "evt"),
			Page:    genProps(t, "page"),
		})
	}
	return evs, ps
}

func seqIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("e%02d", i)
	}
	return out
}

// genProps draws a property object of a scope as JSON text.
func genProps(t *rapid.T, scope string) string {
	pools := map[string]map[string][]string{
		"user": {
			"plan_str":   {`"pro"`, `"Pro"`, `"free"`},
			"seats_int":  {`1`, `5`, `"x"`},
			"trial_bool": {`true`, `false`},
			"renew_date": {`"2024-05-02T00:00:00Z"`, `"2024-06-01T00:00:00+02:00"`},
			"tags_strs":  {`["vip","beta"]`, `["beta"]`, `[]`, `"vip"`},
			"n_ints":     {`[1,2]`, `null`},
		},
		"evt": {
			"price_real":   {`1.5`, `6.75`, `"x"`},
			"product_str":  {`"kiwi"`, `"Kiwi"`},
			"paid_bool":    {`true`, `false`},
			"when_date":    {`"2024-05-01T10:06:00+02:00"`, `"2024-05-02T00:00:00Z"`},
			"items_int":    {`2`, `5`},
			"order.id_str": {`"a.b"`},
		},
		"page": {"foobar_str": {`"foo"`, `"bar"`}},
	}[scope]
	keys := make([]string, 0, len(pools))
	for k := range pools {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		if rapid.IntRange(0, 2).Draw(t, "has "+k) == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%q:%s", k, pick(t, pools[k], k)))
	}
	if len(parts) == 0 && rapid.Bool().Draw(t, "null props") {
		return ""
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func genOptions(t *rapid.T) CompileOptions {
	opt := CompileOptions{Org: testOrg,
		Now: time.Date(2024, 5, 2, rapid.IntRange(0, 36).Draw(t, "hour"),
			pick(t, []int{0, 30}, "minute"), 0, 0, time.UTC)}
	if rapid.Bool().Draw(t, "request zone") {
		opt.Location = mustLoc(t, pick(t, poolZones, "zone"))
	}
	if rapid.IntRange(0, 3).Draw(t, "override") == 0 {
		w := genTimeRange(t)
		opt.Window = &w
	}
	return opt
}

func genTimeRange(t *rapid.T) TimeRange {
	switch rapid.IntRange(0, 4).Draw(t, "range kind") {
	case 0:
		return TimeRange{All: true}
	case 1:
		return TimeRange{Last: pick(t, []string{"1d", "2d", "12h", "1w"}, "last")}
	case 2:
		return TimeRange{Since: pick(t, poolTimes, "since")}
	case 3:
		p := pick(t, poolTimePairs, "pair")
		return TimeRange{Start: p[0], End: p[1]}
	}
	return TimeRange{}
}

func genDefinition(t *rapid.T) *Definition {
	d := &Definition{TimeRange: genTimeRange(t),
		Timezone: pick(t, append([]string{""}, poolZones...), "tz"),
		Match:    pick(t, []Match{"", MatchAll, MatchAny}, "match")}
	d.Criteria = genCriteria(t, 0)
	return d
}

func genCriteria(t *rapid.T, depth int) []Criterion {
	n := rapid.IntRange(0, 2).Draw(t, "criteria")
	if depth > 0 {
		n = rapid.IntRange(1, 3).Draw(t, "group criteria")
	}
	out := make([]Criterion, n)
	for i := range out {
		kinds := []string{"user", "did", "didNot", "sequence"}
		if depth < 2 {
			kinds = append(kinds, "group")
		}
		switch pick(t, kinds, "kind") {
		case "user":
			c := genCondition(t, true)
			out[i].User = &c
		case "did":
			out[i].Did = genFilter(t)
			if rapid.Bool().Draw(t, "count") {
				out[i].Count = genCount(t)
			}
		case "didNot":
			out[i].DidNot = genFilter(t)
		case "sequence":
			steps := rapid.IntRange(2, 3).Draw(t, "steps")
			for range steps {
				out[i].Sequence = append(out[i].Sequence, *genFilter(t))
			}
			out[i].Within = pick(t, []string{"", "30m", "3h", "1d"}, "within")
			out[i].SameSession = rapid.Bool().Draw(t, "same session")
		default:
			out[i].Match = pick(t, []Match{MatchAll, MatchAny}, "group match")
			out[i].Criteria = genCriteria(t, depth+1)
		}
	}
	return out
}

func genCount(t *rapid.T) *Count {
	op := pick(t, []string{opEq, opGte, opLte, opBetween}, "count op")
	if op == opBetween {
		lo := int64(rapid.IntRange(1, 3).Draw(t, "lo"))
		hi := lo + int64(rapid.IntRange(0, 2).Draw(t, "span"))
		return &Count{Op: op, Values: []int64{lo, hi}}
	}
	return &Count{Op: op, Value: ptr(int64(rapid.IntRange(1, 3).Draw(t, "n")))}
}

func genFilter(t *rapid.T) *EventFilter {
	types := []string{"", "navigate", "click", "custom"}
	f := &EventFilter{Type: pick(t, types, "filter type")}
	for range rapid.IntRange(0, 1).Draw(t, "conds") {
		f.Where = append(f.Where, genCondition(t, false))
	}
	return f
}

var (
	genUserFields = []string{"uid", "display_name", "email", "created",
		"first_seen", "last_seen", "user_plan_str", "user_seats_int",
		"user_trial_bool", "user_renew_date", "user_tags_strs",
		"user_n_ints", "country", "device"}
	genEventFields = []string{"url", "host", "path", "referrer",
		"page_name", "target_text", "selector", "name", "error_kind",
		"request_status", "rage", "dead", "error", "device", "country",
		"evt_price_real", "evt_product_str", "evt_paid_bool",
		"evt_when_date", "evt_items_int", "evt_order.id_str",
		"page_foobar_str"}
)

// genCondition draws a condition whose operator and values fit its
// field, so that it validates.
func genCondition(t *rapid.T, user bool) Condition {
	names := genEventFields
	if user {
		names = genUserFields
	}
	name := pick(t, names, "field")
	f, _ := lookupField(name, user)
	op := pick(t, opsFor(f.typ), "op")
	c := Condition{Field: name, Op: op}
	one := func() any {
		switch {
		case f.typ == typeSelector:
			return pick(t, poolSelectors, "selector")
		case op == opMatches:
			return pick(t, poolPatterns, "pattern")
		case f.typ == typeNumber:
			return pick(t, poolNumbers, "number")
		case f.typ == typeTime:
			return pick(t, poolTimes, "time")
		case f.typ == typeBool || f.typ == typeFlag:
			return rapid.Bool().Draw(t, "bool")
		}
		return pick(t, poolTexts[name], "text")
	}
	switch op {
	case opExists, opNotExists:
	case opIn, opNotIn:
		for range rapid.IntRange(1, 3).Draw(t, "values") {
			c.Values = append(c.Values, one())
		}
	case opBetween:
		if f.typ == typeTime {
			p := pick(t, poolTimePairs, "time pair")
			c.Values = []any{p[0], p[1]}
		} else {
			a, b := pick(t, poolNumbers, "a"), pick(t, poolNumbers, "b")
			c.Values = []any{min(a, b), max(a, b)}
		}
	default:
		c.Value = one()
	}
	if f.typ == typeText && op != opExists && op != opNotExists &&
		rapid.Bool().Draw(t, "set case") {
		c.CaseSensitive = ptr(rapid.Bool().Draw(t, "case sensitive"))
	}
	return c
}
