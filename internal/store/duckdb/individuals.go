package duckdb

import (
	"context"
	"fmt"
	"strings"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// An individuals export has a row per person with events in the range:
// aggregates of those events, then the person's own columns. The
// aggregates are worked out once, into temporary tables that the row
// count and the rows are both read from, and each is one DuckDB can spill
// to disk: the last event's text columns are read only at each person's
// last instant. Taking them with arg_max over every event kept text in
// the aggregate's state, which does not spill; over 10 million events it
// ran out of memory below a 256MB limit, and took twice as long.

// individualExprs are the columns of an individuals export, by output
// column name, over the aggregates t, a and l (individualsCounts, Active
// and Last) and people p.
var individualExprs = map[string]string{
	"IndvId":              "t.indv_id",
	"UserAppKey":          "p.uid",
	"UserDisplayName":     "p.display_name",
	"UserEmail":           "p.email",
	"UserCreated":         "p.created",
	"FirstEventStart":     "t.first_event_start",
	"LastEventStart":      "t.last_event_start",
	"NumSessions":         "t.num_sessions",
	"NumPages":            "t.num_pages",
	"NumEvents":           "t.num_events",
	"TotalActiveDuration": "a.total_active_duration",
	"LastPageUrl":         "l.v.url",
	"LastBrowser":         "l.v.browser",
	"LastDevice":          "l.v.device",
	"LastOperatingSystem": "l.v.os",
	"LastCountry":         "l.v.country",
}

// individualsSelect is the select list of an individuals export.
func individualsSelect(cols []store.OutputColumn) (string, error) {
	parts := make([]string, len(cols))
	for i, c := range cols {
		switch {
		case c.Prop != nil && c.Prop.Scope == event.ScopeUser:
			parts[i] = propExpr("p.props", c.Prop.Key)
		case c.Column != nil && individualExprs[c.Name] != "":
			parts[i] = individualExprs[c.Name]
		default:
			return "", fmt.Errorf("column %q is not an individuals column", c.Name)
		}
	}
	return strings.Join(parts, ", "), nil
}

// An individuals export's aggregates are over the events q selects, per
// person (events without a person are one group). Each is stored in a
// temporary table of its own, one statement at a time, so that each
// aggregate has the memory limit to itself.

// individualsCounts is a person's counts and first and last EventStart.
func individualsCounts(q store.ExportQuery) sqlBuilder {
	var s sqlBuilder
	s.add(`SELECT e.indv_id,
  min(e.event_start) AS first_event_start,
  max(e.event_start) AS last_event_start,
  count(DISTINCT e.session_id) AS num_sessions,
  count(DISTINCT e.page_id) AS num_pages,
  count(*) AS num_events
FROM events e`)
	s.where(q)
	s.add(" GROUP BY e.indv_id")
	return s
}

// individualsActive is a person's active time: the most of each page,
// added up.
func individualsActive(q store.ExportQuery) sqlBuilder {
	var s sqlBuilder
	s.add("SELECT indv_id, sum(d)::BIGINT AS total_active_duration FROM (" +
		"SELECT e.indv_id, max(e.page_active_duration) AS d FROM events e")
	s.where(q)
	s.add(" GROUP BY e.indv_id, e.page_id) GROUP BY indv_id")
	return s
}

// individualsLast is the columns of a person's last event, the latest by
// (EventStart, EventId), read at the last EventStart in counts.
func individualsLast(q store.ExportQuery, counts string) sqlBuilder {
	var s sqlBuilder
	s.add(`SELECT e.indv_id, arg_max({'url': e.page_url, 'browser': e.browser,
    'device': e.device, 'os': e.os, 'country': e.country}, e.event_id) AS v
FROM events e JOIN ` + counts + ` m ON m.indv_id IS NOT DISTINCT FROM e.indv_id
  AND m.last_event_start = e.event_start`)
	s.where(q)
	s.add(" GROUP BY e.indv_id")
	return s
}

// ExportIndividuals streams one row per person active in the range,
// ordered by UserAppKey, then IndvId for people without one.
func (db *DB) ExportIndividuals(ctx context.Context, q store.ExportQuery, fn store.RowFunc) error {
	sel, err := individualsSelect(q.Columns)
	if err != nil {
		return err
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("export query: %w", err)
	}
	defer conn.Close()
	end, err := snapshot(ctx, conn)
	if err != nil {
		return err
	}
	defer end()
	exec := sqlExec(conn)
	release, err := materializeMembers(ctx, exec, &q)
	if err != nil {
		return err
	}
	defer release()
	// The aggregates' tables go with the snapshot's rollback.
	keep := func(s sqlBuilder) (string, error) {
		table, _, err := materialize(ctx, exec, store.Query{SQL: s.b.String(), Args: s.args})
		if err != nil {
			return "", fmt.Errorf("export people's aggregates: %w", err)
		}
		return table, nil
	}
	counts, err := keep(individualsCounts(q))
	if err != nil {
		return err
	}
	active, err := keep(individualsActive(q))
	if err != nil {
		return err
	}
	last, err := keep(individualsLast(q, counts))
	if err != nil {
		return err
	}
	if q.OnTotal != nil {
		var n int64
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+counts).Scan(&n); err != nil {
			return fmt.Errorf("count export rows: %w", err)
		}
		q.OnTotal(n)
	}
	var s sqlBuilder
	s.add("SELECT "+sel+" FROM "+counts+" t"+
		" LEFT JOIN "+active+" a ON a.indv_id IS NOT DISTINCT FROM t.indv_id"+
		" LEFT JOIN "+last+" l ON l.indv_id IS NOT DISTINCT FROM t.indv_id"+
		" LEFT JOIN people p ON p.org_id = ? AND p.indv_id = t.indv_id"+
		" ORDER BY COALESCE(p.uid, CAST(t.indv_id AS VARCHAR)), t.indv_id", string(q.Org))
	s.limit(q.Limit)
	return stream(ctx, conn, s, q.Columns, fn)
}
