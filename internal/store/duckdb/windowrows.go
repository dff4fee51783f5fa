package duckdb

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// An export window is read in one query, neither sorted nor joined: the
// window's events, with their sort key and person in three more columns.
// Rows are sorted and joined with their people here. DuckDB sorting a
// window moved every one of its 60-odd columns, and joining people built
// a hash table of every person of the org for each window (about 20 ms a
// window at 200,000 people), while a window's rows, in storage order,
// mostly arrive sorted already. The person columns are read for a span
// of windows at once (see peopleSpan), since reading them costs a scan
// of the people table however few are asked for.

// windowPlan is how an event export's columns are read per window.
type windowPlan struct {
	cols   []store.OutputColumn
	events string // the select list over events e, then the three key columns
	people string // the select list over people p; "" when no column needs it
	// from[i] says where output column i comes from: an index into the
	// event columns, or, when person[i], into the person columns.
	from   []int
	person []bool
	// eventKinds and personKinds are the kinds of the event and the
	// person columns, in order.
	eventKinds, personKinds []event.Kind
	nEvents                 int
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
			p.eventKinds = append(p.eventKinds, c.Kind)
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

// windowBuffer holds one window's rows and the span its people are in.
// Its buffers are reused from window to window.
type windowBuffer struct {
	plan   windowPlan
	events columns // the rows' event columns, in storage order
	keys   []rowKey
	people *peopleSpan // nil when no column needs a person
	row    []any       // the row handed on
	arena  arena       // the window's strings
}

// peopleSpan holds the person columns of everyone with an event in a run
// of consecutive windows. It is not changed once read, so a window
// being handed on can use it while the next span is read.
type peopleSpan struct {
	cols  columns
	index map[int64]int32 // a person's row in cols
	arena arena
	until int // the first window after the span
}

// spanWindows is how many windows a people span covers. Its people are
// at most that many windows' rows, of the few person columns; at 200,000
// people, spans of 16 windows took the people scan from 40% of a CSV
// export's time to a few percent.
const spanWindows = 16

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

// read fetches the window q selects; its people are in span.
func (w *windowBuffer) read(ctx context.Context, c *chunkConn, p windowPlan, q store.ExportQuery, span *peopleSpan) error {
	w.plan, w.keys, w.people = p, w.keys[:0], span
	w.events.reset(p.eventKinds)
	// The rows read into this buffer last were all written out before it
	// came back to be read into (see readWindows).
	w.arena.reset()
	var s sqlBuilder
	s.add("SELECT " + p.events + " FROM events e")
	s.where(q)
	n := p.nEvents
	err := c.query(ctx, s.b.String(), s.args, func(ch *chunk) error {
		start, id, indv := &ch.cols[n], &ch.cols[n+1], &ch.cols[n+2]
		if start.typ != mapping.TypeTimestamp || id.typ != mapping.TypeVarchar || indv.typ != mapping.TypeBigInt {
			return fmt.Errorf("unexpected key column types %d, %d, %d", start.typ, id.typ, indv.typ)
		}
		for r := range ch.rows {
			k := rowKey{row: int32(len(w.keys))}
			if !start.null(r) {
				k.start = start.int64(r)
			}
			if !id.null(r) {
				k.id = w.arena.copy(id.str(r))
			}
			if !indv.null(r) {
				k.indv = indv.int64(r)
			}
			w.keys = append(w.keys, k)
		}
		return w.events.appendChunk(ch, 0, &w.arena)
	})
	if err != nil {
		return fmt.Errorf("export window: %w", err)
	}
	return nil
}

// readPeopleSpan reads the person columns of everyone with an event that
// q selects (whose window is the span's whole time range).
func readPeopleSpan(ctx context.Context, c *chunkConn, p windowPlan, q store.ExportQuery, until int) (*peopleSpan, error) {
	span := &peopleSpan{index: map[int64]int32{}, until: until}
	span.cols.reset(p.personKinds)
	var s sqlBuilder
	s.add("SELECT p.indv_id, "+p.people+" FROM people p WHERE p.org_id = ?", string(q.Org))
	s.add(" AND p.indv_id IN (SELECT DISTINCT e.indv_id FROM events e")
	s.where(q)
	s.add(")")
	err := c.query(ctx, s.b.String(), s.args, func(ch *chunk) error {
		for r := range ch.rows {
			span.index[ch.cols[0].int64(r)] = int32(span.cols.rows + r)
		}
		return span.cols.appendChunk(ch, 1, &span.arena)
	})
	if err != nil {
		return nil, fmt.Errorf("export people: %w", err)
	}
	return span, nil
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
		person := int32(-1)
		if w.people != nil {
			if at, ok := w.people.index[k.indv]; ok {
				person = at
			}
		}
		for i := range row {
			switch {
			case !p.person[i]:
				row[i] = w.events.cols[p.from[i]].value(int(k.row))
			case person >= 0:
				row[i] = w.people.cols.cols[p.from[i]].value(int(person))
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
// window's queries; two windows are held at a time. A window's buffer is
// read into again once its last row has been handed on, so fn must have
// finished with a row's values when it returns: the memory of the two
// windows is all an export holds, and nothing of it is left for the
// collector (fresh buffers for every window doubled the heap).
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
