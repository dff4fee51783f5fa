package segment

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// oracle judges plans over events and people held in memory, following
// the documented semantics with none of the SQL. The differential test
// compares it with DuckDB.
type oracle struct {
	events []*oEvent
	people map[int64]testPerson
	byIndv map[int64][]*oEvent // sorted by (at, id)
}

type oEvent struct {
	testEvent
	at        time.Time
	evt, page map[string]any
}

func newOracle(t fataler, evs []testEvent, ps []testPerson) *oracle {
	o := &oracle{people: map[int64]testPerson{}, byIndv: map[int64][]*oEvent{}}
	for _, p := range ps {
		o.people[p.Indv] = p
	}
	for _, ev := range evs {
		e := &oEvent{testEvent: ev, at: mustTime(t, ev.At),
			evt: decodeProps(t, ev.Evt), page: decodeProps(t, ev.Page)}
		o.events = append(o.events, e)
		o.byIndv[e.Indv] = append(o.byIndv[e.Indv], e)
	}
	for _, list := range o.byIndv {
		slices.SortFunc(list, func(a, b *oEvent) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
	}
	return o
}

func decodeProps(t fataler, s string) map[string]any {
	if s == "" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("fixture props %s: %v", s, err)
	}
	return m
}

func inWindow(at, start, end time.Time) bool {
	return (start.IsZero() || !at.Before(start)) &&
		(end.IsZero() || at.Before(end))
}

// members lists the people with an event in the window for whom the
// plan holds, sorted.
func (o *oracle) members(p *plan, start, end time.Time) []int64 {
	var out []int64
	for id, evs := range o.byIndv {
		active := slices.ContainsFunc(evs, func(e *oEvent) bool {
			return inWindow(e.at, start, end)
		})
		if active && o.group(id, p.match, p.nodes, start, end) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// matched lists the events in the window that a did filter or a
// sequence step selects, sorted by id.
func (o *oracle) matched(p *plan, start, end time.Time) []string {
	filters := positiveFilters(p.nodes)
	if len(filters) == 0 {
		return nil
	}
	var out []string
	for _, e := range o.events {
		if inWindow(e.at, start, end) && slices.ContainsFunc(filters,
			func(f *filter) bool { return o.filter(f, e) }) {
			out = append(out, e.ID)
		}
	}
	slices.Sort(out)
	return out
}

func positiveFilters(nodes []*node) []*filter {
	var out []*filter
	for _, n := range nodes {
		switch n.kind {
		case nodeDid:
			out = append(out, n.filter)
		case nodeSequence:
			out = append(out, n.steps...)
		case nodeGroup:
			out = append(out, positiveFilters(n.children)...)
		}
	}
	return out
}

func (o *oracle) group(id int64, m Match, nodes []*node, start, end time.Time) bool {
	for _, n := range nodes {
		ok := o.node(id, n, start, end)
		if m == MatchAny && ok {
			return true
		}
		if m != MatchAny && !ok {
			return false
		}
	}
	return m != MatchAny || len(nodes) == 0
}

func (o *oracle) node(id int64, n *node, start, end time.Time) bool {
	var window []*oEvent
	for _, e := range o.byIndv[id] {
		if inWindow(e.at, start, end) {
			window = append(window, e)
		}
	}
	switch n.kind {
	case nodeGroup:
		return o.group(id, n.match, n.children, start, end)
	case nodeUser:
		return o.user(id, n.cond, window)
	case nodeDid, nodeDidNot:
		count := 0
		for _, e := range window {
			if o.filter(n.filter, e) {
				count++
			}
		}
		if n.kind == nodeDidNot {
			return count == 0
		}
		return count > 0 && (n.count == nil ||
			int64(count) >= n.count.lo && int64(count) <= n.count.hi)
	}
	return o.sequence(n, window, 0, 0, nil)
}

// sequence tries every way to pick steps k.. from evs[from:], the
// first step picked being first.
func (o *oracle) sequence(n *node, evs []*oEvent, k, from int, first *oEvent) bool {
	if k == len(n.steps) {
		return true
	}
	for i := from; i < len(evs); i++ {
		e := evs[i]
		if !o.filter(n.steps[k], e) {
			continue
		}
		if first != nil && n.same && (first.Session == 0 ||
			e.Session != first.Session) {
			continue
		}
		if first != nil && n.within > 0 && e.at.Sub(first.at) > n.within {
			continue
		}
		f := first
		if f == nil {
			f = e
		}
		if o.sequence(n, evs, k+1, i+1, f) {
			return true
		}
	}
	return false
}

func (o *oracle) filter(f *filter, e *oEvent) bool {
	if f.eventType != "" && e.Type != f.eventType {
		return false
	}
	for _, cd := range f.conds {
		v, present := o.eventValue(cd.field, e)
		if holds(cd, v, present) == cd.negate {
			return false
		}
	}
	return true
}

// holds is the positive form of a condition on a value; present says
// whether the value is there at all (a property may be present with a
// value its type cannot read).
func holds(cd *cond, v any, present bool) bool {
	if cd.op == opExists {
		return present
	}
	if v == nil {
		return false
	}
	switch cd.field.typ {
	case typeFlag:
		return v.(float64) == 1
	case typeBool:
		return v.(bool) == cd.flag
	case typeText:
		return holdsText(cd, v.(string))
	case typeTextList:
		return slices.ContainsFunc(v.([]string), func(s string) bool {
			return slices.Contains(cd.texts, s)
		})
	case typeSelector:
		return oracleSelector(cd.sel, v.(string))
	case typeNumber:
		return holdsOrdered(cd, v.(float64), cd.nums, false)
	case typeTime:
		return holdsOrdered(cd, v.(time.Time).UnixMicro(), micros(cd.times),
			true)
	}
	return false
}

func micros(ts []time.Time) []int64 {
	out := make([]int64, len(ts))
	for i, t := range ts {
		out[i] = t.UnixMicro()
	}
	return out
}

func holdsText(cd *cond, s string) bool {
	vals := cd.texts
	if cd.fold && cd.op != opMatches {
		s = strings.ToLower(s)
		vals = make([]string, len(cd.texts))
		for i, v := range cd.texts {
			vals[i] = strings.ToLower(v)
		}
	}
	switch cd.op {
	case opEq:
		return s == vals[0]
	case opIn:
		return slices.Contains(vals, s)
	case opContains:
		return strings.Contains(s, vals[0])
	case opStartsWith:
		return strings.HasPrefix(s, vals[0])
	case opEndsWith:
		return strings.HasSuffix(s, vals[0])
	case opMatches:
		return mustRegexp(vals[0]).MatchString(s)
	}
	return false
}

func holdsOrdered[T int64 | float64](cd *cond, x T, vals []T, halfOpen bool) bool {
	switch cd.op {
	case opEq:
		return x == vals[0]
	case opIn:
		return slices.Contains(vals, x)
	case opGt:
		return x > vals[0]
	case opGte:
		return x >= vals[0]
	case opLt:
		return x < vals[0]
	case opLte:
		return x <= vals[0]
	case opBetween:
		if halfOpen {
			return x >= vals[0] && x < vals[1]
		}
		return x >= vals[0] && x <= vals[1]
	}
	return false
}

// user judges a user criterion of person id.
func (o *oracle) user(id int64, cd *cond, window []*oEvent) bool {
	var v any
	present := false
	switch cd.field.src {
	case srcPerson, srcPersonProp:
		if p, ok := o.people[id]; ok {
			v, present = personValue(cd.field, p)
		}
	case srcFirstSeen, srcLastSeen:
		if evs := o.byIndv[id]; len(evs) > 0 {
			v, present = evs[0].at, true
			if cd.field.src == srcLastSeen {
				v = evs[len(evs)-1].at
			}
		}
	default:
		return slices.ContainsFunc(window, func(e *oEvent) bool {
			v, present := o.eventValue(cd.field, e)
			return holds(cd, v, present) != cd.negate
		})
	}
	return holds(cd, v, present) != cd.negate
}

func personValue(f field, p testPerson) (any, bool) {
	var s *string
	switch f.col {
	case "uid":
		s = p.UID
	case "display_name":
		s = p.Name
	case "email":
		s = p.Email
	case "created":
		at, _ := time.Parse(time.RFC3339Nano, p.Created)
		return at, true
	default:
		props := p.Props
		if props == "" {
			props = "{}"
		}
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(props))
		dec.UseNumber()
		_ = dec.Decode(&m)
		return propValue(f, m)
	}
	if s == nil {
		return nil, false
	}
	return *s, true
}

// eventValue reads a field of an event, typed as conditions see it.
func (o *oracle) eventValue(f field, e *oEvent) (any, bool) {
	switch f.src {
	case srcEventProp:
		return propValue(f, e.evt)
	case srcPageProp:
		return propValue(f, e.page)
	}
	v, ok := e.Cols[f.col]
	if !ok || v == nil {
		return nil, false
	}
	switch x := v.(type) {
	case int:
		return float64(x), true
	case string:
		switch f.src {
		case srcHost:
			return urlPart(x, true), true
		case srcPath:
			return urlPart(x, false), true
		}
	}
	return v, true
}

// urlPart is the host or path of a URL, "" when it is none.
func urlPart(s string, host bool) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		return ""
	}
	if host {
		return u.Hostname()
	}
	return u.EscapedPath()
}

// propValue reads a typed property from decoded props. A value its type
// cannot read is present but nil.
func propValue(f field, m map[string]any) (any, bool) {
	raw, ok := m[f.key]
	if !ok || raw == nil {
		return nil, false
	}
	text := jsonText(raw)
	switch f.typ {
	case typeNumber:
		n, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, true
		}
		return n, true
	case typeBool:
		if text != "true" && text != "false" {
			return nil, true
		}
		return text == "true", true
	case typeTime:
		at, err := time.Parse(time.RFC3339Nano, text)
		if err != nil {
			return nil, true
		}
		return at, true
	case typeTextList:
		elems, _ := raw.([]any)
		out := []string{}
		for _, el := range elems {
			if el != nil {
				out = append(out, jsonText(el))
			}
		}
		return out, true
	}
	return text, true
}

// jsonText is a JSON value as text: a string itself, else its JSON.
func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	data, _ := json.Marshal(v)
	return string(data)
}

// oElem is one element of an element path.
type oElem struct {
	tag     string
	classes []string
	ids     []string
	attrs   map[string][]*string // values; nil for a bare attribute
}

// oracleSelector matches a parsed selector against an element path by
// walking its elements, with no regular expression.
func oracleSelector(cs []compound, tok string) bool {
	var elems []*oElem
	for _, t := range strings.Split(tok, " ") {
		if t == "" {
			return false
		}
		if !strings.ContainsRune(".#=", rune(t[0])) {
			elems = append(elems, &oElem{tag: unescape(t),
				attrs: map[string][]*string{}})
			continue
		}
		if len(elems) == 0 {
			return false
		}
		el := elems[len(elems)-1]
		switch t[0] {
		case '.':
			el.classes = append(el.classes, unescape(t[1:]))
		case '#':
			el.ids = append(el.ids, unescape(t[1:]))
		default:
			name, value, ok := strings.Cut(t[1:], "=")
			var v *string
			if ok {
				v = ptr(unescape(value))
			}
			el.attrs[unescape(name)] = append(el.attrs[unescape(name)], v)
		}
	}
	var match func(j, i int) bool
	match = func(j, i int) bool {
		if !elemMatches(cs[j], elems[i]) {
			return false
		}
		if j == 0 {
			return true
		}
		if cs[j].child {
			return i > 0 && match(j-1, i-1)
		}
		for k := i - 1; k >= 0; k-- {
			if match(j-1, k) {
				return true
			}
		}
		return false
	}
	return len(elems) > 0 && match(len(cs)-1, len(elems)-1)
}

func elemMatches(c compound, el *oElem) bool {
	if c.tag != "" && !strings.EqualFold(c.tag, el.tag) {
		return false
	}
	for _, pt := range c.parts {
		switch {
		case pt.kind == '.' && !slices.Contains(el.classes, pt.name),
			pt.kind == '#' && !slices.Contains(el.ids, pt.name):
			return false
		case pt.kind == '=':
			vals, ok := el.attrs[pt.name]
			if !ok || pt.value != nil && !slices.ContainsFunc(vals,
				func(v *string) bool { return v != nil && *v == *pt.value }) {
				return false
			}
		}
	}
	return true
}

var regexps sync.Map // pattern -> *regexp.Regexp

func mustRegexp(pattern string) *regexp.Regexp {
	if re, ok := regexps.Load(pattern); ok {
		return re.(*regexp.Regexp)
	}
	re := regexp.MustCompile(pattern)
	regexps.Store(pattern, re)
	return re
}

func unescape(s string) string {
	u, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return u
}
