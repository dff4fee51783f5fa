package segment

import (
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Limits that keep a definition, and the SQL it compiles to, bounded.
const (
	maxDepth      = 8    // nested groups
	maxCriteria   = 256  // criteria in all, groups included
	maxConditions = 64   // where conditions of one event filter
	maxSteps      = 10   // steps of a sequence
	maxValues     = 1000 // values of in and not_in
	maxTextLen    = 8192 // bytes of a text value
	maxPatternLen = 4096 // bytes of a matches pattern
	maxCount      = 1_000_000_000
)

// plan is a validated definition with typed values, ready to compile.
type plan struct {
	match Match
	nodes []*node
}

type nodeKind int

const (
	nodeGroup nodeKind = iota + 1
	nodeUser
	nodeDid
	nodeDidNot
	nodeSequence
)

// node is one validated criterion.
type node struct {
	kind     nodeKind
	match    Match   // group
	children []*node // group
	cond     *cond   // user
	filter   *filter // did, didNot
	count    *count  // did, optional
	steps    []*filter
	within   time.Duration // sequence; 0 is unlimited
	same     bool          // sequence in one session
}

// filter is a validated event filter.
type filter struct {
	eventType string // "" is any type
	conds     []*cond
}

// cond is a validated condition. op is always a positive operator;
// negate says the condition is its negation (neq, not_in, ...), which
// holds when the value is missing.
type cond struct {
	field  field
	op     string
	negate bool
	fold   bool        // ignore case
	texts  []string    // text values, or the pattern of matches
	nums   []float64   // number values
	times  []time.Time // time values
	flag   bool        // bool values
	sel    []compound  // the parsed selector of a selector condition
}

// count is a validated did count: lo <= n <= hi.
type count struct {
	lo, hi int64
}

// Validate checks a definition as Parse does: fields, operators, value
// types, time range and timezone. Its errors name the path of the
// offending part.
func (d *Definition) Validate() error {
	loc, err := LoadLocation(d.Timezone)
	if err != nil {
		return wrapAt("timezone", err)
	}
	_, err = validate(d, loc)
	return err
}

// validate checks d and builds its plan; time values are read in loc.
func validate(d *Definition, loc *time.Location) (*plan, error) {
	if err := d.TimeRange.check("timeRange"); err != nil {
		return nil, err
	}
	if err := checkText("name", d.Name); err != nil {
		return nil, err
	}
	if err := checkText("description", d.Description); err != nil {
		return nil, err
	}
	v := &validator{loc: loc}
	match, err := checkMatch("match", d.Match)
	if err != nil {
		return nil, err
	}
	nodes, err := v.criteria("criteria", d.Criteria, 0)
	if err != nil {
		return nil, err
	}
	return &plan{match: match, nodes: nodes}, nil
}

// validator carries the state of one validation.
type validator struct {
	loc   *time.Location
	total int
}

func checkMatch(path string, m Match) (Match, error) {
	switch m {
	case "", MatchAll:
		return MatchAll, nil
	case MatchAny:
		return MatchAny, nil
	}
	return "", invalidAt(path, "unknown match %q; allowed: all, any", m)
}

func checkText(path, s string) error {
	if len(s) > maxTextLen || !utf8.ValidString(s) {
		return invalidAt(path, "want valid UTF-8 of at most %d bytes",
			maxTextLen)
	}
	return nil
}

func (v *validator) criteria(path string, cs []Criterion, depth int) ([]*node, error) {
	if depth > maxDepth {
		return nil, invalidAt(path, "groups nest at most %d deep", maxDepth)
	}
	out := make([]*node, 0, len(cs))
	for i := range cs {
		n, err := v.criterion(index(path, i), &cs[i], depth)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

func (v *validator) criterion(path string, c *Criterion, depth int) (*node, error) {
	if v.total++; v.total > maxCriteria {
		return nil, invalidAt(path, "at most %d criteria", maxCriteria)
	}
	var kinds []string
	for _, k := range []struct {
		name string
		set  bool
	}{
		{"user", c.User != nil}, {"did", c.Did != nil},
		{"didNot", c.DidNot != nil}, {"sequence", c.Sequence != nil},
		{"criteria", c.Criteria != nil || c.Match != ""},
	} {
		if k.set {
			kinds = append(kinds, k.name)
		}
	}
	if len(kinds) != 1 {
		return nil, invalidAt(path, "set exactly one of user, did, didNot, "+
			"sequence, or a group (match and criteria)")
	}
	if c.Count != nil && c.Did == nil {
		return nil, invalidAt(join(path, "count"), "count goes with did")
	}
	if (c.Within != "" || c.SameSession) && c.Sequence == nil {
		return nil, invalidAt(path, "within and sameSession go with sequence")
	}
	switch kinds[0] {
	case "user":
		cd, err := v.condition(join(path, "user"), c.User, true)
		return &node{kind: nodeUser, cond: cd}, err
	case "did":
		return v.did(path, c)
	case "didNot":
		f, err := v.filter(join(path, "didNot"), c.DidNot)
		return &node{kind: nodeDidNot, filter: f}, err
	case "sequence":
		return v.sequence(path, c)
	}
	return v.group(path, c, depth)
}

func (v *validator) group(path string, c *Criterion, depth int) (*node, error) {
	match, err := checkMatch(join(path, "match"), c.Match)
	if err != nil {
		return nil, err
	}
	if len(c.Criteria) == 0 {
		return nil, invalidAt(join(path, "criteria"),
			"a group needs at least one criterion")
	}
	children, err := v.criteria(join(path, "criteria"), c.Criteria, depth+1)
	if err != nil {
		return nil, err
	}
	return &node{kind: nodeGroup, match: match, children: children}, nil
}

func (v *validator) did(path string, c *Criterion) (*node, error) {
	f, err := v.filter(join(path, "did"), c.Did)
	if err != nil {
		return nil, err
	}
	n := &node{kind: nodeDid, filter: f}
	if c.Count != nil {
		n.count, err = checkCount(join(path, "count"), c.Count)
	}
	return n, err
}

func (v *validator) sequence(path string, c *Criterion) (*node, error) {
	sp := join(path, "sequence")
	if len(c.Sequence) < 2 || len(c.Sequence) > maxSteps {
		return nil, invalidAt(sp, "want 2 to %d steps", maxSteps)
	}
	n := &node{kind: nodeSequence, same: c.SameSession}
	for i := range c.Sequence {
		f, err := v.filter(index(sp, i), &c.Sequence[i])
		if err != nil {
			return nil, err
		}
		n.steps = append(n.steps, f)
	}
	if c.Within != "" {
		d, err := parseWithin(c.Within)
		if err != nil {
			return nil, invalidAt(join(path, "within"), "%v", err)
		}
		n.within = d
	}
	return n, nil
}

func (v *validator) filter(path string, f *EventFilter) (*filter, error) {
	out := &filter{eventType: f.Type}
	if f.Type != "" && !slices.Contains(eventTypes, f.Type) {
		return nil, invalidAt(join(path, "type"), "unknown event type %q; "+
			"allowed: %s", f.Type, list(eventTypes))
	}
	if len(f.Where) > maxConditions {
		return nil, invalidAt(join(path, "where"), "at most %d conditions",
			maxConditions)
	}
	for i := range f.Where {
		c, err := v.condition(index(join(path, "where"), i), &f.Where[i], false)
		if err != nil {
			return nil, err
		}
		out.conds = append(out.conds, c)
	}
	return out, nil
}

func checkCount(path string, c *Count) (*count, error) {
	const allowed = "allowed: eq, gte, lte, between"
	switch c.Op {
	case opEq, opGte, opLte:
		if c.Value == nil || c.Values != nil {
			return nil, invalidAt(path, "%s takes value, a whole number", c.Op)
		}
		n := *c.Value
		if n < 1 || n > maxCount {
			return nil, invalidAt(join(path, "value"), "want 1 to %d; did "+
				"means at least once, use didNot for none", maxCount)
		}
		return map[string]*count{
			opEq: {n, n}, opGte: {n, math.MaxInt64}, opLte: {1, n},
		}[c.Op], nil
	case opBetween:
		if c.Value != nil || len(c.Values) != 2 {
			return nil, invalidAt(path, "between takes values [low, high]")
		}
		lo, hi := c.Values[0], c.Values[1]
		if lo < 1 || hi < lo || hi > maxCount {
			return nil, invalidAt(join(path, "values"), "want 1 <= low <= "+
				"high <= %d", maxCount)
		}
		return &count{lo, hi}, nil
	case "":
		return nil, invalidAt(join(path, "op"), "missing; %s", allowed)
	}
	return nil, invalidAt(join(path, "op"), "unknown count operator %q; %s",
		c.Op, allowed)
}

// condition checks a user condition (user true) or an event condition.
func (v *validator) condition(path string, c *Condition, user bool) (*cond, error) {
	if c.Field == "" {
		return nil, invalidAt(join(path, "field"), "missing; allowed: %s",
			fieldNames(user))
	}
	f, ok := lookupField(c.Field, user)
	if !ok {
		return nil, invalidAt(join(path, "field"), "unknown field %q; "+
			"allowed: %s", c.Field, fieldNames(user))
	}
	ops := opsFor(f.typ)
	if c.Op == "" {
		return nil, invalidAt(join(path, "op"), "missing; allowed: %s",
			list(ops))
	}
	if !slices.Contains(allOps, c.Op) {
		return nil, invalidAt(join(path, "op"), "unknown operator %q; "+
			"allowed: %s", c.Op, list(ops))
	}
	if !slices.Contains(ops, c.Op) {
		return nil, invalidAt(join(path, "op"), "operator %q does not apply "+
			"to %s field %q; allowed: %s", c.Op, f.typ, c.Field, list(ops))
	}
	out := &cond{field: f, op: c.Op}
	if pos, ok := negated[c.Op]; ok {
		out.op, out.negate = pos, true
	}
	if err := v.caseSensitivity(path, c, f, out); err != nil {
		return nil, err
	}
	if err := v.values(path, c, out); err != nil {
		return nil, err
	}
	if f.typ == typeFlag {
		// Normalise to "is flagged", negated for eq false and neq true.
		out.negate = out.negate != !out.flag
		out.flag = true
	}
	return out, nil
}

// caseSensitivity checks caseSensitive, which only text operators take.
func (v *validator) caseSensitivity(path string, c *Condition, f field, out *cond) error {
	if c.CaseSensitive == nil {
		return nil
	}
	if f.typ != typeText || out.op == opExists {
		return invalidAt(join(path, "caseSensitive"), "applies only to "+
			"text operators on text fields")
	}
	out.fold = !*c.CaseSensitive
	return nil
}

// values checks that value or values fits the operator and field type.
func (v *validator) values(path string, c *Condition, out *cond) error {
	var raw []any
	switch out.op {
	case opExists:
		if c.Value != nil || c.Values != nil {
			return invalidAt(path, "%s takes no value", c.Op)
		}
		return nil
	case opIn, opBetween:
		if c.Value != nil {
			return invalidAt(join(path, "value"), "%s takes values, a list",
				c.Op)
		}
		raw = c.Values
		if out.op == opBetween && len(raw) != 2 {
			return invalidAt(join(path, "values"), "between takes "+
				"[low, high]")
		}
		if len(raw) == 0 || len(raw) > maxValues {
			return invalidAt(join(path, "values"), "want 1 to %d values",
				maxValues)
		}
	default:
		if c.Values != nil {
			return invalidAt(join(path, "values"), "%s takes value, not "+
				"values", c.Op)
		}
		if c.Value == nil {
			return invalidAt(join(path, "value"), "missing")
		}
		raw = []any{c.Value}
	}
	vp := join(path, "value")
	if c.Values != nil {
		vp = join(path, "values")
	}
	for i, x := range raw {
		p := vp
		if c.Values != nil {
			p = index(vp, i)
		}
		if err := v.value(p, x, out); err != nil {
			return err
		}
	}
	return v.checkOrder(vp, out)
}

// value checks one value and appends it, typed, to out.
func (v *validator) value(path string, x any, out *cond) error {
	switch out.field.typ {
	case typeText, typeTextList, typeSelector:
		s, ok := x.(string)
		if !ok {
			return invalidAt(path, "want a string")
		}
		return v.text(path, s, out)
	case typeNumber:
		f, ok := toFloat(x)
		if !ok {
			return invalidAt(path, "want a finite number")
		}
		out.nums = append(out.nums, f)
	case typeTime:
		s, ok := x.(string)
		if !ok {
			return invalidAt(path, "want a time as a string")
		}
		t, err := ParseBound(s, v.loc)
		if err != nil {
			return wrapAt(path, err)
		}
		out.times = append(out.times, t)
	case typeBool, typeFlag:
		b, ok := x.(bool)
		if !ok {
			return invalidAt(path, "want true or false")
		}
		out.flag = b
	}
	return nil
}

// text checks a text value; a pattern or selector must compile.
func (v *validator) text(path, s string, out *cond) error {
	if err := checkText(path, s); err != nil {
		return err
	}
	switch {
	case out.field.typ == typeSelector:
		cs, err := parseSelector(s)
		if err != nil {
			return invalidAt(path, "invalid selector: %v", err)
		}
		out.sel, s = cs, selectorPattern(cs)
	case out.op == opMatches:
		if len(s) > maxPatternLen {
			return invalidAt(path, "pattern longer than %d bytes",
				maxPatternLen)
		}
		if out.fold {
			s = "(?i)" + s
		}
		if _, err := regexp.Compile(s); err != nil {
			return invalidAt(path, "invalid RE2 pattern: %s", reason(err))
		}
	}
	out.texts = append(out.texts, s)
	return nil
}

// reason is what is wrong with a pattern, without repeating it.
func reason(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return string(se.Code)
	}
	return "does not compile"
}

// checkOrder checks that between's low is not above its high.
func (v *validator) checkOrder(path string, out *cond) error {
	if out.op != opBetween {
		return nil
	}
	if len(out.nums) == 2 && out.nums[0] > out.nums[1] ||
		len(out.times) == 2 && out.times[0].After(out.times[1]) {
		return invalidAt(path, "low is above high")
	}
	return nil
}

// toFloat reads a JSON number as Parse leaves it (json.Number) or a Go
// number from a definition built in code.
func toFloat(x any) (float64, bool) {
	var f float64
	switch n := x.(type) {
	case json.Number:
		var err error
		if f, err = strconv.ParseFloat(string(n), 64); err != nil {
			return 0, false
		}
	case float64:
		f = n
	case float32:
		f = float64(n)
	case int:
		f = float64(n)
	case int64:
		f = float64(n)
	case int32:
		f = float64(n)
	case uint64:
		f = float64(n)
	default:
		return 0, false
	}
	return f, !math.IsInf(f, 0) && !math.IsNaN(f)
}
