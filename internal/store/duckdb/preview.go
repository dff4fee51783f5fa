package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// Preview counts a segment's members, their sessions and events in the
// window, the members active on each local day, and the funnel's steps.
// It reads one snapshot and works the members out once, into a temporary
// table, which the counts and the per-day scan then probe.
func (db *DB) Preview(ctx context.Context, q store.PreviewQuery) (store.PreviewResult, error) {
	var res store.PreviewResult
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("preview: %w", err)
	}
	defer conn.Close()
	end, err := snapshot(ctx, conn)
	if err != nil {
		return res, err
	}
	defer end()
	eq := store.ExportQuery{Org: q.Org, People: q.People, Start: q.Start, End: q.End}
	if q.Funnel.SQL != "" {
		// The steps are judged once, into a table that the members are
		// then read from.
		table, release, err := materialize(ctx, sqlExec(conn), q.Funnel)
		if err != nil {
			return res, fmt.Errorf("preview funnel: %w", err)
		}
		defer release()
		if res.Funnel, err = countSteps(ctx, conn, table); err != nil {
			return res, err
		}
		eq.People = store.Query{SQL: fmt.Sprintf("SELECT indv_id FROM %s WHERE step%d",
			table, len(res.Funnel))}
	}
	release, err := materializeMembers(ctx, sqlExec(conn), &eq)
	if err != nil {
		return res, err
	}
	defer release()

	if res.People, err = countRows(ctx, conn, membersOf(q.Org, eq.People)); err != nil {
		return res, fmt.Errorf("preview people: %w", err)
	}
	if err := previewActivity(ctx, conn, eq, q.Location, &res); err != nil {
		return res, err
	}
	return res, nil
}

// countSteps counts the members of each step of a funnel table (see
// store.PreviewQuery.Funnel).
func countSteps(ctx context.Context, conn *sql.Conn, table string) ([]int64, error) {
	rows, err := conn.QueryContext(ctx, "SELECT * FROM "+table+" LIMIT 0")
	if err != nil {
		return nil, fmt.Errorf("preview funnel: %w", err)
	}
	cols, err := rows.Columns()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("preview funnel: %w", err)
	}
	var q strings.Builder
	steps := 0
	for _, col := range cols {
		if !strings.HasPrefix(col, "step") {
			continue
		}
		if steps++; steps > 1 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "count(*) FILTER (WHERE step%d)", steps)
	}
	if steps == 0 {
		return nil, fmt.Errorf("preview funnel: no step columns in %v", cols)
	}
	out := make([]int64, steps)
	dest := make([]any, steps)
	for i := range out {
		dest[i] = &out[i]
	}
	err = conn.QueryRowContext(ctx, "SELECT "+q.String()+" FROM "+table).Scan(dest...)
	if err != nil {
		return nil, fmt.Errorf("preview funnel: %w", err)
	}
	return out, nil
}

// previewActivity counts the members' events, sessions and active
// people in the window, in all and per local day, in one scan. The
// scan is first grouped by (day, person, session), a set a twentieth
// the size of the events, so the distinct counts read that instead.
func previewActivity(ctx context.Context, conn *sql.Conn, q store.ExportQuery, loc *time.Location, res *store.PreviewResult) error {
	var s sqlBuilder
	s.add("SELECT day, count(DISTINCT indv_id), count(DISTINCT session_id)," +
		" COALESCE(sum(n), 0)::BIGINT, GROUPING(day) FROM (SELECT ")
	if loc == nil || loc.String() == "UTC" {
		s.add("CAST(e.event_start AS DATE)")
	} else {
		s.add("CAST(timezone(?, e.event_start AT TIME ZONE 'UTC') AS DATE)", loc.String())
	}
	s.add(" AS day, e.indv_id, e.session_id, count(*) AS n FROM events e")
	s.where(q)
	s.add(" GROUP BY ALL) GROUP BY GROUPING SETS ((day), ()) ORDER BY day NULLS FIRST")
	rows, err := conn.QueryContext(ctx, s.b.String(), s.args...)
	if err != nil {
		return fmt.Errorf("preview activity: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var day sql.NullTime
		var people, sessions, events int64
		var total int
		if err := rows.Scan(&day, &people, &sessions, &events, &total); err != nil {
			return fmt.Errorf("preview activity: %w", err)
		}
		if total == 1 {
			res.ActivePeople, res.Sessions, res.Events = people, sessions, events
			continue
		}
		if day.Valid {
			res.PerDay = append(res.PerDay, store.DayCount{
				Day: day.Time.Format(time.DateOnly), People: people})
		}
	}
	return rows.Err()
}

// countRows counts the rows a query selects.
func countRows(ctx context.Context, conn *sql.Conn, q store.Query) (int64, error) {
	var n int64
	err := conn.QueryRowContext(ctx, "SELECT count(*) FROM ("+q.SQL+")", q.Args...).Scan(&n)
	return n, err
}

// membersOf is the member query, or every person of the org when it is
// empty.
func membersOf(org event.OrgID, people store.Query) store.Query {
	if people.SQL != "" {
		return people
	}
	return store.Query{SQL: "SELECT indv_id FROM people WHERE org_id = ?",
		Args: []any{string(org)}}
}

// CountPeople counts the members a query selects.
func (db *DB) CountPeople(ctx context.Context, org string, people store.Query) (int64, error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("count people: %w", err)
	}
	defer conn.Close()
	n, err := countRows(ctx, conn, membersOf(event.OrgID(org), people))
	if err != nil {
		return 0, fmt.Errorf("count people: %w", err)
	}
	return n, nil
}
