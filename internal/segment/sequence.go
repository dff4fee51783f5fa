package segment

import (
	"fmt"

	"github.com/backstory-dev/backstory/internal/store"
)

// sequence writes the people for whom a sequence criterion holds (a
// SELECT of indv_id, a person possibly more than once) and records its
// steps for EventMatch. The events matching any step
// are numbered per person in (event_start, event_id) order in a CTE,
// then each step keeps, for each way the sequence may start, the
// earliest event that can follow: picking the earliest next step never
// loses a match, so the sequence holds exactly when the last step finds
// one. With within, each first-step event is its own start, and steps
// beyond the limit are pruned as they are joined; with sameSession the
// chain stays in the session of its first step (a missing session
// matches none).
func (c *compiler) sequence(w *sqlw, n *node) {
	c.matched = append(c.matched, n.steps...)
	name := fmt.Sprintf("seq%d", len(c.ctes))
	c.ctes = append(c.ctes, c.sequenceEvents(n))
	w.raw("SELECT z.indv_id FROM (")
	c.stage(w, n, name, len(n.steps))
	w.raw(") z")
}

// sequenceEvents selects the window's events that match a step, with a
// flag b<i> per step and their order ord per person.
func (c *compiler) sequenceEvents(n *node) store.Query {
	var w sqlw
	w.raw("SELECT x.*, row_number() OVER (PARTITION BY x.indv_id ",
		"ORDER BY x.event_start, x.event_id) AS ord FROM (SELECT ",
		"e.indv_id, e.session_id, e.event_start, e.event_id")
	for i, f := range n.steps {
		w.raw(", COALESCE(")
		c.filter(&w, f, "e")
		w.raw(fmt.Sprintf(", FALSE) AS b%d", i+1))
	}
	w.raw(" FROM events e WHERE ")
	c.scope(&w, "e")
	w.raw(" AND e.indv_id IS NOT NULL) x WHERE ")
	for i := range n.steps {
		if i > 0 {
			w.raw(" OR ")
		}
		w.raw(fmt.Sprintf("x.b%d", i+1))
	}
	return w.query()
}

// stage writes the rows that complete steps 1..k: per chain, its person
// (and session), and o, the order of its earliest step k event.
func (c *compiler) stage(w *sqlw, n *node, seq string, k int) {
	if n.within > 0 {
		c.stageWithin(w, n, seq, k)
		return
	}
	keys := "s.indv_id"
	if n.same {
		keys = "s.indv_id, s.session_id"
	}
	w.raw("SELECT ", keys, ", min(s.ord) AS o FROM ", seq, " s")
	if k > 1 {
		w.raw(" JOIN (")
		c.stage(w, n, seq, k-1)
		w.raw(") f ON s.indv_id = f.indv_id")
		if n.same {
			w.raw(" AND s.session_id = f.session_id")
		}
	}
	w.raw(fmt.Sprintf(" WHERE s.b%d", k))
	if k > 1 {
		w.raw(" AND s.ord > f.o")
	}
	w.raw(" GROUP BY ", keys)
}

// stageWithin is stage for a sequence with a time limit: chains are
// keyed by their first event (o0, at t0).
func (c *compiler) stageWithin(w *sqlw, n *node, seq string, k int) {
	if k == 1 {
		w.raw("SELECT s.indv_id, s.session_id, s.ord AS o0, ",
			"s.event_start AS t0, s.ord AS o FROM ", seq, " s WHERE s.b1")
		return
	}
	w.raw("SELECT f.indv_id, f.session_id, f.o0, f.t0, min(s.ord) AS o ",
		"FROM (")
	c.stageWithin(w, n, seq, k-1)
	w.raw(") f JOIN ", seq, " s ON s.indv_id = f.indv_id")
	if n.same {
		w.raw(" AND s.session_id = f.session_id")
	}
	w.raw(fmt.Sprintf(" WHERE s.b%d AND s.ord > f.o AND ", k))
	w.raw(c.d.EpochMicros("s.event_start"), " - ",
		c.d.EpochMicros("f.t0"), " <= ")
	w.arg(n.within.Microseconds())
	w.raw(" GROUP BY f.indv_id, f.session_id, f.o0, f.t0")
}
