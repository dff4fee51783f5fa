package duckdb

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// An export window is read in two queries, neither sorted nor joined:
// the window's events, with their sort key and person in three more
// columns, and then the person columns of the people in it. Rows are
// sorted and joined here. DuckDB sorting a window moved every one of its
// 60-odd columns, and joining people built a hash table of every person
// of the org for each window (about 20 ms a window at 200,000 people),
// while a window's rows, in storage order, mostly arrive sorted already.

// windowPlan is how an event export's columns are read per window.
type windowPlan struct {
	cols   []store.OutputColumn
	events string // the select list over events e, then the three key columns
	people string // the select list over people p; "" when no column needs it
	// from[i] says where output column i comes from: an index into the
	// event columns, or, when person[i], into the person columns.
	from   []int
	person []bool
	// personKinds are the kinds of the person columns, in order.
	personKinds []event.Kind
	nEvents     int
}

func planWindows(q store.ExportQuery) (windowPlan, error) {
	p := windowPlan{cols: q.Columns, from: make([]int, len(q.Columns)),
		person: make([]bool, len(q.Columns))}
	var ev, pp []string
	for i, c := range q.Columns {
		expr, onPerson, err := columnExpr(c)
		if err != nil {
			return p, err
		}
		if onPerson {
			p.from[i], p.person[i] = len(pp), true
			pp = append(pp, expr)
			p.personKinds = append(p.personKinds, c.Kind)
		} else {
			p.from[i] = len(ev)
			ev = append(ev, expr)
		}
	}
	p.nEvents = len(ev)
	ev = append(ev, "e.event_start", "e.event_id", "e.indv_id")
	p.events = strings.Join(ev, ", ")
	if len(pp) > 0 {
		p.people = strings.Join(pp, ", ")
	}
	return p, nil
}

// windowBuffer holds one window's rows and the person columns of its
// people. Its buffers are reused from window to window.
type windowBuffer struct {
	plan   windowPlan
	vals   []any // the rows' event columns, plan.nEvents per row
	keys   []rowKey
	people map[int64][]any
	pvals  []any // backing store of people's values
	row    []any // the row handed on
}

// rowKey is a row's place in the export's order, and its person.
type rowKey struct {
	start int64 // EventStart in microseconds
	id    string
	row   int32
	indv  int64 // 0 when the event has no person
}

func compareKeys(a, b rowKey) int {
	if a.start != b.start {
		return cmp.Compare(a.start, b.start)
	}
	return strings.Compare(a.id, b.id)
}

// read fetches the window q selects: its events, then its people.
func (w *windowBuffer) read(ctx context.Context, conn *sql.Conn, p windowPlan, q store.ExportQuery) error {
	w.plan, w.vals, w.keys = p, w.vals[:0], w.keys[:0]
	var s sqlBuilder
	s.add("SELECT " + p.events + " FROM events e")
	s.where(q)
	n := p.nEvents
	err := scanRows(ctx, conn, s, n+3, func(vals []driver.Value) error {
		k := rowKey{row: int32(len(w.keys))}
		if t, ok := vals[n].(time.Time); ok {
			k.start = t.UnixMicro()
		}
		k.id, _ = vals[n+1].(string)
		k.indv, _ = vals[n+2].(int64)
		w.keys = append(w.keys, k)
		for i, c := range p.cols {
			if !p.person[i] {
				w.vals = append(w.vals, convert(vals[p.from[i]], c.Kind))
			}
		}
		return nil
	})
	if err != nil || p.people == "" {
		return err
	}
	return w.readPeople(ctx, conn, q.Org)
}

// readPeople fetches the person columns of the window's people.
func (w *windowBuffer) readPeople(ctx context.Context, conn *sql.Conn, org event.OrgID) error {
	if w.people == nil {
		w.people = map[int64][]any{}
	}
	clear(w.people)
	ids := make([]int64, 0, len(w.keys)/4)
	for _, k := range w.keys {
		if _, ok := w.people[k.indv]; !ok && k.indv != 0 {
			w.people[k.indv] = nil
			ids = append(ids, k.indv)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var s sqlBuilder
	s.add("SELECT p.indv_id, "+w.plan.people+" FROM people p WHERE p.org_id = ?"+
		" AND p.indv_id IN (SELECT unnest(?::BIGINT[]))", string(org), ids)
	kinds := w.plan.personKinds
	w.pvals = w.pvals[:0]
	type span struct{ id, at int64 }
	var spans []span
	err := scanRows(ctx, conn, s, len(kinds)+1, func(vals []driver.Value) error {
		id, _ := vals[0].(int64)
		spans = append(spans, span{id, int64(len(w.pvals))})
		for i, k := range kinds {
			w.pvals = append(w.pvals, convert(vals[i+1], k))
		}
		return nil
	})
	// The values are sliced only once pvals has stopped growing.
	for _, sp := range spans {
		w.people[sp.id] = w.pvals[sp.at : sp.at+int64(len(kinds))]
	}
	if err != nil {
		return fmt.Errorf("export people: %w", err)
	}
	return nil
}

// emit hands the window's rows to fn in order.
func (w *windowBuffer) emit(ctx context.Context, fn store.RowFunc) error {
	if !slices.IsSortedFunc(w.keys, compareKeys) {
		slices.SortFunc(w.keys, compareKeys)
	}
	p := w.plan
	if cap(w.row) < len(p.cols) {
		w.row = make([]any, len(p.cols))
	}
	row := w.row[:len(p.cols)]
	for _, k := range w.keys {
		ev := w.vals[int(k.row)*p.nEvents:]
		person := w.people[k.indv]
		for i := range row {
			switch {
			case !p.person[i]:
				row[i] = ev[p.from[i]]
			case person != nil:
				row[i] = person[p.from[i]]
			default:
				row[i] = nil
			}
		}
		if err := fn(row); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// readWindows reads n windows in order with read and hands their rows,
// sorted, to fn. A window is read while the one before it is handed on,
// so that the rows keep flowing to the encoder while DuckDB runs the next
// window's queries; two windows are held at a time.
func readWindows(ctx context.Context, n int, read func(context.Context, int, *windowBuffer) error, fn store.RowFunc) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	free := make(chan *windowBuffer, 2)
	free <- new(windowBuffer)
	free <- new(windowBuffer)
	ready := make(chan *windowBuffer)
	emitted := make(chan error, 1)
	go func() {
		var err error
		for b := range ready {
			if err == nil {
				if err = b.emit(ctx, fn); err != nil {
					cancel()
				}
			}
			free <- b
		}
		emitted <- err
	}()
	var err error
	for i := 0; i < n && err == nil; i++ {
		b := <-free
		if err = read(ctx, i, b); err == nil {
			ready <- b
		}
	}
	close(ready)
	if eerr := <-emitted; eerr != nil {
		return eerr
	}
	return err
}
