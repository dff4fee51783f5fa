package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// sqlBuilder accumulates a query's text and its arguments in order.
type sqlBuilder struct {
	b    strings.Builder
	args []any
}

func (s *sqlBuilder) add(text string, args ...any) {
	s.b.WriteString(text)
	s.args = append(s.args, args...)
}

// limit caps the rows of a query when n is positive.
func (s *sqlBuilder) limit(n int) {
	if n > 0 {
		s.add(" LIMIT ?", n)
	}
}

// where writes the event selection shared by every export query: the
// org, the time range, the segment's members and the event filter.
func (s *sqlBuilder) where(q store.ExportQuery) {
	s.add(" WHERE e.org_id = ?", string(q.Org))
	if !q.Start.IsZero() {
		s.add(" AND e.event_start >= ?", q.Start.UTC())
	}
	if !q.End.IsZero() {
		s.add(" AND e.event_start < ?", q.End.UTC())
	}
	if q.People.SQL != "" {
		s.add(" AND e.indv_id IN (" + q.People.SQL + ")")
		s.args = append(s.args, q.People.Args...)
	}
	if q.EventFilter.SQL != "" {
		s.add(" AND (" + q.EventFilter.SQL + ")")
		s.args = append(s.args, q.EventFilter.Args...)
	}
}

// propExpr reads a custom property out of a JSON props column, typed.
// The key was validated by event.ParsePropKey, so it can be quoted into
// the JSON path.
func propExpr(col string, k event.PropKey) string {
	path := `'$."` + k.String() + `"'`
	raw := "json_extract(" + col + ", " + path + ")"
	switch k.Type {
	case event.TypeStr, event.TypeDate:
		return "json_extract_string(" + col + ", " + path + ")"
	case event.TypeInt:
		return "TRY_CAST(" + raw + " AS BIGINT)"
	case event.TypeReal:
		return "TRY_CAST(" + raw + " AS DOUBLE)"
	case event.TypeBool:
		return "TRY_CAST(" + raw + " AS BOOLEAN)"
	}
	return "CAST(" + raw + " AS VARCHAR)"
}

func propsColumn(s event.PropScope, person string) string {
	switch s {
	case event.ScopeUser:
		return person + ".props"
	case event.ScopePage:
		return "e.page_props"
	}
	return "e.evt_props"
}

// columnExpr is the SQL of an event export's output column, over events
// e and people p, and whether it reads the person's row.
func columnExpr(c store.OutputColumn) (expr string, onPerson bool, err error) {
	switch {
	case c.Prop != nil:
		return propExpr(propsColumn(c.Prop.Scope, "p"), c.Prop.Key), c.Prop.Scope == event.ScopeUser, nil
	case c.Column != nil && c.Column.Source == event.FromPerson:
		return "p." + c.Column.DB, true, nil
	case c.Column != nil:
		return "e." + c.Column.DB, false, nil
	}
	return "", false, fmt.Errorf("output column %q has no source", c.Name)
}

// eventSelect writes the output columns of an event export.
func eventSelect(cols []store.OutputColumn) (string, error) {
	parts := make([]string, len(cols))
	for i, c := range cols {
		var err error
		if parts[i], _, err = columnExpr(c); err != nil {
			return "", err
		}
	}
	return strings.Join(parts, ", "), nil
}

// ExportEvents streams the export's event rows, ordered by EventStart
// then EventId, to fn.
func (db *DB) ExportEvents(ctx context.Context, q store.ExportQuery, fn store.RowFunc) error {
	if q.Limit > 0 {
		return db.sampleEvents(ctx, q, fn)
	}
	plan, err := planWindows(q)
	if err != nil {
		return err
	}
	c, err := db.chunkConn()
	if err != nil {
		return fmt.Errorf("export query: %w", err)
	}
	defer c.close()

	// One snapshot for the plan and every window, so rows arriving during
	// the export are in none of them and the count matches what is sent.
	// Rolling it back at the end drops the temporary table with it.
	if err := c.exec(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("start export snapshot: %w", err)
	}
	defer c.exec(context.WithoutCancel(ctx), "ROLLBACK")
	// Sorting a whole export at once holds every row in the engine's
	// memory; sorting it window by window, in time order, holds one
	// window. The segment's members are worked out once, not per window.
	release, err := materializeMembers(ctx, c.exec, &q)
	if err != nil {
		return err
	}
	defer release()
	windows, total, err := exportWindows(ctx, c, q)
	if err != nil {
		return err
	}
	if q.OnTotal != nil {
		q.OnTotal(total)
	}
	var span *peopleSpan
	return readWindows(ctx, len(windows), func(ctx context.Context, i int, b *windowBuffer) error {
		if plan.people != "" && (span == nil || i >= span.until) {
			until := min(i+spanWindows, len(windows))
			sq := q
			sq.Start, sq.End = windows[i].start, windows[until-1].end
			if span, err = readPeopleSpan(ctx, c, plan, sq, until); err != nil {
				return err
			}
		}
		wq := q
		wq.Start, wq.End = windows[i].start, windows[i].end
		return b.read(ctx, c, plan, wq, span)
	}, fn)
}

// sampleEvents streams the first q.Limit rows (an estimate's sample) from
// one sorted, joined query.
func (db *DB) sampleEvents(ctx context.Context, q store.ExportQuery, fn store.RowFunc) error {
	sel, err := eventSelect(q.Columns)
	if err != nil {
		return err
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("export query: %w", err)
	}
	defer conn.Close()
	var s sqlBuilder
	s.add("SELECT " + sel + " FROM events e LEFT JOIN people p" +
		" ON p.org_id = e.org_id AND p.indv_id = e.indv_id")
	s.where(q)
	s.add(" ORDER BY e.event_start, e.event_id")
	s.limit(q.Limit)
	return stream(ctx, conn, s, q.Columns, fn)
}

// snapshot starts a transaction on conn, so that every query on it sees
// the same data; end rolls it back (the export only reads, and temporary
// tables made inside it go with it).
func snapshot(ctx context.Context, conn *sql.Conn) (end func(), err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return nil, fmt.Errorf("start export snapshot: %w", err)
	}
	return func() {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	}, nil
}

// CountExport counts the rows an export would write.
func (db *DB) CountExport(ctx context.Context, q store.ExportQuery, individuals bool) (int64, error) {
	var s sqlBuilder
	if individuals {
		s.add("SELECT count(*) FROM (SELECT e.indv_id FROM events e")
		s.where(q)
		s.add(" GROUP BY e.indv_id)")
	} else {
		s.add("SELECT count(*) FROM events e")
		s.where(q)
	}
	var n int64
	err := db.sql.QueryRowContext(ctx, s.b.String(), s.args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count export rows: %w", err)
	}
	return n, nil
}

// stream runs the query and hands each row to fn, converting driver values
// to the kinds the encoders take.
func stream(ctx context.Context, conn *sql.Conn, s sqlBuilder, cols []store.OutputColumn, fn store.RowFunc) error {
	row := make([]any, len(cols))
	return scanRows(ctx, conn, s, len(cols), func(vals []driver.Value) error {
		for i, c := range cols {
			row[i] = convert(vals[i], c.Kind)
		}
		return fn(row)
	})
}

// scanRows runs the query and hands each row's driver values, width of
// them, to fn. It reads rows from the driver directly: database/sql's
// per-row locking and Scan conversions cost about a third of an export's
// time.
func scanRows(ctx context.Context, conn *sql.Conn, s sqlBuilder, width int, fn func([]driver.Value) error) error {
	args := make([]driver.NamedValue, len(s.args))
	for i, a := range s.args {
		if n, ok := a.(int); ok {
			a = int64(n)
		}
		args[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return conn.Raw(func(dc any) error {
		rows, err := dc.(driver.QueryerContext).QueryContext(ctx, s.b.String(), args)
		if err != nil {
			return fmt.Errorf("export query: %w", err)
		}
		defer rows.Close()
		vals := make([]driver.Value, width)
		for {
			err := rows.Next(vals)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("export query: %w", err)
			}
			if err := fn(vals); err != nil {
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	})
}

// convert normalises a scanned value: times to UTC, date properties
// (stored as text) to instants, list properties to raw JSON bytes.
func convert(v any, k event.Kind) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case string:
		switch k {
		case event.KindTime:
			t, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return nil
			}
			return t.UTC()
		case event.KindJSON:
			return []byte(x)
		}
	case int32:
		return int64(x)
	}
	return v
}

// PropKeys lists the stored property keys of a scope, sorted.
func (db *DB) PropKeys(ctx context.Context, org event.OrgID, scope event.PropScope) ([]event.PropKey, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT key FROM prop_keys
		WHERE org_id = ? AND scope = ? ORDER BY key`, string(org), string(scope))
	if err != nil {
		return nil, fmt.Errorf("list property keys: %w", err)
	}
	defer rows.Close()
	var out []event.PropKey
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		if pk, ok := event.ParsePropKey(k); ok {
			out = append(out, pk)
		}
	}
	return out, rows.Err()
}
