package segment

// sequence writes the people for whom a sequence criterion holds (a
// SELECT of indv_id, a person possibly more than once) and records its
// steps for EventMatch. Events are ordered by (event_start, event_id).
// Each step reads its own events, so the store narrows each scan with
// that step's filter, and keeps, for each way the sequence may start,
// the earliest event that can follow the previous step: picking the
// earliest next step never loses a match, so the sequence holds exactly
// when the last step finds one. With within, each first-step event is
// its own start, and steps beyond the limit are pruned as they are
// joined; with sameSession the chain stays in the session of its first
// step (a missing session matches none).
//
// The order key is a row value compared as a whole; numbering the
// matching events with a window function instead cost twice the time
// and memory that does not spill.
func (c *compiler) sequence(w *sqlw, n *node) {
	c.matched = append(c.matched, n.steps...)
	w.raw("SELECT z.indv_id FROM (")
	c.stage(w, n, len(n.steps))
	w.raw(") z")
}

// stepEvents writes the window's events matching step k (from 1): the
// person, session, start and order key ord.
func (c *compiler) stepEvents(w *sqlw, n *node, k int) {
	w.raw("(SELECT e.indv_id, e.session_id, e.event_start, ",
		"(e.event_start, e.event_id) AS ord FROM events e WHERE ")
	c.scope(w, "e")
	w.raw(" AND e.indv_id IS NOT NULL AND ")
	c.filter(w, n.steps[k-1], "e")
	w.raw(")")
}

// stage writes the rows that complete steps 1..k: per chain, its person
// (and session), and o, the order key of its earliest step k event.
func (c *compiler) stage(w *sqlw, n *node, k int) {
	if n.within > 0 {
		c.stageWithin(w, n, k)
		return
	}
	keys := "s.indv_id"
	if n.same {
		keys = "s.indv_id, s.session_id"
	}
	w.raw("SELECT ", keys, ", min(s.ord) AS o FROM ")
	c.stepEvents(w, n, k)
	w.raw(" s")
	if k > 1 {
		w.raw(" JOIN (")
		c.stage(w, n, k-1)
		w.raw(") f ON s.indv_id = f.indv_id")
		if n.same {
			w.raw(" AND s.session_id = f.session_id")
		}
		w.raw(" WHERE s.ord > f.o")
	}
	w.raw(" GROUP BY ", keys)
}

// stageWithin is stage for a sequence with a time limit: chains are
// keyed by their first event (o0, at t0).
func (c *compiler) stageWithin(w *sqlw, n *node, k int) {
	if k == 1 {
		w.raw("SELECT s.indv_id, s.session_id, s.ord AS o0, ",
			"s.event_start AS t0, s.ord AS o FROM ")
		c.stepEvents(w, n, 1)
		w.raw(" s")
		return
	}
	w.raw("SELECT f.indv_id, f.session_id, f.o0, f.t0, min(s.ord) AS o ",
		"FROM (")
	c.stageWithin(w, n, k-1)
	w.raw(") f JOIN ")
	c.stepEvents(w, n, k)
	w.raw(" s ON s.indv_id = f.indv_id")
	if n.same {
		w.raw(" AND s.session_id = f.session_id")
	}
	w.raw(" WHERE s.ord > f.o AND ")
	w.raw(c.d.EpochMicros("s.event_start"), " - ",
		c.d.EpochMicros("f.t0"), " <= ")
	w.arg(n.within.Microseconds())
	w.raw(" GROUP BY f.indv_id, f.session_id, f.o0, f.t0")
}
