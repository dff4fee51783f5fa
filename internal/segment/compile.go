package segment

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// CompileOptions says where and when a definition is judged.
type CompileOptions struct {
	// Org scopes every table the queries read. Required.
	Org event.OrgID
	// Now is the clock relative ranges ("last 30d") resolve against.
	// Required when the window is relative.
	Now time.Time
	// Location is the request's timezone; nil means the definition's
	// timezone, whose default is UTC.
	Location *time.Location
	// Window, when set, replaces the definition's time range, as an
	// export's segmentTimeRange does; a zero TimeRange is all time.
	Window *TimeRange
	// Dialect spells the SQL; nil is DuckDB.
	Dialect Dialect
}

// Compiled is a definition turned into SQL for one org and window.
type Compiled struct {
	// People selects the members: one column, indv_id, each member once.
	// It is a complete SELECT that may start with WITH.
	People store.Query
	// EventMatch is a boolean expression over the events table aliased e
	// that holds for an event in the window matching a did filter or a
	// sequence step (didNot and user criteria contribute none). Its SQL
	// is empty when the definition has no such criterion.
	EventMatch store.Query
	// Start and End are the membership window, half-open; a zero value
	// is unbounded.
	Start, End time.Time
	// Funnel, for a preview of a definition with two or more top-level
	// criteria, selects indv_id and the booleans step1 .. stepN: step k
	// holds when the person is a member judged on the first k criteria
	// only, and stepN is membership itself. Its rows include every
	// member of every step, each person once, so one pass sizes them
	// all. Its SQL is empty for fewer criteria.
	Funnel store.Query
	// Location is the timezone the definition was read in.
	Location *time.Location
}

// Compile validates def and compiles it to SQL. Every value is a bound
// parameter; only validated property keys are spelled into the SQL.
func Compile(def *Definition, opt CompileOptions) (Compiled, error) {
	if opt.Org == "" {
		return Compiled{}, errors.New("compile segment: no org")
	}
	loc := opt.Location
	if loc == nil {
		var err error
		if loc, err = LoadLocation(def.Timezone); err != nil {
			return Compiled{}, wrapAt("timezone", err)
		}
	}
	p, err := validate(def, loc)
	if err != nil {
		return Compiled{}, err
	}

	window, path := def.TimeRange, "timeRange"
	if opt.Window != nil {
		window, path = *opt.Window, "segmentTimeRange"
	}
	if window.Last != "" && opt.Now.IsZero() {
		return Compiled{}, errors.New("compile segment: relative window " +
			"without a clock")
	}
	start, end, err := window.resolve(path, opt.Now, loc)
	if err != nil {
		return Compiled{}, err
	}

	d := opt.Dialect
	if d == nil {
		d = DuckDB
	}
	fresh := func() *compiler {
		return &compiler{d: d, org: string(opt.Org),
			start: ceilMicro(start), end: ceilMicro(end)}
	}
	c := fresh()
	out := Compiled{Start: c.start, End: c.end, Location: loc}
	out.People = c.people(p) // collects the filters EventMatch needs
	out.EventMatch = c.eventMatch()
	if len(p.nodes) > 1 {
		out.Funnel = fresh().funnel(p)
	}
	return out, nil
}

// ceilMicro rounds t up to the microsecond, the store's precision, so
// that comparing stored times with it keeps its exact meaning.
func ceilMicro(t time.Time) time.Time {
	if u := t.Truncate(time.Microsecond); !u.Equal(t) {
		return u.Add(time.Microsecond)
	}
	return t
}

// sqlw accumulates SQL text and its arguments in text order.
type sqlw struct {
	b    strings.Builder
	args []any
}

func (w *sqlw) raw(parts ...string) {
	for _, s := range parts {
		w.b.WriteString(s)
	}
}

// arg writes a placeholder and binds v to it.
func (w *sqlw) arg(v any) {
	w.b.WriteString("?")
	w.args = append(w.args, v)
}

func (w *sqlw) add(q store.Query) {
	w.b.WriteString(q.SQL)
	w.args = append(w.args, q.Args...)
}

func (w *sqlw) query() store.Query {
	return store.Query{SQL: w.b.String(), Args: w.args}
}

// compiler turns a plan into SQL.
type compiler struct {
	d          Dialect
	org        string
	start, end time.Time
	matched    []*filter // positive event filters, for EventMatch
}

// people writes the members query: people with an event in the window
// for whom the criteria hold. When a criterion of an all-group can only
// hold for people with an event in the window, its own member set is the
// starting point, and the scan for everyone active is not needed.
func (c *compiler) people(p *plan) store.Query {
	var body sqlw
	nodes := p.nodes
	if i := anchor(p); i >= 0 {
		body.raw("SELECT m.indv_id FROM (")
		c.members(&body, nodes[i])
		body.raw(") m")
		nodes = append(append([]*node{}, nodes[:i]...), nodes[i+1:]...)
	} else {
		body.raw("SELECT m.indv_id FROM (SELECT DISTINCT e.indv_id FROM ",
			"events e WHERE ")
		c.scope(&body, "e")
		body.raw(" AND e.indv_id IS NOT NULL) m")
	}
	if len(nodes) > 0 {
		body.raw(" WHERE ")
		c.group(&body, p.match, nodes)
	}

	return body.query()
}

// funnel writes the Funnel query of a plan (see Compiled.Funnel). Each
// criterion is judged once per person, as c<k>; the steps combine them.
// The rows are everyone active in the window, or, when every step needs
// the first criterion and it can anchor, that criterion's members.
func (c *compiler) funnel(p *plan) store.Query {
	var w sqlw
	nodes, from := p.nodes, 0
	w.raw("SELECT f.indv_id")
	sep := " AND "
	if p.match == MatchAny {
		sep = " OR "
	}
	if p.match == MatchAll && canAnchor(nodes[0]) {
		from = 1 // c1 holds for every row
	}
	for k := range nodes {
		w.raw(", (")
		switch {
		case k == 0 && from == 1:
			w.raw("TRUE")
		default:
			for i := from; i <= k; i++ {
				if i > from {
					w.raw(sep)
				}
				w.raw(fmt.Sprintf("f.c%d", i+1))
			}
		}
		w.raw(fmt.Sprintf(") AS step%d", k+1))
	}
	w.raw(" FROM (SELECT m.indv_id")
	for i := from; i < len(nodes); i++ {
		w.raw(", (")
		c.node(&w, nodes[i])
		w.raw(fmt.Sprintf(") AS c%d", i+1))
	}
	w.raw(" FROM (")
	if from == 1 {
		c.members(&w, nodes[0])
	} else {
		w.raw("SELECT DISTINCT e.indv_id FROM events e WHERE ")
		c.scope(&w, "e")
		w.raw(" AND e.indv_id IS NOT NULL")
	}
	w.raw(") m) f")
	return w.query()
}

// canAnchor holds for a criterion that only people with an event in the
// window meet, whose members set can start a members query (see
// anchor).
func canAnchor(n *node) bool {
	switch {
	case n.kind == nodeDid, n.kind == nodeSequence:
		return true
	case n.kind == nodeUser && n.cond.field.src == srcEvent:
		return true
	}
	return n.kind == nodeUser && !n.cond.negate &&
		(n.cond.field.src == srcPerson || n.cond.field.src == srcPersonProp)
}

// anchor picks the criterion whose member set the members query starts
// from, or -1: in a group that needs all its criteria (or has one), the
// first that holds only for people with an event in the window. Event
// criteria come first, since they are read from the events the window
// scans anyway; a positive person condition comes next, a small set that
// the events are then probed with.
func anchor(p *plan) int {
	if p.match != MatchAll && len(p.nodes) != 1 {
		return -1
	}
	for i, n := range p.nodes {
		switch {
		case n.kind == nodeDid, n.kind == nodeSequence,
			n.kind == nodeUser && n.cond.field.src == srcEvent:
			return i
		}
	}
	for i, n := range p.nodes {
		if n.kind == nodeUser && !n.cond.negate &&
			(n.cond.field.src == srcPerson || n.cond.field.src == srcPersonProp) {
			return i
		}
	}
	return -1
}

// members writes the member set of an anchor criterion (see anchor): a
// SELECT of indv_id, each person once, all with an event in the window.
func (c *compiler) members(w *sqlw, n *node) {
	switch {
	case n.kind == nodeDid:
		c.matched = append(c.matched, n.filter)
		w.raw("SELECT e.indv_id FROM events e WHERE ")
		c.scope(w, "e")
		w.raw(" AND e.indv_id IS NOT NULL AND ")
		c.filter(w, n.filter, "e")
		w.raw(" GROUP BY e.indv_id")
		c.having(w, n.count)
	case n.kind == nodeSequence:
		w.raw("SELECT DISTINCT s.indv_id FROM (")
		c.sequence(w, n)
		w.raw(") s")
	case n.cond.field.src == srcEvent:
		w.raw("SELECT DISTINCT e.indv_id FROM events e WHERE ")
		c.scope(w, "e")
		w.raw(" AND e.indv_id IS NOT NULL AND ")
		c.cond(w, n.cond, "e")
	default: // a positive person condition
		w.raw("SELECT DISTINCT e.indv_id FROM events e WHERE ")
		c.scope(w, "e")
		w.raw(" AND e.indv_id IN (SELECT p.indv_id FROM people p WHERE p.org_id = ")
		w.arg(c.org)
		w.raw(" AND ")
		c.positive(w, n.cond, "p")
		w.raw(")")
	}
}

// scope writes the org and window test of an events alias.
func (c *compiler) scope(w *sqlw, alias string) {
	w.raw(alias, ".org_id = ")
	w.arg(c.org)
	c.window(w, alias)
}

// window writes " AND <alias>.event_start >= ? AND ... < ?" for the
// bounded ends of the window.
func (c *compiler) window(w *sqlw, alias string) {
	if !c.start.IsZero() {
		w.raw(" AND ", alias, ".event_start >= ")
		w.arg(c.start.UTC())
	}
	if !c.end.IsZero() {
		w.raw(" AND ", alias, ".event_start < ")
		w.arg(c.end.UTC())
	}
}

// group writes the criteria joined by AND (all) or OR (any).
func (c *compiler) group(w *sqlw, match Match, nodes []*node) {
	sep := " AND "
	if match == MatchAny {
		sep = " OR "
	}
	w.raw("(")
	for i, n := range nodes {
		if i > 0 {
			w.raw(sep)
		}
		c.node(w, n)
	}
	w.raw(")")
}

// node writes a predicate over the member alias m.
func (c *compiler) node(w *sqlw, n *node) {
	switch n.kind {
	case nodeGroup:
		c.group(w, n.match, n.children)
	case nodeUser:
		c.user(w, n.cond)
	case nodeDid:
		c.matched = append(c.matched, n.filter)
		w.raw("m.indv_id IN (SELECT e.indv_id FROM events e WHERE ")
		c.scope(w, "e")
		w.raw(" AND ")
		c.filter(w, n.filter, "e")
		if n.count != nil {
			w.raw(" GROUP BY e.indv_id")
			c.having(w, n.count)
		}
		w.raw(")")
	case nodeDidNot:
		w.raw("m.indv_id NOT IN (SELECT e.indv_id FROM events e WHERE ")
		c.scope(w, "e")
		w.raw(" AND e.indv_id IS NOT NULL AND ")
		c.filter(w, n.filter, "e")
		w.raw(")")
	case nodeSequence:
		w.raw("m.indv_id IN (")
		c.sequence(w, n)
		w.raw(")")
	}
}

// having writes the HAVING of a did count, grouped by person; nothing
// without a count.
func (c *compiler) having(w *sqlw, n *count) {
	if n == nil {
		return
	}
	w.raw(" HAVING count(*) ")
	switch {
	case n.lo == n.hi:
		w.raw("= ")
		w.arg(n.lo)
	case n.hi == math.MaxInt64:
		w.raw(">= ")
		w.arg(n.lo)
	default:
		w.raw("BETWEEN ")
		w.arg(n.lo)
		w.raw(" AND ")
		w.arg(n.hi)
	}
}

// user writes a user criterion. People fields test the person's row,
// where a negative operator holds for a missing row too; first_seen and
// last_seen test all their events; the activity fields hold when any
// event in the window meets the condition.
func (c *compiler) user(w *sqlw, cd *cond) {
	not := ""
	if cd.negate {
		not = "NOT "
	}
	switch cd.field.src {
	case srcPerson, srcPersonProp:
		w.raw("m.indv_id ", not, "IN (SELECT p.indv_id FROM people p ",
			"WHERE p.org_id = ")
		w.arg(c.org)
		w.raw(" AND ")
		c.positive(w, cd, "p")
		w.raw(")")
	case srcFirstSeen, srcLastSeen:
		w.raw("m.indv_id ", not, "IN (SELECT e.indv_id FROM events e ",
			"WHERE e.org_id = ")
		w.arg(c.org)
		w.raw(" AND e.indv_id IS NOT NULL GROUP BY e.indv_id HAVING ")
		c.positive(w, cd, "e")
		w.raw(")")
	default:
		w.raw("m.indv_id IN (SELECT e.indv_id FROM events e WHERE ")
		c.scope(w, "e")
		w.raw(" AND ")
		c.cond(w, cd, "e")
		w.raw(")")
	}
}

// filter writes an event filter over an events alias: TRUE when empty.
func (c *compiler) filter(w *sqlw, f *filter, alias string) {
	if f.eventType == "" && len(f.conds) == 0 {
		w.raw("TRUE")
		return
	}
	w.raw("(")
	if f.eventType != "" {
		w.raw(alias, ".event_type = ")
		w.arg(f.eventType)
	}
	for i, cd := range f.conds {
		if i > 0 || f.eventType != "" {
			w.raw(" AND ")
		}
		c.cond(w, cd, alias)
	}
	w.raw(")")
}

// cond writes a condition on one row, negation included.
func (c *compiler) cond(w *sqlw, cd *cond, alias string) {
	if cd.negate {
		w.raw("NOT COALESCE(")
		c.positive(w, cd, alias)
		w.raw(", FALSE)")
		return
	}
	c.positive(w, cd, alias)
}

// eventMatch writes the EventMatch expression.
func (c *compiler) eventMatch() store.Query {
	if len(c.matched) == 0 {
		return store.Query{}
	}
	var w sqlw
	w.raw("(TRUE")
	c.window(&w, "e")
	w.raw(" AND (")
	for i, f := range c.matched {
		if i > 0 {
			w.raw(" OR ")
		}
		c.filter(&w, f, "e")
	}
	w.raw("))")
	return w.query()
}
